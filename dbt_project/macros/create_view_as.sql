{#-
  dbt-mysql's `mysql` adapter type falls back to dbt's default view DDL, which wraps the body in
  parentheses: `create view v as ( with ... )`. MariaDB rejects a parenthesised CTE there
  (error 1064), so every staging view (they all start with `with`) would fail with type `mysql`
  against MariaDB. Emitting the body bare is valid on MySQL 8 and MariaDB alike; the `mariadb`
  adapter type already does this.
  dbt itself dispatches create_view_as (by adapter type, not through mca_dispatch), so this
  override applies to the adapter type `mysql` only, the one target that needs it.
-#}
{% macro mysql__create_view_as(relation, sql) -%}
  {%- set sql_header = config.get('sql_header', none) -%}
  {{ sql_header if sql_header is not none }}
  create view {{ relation }}
  {%- set contract_config = config.get('contract') %}
  {%- if contract_config.enforced %}
    {{ get_assert_columns_equivalent(sql) }}
  {%- endif %}
  as
    {{ sql }}
{%- endmacro %}
