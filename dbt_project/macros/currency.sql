{#-
  Money in several currencies (DECISIONLOG, "Currencies: converted per row, at the rate of its
  day, before any sum"). The base currency is an ISO 4217 code set for the build
  (`mca-report build|run --base-currency EUR`, which sets MCA_BASE_CURRENCY, or the var
  base_currency); unset, mca converts nothing and only checks that the rows name at most one
  currency. A row's amounts are in its `currency` column's currency, or in the base currency
  when that is empty (or the table has no such column).
-#}

{#- The base currency's code, upper case; none when unset. -#}
{% macro mca_base_currency() -%}
    {%- set code = (env_var('MCA_BASE_CURRENCY', '') or var('base_currency', '') or '') | trim | upper -%}
    {%- if code == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if code | length != 3 or not code.isalpha() -%}
        {{ exceptions.raise_compiler_error("base_currency must be an ISO 4217 code such as EUR, got '" ~ code ~ "'") }}
    {%- endif -%}
    {{ return(code) }}
{%- endmacro %}

{#- The base currency as a SQL value (NULL when unset). -#}
{% macro mca_base_currency_sql() -%}
    {%- set code = mca_base_currency() -%}
    {%- if code is none -%}
        cast(null as {{ mca_type_string(3) }})
    {%- else -%}
        cast('{{ code }}' as {{ mca_type_string(3) }})
    {%- endif -%}
{%- endmacro %}

{#- The `currency` column of a raw table's rows (alias `rel`), trimmed and upper case, NULL when
    empty or when the table has no such column (a table from before the column existed, or a
    user's own table). -#}
{% macro mca_raw_currency(rel, table_name) -%}
    {%- set has_column = false -%}
    {%- if execute -%}
        {%- set found = mca_existing(source('mca_raw', table_name)) -%}
        {%- if found is not none -%}
            {%- set names = adapter.get_columns_in_relation(found) | map(attribute='name') | map('lower') | list -%}
            {%- set has_column = 'currency' in names -%}
        {%- endif -%}
    {%- endif -%}
    {%- if has_column -%}
        cast(upper(nullif(trim({{ rel }}.currency), '')) as {{ mca_type_string(3) }})
    {%- else -%}
        cast(null as {{ mca_type_string(3) }})
    {%- endif -%}
{%- endmacro %}

{#- Whether a row in currency `currency_expr` must be converted: a base currency is set and the
    row names another one. -#}
{% macro mca_needs_fx(currency_expr) -%}
    {%- if mca_base_currency() is none -%}
        (1 = 0)
    {%- else -%}
        ({{ currency_expr }} is not null and {{ currency_expr }} <> '{{ mca_base_currency() }}')
    {%- endif -%}
{%- endmacro %}

{#- An amount converted to the base currency with `rate` (the rate's row of int_fx_rates), kept
    as it is when the row needs no conversion; rounded to the money type's four decimals. -#}
{% macro mca_to_base(amount, currency_expr, rate) -%}
    case
        when {{ mca_needs_fx(currency_expr) }}
            then cast(round({{ amount }} * {{ rate }}, 4) as {{ mca_type_money() }})
        else {{ amount }}
    end
{%- endmacro %}

{#- The join condition of a row in `currency_expr` on day `day_expr` with its rate `fx`
    (int_fx_rates): the latest rate on or before that day. -#}
{% macro mca_fx_join(fx, currency_expr, day_expr) -%}
    {{ fx }}.currency = {{ currency_expr }}
        and {{ fx }}.valid_from <= {{ day_expr }}
        and ({{ fx }}.valid_until is null or {{ day_expr }} < {{ fx }}.valid_until)
{%- endmacro %}

{#- A checksum of the exchange rates and the base currency: rows classified under other rates
    must be classified again (macros/incremental/plan.sql). '' without rates and base currency. -#}
{% macro mca_fx_checksum() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set base = mca_base_currency() -%}
    {%- set raw = mca_node_relation('source.mca.mca_raw.fx_rates') -%}
    {%- if mca_existing(raw) is none -%}
        {{ return('' if base is none else ('base ' ~ base)) }}
    {%- endif -%}
    {%- set row = mca_scalar_row(
        "select count(*) as n, cast(sum(" ~ mca_row_checksum(['rate_date', 'currency', 'rate_to_base']) ~ ") as decimal(38, 0)) as c from " ~ raw) -%}
    {{ return('base ' ~ (base or '') ~ ' rates ' ~ row['n'] ~ ' ' ~ row['c']) }}
{%- endmacro %}
