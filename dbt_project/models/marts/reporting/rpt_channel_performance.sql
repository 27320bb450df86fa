{#-
  Channel performance over the window. Ratios are recomputed from the channel's sums (ratio of
  sums: total revenue / total cost), which is what "the channel's ROI" means. The seed averages the
  per-row ROI instead, which lets a day with 2 of cost weigh as much as a day with 20,000; those
  averages are kept, named avg_*, for comparison. roi_rank 1 = best ROI; channels without cost
  (ROI undefined) rank last.
-#}
{{
    config(
        post_hook=[
            "{{ mca_create_index(['channel_id'], unique=true) }}",
        ]
    )
}}

with

facts as (

    select * from {{ ref('fct_campaign_daily') }}

),

channels as (

    select * from {{ ref('dim_channel') }}

),

sums as (

    select
        facts.channel_id,
        count(distinct facts.campaign_key) as campaigns,
        count(*) as campaign_days,
        sum(facts.cost) as cost,
        sum(facts.revenue) as revenue,
        sum(facts.profit) as profit,
        sum(facts.impressions) as impressions,
        sum(facts.clicks) as clicks,
        sum(facts.conversions) as conversions,
        avg(facts.roi) as avg_roi,
        avg(facts.roas) as avg_roas,
        avg(facts.ctr) as avg_ctr,
        avg(facts.conversion_rate) as avg_conversion_rate,
        {{ mca_count_if("facts.is_cost_outlier or facts.is_revenue_outlier") }} as outlier_days
    from facts
    group by facts.channel_id

),

ratios as (

    select
        sums.*,
        {{ mca_performance_ratios('sums') }}
    from sums

),

final as (

    select
        -- primary key
        ratios.channel_id,

        -- attributes
        channels.channel,

        -- measures
        ratios.campaigns,
        ratios.campaign_days,
        ratios.cost,
        ratios.revenue,
        ratios.profit,
        ratios.impressions,
        ratios.clicks,
        ratios.conversions,

        -- ratios of sums
        ratios.ctr,
        ratios.conversion_rate,
        ratios.cpc,
        ratios.cpa,
        ratios.roas,
        ratios.roi,
        ratios.value_per_conversion,

        -- the seed's averages of per-row ratios
        ratios.avg_roi,
        ratios.avg_roas,
        ratios.avg_ctr,
        ratios.avg_conversion_rate,

        ratios.outlier_days,
        row_number() over (
            order by case when ratios.roi is null then 1 else 0 end, ratios.roi desc, channels.sort_order
        ) as roi_rank
    from ratios
    inner join channels
        on ratios.channel_id = channels.channel_id

)

select * from final
