{#-
  What the last build of int_campaigns__classified covered: its reference date and window, the
  highest raw id it classified, its row count and build numbers, a checksum of the raw rows up to
  that id, and the checksums of the channel_aliases seed file and of int_campaigns__classified's
  SQL (what an append build assumes has not changed). The next build works out its plan from this row (macros/incremental/plan.sql, by
  name: a ref would be a cycle); the fact reads it to find the rows that changed. One row.
-#}
-- depends_on: {{ source('mca_raw', 'campaigns') }}
-- depends_on: {{ ref('channel_aliases') }}
with

classified as (

    select * from {{ ref('int_campaigns__classified') }}

),

{#- After an append build the raw checksum is the previous one plus the new rows' (it is a sum,
    and the build checked the old rows unchanged): a range of the primary key instead of a scan
    of the whole raw table. After a full build, or without a usable previous row, all of it. -#}
{%- set checksum_sql = mca_raw_checksum_sql('(select max(campaign_row_id) from ' ~ ref('int_campaigns__classified') ~ ')') -%}
{%- if execute -%}
    {%- set previous = mca_campaigns_build_state() -%}
    {%- set now = mca_scalar_row("select min(mca_build_seq) as full_build_seq, max(campaign_row_id) as max_id from "
                                 ~ ref('int_campaigns__classified')) -%}
    {%- if previous is not none and previous['max_campaign_row_id'] is not none and previous['raw_checksum'] is not none
            and now['full_build_seq'] is not none and (now['full_build_seq'] | int) == (previous['full_build_seq'] | int) -%}
        {%- set checksum_sql = mca_raw_checksum_sql(now['max_id'] | int, previous['max_campaign_row_id'] | int,
                                                    previous['raw_checksum']) -%}
    {%- endif -%}
{%- endif %}
checksums as (

    {{ checksum_sql }}

),

covered as (

    select
        max(classified.campaign_row_id) as max_campaign_row_id,
        count(*) as campaign_rows,
        max(classified.mca_build_seq) as build_seq,
        min(classified.mca_build_seq) as full_build_seq
    from classified

),

final as (

    -- one row even when nothing was classified (an aggregate over an empty join has none)
    select
        {{ mca_as_of_date() }} as as_of_date,
        {{ mca_window_start_date() }} as window_start_date,
        cast({{ var('lookback_days', 365) | int }} as {{ mca_type_int() }}) as lookback_days,
        covered.max_campaign_row_id,
        covered.campaign_rows,
        covered.build_seq,
        covered.full_build_seq,
        checksums.raw_checksum,
        cast('{{ mca_aliases_checksum() }}' as {{ mca_type_string(64) }}) as aliases_checksum,
        cast('{{ mca_rules_checksum() }}' as {{ mca_type_string(64) }}) as rules_checksum
    from covered
    cross join checksums

)

select * from final
