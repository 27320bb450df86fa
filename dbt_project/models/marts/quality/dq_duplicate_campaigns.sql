{#- Valid rows removed as duplicates of an earlier (lower id) row for the same campaign and day. -#}
{{
    config(
        post_hook=[
            "{{ mca_create_index(['campaign_row_id'], unique=true) }}",
        ]
    )
}}

with

classified as (

    select * from {{ ref('int_campaigns__classified') }}

),

final as (

    select
        -- primary key
        classified.campaign_row_id,

        -- foreign key: the row that was kept
        classified.duplicate_of_row_id,

        -- attributes
        classified.campaign_key,
        classified.campaign_name,
        classified.date_day,
        classified.channel,
        classified.cost,
        classified.revenue,
        classified.impressions,
        classified.clicks,
        classified.conversions
    from classified
    where classified.row_outcome = 'duplicate'

)

select * from final
