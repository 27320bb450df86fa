{#- The five canonical channels of the seed plus 'Other' for names the alias table does not know. -#}
{{
    config(
        post_hook=[
            "{{ mca_create_index(['channel_id'], unique=true) }}",
        ]
    )
}}

with

channels as (

    select * from {{ ref('channels') }}

),

final as (

    select
        -- primary key
        cast(channels.channel_id as {{ mca_type_int() }}) as channel_id,

        -- attributes
        channels.channel,
        channels.channel_group,
        (channels.channel <> 'Other') as is_canonical,
        cast(channels.sort_order as {{ mca_type_int() }}) as sort_order
    from channels

)

select * from final
