{#-
  The report period of rpt_period_comparison: the days ending at the run's reference date
  (mca_as_of_date) that the executive summary compares with the period before it and with the
  same days a year earlier.

  Its length comes from var report_period (`--vars '{report_period: 7d}'`), else the environment
  variable MCA_REPORT_PERIOD, which is how mca-report passes it (like MCA_AS_OF: a var that
  changes makes dbt parse the whole project again, an environment variable read in a macro does
  not). One of:
      7d, 30d, 90d   the last 7, 30 or 90 days, as_of included
      mtd            month to date: the first of as_of's month to as_of
      qtd            quarter to date: the first day of as_of's quarter to as_of
  Default 30d. The previous period has the same number of days and ends the day before the
  current one starts (for mtd and qtd too: 1-15 June is compared with 17-31 May).
-#}

{% macro mca_report_period() -%}
    {%- set period = var('report_period', none) -%}
    {%- if period is none or (period | string | trim) == '' -%}
        {%- set period = env_var('MCA_REPORT_PERIOD', '') -%}
    {%- endif -%}
    {%- set period = (period | string | trim | lower) or '30d' -%}
    {%- if period not in ('7d', '30d', '90d', 'mtd', 'qtd') -%}
        {{ exceptions.raise_compiler_error("var 'report_period' must be one of 7d, 30d, 90d, mtd, qtd, got: " ~ period) }}
    {%- endif -%}
    {{ return(period) }}
{%- endmacro %}

{#- The period's bounds as SQL expressions over constants (so an index on the date can serve a
    filter on them): current_start, current_end, previous_start, previous_end, year_ago_start,
    year_ago_end, and days (the period's length in days). -#}
{% macro mca_report_period_bounds(period=none) -%}
    {%- set period = mca_report_period() if period is none else period -%}
    {%- set as_of = mca_as_of_date() -%}
    {%- if period.endswith('d') -%}
        {%- set days = period[:-1] | int -%}
        {%- set current_start = mca_dateadd_days(as_of, 1 - days) -%}
        {%- set length = days | string -%}
    {%- else -%}
        {%- set current_start = mca_month_start(as_of) if period == 'mtd' else mca_quarter_start(as_of) -%}
        {%- set length = '(' ~ mca_datediff_days(current_start, as_of) ~ ' + 1)' -%}
    {%- endif -%}
    {{ return({
        'current_start': current_start,
        'current_end': as_of,
        'previous_start': mca_dateadd_days(current_start, '-' ~ length),
        'previous_end': mca_dateadd_days(current_start, -1),
        'year_ago_start': mca_dateadd_years(current_start, -1),
        'year_ago_end': mca_dateadd_years(as_of, -1),
        'days': length,
    }) }}
{%- endmacro %}

{# ---- date arithmetic the periods need (engine bodies as in cross_db.sql) ------------------ #}

{# The first day of the date's month. #}
{% macro mca_month_start(date_expr) %}{{ return(mca_dispatch('mca_month_start')(date_expr)) }}{% endmacro %}
{% macro default__mca_month_start(date_expr) -%}
    {{ mca_no_portable_sql('mca_month_start', 'standard SQL has no month truncation') }}
{%- endmacro %}
{% macro duckdb__mca_month_start(date_expr) %}cast(date_trunc('month', cast({{ date_expr }} as date)) as date){% endmacro %}
{% macro spark__mca_month_start(date_expr) %}trunc(cast({{ date_expr }} as date), 'MM'){% endmacro %}
{% macro mysql__mca_month_start(date_expr) %}date_sub(cast({{ date_expr }} as date), interval (dayofmonth(cast({{ date_expr }} as date)) - 1) day){% endmacro %}

{# The first day of the date's calendar quarter. #}
{% macro mca_quarter_start(date_expr) %}{{ return(mca_dispatch('mca_quarter_start')(date_expr)) }}{% endmacro %}
{% macro default__mca_quarter_start(date_expr) -%}
    {{ mca_no_portable_sql('mca_quarter_start', 'standard SQL has no quarter truncation') }}
{%- endmacro %}
{% macro duckdb__mca_quarter_start(date_expr) %}cast(date_trunc('quarter', cast({{ date_expr }} as date)) as date){% endmacro %}
{% macro spark__mca_quarter_start(date_expr) %}trunc(cast({{ date_expr }} as date), 'QUARTER'){% endmacro %}
{% macro mysql__mca_quarter_start(date_expr) %}date_add(makedate(year(cast({{ date_expr }} as date)), 1), interval (quarter(cast({{ date_expr }} as date)) - 1) quarter){% endmacro %}

{# The date `years` whole years later (earlier when negative); 29 February becomes 28 February. #}
{% macro mca_dateadd_years(date_expr, years) %}{{ return(mca_dispatch('mca_dateadd_years')(date_expr, years)) }}{% endmacro %}
{% macro default__mca_dateadd_years(date_expr, years) %}cast(cast({{ date_expr }} as date) + cast({{ years }} as integer) * interval '1' year as date){% endmacro %}
{% macro duckdb__mca_dateadd_years(date_expr, years) %}cast(cast({{ date_expr }} as date) + to_years(cast({{ years }} as integer)) as date){% endmacro %}
{# add_months keeps the day where it can and gives 29 February's year-later the 28th. #}
{% macro spark__mca_dateadd_years(date_expr, years) %}add_months(cast({{ date_expr }} as date), 12 * cast({{ years }} as int)){% endmacro %}
{% macro mysql__mca_dateadd_years(date_expr, years) %}date_add(cast({{ date_expr }} as date), interval ({{ years }}) year){% endmacro %}
