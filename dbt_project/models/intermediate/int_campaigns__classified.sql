{#-
  Every raw campaign row, classified into exactly one outcome:
    kept           valid, in the window, first of its (campaign, channel, day): becomes a fact row
    duplicate      valid and in the window, but a lower id already has this (campaign, channel, day)
    quarantined    breaks a rule; `quarantine_reason` says which (first failing rule below)
    out_of_window  dated before the lookback window (not an error, just not analysed)
  Because each row gets one outcome, raw rows = kept + duplicate + quarantined + out_of_window
  holds by construction; tests/assert_campaign_rows_conserved.sql checks it against the raw table.

  Rules, in the order they are checked (the first that fails is the reason):
    missing_date, future_date (after as_of), [out_of_window], missing_campaign_name,
    missing_cost, missing_revenue, negative_cost, negative_revenue, negative_count,
    clicks_above_impressions, missing_fx_rate (a currency other than the base currency with no
    rate on or before the row's day).
  Money is converted to the base currency here, row by row at the rate of its day, before any
  sum (macros/currency.sql): cost and revenue below are in the base currency, both sides of
  every ratio alike; currency and fx_rate say what was converted.
  Conversions above clicks are allowed (attribution windows do this) and only flagged in the fact.
  Channels are mapped through the channel_aliases seed; a name not in it becomes 'Other' and is
  flagged. A missing channel stays NULL here and is flagged: the fact imputes it from the
  campaign's own most frequent channel (int_campaigns__campaign_channels), else the most frequent
  channel overall (int_campaigns__imputed_channel): facts about other rows that would otherwise
  force every build to reclassify every row.

  A campaign's identity includes its channel (DECISIONLOG, "Campaign identity includes the
  channel"): the same campaign name on Google Ads and on Meta on the same day is two campaigns,
  not a duplicate. channel_key is that part of the identity: the channel as exported, trimmed and
  lower-cased (channel_alias), not the canonical channel, because Google Ads and Microsoft Ads
  are both Paid Search and often carry the same campaign names; '' for a missing channel (rows
  without a channel are duplicates only of each other).

  Incremental: a build classifies only the rows whose outcome can have changed (new raw rows, and
  the days the moved as_of brings into or pushes out of the window), or everything when appending
  would not give exactly the full result. macros/incremental/plan.sql has the rules.
-#}
-- depends_on: {{ source('mca_raw', 'campaigns') }}
{%- set plan = mca_campaigns_plan() -%}
{%- set append = plan.mode == 'append' -%}
{{
    config(
        materialized='mca_incremental',
        mca_plan='campaigns',
        unique_key='campaign_row_id',
        pre_hook=[
            "{{ mca_campaigns_set_aside() }}",
            "{{ mca_campaigns_delete_reclassified() }}",
        ],
        post_hook=[
            "{{ mca_create_indexes([{'columns': ['campaign_row_id'], 'unique': true},
                                    ['row_outcome', 'cost'], ['row_outcome', 'revenue'],
                                    ['campaign_key', 'date_day'], ['date_day'], ['mca_build_seq']]) }}",
        ]
    )
}}

with

campaigns as (

    select * from {{ ref('stg_mca__campaigns') }} as campaigns
    {%- if append %}
    where {{ mca_campaigns_to_reclassify('campaigns', plan) }}
    {%- endif %}

),

channel_aliases as (

    select * from {{ ref('channel_aliases') }}

),

fx_rates as (

    select * from {{ ref('int_fx_rates') }}

),

validated as (

    select
        campaigns.*,
        channel_aliases.channel as channel_mapped,
        fx_rates.rate_to_base as fx_rate_found,
        coalesce(campaigns.channel_alias, '') as channel_key,
        case
            when campaigns.date_day is null then 'missing_date'
            when campaigns.date_day > {{ mca_as_of_date() }} then 'future_date'
            when campaigns.date_day < {{ mca_window_start_date() }} then null
            when campaigns.campaign_name is null then 'missing_campaign_name'
            when campaigns.cost is null then 'missing_cost'
            when campaigns.revenue is null then 'missing_revenue'
            when campaigns.cost < 0 then 'negative_cost'
            when campaigns.revenue < 0 then 'negative_revenue'
            when campaigns.impressions < 0
                or campaigns.clicks < 0
                or campaigns.conversions < 0 then 'negative_count'
            when campaigns.clicks > campaigns.impressions then 'clicks_above_impressions'
            when {{ mca_needs_fx('campaigns.currency') }} and fx_rates.rate_to_base is null then 'missing_fx_rate'
        end as quarantine_reason,
        case
            when campaigns.date_day is not null
                and campaigns.date_day < {{ mca_window_start_date() }} then 1
            else 0
        end as is_out_of_window_int
    from campaigns
    left join channel_aliases
        on campaigns.channel_alias = channel_aliases.alias
    left join fx_rates
        on {{ mca_needs_fx('campaigns.currency') }}
        and {{ mca_fx_join('fx_rates', 'campaigns.currency', 'campaigns.date_day') }}

),

{#- valid rows of one campaign, channel and day, in load order (quarantined and out-of-window rows fall in
    partitions of their own and are never ranked) -#}
{%- set same_campaign_day -%}
    partition by
        validated.quarantine_reason,
        validated.is_out_of_window_int,
        validated.campaign_key,
        validated.channel_key,
        validated.date_day
    order by validated.campaign_row_id
{%- endset %}
{%- if append %}
touched_days as (

    select distinct validated.campaign_key, validated.channel_key, validated.date_day
    from validated
    where validated.quarantine_reason is null
        and validated.is_out_of_window_int = 0

),

existing_kept as (

    -- a kept row from an earlier build on the same campaign, channel and day: it has a lower id
    -- than every new row, so the new rows are its duplicates
    select
        previous.campaign_key,
        previous.channel_key,
        previous.date_day,
        min(previous.campaign_row_id) as kept_row_id
    from {{ this }} as previous
    inner join touched_days
        on previous.campaign_key = touched_days.campaign_key
        and previous.channel_key = touched_days.channel_key
        and previous.date_day = touched_days.date_day
    where previous.row_outcome = 'kept'
        and {% if plan.max_id is none %}1 = 0{% else %}previous.campaign_row_id <= {{ plan.max_id }}{% endif %}
        and not {{ mca_campaign_days_reclassified('previous', plan) }}
    group by previous.campaign_key, previous.channel_key, previous.date_day

),
{%- endif %}

ranked as (

    select
        validated.*,
        case
            when validated.quarantine_reason is null and validated.is_out_of_window_int = 0
                then row_number() over ({{ same_campaign_day }})
                {%- if append %} + case when existing_kept.kept_row_id is null then 0 else 1 end{% endif %}
        end as duplicate_rank,
        -- same window as duplicate_rank, so one sort serves both: the running minimum of the
        -- id in id order is the first (kept) row's id
        {% if append %}coalesce(existing_kept.kept_row_id, {% endif -%}
        min(validated.campaign_row_id) over ({{ same_campaign_day }})
        {%- if append %}){% endif %} as first_campaign_row_id
    from validated
    {%- if append %}
    left join existing_kept
        on validated.quarantine_reason is null
        and validated.is_out_of_window_int = 0
        and existing_kept.campaign_key = validated.campaign_key
        and existing_kept.channel_key = validated.channel_key
        and existing_kept.date_day = validated.date_day
    {%- endif %}

),

final as (

    select
        -- keys
        ranked.campaign_row_id,
        ranked.campaign_key,
        ranked.channel_key,
        ranked.date_day,

        -- outcome
        case
            when ranked.quarantine_reason is not null then 'quarantined'
            when ranked.is_out_of_window_int = 1 then 'out_of_window'
            when ranked.duplicate_rank > 1 then 'duplicate'
            else 'kept'
        end as row_outcome,
        ranked.quarantine_reason,
        case
            when ranked.duplicate_rank > 1 then ranked.first_campaign_row_id
        end as duplicate_of_row_id,

        -- attributes
        ranked.campaign_name,
        ranked.channel_raw,
        ranked.channel_mapped,
        case
            when ranked.channel_mapped is not null then ranked.channel_mapped
            when ranked.channel_alias is not null then 'Other'
        end as channel,

        -- money in the base currency (converted when the row names another), never imputed
        {{ mca_to_base('ranked.cost', 'ranked.currency', 'ranked.fx_rate_found') }} as cost,
        {{ mca_to_base('ranked.revenue', 'ranked.currency', 'ranked.fx_rate_found') }} as revenue,
        ranked.currency,
        case when {{ mca_needs_fx('ranked.currency') }} then ranked.fx_rate_found end as fx_rate,

        -- counts (imputed with 0 as in the seed)
        coalesce(ranked.impressions, 0) as impressions,
        coalesce(ranked.clicks, 0) as clicks,
        coalesce(ranked.conversions, 0) as conversions,
        ranked.impressions as impressions_reported,
        ranked.clicks as clicks_reported,
        ranked.conversions as conversions_reported,

        -- flags
        (ranked.channel_alias is null) as is_channel_imputed,
        (ranked.channel_alias is not null and ranked.channel_mapped is null) as is_channel_unknown,
        (ranked.impressions is null) as is_impressions_imputed,
        (ranked.clicks is null) as is_clicks_imputed,
        (ranked.conversions is null) as is_conversions_imputed,
        (coalesce(ranked.conversions, 0) > coalesce(ranked.clicks, 0)) as is_conversions_above_clicks,

        -- the build that classified this row (see macros/incremental/plan.sql)
        cast({{ plan.seq }} as {{ mca_type_int() }}) as mca_build_seq

    from ranked

)

select * from final
