{#-
  First and third quartiles of `column` over `relation` (a ref or a CTE name), by linear
  interpolation between order statistics: the same definition as pandas' default
  Series.quantile and PERCENTILE_CONT. Built from ROW_NUMBER and COUNT because MySQL 8 has no
  PERCENTILE_CONT (MariaDB has it only as a window function), so one definition runs on MySQL,
  MariaDB and DuckDB alike. Returns a one-row subquery with columns q1 and q3 (NULL when the
  column has no values).
-#}
{% macro mca_quartiles(relation, column) -%}
    (
        select
            q.q1_lo + (q.q1_hi - q.q1_lo) * q.q1_frac as q1,
            q.q3_lo + (q.q3_hi - q.q3_lo) * q.q3_frac as q3
        from (
            select
                max(case when o.rn = floor(o.pos1) then o.v end) as q1_lo,
                max(case when o.rn = ceiling(o.pos1) then o.v end) as q1_hi,
                max(o.pos1 - floor(o.pos1)) as q1_frac,
                max(case when o.rn = floor(o.pos3) then o.v end) as q3_lo,
                max(case when o.rn = ceiling(o.pos3) then o.v end) as q3_hi,
                max(o.pos3 - floor(o.pos3)) as q3_frac
            from (
                select
                    cast({{ column }} as {{ mca_type_float() }}) as v,
                    row_number() over (order by {{ column }}) as rn,
                    cast(1 + (count(*) over () - 1) * 0.25 as {{ mca_type_float() }}) as pos1,
                    cast(1 + (count(*) over () - 1) * 0.75 as {{ mca_type_float() }}) as pos3
                from {{ relation }}
                where {{ column }} is not null
            ) as o
        ) as q
    )
{%- endmacro %}
