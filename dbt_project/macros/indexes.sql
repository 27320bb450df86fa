{#-
  Indexes declared next to the models that need them, as a post-hook:
      {{ config(post_hook=mca_create_index(['campaign_key', 'date_day'])) }}
  On MySQL/MariaDB (mysql__) the optimiser needs them for joins and lookups (it has no hash join
  by default, so an unindexed join against even a 40-row lookup table is a nested loop).
  Elsewhere (default__) it is a no-op: indexes are not standard SQL, and DuckDB joins by hashing
  and its ART indexes only slow loading down.
-#}
{% macro mca_create_index(columns, unique=false) -%}
    {{ return(mca_dispatch('mca_create_index')(columns, unique)) }}
{%- endmacro %}

{#- The name mca_create_index gives an index on `columns` of the table named `identifier`. -#}
{% macro mca_index_name(identifier, columns) -%}
    {{ return(('ix_' ~ identifier ~ '__' ~ (columns | join('__')))[:64]) }}
{%- endmacro %}

{% macro default__mca_create_index(columns, unique) -%}
    select 1 as no_index_needed
{%- endmacro %}

{% macro mysql__mca_create_index(columns, unique) -%}
    {#- MySQL 8 has no CREATE INDEX IF NOT EXISTS, and seeds keep their table between runs, so
        look the index up first (hooks render at run time, when run_query works). -#}
    {%- set name = mca_index_name(this.identifier, columns) -%}
    {%- if execute -%}
        {%- if mca_index_exists(this, name) -%}
            select 1 as index_exists
            {%- do return('select 1 as index_exists') -%}
        {%- endif -%}
    {%- endif -%}
    create {{ 'unique ' if unique }}index {{ name }} on {{ this }} ({{ columns | join(', ') }})
{%- endmacro %}

{#- Whether MySQL/MariaDB has an index called `name` on the table `rel` (call at run time). -#}
{% macro mca_index_exists(rel, name) -%}
    {%- set found = run_query(
        "select count(*) from information_schema.statistics where table_schema = '"
        ~ rel.schema ~ "' and table_name = '" ~ rel.identifier ~ "' and index_name = '" ~ name ~ "'"
    ) -%}
    {{ return((found.columns[0].values()[0] | int) > 0) }}
{%- endmacro %}
