{{ config(tags=['guard']) }}
{%- do source('mca_raw', 'campaigns') -%}{#- lineage: the raw table, read through mca_raw_from -#}
{#-
  Conservation: every raw campaign row is accounted for exactly once.
  raw rows = fact rows + duplicates removed + quarantined rows + rows outside the window,
  counted from the raw table and from each model separately (not from the data-quality mart's own
  arithmetic), so a model that drops or repeats a row fails this test. Without a raw campaigns
  table every count is 0.
-#}
with

counts as (

    select
        (select count(*) from {{ mca_raw_from('campaigns') }}) as raw_rows,
        (select count(*) from {{ ref('fct_campaign_daily') }}) as fact_rows,
        (select count(*) from {{ ref('dq_duplicate_campaigns') }}) as duplicate_rows,
        (select count(*) from {{ ref('dq_quarantined_campaigns') }}) as quarantined_rows,
        (
            select count(*) from {{ ref('int_campaigns__classified') }} as classified
            where classified.row_outcome = 'out_of_window'
        ) as out_of_window_rows,
        (select max(dq.rows_read) from {{ ref('dq_data_quality') }} as dq) as dq_rows_read

)

select *
from counts
where raw_rows <> fact_rows + duplicate_rows + quarantined_rows + out_of_window_rows
    or raw_rows <> dq_rows_read
