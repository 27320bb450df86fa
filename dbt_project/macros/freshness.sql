{#-
  `dbt source freshness` (and `mca-report freshness`): dbt's collect_freshness with the time now
  taken in UTC. Ingest writes _mca_loaded_at in UTC and dbt reads a timestamp without a time zone
  as UTC, so MySQL/MariaDB's current_timestamp (the session's time zone) would shift every age by
  the server's offset from UTC. dbt's adapter.dispatch finds this default__ in the root project
  before its own.
-#}
{% macro default__collect_freshness(source, loaded_at_field, filter) %}
  {% call statement('collect_freshness', fetch_result=True, auto_begin=False) -%}
    select
      max({{ loaded_at_field }}) as max_loaded_at,
      {{ mca_utc_now() }} as snapshotted_at
    from {{ source }}
    {% if filter %}
    where {{ filter }}
    {% endif %}
  {% endcall %}
  {{ return(load_result('collect_freshness')) }}
{% endmacro %}

{#- The current time in UTC. -#}
{% macro mca_utc_now() %}{{ return(mca_dispatch('mca_utc_now')()) }}{% endmacro %}

{#- DuckDB's current_timestamp carries its time zone, which dbt converts to UTC. -#}
{% macro default__mca_utc_now() %}{{ current_timestamp() }}{% endmacro %}

{% macro mysql__mca_utc_now() %}utc_timestamp(){% endmacro %}
