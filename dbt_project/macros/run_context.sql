{#- The run's reference date and lookback window, from vars (see dbt_project.yml). -#}

{% macro mca_as_of_date() -%}
    {%- set as_of = var('as_of', none) -%}
    {%- if as_of is none or as_of == '' or as_of == 'today' -%}
        current_date
    {%- else -%}
        {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', as_of | string) -%}
            {{ exceptions.raise_compiler_error("var 'as_of' must be an ISO date (YYYY-MM-DD), got: " ~ as_of) }}
        {%- endif -%}
        cast('{{ as_of }}' as date)
    {%- endif -%}
{%- endmacro %}

{% macro mca_window_start_date() -%}
    {%- set days = var('lookback_days', 365) | int -%}
    {%- if days < 0 -%}
        {{ exceptions.raise_compiler_error("var 'lookback_days' must be >= 0, got: " ~ days) }}
    {%- endif -%}
    {{ mca_dateadd_days(mca_as_of_date(), -days) }}
{%- endmacro %}
