{#-
  The campaign-day fact: one row per campaign, channel and day that passed validation, inside the
  lookback window, first of its (campaign, channel, day). A missing channel is filled from the
  campaign's own most frequent channel, else the most frequent channel overall
  (channel_imputed_from says which). Ratios are computed per row from this row's counts and are
  NULL where the denominator is zero (no impressions, clicks, conversions or cost): a CPA of 0 for a
  campaign without conversions would be a lie. Percentages are in percent (CTR 2.5 = 2.5 %).
  Money is in the base currency (converted row by row in int_campaigns__classified; currency
  and fx_rate say how).
-#}
{#-
  Incremental: a build inserts the kept rows of the classified rows that changed since the fact
  last saw them (mca_build_seq above its own highest), after deleting those ids, then refreshes
  the columns that depend on other rows (outlier flags, imputed channel) where they changed.
  When the classified rows were rebuilt from scratch, so is the fact. macros/incremental/.
-#}
-- depends_on: {{ ref('int_campaigns__build_state') }}
{%- set plan = mca_fact_plan() -%}
{{
    config(
        materialized='mca_incremental',
        mca_plan='fact',
        unique_key='campaign_day_id',
        mca_primary_key='campaign_day_id',
        pre_hook=[
            "{{ mca_fact_set_aside() }}",
            "{{ mca_fact_delete_replaced() }}",
        ],
        post_hook=[
            "{{ mca_create_indexes([{'columns': ['campaign_key', 'channel_key', 'date_day'], 'unique': true},
                                    ['date_day'], ['channel_id'], ['mca_build_seq']]) }}",
            "{{ mca_fact_set_aside_refreshed() }}",
            "{{ mca_fact_refresh_global_columns() }}",
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

campaign_channels as (

    select * from {{ ref('int_campaigns__campaign_channels') }}

),

imputed_channel as (

    select * from {{ ref('int_campaigns__imputed_channel') }}

),

kept as (

    select
        classified.*,
        coalesce(classified.channel, campaign_channels.channel, imputed_channel.channel) as channel_final,
        case
            when classified.channel is not null then null
            when campaign_channels.channel is not null then 'campaign'
            else 'overall'
        end as channel_imputed_from
    from classified
    cross join imputed_channel
    left join campaign_channels
        on classified.channel is null
        and campaign_channels.campaign_key = classified.campaign_key
    where classified.row_outcome = 'kept'
    {%- if plan.mode == 'append' %}
        and classified.mca_build_seq > {{ plan.since_seq }}
    {%- endif %}

),

final as (

    select
        -- primary key: the raw row the day came from
        kept.campaign_row_id as campaign_day_id,

        -- natural key
        kept.campaign_key,
        kept.channel_key,
        kept.date_day,

        -- foreign keys
        channels.channel_id,

        -- attributes
        kept.campaign_name,
        kept.channel_final as channel,
        kept.channel_raw,
        kept.currency,
        kept.fx_rate,

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
        kept.channel_imputed_from,
        kept.is_channel_unknown,
        kept.is_impressions_imputed,
        kept.is_clicks_imputed,
        kept.is_conversions_imputed,
        kept.is_conversions_above_clicks,
        coalesce(kept.cost < bounds.cost_lower_fence or kept.cost > bounds.cost_upper_fence, false) as is_cost_outlier,
        coalesce(kept.revenue < bounds.revenue_lower_fence or kept.revenue > bounds.revenue_upper_fence, false) as is_revenue_outlier,

        -- the classified build this row came from (see macros/incremental/plan.sql)
        kept.mca_build_seq

    from kept
    left join channels
        on kept.channel_final = channels.channel
    left join bounds
        on 1 = 1

)

select * from final
