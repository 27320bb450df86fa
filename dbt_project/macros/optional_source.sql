{#-
  `select * from` a source table that may not exist: each raw table (a project may start with
  campaigns only, customers only or orders only; `mca-report build` refuses only when none of
  them exists) and customer_segments (written by `mca-report segment`; `mca-report build`
  creates it empty first, from reporting/contract.py). When the table is missing, an empty
  relation with the given typed columns stands in, so the models downstream build empty and
  their tests pass on no rows. source() is called either way, so lineage shows the source.
    columns: [(name, type), ...] in the table's order (mca_raw_columns gives the raw tables')
-#}
{% macro mca_source_or_empty(source_name, table_name, columns) -%}
    {%- set src = source(source_name, table_name) -%}
    {%- set found = none -%}
    {%- if execute -%}
        {%- set found = mca_existing(src) -%}
    {%- endif -%}
    {%- if found is not none -%}
    select * from {{ src }}
    {%- else -%}
    -- {{ src }} does not exist
    {{ mca_empty_select(columns) }}
    {%- endif -%}
{%- endmacro %}

{#- An empty relation with typed columns: the stand-in for a table that does not exist. -#}
{% macro mca_empty_select(columns) -%}
    select * from (
        select
        {%- for name, type in columns %}
            cast(null as {{ type }}) as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    ) as missing
    where 1 = 0
{%- endmacro %}

{#- Whether a source table exists (true while parsing, when nothing is read). -#}
{% macro mca_source_exists(source_name, table_name) -%}
    {{ return(mca_relation_exists(source(source_name, table_name))) }}
{%- endmacro %}

{#- Whether a relation exists (true while parsing, when nothing is read). -#}
{% macro mca_relation_exists(relation) -%}
    {%- if not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {{ return(mca_existing(relation) is not none) }}
{%- endmacro %}

{#- The raw contract's columns of a raw table (reporting/contract.py), typed, for the empty
    stand-in of mca_source_or_empty. Names that are keywords are quoted. -#}
{% macro mca_raw_columns(table_name) -%}
    {%- set int, money, float = mca_type_int(), mca_type_money(), mca_type_float() -%}
    {%- set columns = {
        'campaigns': [
            (adapter.quote('id'), int),
            ('campaign_name', mca_type_string(255)),
            ('channel', mca_type_string(64)),
            ('cost', money),
            ('impressions', int),
            ('clicks', int),
            ('conversions', money),
            ('revenue', money),
            (adapter.quote('date'), 'date'),
        ],
        'customers': [
            ('customer_id', int),
            ('age', int),
            ('sessions', int),
            ('avg_session_duration', float),
            ('pages_per_session', float),
            ('transactions', int),
            ('revenue', money),
            ('acquisition_channel', mca_type_string(64)),
            ('signup_date', 'date'),
        ],
        'orders': [
            ('customer_id', int),
            ('order_date', 'date'),
            ('quantity', int),
            ('amount', money),
        ],
        'fx_rates': [
            ('rate_date', 'date'),
            ('currency', mca_type_string(3)),
            ('rate_to_base', float),
        ],
    } -%}
    {{ return(columns[table_name]) }}
{%- endmacro %}

{#- A raw table to read from (`from {{ mca_raw_from('campaigns') }}`): the source table, or its
    empty stand-in as a derived table when it does not exist. For hooks and tests, which read the
    raw table directly (hooks may not call source(): the relation comes from the graph). -#}
{% macro mca_raw_from(table_name) -%}
    {%- if not execute -%}
        {{ return(table_name) }}
    {%- endif -%}
    {%- set raw = mca_node_relation('source.mca.mca_raw.' ~ table_name) -%}
    {%- if mca_existing(raw) is not none -%}
        {{ return(raw | string) }}
    {%- endif -%}
    {{ return('(' ~ mca_empty_select(mca_raw_columns(table_name)) ~ ') as missing_' ~ table_name) }}
{%- endmacro %}
