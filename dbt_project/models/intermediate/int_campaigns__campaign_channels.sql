{#-
  Each campaign's own channel: the most frequent canonical channel of its valid rows in the
  window (kept and duplicate, as the overall mode counts them), ties to the alphabetically first
  so every target agrees. A row with a missing channel takes its campaign's channel from here
  before the overall mode (int_campaigns__imputed_channel); a campaign that never names a known
  channel has no row. Incremental: an append build of the classified rows recomputes only the
  campaigns it touched (macros/incremental/derived.sql), from all their rows.
-#}
{%- set touched = mca_classified_touched_campaigns() -%}
{%- set plan = mca_derived_plan('int_campaigns__classified') -%}
{{
    config(
        materialized='mca_incremental',
        mca_plan='derived',
        mca_source='int_campaigns__classified',
        unique_key='campaign_key',
        pre_hook=[
            "{{ mca_derived_set_aside(mca_classified_touched_campaigns()) }}",
            "{{ mca_derived_delete(mca_classified_touched_campaigns()) }}",
        ],
        post_hook=[
            "{{ mca_create_index(['campaign_key'], unique=true) }}",
        ]
    )
}}

with

classified as (

    select * from {{ ref('int_campaigns__classified') }} as classified
    where {{ mca_derived_filter('classified', plan, touched, '{rel}.campaign_key') }}

),

channel_rows as (

    select
        classified.campaign_key,
        classified.channel_mapped as channel,
        count(*) as channel_rows
    from classified
    where classified.row_outcome in ('kept', 'duplicate')
        and classified.channel_mapped is not null
    group by classified.campaign_key, classified.channel_mapped

),

ranked as (

    select
        channel_rows.*,
        row_number() over (
            partition by channel_rows.campaign_key
            order by channel_rows.channel_rows desc, channel_rows.channel
        ) as channel_rank
    from channel_rows

),

final as (

    select
        -- key
        ranked.campaign_key,

        -- attributes
        ranked.channel,
        ranked.channel_rows
    from ranked
    where ranked.channel_rank = 1

)

select * from final
