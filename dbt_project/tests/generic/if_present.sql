{#-
  dbt's unique and not_null for a source table that may not exist (each raw table is optional,
  macros/optional_source.sql): the same test when the table exists, no failing rows when it
  does not (there are no rows to fail).
-#}
{% test mca_unique_if_present(model, column_name) %}
{%- if mca_relation_exists(model) %}
{{ adapter.dispatch('test_unique', 'dbt')(model, column_name) }}
{%- else %}
{{ mca_empty_select([('unique_field', mca_type_int())]) }}
{%- endif %}
{% endtest %}

{% test mca_not_null_if_present(model, column_name) %}
{%- if mca_relation_exists(model) %}
{{ adapter.dispatch('test_not_null', 'dbt')(model, column_name) }}
{%- else %}
{{ mca_empty_select([(column_name, mca_type_int())]) }}
{%- endif %}
{% endtest %}
