{#-
  The campaign-day fact summed per day and channel: a few thousand rows that the daily revenue,
  the data-quality figures and the date dimension read instead of the fact's million.
  Incremental: an append build of the fact recomputes only the days it touched
  (macros/incremental/derived.sql).
-#}
{%- set touched = mca_fact_touched_days() -%}
{%- set plan = mca_derived_plan('fct_campaign_daily') -%}
{{
    config(
        materialized='mca_incremental',
        mca_plan='derived',
        mca_source='fct_campaign_daily',
        unique_key='date_day',
        pre_hook=[
            "{{ mca_derived_set_aside(mca_fact_touched_days()) }}",
            "{{ mca_derived_delete(mca_fact_touched_days()) }}",
        ],
        post_hook=[
            "{{ mca_create_index(['date_day', 'channel_id'], unique=true) }}",
        ]
    )
}}

with

facts as (

    select * from {{ ref('fct_campaign_daily') }} as facts
    where {{ mca_derived_filter('facts', plan, touched, '{rel}.date_day') }}

),

final as (

    select
        -- keys
        facts.date_day,
        facts.channel_id,

        -- sums
        count(*) as campaign_days,
        sum(facts.cost) as cost,
        sum(facts.revenue) as revenue,
        sum(facts.impressions) as impressions,
        sum(facts.clicks) as clicks,
        sum(facts.conversions) as conversions,

        -- flags
        {{ mca_count_if("facts.is_channel_imputed") }} as channel_imputed,
        {{ mca_count_if("facts.is_channel_unknown") }} as channel_unknown,
        {{ mca_count_if("facts.is_impressions_imputed") }} as impressions_imputed,
        {{ mca_count_if("facts.is_clicks_imputed") }} as clicks_imputed,
        {{ mca_count_if("facts.is_conversions_imputed") }} as conversions_imputed,
        {{ mca_count_if("facts.is_conversions_above_clicks") }} as conversions_above_clicks,
        {{ mca_count_if("facts.is_cost_outlier") }} as cost_outliers,
        {{ mca_count_if("facts.is_revenue_outlier") }} as revenue_outliers,
        {{ mca_count_if("facts.is_cost_outlier or facts.is_revenue_outlier") }} as outlier_rows
    from facts
    group by facts.date_day, facts.channel_id

)

select * from final
