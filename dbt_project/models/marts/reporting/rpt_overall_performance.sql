{#- Headline figures over the whole window, one row: the key metrics of the executive summary. -#}
with

facts as (

    select * from {{ ref('fct_campaign_daily') }}

),

sums as (

    select
        count(distinct facts.campaign_key) as campaigns,
        count(*) as campaign_days,
        min(facts.date_day) as first_date,
        max(facts.date_day) as last_date,
        coalesce(sum(facts.cost), 0) as cost,
        coalesce(sum(facts.revenue), 0) as revenue,
        coalesce(sum(facts.profit), 0) as profit,
        coalesce(sum(facts.impressions), 0) as impressions,
        coalesce(sum(facts.clicks), 0) as clicks,
        coalesce(sum(facts.conversions), 0) as conversions,
        avg(facts.roi) as avg_roi,
        avg(facts.roas) as avg_roas
    from facts

),

final as (

    select
        sums.campaigns,
        sums.campaign_days,
        sums.first_date,
        sums.last_date,
        sums.cost,
        sums.revenue,
        sums.profit,
        sums.impressions,
        sums.clicks,
        sums.conversions,
        {{ mca_performance_ratios('sums', only=['ctr', 'conversion_rate', 'cpc', 'cpa', 'roas', 'roi']) }},
        sums.avg_roi,
        sums.avg_roas
    from sums

)

select * from final
