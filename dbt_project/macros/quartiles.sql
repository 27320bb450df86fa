{#-
  First and third quartiles of `column` over the rows of `relation` that satisfy `where`, by
  linear interpolation between order statistics: the same definition as pandas' default
  Series.quantile and PERCENTILE_CONT. Returns a one-row subquery with columns q1 and q3 (NULL
  when the column has no values).

  Three ways to the same numbers, because the engines differ:
    - DuckDB has quantile_cont (duckdb__), Spark percentile_cont (spark__): one pass, no ranking.
    - Any other engine (default__): the portable form, every value ranked with ROW_NUMBER.
    - The MySQL family (mysql__): MySQL 8 has no PERCENTILE_CONT (MariaDB has it only as a
      window function). Ranking every row with ROW_NUMBER took 17 s for the two columns at 1M
      rows on MariaDB. When the relation exists at compile time (always, in a build: dbt
      compiles a model just before it runs it), the count of values is read first, and each
      quartile is then the one or two values at a known offset of the sorted column:
      ORDER BY ... LIMIT 2 OFFSET k, a sort with no window (the third quartile from the top:
      ORDER BY ... DESC, so neither walks more than a quarter of the values).
      `index` names an index on (the filter column, `column`): with it the count and both
      offsets are read from the index in order, with no sort and no table rows (MariaDB, left to
      itself, chose a row_outcome index for row_outcome = 'kept', 99 % of the rows, and fetched
      every row through it: 3.8 s per sort at 1M rows against 1.2 s for a plain scan).
      When the relation does not exist yet (`dbt compile` or `docs generate` before the first
      build), the portable ROW_NUMBER form, which gives the same result.
-#}
{% macro mca_quartiles(relation, column, where='1 = 1', index=none) -%}
    {{ return(mca_dispatch('mca_quartiles')(relation, column, where, index)) }}
{%- endmacro %}

{% macro duckdb__mca_quartiles(relation, column, where, index) -%}
    (
        select
            quantile_cont(cast({{ column }} as double), 0.25) as q1,
            quantile_cont(cast({{ column }} as double), 0.75) as q3
        from {{ relation }}
        where {{ where }}
    )
{%- endmacro %}

{% macro mysql__mca_quartiles(relation, column, where, index) -%}
    {%- set existing = none -%}
    {%- if execute -%}
        {%- set existing = adapter.get_relation(relation.database, relation.schema, relation.identifier) -%}
    {%- endif -%}
    {%- if existing is none -%}
        {{ return(mca_quartiles_by_rank(relation, column, where)) }}
    {%- endif -%}
    {%- set scanned = relation ~ "" -%}
    {%- if index is not none and mca_index_exists(existing, index) -%}
        {%- set scanned = scanned ~ ' force index (' ~ index ~ ')' -%}
    {%- endif -%}
    {%- set counted = mca_scalar_row(
        "select count(" ~ column ~ ") from " ~ scanned ~ " where " ~ where) -%}
    {%- set n = counted[0] | int -%}
    {%- if n == 0 -%}
        (select cast(null as {{ mca_type_float() }}) as q1, cast(null as {{ mca_type_float() }}) as q3)
    {%- else -%}
        {%- set parts = [] -%}
        {%- for p in [0.25, 0.75] -%}
            {#- 0-based position of the quantile in the sorted values, its whole and fractional part -#}
            {%- set pos = (n - 1) * p -%}
            {%- set k = pos | int -%}
            {#- the values at positions k and k + 1, read from the nearer end of the index: the
                third quartile walks a quarter of it backwards instead of three quarters -#}
            {%- if p > 0.5 -%}
                {%- do parts.append({'frac': pos - k, 'order': 'desc', 'offset': [n - 2 - k, 0] | max}) -%}
            {%- else -%}
                {%- do parts.append({'frac': pos - k, 'order': 'asc', 'offset': k}) -%}
            {%- endif -%}
        {%- endfor %}
    (
        select
            {%- for part in parts %}
            q{{ loop.index }}.lo + (q{{ loop.index }}.hi - q{{ loop.index }}.lo) * {{ part.frac }} as q{{ 1 if loop.first else 3 }}{{ ',' if not loop.last }}
            {%- endfor %}
        from
            {%- for part in parts %}
            (
                select min(v) as lo, max(v) as hi
                from (
                    select cast({{ column }} as {{ mca_type_float() }}) as v
                    from {{ scanned }}
                    where {{ where }} and {{ column }} is not null
                    order by {{ column }} {{ part.order }}
                    limit 2 offset {{ part.offset }}
                ) as ranked
            ) as q{{ loop.index }}{{ '' if loop.last else ' cross join' }}
            {%- endfor %}
    )
    {%- endif -%}
{%- endmacro %}

{#- Spark's percentile_cont is exact: it counts every distinct value, and the final merge runs in
    one task, so its memory grows with the distinct values (fine to hundreds of millions of rows
    on a cluster executor, not to billions). With var mca_approximate_quartiles: true it uses
    percentile_approx (Greenwald-Khanna, relative rank error 1/1,000,000, bounded memory per
    task), which returns a value of the column rather than interpolating between two
    (docs/scaling.md). -#}
{% macro spark__mca_quartiles(relation, column, where, index) -%}
    {%- set value = 'cast(' ~ column ~ ' as double)' -%}
    {%- set approximate = var('mca_approximate_quartiles', false) %}
    (
        select
        {%- for p, name in [(0.25, 'q1'), (0.75, 'q3')] %}
            {% if approximate -%}
            cast(percentile_approx({{ value }}, {{ p }}, 1000000) as double)
            {%- else -%}
            percentile_cont({{ p }}) within group (order by {{ value }})
            {%- endif %} as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
        from {{ relation }}
        where {{ where }}
    )
{%- endmacro %}

{% macro default__mca_quartiles(relation, column, where, index) -%}
    {{ return(mca_quartiles_by_rank(relation, column, where)) }}
{%- endmacro %}

{#- The portable form: rank every value with ROW_NUMBER and pick the order statistics. -#}
{% macro mca_quartiles_by_rank(relation, column, where) -%}
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
                where {{ where }} and {{ column }} is not null
            ) as o
        ) as q
    )
{%- endmacro %}
