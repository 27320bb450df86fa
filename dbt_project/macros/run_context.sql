{#- The run's reference date and lookback window, from vars (see dbt_project.yml). -#}

{#- The reference date as given: var as_of (`dbt build --vars '{as_of: 2026-11-24}'`), else the
    environment variable MCA_AS_OF, which is how mca-report passes it. A var that changes from
    run to run makes dbt parse the whole project again (about 4 s here); an environment variable
    read in a macro only re-parses the files that use it, so a daily run keeps dbt's partial
    parse. None when neither is set. -#}
{% macro mca_as_of_text() -%}
    {%- set as_of = var('as_of', none) -%}
    {%- if as_of is none or (as_of | string | trim) == '' -%}
        {%- set as_of = env_var('MCA_AS_OF', '') -%}
    {%- endif -%}
    {{ return(none if (as_of | string | trim) == '' else (as_of | string | trim)) }}
{%- endmacro %}

{% macro mca_as_of_date() -%}
    {%- set as_of = mca_as_of_text() -%}
    {%- if as_of is none or as_of == 'today' -%}
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
