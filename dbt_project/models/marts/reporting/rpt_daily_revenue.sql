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

fact_days as (

    -- the fact summed per day and channel (int_campaigns__fact_daily), not the fact itself
    select * from {{ ref('int_campaigns__fact_daily') }}

),

daily as (

    select
        fact_days.date_day,
        cast(sum(fact_days.campaign_days) as {{ mca_type_int() }}) as campaign_days,
        sum(fact_days.cost) as cost,
        sum(fact_days.revenue) as revenue,
        cast(sum(fact_days.impressions) as {{ mca_type_int() }}) as impressions,
        cast(sum(fact_days.clicks) as {{ mca_type_int() }}) as clicks,
        cast(sum(fact_days.conversions) as {{ mca_type_money() }}) as conversions
    from fact_days
    group by fact_days.date_day

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
