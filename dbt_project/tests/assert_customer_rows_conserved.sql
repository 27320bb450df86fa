{{ config(tags=['guard']) }}
{%- do source('mca_raw', 'customers') -%}{#- lineage: the raw table, read through mca_raw_from -#}
{#- Every raw customer row is kept, a duplicate or quarantined, and dim_customer holds exactly the kept ones. -#}
with

counts as (

    select
        (select count(*) from {{ mca_raw_from('customers') }}) as raw_rows,
        (select count(*) from {{ ref('dim_customer') }}) as dim_rows,
        (
            select count(*) from {{ ref('int_customers__classified') }} as classified
            where classified.row_outcome in ('duplicate', 'quarantined')
        ) as removed_rows

)

select *
from counts
where raw_rows <> dim_rows + removed_rows
