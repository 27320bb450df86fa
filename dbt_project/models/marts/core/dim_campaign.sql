{#- One row per campaign in the fact. The display name is the one on the campaign's earliest loaded row. -#}
{{
    config(
        post_hook=[
            "{{ mca_create_index(['campaign_key'], unique=true) }}",
        ]
    )
}}

with

facts as (

    select * from {{ ref('fct_campaign_daily') }}

),

totals as (

    -- per campaign and channel (int_campaigns__channel_totals): a few thousand rows, not the fact
    select * from {{ ref('int_campaigns__channel_totals') }}

),

first_rows as (

    select
        totals.campaign_key,
        min(totals.first_campaign_day_id) as first_campaign_day_id,
        min(totals.first_date) as first_date,
        max(totals.last_date) as last_date,
        cast(sum(totals.campaign_days) as {{ mca_type_int() }}) as active_days
    from totals
    group by totals.campaign_key

),

final as (

    select
        -- primary key
        first_rows.campaign_key,

        -- attributes
        facts.campaign_name,
        facts.channel_id as first_channel_id,
        first_rows.first_date,
        first_rows.last_date,
        first_rows.active_days
    from first_rows
    inner join facts
        on first_rows.first_campaign_day_id = facts.campaign_day_id

)

select * from final
