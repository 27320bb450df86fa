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
        100 * {{ mca_safe_divide('sums.clicks', 'sums.impressions') }} as ctr,
        100 * {{ mca_safe_divide('sums.conversions', 'sums.clicks') }} as conversion_rate,
        {{ mca_safe_divide('sums.cost', 'sums.clicks') }} as cpc,
        {{ mca_safe_divide('sums.cost', 'sums.conversions') }} as cpa,
        {{ mca_safe_divide('sums.revenue', 'sums.cost') }} as roas,
        100 * {{ mca_safe_divide('sums.profit', 'sums.cost') }} as roi,
        sums.avg_roi,
        sums.avg_roas
    from sums

)

select * from final
