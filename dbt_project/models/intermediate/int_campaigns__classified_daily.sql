{#-
  The classified campaign rows counted per day, outcome, quarantine reason and mapped channel,
  with their missing values: what the data-quality figures and the imputed channel need, in a
  few thousand rows instead of one per raw row. Rows without a date count under the day_key
  1000-01-01. Incremental: an append build of the classified rows recomputes only the days it
  touched (macros/incremental/derived.sql).
-#}
{%- set touched = mca_classified_touched_days() -%}
{%- set plan = mca_derived_plan('int_campaigns__classified') -%}
{{
    config(
        materialized='mca_incremental',
        mca_plan='derived',
        mca_source='int_campaigns__classified',
        unique_key='day_key',
        pre_hook=[
            "{{ mca_derived_set_aside(mca_classified_touched_days()) }}",
            "{{ mca_derived_delete(mca_classified_touched_days()) }}",
        ],
        post_hook=[
            "{{ mca_create_index(['day_key']) }}",
        ]
    )
}}

with

classified as (

    select * from {{ ref('int_campaigns__classified') }} as classified
    where {{ mca_derived_filter('classified', plan, touched, mca_day_key('{rel}')) }}

),

final as (

    select
        -- keys
        {{ mca_day_key('classified') }} as day_key,
        classified.row_outcome,
        classified.quarantine_reason,
        classified.channel_mapped,

        -- counts
        count(*) as campaign_rows,
        -- missing values among the raw contract's eight value columns
        sum(
            case when classified.campaign_name is null then 1 else 0 end
            + case when classified.channel_raw is null then 1 else 0 end
            + case when classified.cost is null then 1 else 0 end
            + case when classified.impressions_reported is null then 1 else 0 end
            + case when classified.clicks_reported is null then 1 else 0 end
            + case when classified.conversions_reported is null then 1 else 0 end
            + case when classified.revenue is null then 1 else 0 end
            + case when classified.date_day is null then 1 else 0 end
        ) as null_cells
    from classified
    group by
        {{ mca_day_key('classified') }},
        classified.row_outcome,
        classified.quarantine_reason,
        classified.channel_mapped

)

select * from final
