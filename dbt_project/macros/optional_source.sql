{#-
  `select * from` a source table that may not exist yet: the raw orders (there once
  `mca-report ingest orders` has run) and customer_segments (written by `mca-report segment`;
  `mca-report build` creates it empty first, from reporting/contract.py). When the table is
  missing, an empty relation with the given typed columns stands in, so the models downstream
  still build. source() is called either way, so lineage shows the source.
    columns: [(name, type), ...] in the table's order
-#}
{% macro mca_source_or_empty(source_name, table_name, columns) -%}
    {%- set src = source(source_name, table_name) -%}
    {%- set found = none -%}
    {%- if execute -%}
        {%- set found = adapter.get_relation(database=src.database, schema=src.schema, identifier=src.identifier) -%}
    {%- endif -%}
    {%- if found is not none -%}
    select * from {{ src }}
    {%- else -%}
    -- {{ src }} does not exist
    select * from (
        select
        {%- for name, type in columns %}
            cast(null as {{ type }}) as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    ) as missing
    where 1 = 0
    {%- endif -%}
{%- endmacro %}
