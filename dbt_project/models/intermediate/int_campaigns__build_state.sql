{#-
  What the last build of int_campaigns__classified covered: its reference date and window, the
  highest raw id it classified, its row count and build numbers. The next build of that model
  reads this row (by name: a ref would be a cycle) to decide whether it may append
  (macros/incremental.sql); the fact reads it to find the rows that changed. One row.
-#}
with

classified as (

    select * from {{ ref('int_campaigns__classified') }}

),

final as (

    select
        {{ mca_as_of_date() }} as as_of_date,
        {{ mca_window_start_date() }} as window_start_date,
        cast({{ var('lookback_days', 365) | int }} as {{ mca_type_int() }}) as lookback_days,
        max(classified.campaign_row_id) as max_campaign_row_id,
        count(*) as campaign_rows,
        max(classified.mca_build_seq) as build_seq,
        min(classified.mca_build_seq) as full_build_seq
    from classified

)

select * from final
