{#-
  customer_segments is written by `mca-report segment` (Python), not by dbt, and declared as the
  source `mca_segments.customer_segments`. This on-run-start hook creates it empty when it does not
  exist yet, so the segment views build (empty) on a warehouse where segmentation never ran. The
  table carries the comment 'created by mca segment', the mark by which mca knows that the table
  is its own to replace.
-#}
{% macro mca_ensure_segments_table() %}
    {%- if execute -%}
        {%- set relation = api.Relation.create(database=target.database, schema=target.schema,
                                               identifier='customer_segments') -%}
        {%- set existing = adapter.get_relation(database=relation.database, schema=relation.schema,
                                                identifier=relation.identifier) -%}
        {%- if existing is none -%}
            {% do adapter.create_schema(relation) %}
            {% do run_query(mca_create_segments_table_sql(relation)) %}
            {%- set mark = mca_mark_segments_table_sql(relation) -%}
            {% if mark %}
                {% do run_query(mark) %}
            {% endif %}
        {%- endif -%}
    {%- endif -%}
    select 1 as segments_table_ready
{% endmacro %}

{#- CREATE TABLE of the empty segments table. -#}
{% macro mca_create_segments_table_sql(relation) %}
    {{ return(mca_dispatch('mca_create_segments_table_sql')(relation)) }}
{% endmacro %}

{% macro default__mca_create_segments_table_sql(relation) %}
    create table {{ relation }} (
        customer_id bigint not null primary key,
        segment_id integer not null,
        segment_name varchar(200) not null,
        run_id varchar(64) not null
    )
{% endmacro %}

{% macro duckdb__mca_create_segments_table_sql(relation) %}
    create table if not exists {{ relation }} (
        customer_id bigint not null primary key,
        segment_id integer not null,
        segment_name varchar not null,
        run_id varchar not null
    )
{% endmacro %}

{#- The MySQL family marks the table in its CREATE TABLE (see mca_mark_segments_table_sql). -#}
{% macro mysql__mca_create_segments_table_sql(relation) %}
    create table if not exists {{ relation }} (
        customer_id bigint not null primary key,
        segment_id int not null,
        segment_name varchar(200) not null,
        run_id varchar(64) not null
    ) engine = InnoDB default charset = utf8mb4 comment = 'created by mca segment'
{% endmacro %}

{#- The statement that marks the new table as mca's, run after the CREATE TABLE; none when the
    CREATE TABLE already did. -#}
{% macro mca_mark_segments_table_sql(relation) %}
    {{ return(mca_dispatch('mca_mark_segments_table_sql')(relation)) }}
{% endmacro %}

{% macro default__mca_mark_segments_table_sql(relation) %}
    {{ mca_no_portable_sql('mca_mark_segments_table_sql', 'standard SQL has no table comments') }}
{% endmacro %}

{% macro duckdb__mca_mark_segments_table_sql(relation) %}
    {{ return("comment on table " ~ relation ~ " is 'created by mca segment'") }}
{% endmacro %}

{% macro mysql__mca_mark_segments_table_sql(relation) %}
    {{ return(none) }}
{% endmacro %}
