{#-
  What the last build of int_campaigns__classified covered: its reference date and window, the
  highest raw id it classified, its row count and build numbers, and checksums of the raw rows up
  to that id and of the channel_aliases seed (what an append build assumes has not changed). The next build of that model
  reads this row (by name: a ref would be a cycle) to decide whether it may append
  (macros/incremental.sql); the fact reads it to find the rows that changed. One row.
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
{%- set new_max_sql = '(select max(campaign_row_id) from ' ~ ref('int_campaigns__classified') ~ ')' -%}
{%- set checksums_sql = mca_raw_checksums_sql(new_max_sql) -%}
{%- if execute -%}
    {%- set previous_rel = adapter.get_relation(this.database, this.schema, this.identifier) -%}
    {%- if previous_rel is not none -%}
        {%- set previous_columns = adapter.get_columns_in_relation(previous_rel) | map(attribute='name') | map('lower') | list -%}
        {%- if 'raw_checksum' in previous_columns -%}
            {%- set previous = mca_scalar_row("select max_campaign_row_id, full_build_seq, raw_checksum from " ~ previous_rel) -%}
            {%- set now = mca_scalar_row("select min(mca_build_seq), max(campaign_row_id) from " ~ ref('int_campaigns__classified')) -%}
            {%- if previous is not none and previous[0] is not none and previous[2] is not none
                    and now[0] is not none and (now[0] | int) == (previous[1] | int) -%}
                {%- set checksums_sql = mca_raw_checksums_sql(now[1] | int, previous[0] | int, previous[2]) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
{%- endif %}
checksums as (

    {{ checksums_sql }}

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
        checksums.aliases_checksum
    from covered
    cross join checksums

)

select * from final
