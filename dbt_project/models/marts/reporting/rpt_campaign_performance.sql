{#-
  One row per campaign and channel over the window, with ratios from the totals. The unit of the
  ROI distribution charts: a campaign's ROI, not a single day's.
-#}
{{
    config(
        post_hook=[
            "{{ mca_create_index(['campaign_key', 'channel_id'], unique=true) }}",
        ]
    )
}}

with

totals as (

    select * from {{ ref('int_campaigns__channel_totals') }}

),

campaigns as (

    select * from {{ ref('dim_campaign') }}

),

final as (

    select
        -- keys
        totals.campaign_key,
        totals.channel_id,

        -- attributes
        campaigns.campaign_name,
        totals.channel,
        totals.first_date,
        totals.last_date,

        -- measures
        totals.campaign_days,
        totals.cost,
        totals.revenue,
        totals.profit,
        totals.impressions,
        totals.clicks,
        totals.conversions,
        {{ mca_performance_ratios('totals', only=['ctr', 'conversion_rate', 'cpa', 'roas', 'roi']) }}
    from totals
    inner join campaigns
        on totals.campaign_key = campaigns.campaign_key

)

select * from final
