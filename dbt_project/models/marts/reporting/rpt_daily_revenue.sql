{#- Totals per calendar day over the fact's range; days without campaign rows appear with zeros. -#}
{{
    config(
        post_hook=[
            "{{ mca_create_index(['date_day'], unique=true) }}",
        ]
    )
}}

with

dates as (

    select * from {{ ref('dim_date') }}

),

facts as (

    select * from {{ ref('fct_campaign_daily') }}

),

daily as (

    select
        facts.date_day,
        count(*) as campaign_days,
        sum(facts.cost) as cost,
        sum(facts.revenue) as revenue,
        sum(facts.impressions) as impressions,
        sum(facts.clicks) as clicks,
        sum(facts.conversions) as conversions
    from facts
    group by facts.date_day

),

final as (

    select
        -- primary key
        dates.date_day,

        -- measures
        coalesce(daily.campaign_days, 0) as campaign_days,
        coalesce(daily.cost, 0) as cost,
        coalesce(daily.revenue, 0) as revenue,
        coalesce(daily.revenue, 0) - coalesce(daily.cost, 0) as profit,
        coalesce(daily.impressions, 0) as impressions,
        coalesce(daily.clicks, 0) as clicks,
        coalesce(daily.conversions, 0) as conversions,
        {{ mca_performance_ratios('daily', only=['roas', 'roi']) }}
    from dates
    left join daily
        on dates.date_day = daily.date_day

)

select * from final
