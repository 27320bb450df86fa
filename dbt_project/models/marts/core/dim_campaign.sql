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

first_rows as (

    select
        facts.campaign_key,
        min(facts.campaign_day_id) as first_campaign_day_id,
        min(facts.date_day) as first_date,
        max(facts.date_day) as last_date,
        count(*) as active_days
    from facts
    group by facts.campaign_key

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
