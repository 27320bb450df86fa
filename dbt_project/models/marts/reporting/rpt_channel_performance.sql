{#-
  Channel performance over the window, from the per campaign and channel totals
  (int_campaigns__channel_totals). Ratios are recomputed from the channel's sums (ratio of
  sums: total revenue / total cost), which is what "the channel's ROI" means. The seed averages the
  per-row ROI instead, which lets a day with 2 of cost weigh as much as a day with 20,000; those
  averages are kept, named avg_*, for comparison. roi_rank 1 = best ROI; channels without cost
  (ROI undefined) rank after the others, and Other (channel names mca does not recognise, not a
  channel) after all of them: it is reported, never ranked among the channels.
-#}
{{
    config(
        post_hook=[
            "{{ mca_create_index(['channel_id'], unique=true) }}",
        ]
    )
}}

with

totals as (

    -- per campaign and channel: one row per campaign, so a count of rows counts campaigns
    select * from {{ ref('int_campaigns__channel_totals') }}

),

channels as (

    select * from {{ ref('dim_channel') }}

),

sums as (

    select
        totals.channel_id,
        count(*) as campaigns,
        cast(sum(totals.campaign_days) as {{ mca_type_int() }}) as campaign_days,
        sum(totals.cost) as cost,
        sum(totals.revenue) as revenue,
        sum(totals.profit) as profit,
        sum(totals.impressions) as impressions,
        sum(totals.clicks) as clicks,
        sum(totals.conversions) as conversions,
        {%- for ratio in ['roi', 'roas', 'ctr', 'conversion_rate'] %}
        {{ mca_safe_divide('sum(totals.' ~ ratio ~ '_sum)', 'sum(totals.' ~ ratio ~ '_count)') }} as avg_{{ ratio }},
        {%- endfor %}
        sum(totals.outlier_days) as outlier_days
    from totals
    group by totals.channel_id

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

        -- ratios of sums: every ratio of macros/metrics.sql
        {%- for ratio in mca_performance_ratio_names() %}
        ratios.{{ ratio }},
        {%- endfor %}

        -- the seed's averages of per-row ratios
        ratios.avg_roi,
        ratios.avg_roas,
        ratios.avg_ctr,
        ratios.avg_conversion_rate,

        ratios.outlier_days,
        row_number() over (
            order by
                case when channels.channel_group = 'Unknown' then 1 else 0 end,
                case when ratios.roi is null then 1 else 0 end,
                ratios.roi desc,
                channels.sort_order
        ) as roi_rank
    from ratios
    inner join channels
        on ratios.channel_id = channels.channel_id

)

select * from final
