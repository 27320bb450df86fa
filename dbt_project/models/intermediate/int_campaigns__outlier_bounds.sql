{#-
  Tukey fences for cost and revenue over the kept campaign-days: a value below
  Q1 - m x IQR or above Q3 + m x IQR is an outlier (m = var outlier_iqr_multiplier, 1.5 as in
  the seed). Outliers are flagged in the fact, never removed. One row.
-#}
{%- set multiplier = var('outlier_iqr_multiplier', 1.5) | float -%}
{%- set classified = ref('int_campaigns__classified') -%}
{%- set kept = "row_outcome = 'kept'" -%}
{#- each quartile is read in order from the classified rows' (row_outcome, value) index
    (MySQL/MariaDB): no sort, no table rows -#}
{%- set cost_index = mca_index_name(classified.identifier, ['row_outcome', 'cost']) -%}
{%- set revenue_index = mca_index_name(classified.identifier, ['row_outcome', 'revenue']) -%}
with

cost_quartiles as (

    select * from {{ mca_quartiles(classified, 'cost', kept, cost_index) }} as quartiles

),

revenue_quartiles as (

    select * from {{ mca_quartiles(classified, 'revenue', kept, revenue_index) }} as quartiles

),

final as (

    select
        cost_quartiles.q1 as cost_q1,
        cost_quartiles.q3 as cost_q3,
        cost_quartiles.q3 - cost_quartiles.q1 as cost_iqr,
        cost_quartiles.q1 - {{ multiplier }} * (cost_quartiles.q3 - cost_quartiles.q1) as cost_lower_fence,
        cost_quartiles.q3 + {{ multiplier }} * (cost_quartiles.q3 - cost_quartiles.q1) as cost_upper_fence,
        revenue_quartiles.q1 as revenue_q1,
        revenue_quartiles.q3 as revenue_q3,
        revenue_quartiles.q3 - revenue_quartiles.q1 as revenue_iqr,
        revenue_quartiles.q1 - {{ multiplier }} * (revenue_quartiles.q3 - revenue_quartiles.q1) as revenue_lower_fence,
        revenue_quartiles.q3 + {{ multiplier }} * (revenue_quartiles.q3 - revenue_quartiles.q1) as revenue_upper_fence,
        {{ multiplier }} as iqr_multiplier
    from cost_quartiles
    cross join revenue_quartiles

)

select * from final
