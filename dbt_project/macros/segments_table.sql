{#-
  customer_segments is written by `mca-report segment` (Python), not by dbt, and declared as the
  source `mca_segments.customer_segments`. This on-run-start hook creates it empty when it does not
  exist yet, so the segment views build (empty) on a warehouse where segmentation never ran.
-#}
{% macro mca_ensure_segments_table() %}
    {%- if execute -%}
        {%- set relation = api.Relation.create(database=target.database if target.type == 'duckdb' else none,
                                               schema=target.schema, identifier='customer_segments') -%}
        {%- set existing = adapter.get_relation(database=relation.database, schema=relation.schema,
                                                identifier=relation.identifier) -%}
        {%- if existing is none -%}
            {% do adapter.create_schema(relation) %}
            {% do run_query(mca_create_segments_table_sql(relation)) %}
            {% if target.type == 'duckdb' %}
                {% do run_query("comment on table " ~ relation ~ " is 'created by mca segment'") %}
            {% endif %}
        {%- endif -%}
    {%- endif -%}
    select 1 as segments_table_ready
{% endmacro %}

{% macro mca_create_segments_table_sql(relation) %}
    {{ return(adapter.dispatch('mca_create_segments_table_sql', 'mca')(relation)) }}
{% endmacro %}

{% macro default__mca_create_segments_table_sql(relation) %}
    create table if not exists {{ relation }} (
        customer_id bigint not null primary key,
        segment_id integer not null,
        segment_name varchar not null,
        run_id varchar not null
    )
{% endmacro %}

{% macro mysql__mca_create_segments_table_sql(relation) %}
    create table if not exists {{ relation }} (
        customer_id bigint not null primary key,
        segment_id int not null,
        segment_name varchar(200) not null,
        run_id varchar(64) not null
    ) engine = InnoDB default charset = utf8mb4 comment = 'created by mca segment'
{% endmacro %}

{% macro mariadb__mca_create_segments_table_sql(relation) %}
    {{ return(mysql__mca_create_segments_table_sql(relation)) }}
{% endmacro %}

{% macro mysql5__mca_create_segments_table_sql(relation) %}
    {{ return(mysql__mca_create_segments_table_sql(relation)) }}
{% endmacro %}
