{#-
  One row per campaign and channel over the window, with ratios from the sums. The unit of the
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

facts as (

    select * from {{ ref('fct_campaign_daily') }}

),

campaigns as (

    select * from {{ ref('dim_campaign') }}

),

sums as (

    select
        facts.campaign_key,
        facts.channel_id,
        min(facts.channel) as channel,
        count(*) as campaign_days,
        min(facts.date_day) as first_date,
        max(facts.date_day) as last_date,
        sum(facts.cost) as cost,
        sum(facts.revenue) as revenue,
        sum(facts.profit) as profit,
        sum(facts.impressions) as impressions,
        sum(facts.clicks) as clicks,
        sum(facts.conversions) as conversions
    from facts
    group by facts.campaign_key, facts.channel_id

),

final as (

    select
        -- keys
        sums.campaign_key,
        sums.channel_id,

        -- attributes
        campaigns.campaign_name,
        sums.channel,
        sums.first_date,
        sums.last_date,

        -- measures
        sums.campaign_days,
        sums.cost,
        sums.revenue,
        sums.profit,
        sums.impressions,
        sums.clicks,
        sums.conversions,
        {{ mca_performance_ratios('sums', only=['ctr', 'conversion_rate', 'cpa', 'roas', 'roi']) }}
    from sums
    inner join campaigns
        on sums.campaign_key = campaigns.campaign_key

)

select * from final
