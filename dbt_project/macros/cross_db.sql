{#-
  Everything that differs between the engines lives here, behind mca_dispatch (dispatch.sql).
  dbt-mysql implements none of dbt's own cross-database macros (dbt.dateadd, dbt.type_* ...), so
  the project writes its own. Each macro has a `default__` body in portable SQL, or one that
  stops with an error where no portable form exists, and engine bodies where an engine differs:
  `duckdb__` for DuckDB, `mysql__` for the MySQL family (adapter types mysql, mariadb, mysql5),
  `spark__` for Apache Spark.
-#}

{# ---- types --------------------------------------------------------------------------------- #}

{# Floating point for ratios. MariaDB's int/int keeps only 4 decimals (div_precision_increment),
   so every ratio casts to this first. #}
{% macro mca_type_float() %}{{ return(mca_dispatch('mca_type_float')()) }}{% endmacro %}
{% macro default__mca_type_float() %}double{% endmacro %}

{# Money: exact decimal, wide enough for 1e12 per row and sums of millions of rows. #}
{% macro mca_type_money() %}{{ return(mca_dispatch('mca_type_money')()) }}{% endmacro %}
{% macro default__mca_type_money() %}decimal(20, 4){% endmacro %}

{# Whole numbers. MySQL's CAST only knows SIGNED/UNSIGNED, not BIGINT. #}
{% macro mca_type_int() %}{{ return(mca_dispatch('mca_type_int')()) }}{% endmacro %}
{% macro default__mca_type_int() %}bigint{% endmacro %}
{% macro mysql__mca_type_int() %}signed{% endmacro %}

{# Text. MySQL's CAST has no VARCHAR, only CHAR(n). #}
{% macro mca_type_string(length=255) %}{{ return(mca_dispatch('mca_type_string')(length)) }}{% endmacro %}
{% macro default__mca_type_string(length) %}varchar({{ length }}){% endmacro %}
{% macro duckdb__mca_type_string(length) %}varchar{% endmacro %}
{% macro mysql__mca_type_string(length) %}char({{ length }}){% endmacro %}
{# Spark casts only to STRING: VARCHAR(n) is for table columns. #}
{% macro spark__mca_type_string(length) %}string{% endmacro %}

{# A typed NULL/boolean literal that reads back as a boolean on every target. #}
{% macro mca_bool(expr) %}{{ return(mca_dispatch('mca_bool')(expr)) }}{% endmacro %}
{% macro default__mca_bool(expr) %}coalesce(({{ expr }}), false){% endmacro %}

{# ---- text ---------------------------------------------------------------------------------- #}

{# Compare text exactly. MariaDB's default utf8mb4_general_ci collation says 'Café' = 'cafe ',
   which merges rows that DuckDB keeps apart; a binary collation makes both targets group the
   same way. Case is then normalised explicitly with lower(). #}
{% macro mca_exact_text(expr) %}{{ return(mca_dispatch('mca_exact_text')(expr)) }}{% endmacro %}
{% macro default__mca_exact_text(expr) -%}
    {{ mca_no_portable_sql('mca_exact_text', "whether text compares exactly depends on the engine's collation") }}
{%- endmacro %}
{% macro duckdb__mca_exact_text(expr) %}cast({{ expr }} as varchar){% endmacro %}
{% macro mysql__mca_exact_text(expr) %}(convert({{ expr }} using utf8mb4) collate utf8mb4_bin){% endmacro %}
{# Spark compares strings byte for byte already. #}
{% macro spark__mca_exact_text(expr) %}cast({{ expr }} as string){% endmacro %}

{# ---- dates --------------------------------------------------------------------------------- #}

{% macro mca_dateadd_days(date_expr, days_expr) %}{{ return(mca_dispatch('mca_dateadd_days')(date_expr, days_expr)) }}{% endmacro %}
{% macro default__mca_dateadd_days(date_expr, days_expr) %}cast(cast({{ date_expr }} as date) + cast({{ days_expr }} as integer) * interval '1' day as date){% endmacro %}
{% macro duckdb__mca_dateadd_days(date_expr, days_expr) %}cast(cast({{ date_expr }} as date) + cast({{ days_expr }} as integer) as date){% endmacro %}
{% macro mysql__mca_dateadd_days(date_expr, days_expr) %}date_add(cast({{ date_expr }} as date), interval ({{ days_expr }}) day){% endmacro %}
{% macro spark__mca_dateadd_days(date_expr, days_expr) %}date_add(cast({{ date_expr }} as date), cast({{ days_expr }} as int)){% endmacro %}

{# Whole days from start to end (end - start). #}
{% macro mca_datediff_days(start_expr, end_expr) %}{{ return(mca_dispatch('mca_datediff_days')(start_expr, end_expr)) }}{% endmacro %}
{% macro default__mca_datediff_days(start_expr, end_expr) -%}
    {{ mca_no_portable_sql('mca_datediff_days', 'standard SQL subtracts dates into an interval, not a number of days') }}
{%- endmacro %}
{% macro duckdb__mca_datediff_days(start_expr, end_expr) %}datediff('day', cast({{ start_expr }} as date), cast({{ end_expr }} as date)){% endmacro %}
{% macro mysql__mca_datediff_days(start_expr, end_expr) %}datediff(cast({{ end_expr }} as date), cast({{ start_expr }} as date)){% endmacro %}
{% macro spark__mca_datediff_days(start_expr, end_expr) %}datediff(cast({{ end_expr }} as date), cast({{ start_expr }} as date)){% endmacro %}

{# ISO day of week: 1 = Monday ... 7 = Sunday. #}
{% macro mca_iso_day_of_week(date_expr) %}{{ return(mca_dispatch('mca_iso_day_of_week')(date_expr)) }}{% endmacro %}
{% macro default__mca_iso_day_of_week(date_expr) -%}
    {{ mca_no_portable_sql('mca_iso_day_of_week', 'standard SQL has no day-of-week function') }}
{%- endmacro %}
{% macro duckdb__mca_iso_day_of_week(date_expr) %}isodow({{ date_expr }}){% endmacro %}
{% macro mysql__mca_iso_day_of_week(date_expr) %}(weekday({{ date_expr }}) + 1){% endmacro %}
{# Spark's dayofweek counts from Sunday = 1. #}
{% macro spark__mca_iso_day_of_week(date_expr) %}(pmod(dayofweek({{ date_expr }}) + 5, 7) + 1){% endmacro %}

{# ISO 8601 week-numbering year and week (1-53): weeks start on Monday and belong to the year of
   their Thursday, so 2024-12-30 is week 1 of 2025 and 2021-01-03 week 53 of 2020. MySQL's mode 3
   of week()/yearweek() is the ISO rule. #}
{% macro mca_iso_year(date_expr) %}{{ return(mca_dispatch('mca_iso_year')(date_expr)) }}{% endmacro %}
{% macro default__mca_iso_year(date_expr) -%}
    {{ mca_no_portable_sql('mca_iso_year', 'standard SQL has no ISO week-numbering year') }}
{%- endmacro %}
{% macro duckdb__mca_iso_year(date_expr) %}isoyear({{ date_expr }}){% endmacro %}
{% macro mysql__mca_iso_year(date_expr) %}(yearweek({{ date_expr }}, 3) div 100){% endmacro %}
{% macro spark__mca_iso_year(date_expr) %}extract(yearofweek from cast({{ date_expr }} as date)){% endmacro %}

{% macro mca_iso_week(date_expr) %}{{ return(mca_dispatch('mca_iso_week')(date_expr)) }}{% endmacro %}
{% macro default__mca_iso_week(date_expr) -%}
    {{ mca_no_portable_sql('mca_iso_week', 'standard SQL has no ISO week number') }}
{%- endmacro %}
{% macro duckdb__mca_iso_week(date_expr) %}week({{ date_expr }}){% endmacro %}
{% macro mysql__mca_iso_week(date_expr) %}week({{ date_expr }}, 3){% endmacro %}
{# Spark's weekofyear is the ISO week. #}
{% macro spark__mca_iso_week(date_expr) %}weekofyear({{ date_expr }}){% endmacro %}

{# English month and day names (January, Monday). DuckDB and MySQL call them monthname and
   dayname (MySQL in its lc_time_names, en_US unless changed); Spark formats them. #}
{% macro mca_month_name(date_expr) %}{{ return(mca_dispatch('mca_month_name')(date_expr)) }}{% endmacro %}
{% macro default__mca_month_name(date_expr) %}monthname({{ date_expr }}){% endmacro %}
{% macro spark__mca_month_name(date_expr) %}date_format({{ date_expr }}, 'MMMM'){% endmacro %}
{% macro mca_day_name(date_expr) %}{{ return(mca_dispatch('mca_day_name')(date_expr)) }}{% endmacro %}
{% macro default__mca_day_name(date_expr) %}dayname({{ date_expr }}){% endmacro %}
{% macro spark__mca_day_name(date_expr) %}date_format({{ date_expr }}, 'EEEE'){% endmacro %}

{# ---- arithmetic ---------------------------------------------------------------------------- #}

{# num / den as a float, NULL when den is 0 or NULL. DuckDB returns inf for x/0 and MySQL NULL,
   and a ratio with a zero denominator has no value: a CPA of 0 for a campaign without
   conversions would read as "free conversions". #}
{% macro mca_safe_divide(numerator, denominator) -%}
    (cast({{ numerator }} as {{ mca_type_float() }}) / nullif(cast({{ denominator }} as {{ mca_type_float() }}), 0))
{%- endmacro %}

{# Rows where `condition` holds; 0 (not NULL) over no rows. #}
{% macro mca_count_if(condition) -%}
    coalesce(sum(case when {{ condition }} then 1 else 0 end), 0)
{%- endmacro %}

{#- A number that changes when any of `columns` changes, for sum()-ing into a checksum of many
    rows. Each engine has its own (CRC32 of the values joined / DuckDB's hash), so checksums
    compare only with checksums from the same engine. NULL and the text '\N' hash alike. -#}
{% macro mca_row_checksum(columns) %}{{ return(mca_dispatch('mca_row_checksum')(columns)) }}{% endmacro %}
{% macro default__mca_row_checksum(columns) -%}
    {{ mca_no_portable_sql('mca_row_checksum', 'standard SQL has no hash function') }}
{%- endmacro %}
{% macro duckdb__mca_row_checksum(columns) %}(hash({{ columns | join(', ') }}) % 4294967296){% endmacro %}
{% macro mysql__mca_row_checksum(columns) -%}
    crc32(concat_ws(char(31){% for c in columns %}, coalesce({{ c }}, '\\N'){% endfor %}))
{%- endmacro %}
{% macro spark__mca_row_checksum(columns) -%}
    crc32(concat_ws(chr(31){% for c in columns %}, coalesce(cast({{ c }} as string), '\\N'){% endfor %}))
{%- endmacro %}
