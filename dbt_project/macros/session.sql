{#-
  Session settings for analytics, set by each model's pre-hook on its own connection.

  MySQL/MariaDB as installed give a session 16 MB for an in-memory temporary table; past that a
  GROUP BY or DISTINCT writes its temporary table to disk. A GROUP BY over 1M campaign rows took
  11.2 s as installed and 3.8 s with 256 MB (measured on MariaDB 10.11, 2 cores). Both
  variables are session variables, so no privilege is needed and nothing outlives the
  connection; var('mca_tmp_table_bytes') sets the size. Other engines need nothing.
-#}
{% macro mca_session_settings() -%}
    {{ return(mca_dispatch('mca_session_settings')()) }}
{%- endmacro %}

{% macro default__mca_session_settings() -%}
    select 1 as no_session_settings
{%- endmacro %}

{% macro mysql__mca_session_settings() -%}
    {%- set size = var('mca_tmp_table_bytes', 268435456) | int -%}
    set session tmp_table_size = {{ size }}, max_heap_table_size = {{ size }}
{%- endmacro %}
