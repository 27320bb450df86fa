{#- Headline figures over the whole window, one row: the key metrics of the executive summary. -#}
with

totals as (

    select * from {{ ref('int_campaigns__channel_totals') }}

),

sums as (

    select
        count(distinct totals.campaign_key) as campaigns,
        cast(coalesce(sum(totals.campaign_days), 0) as {{ mca_type_int() }}) as campaign_days,
        min(totals.first_date) as first_date,
        max(totals.last_date) as last_date,
        coalesce(sum(totals.cost), 0) as cost,
        coalesce(sum(totals.revenue), 0) as revenue,
        coalesce(sum(totals.profit), 0) as profit,
        coalesce(sum(totals.impressions), 0) as impressions,
        coalesce(sum(totals.clicks), 0) as clicks,
        coalesce(sum(totals.conversions), 0) as conversions,
        {{ mca_safe_divide('sum(totals.roi_sum)', 'sum(totals.roi_count)') }} as avg_roi,
        {{ mca_safe_divide('sum(totals.roas_sum)', 'sum(totals.roas_count)') }} as avg_roas
    from totals

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
