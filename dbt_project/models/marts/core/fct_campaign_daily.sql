{#-
  The campaign-day fact: one row per campaign per day that passed validation, inside the lookback
  window, first of its (campaign, day). Ratios are computed per row from this row's counts and are
  NULL where the denominator is zero (no impressions, clicks, conversions or cost): a CPA of 0 for a
  campaign without conversions would be a lie. Percentages are in percent (CTR 2.5 = 2.5 %).
-#}
{{
    config(
        post_hook=[
            "{{ mca_create_index(['campaign_day_id'], unique=true) }}",
            "{{ mca_create_index(['campaign_key', 'date_day'], unique=true) }}",
            "{{ mca_create_index(['date_day']) }}",
            "{{ mca_create_index(['channel_id']) }}",
        ]
    )
}}

with

classified as (

    select * from {{ ref('int_campaigns__classified') }}

),

channels as (

    select * from {{ ref('dim_channel') }}

),

bounds as (

    select * from {{ ref('int_campaigns__outlier_bounds') }}

),

kept as (

    select * from classified
    where classified.row_outcome = 'kept'

),

final as (

    select
        -- primary key: the raw row the day came from
        kept.campaign_row_id as campaign_day_id,

        -- natural key
        kept.campaign_key,
        kept.date_day,

        -- foreign keys
        channels.channel_id,

        -- attributes
        kept.campaign_name,
        kept.channel,
        kept.channel_raw,

        -- measures
        kept.cost,
        kept.revenue,
        kept.revenue - kept.cost as profit,
        kept.impressions,
        kept.clicks,
        kept.conversions,

        -- derived metrics (NULL when the denominator is zero), see macros/metrics.sql
        {{ mca_performance_ratios('kept') }},

        -- flags
        kept.is_channel_imputed,
        kept.is_channel_unknown,
        kept.is_impressions_imputed,
        kept.is_clicks_imputed,
        kept.is_conversions_imputed,
        kept.is_conversions_above_clicks,
        coalesce(kept.cost < bounds.cost_lower_fence or kept.cost > bounds.cost_upper_fence, false) as is_cost_outlier,
        coalesce(kept.revenue < bounds.revenue_lower_fence or kept.revenue > bounds.revenue_upper_fence, false) as is_revenue_outlier

    from kept
    left join channels
        on kept.channel = channels.channel
    left join bounds
        on 1 = 1

)

select * from final
