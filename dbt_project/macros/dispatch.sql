{#-
  How the macros in this folder pick their engine's SQL.

  A project macro `x` that differs between engines is written as
      {% macro x(a) %}{{ return(mca_dispatch('x')(a)) }}{% endmacro %}
  and mca_dispatch returns the first of these macros that exists in this project:
      <adapter type>__x     one adapter type only (say, MariaDB alone); rarely needed
      <engine family>__x    every adapter type of a family (mysql__x serves mysql, mariadb, mysql5)
      default__x            portable SQL, or a compiler error saying that no portable form exists
  Adding an engine is adding its `<family>__` macros where the default does not fit (and a row
  in mca_engine_family when it has more than one adapter type).

  Why not adapter.dispatch(x, 'mca'): it tries the adapter type, then the adapter's declared
  parents, then default__. dbt-mysql's `mariadb` and `mysql5` adapters declare no parent, so they
  never reach `mysql__` and each macro needed a one-line forwarder per adapter type. The engine
  family says once that they speak MySQL's SQL.

  dbt's own dispatched macros that the project overrides (mysql__create_view_as,
  default__get_where_subquery) are still chosen by dbt's adapter.dispatch, not by this.
-#}

{#- The engine family of an adapter type (default: this target's): the adapter types that share
    SQL, and so the `<family>__` macros. An adapter type not listed is its own family.
    dbt_project.yml repeats the `mysql` row for a seed column type: dbt renders that file before
    macros exist, so it cannot call this. -#}
{% macro mca_engine_family(adapter_type=none) -%}
    {%- set families = {
        'mariadb': 'mysql',
        'mysql5': 'mysql',
    } -%}
    {%- set adapter_type = target.type if adapter_type is none else adapter_type -%}
    {{ return(families.get(adapter_type, adapter_type)) }}
{%- endmacro %}

{#- The implementation of the project macro `name` for this target (see above). -#}
{% macro mca_dispatch(name) -%}
    {#- this project's macros: the namespace adapter.dispatch(name, 'mca') searched -#}
    {%- set macros = context['mca'] -%}
    {%- set prefixes = [target.type] -%}
    {%- if mca_engine_family() not in prefixes -%}
        {%- do prefixes.append(mca_engine_family()) -%}
    {%- endif -%}
    {%- do prefixes.append('default') -%}
    {%- for prefix in prefixes -%}
        {%- set found = macros.get(prefix ~ '__' ~ name) -%}
        {%- if found is not none -%}
            {{ return(found) }}
        {%- endif -%}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error(
        "mca_dispatch: no implementation of '" ~ name ~ "' for adapter type '" ~ target.type
        ~ "' (engine family '" ~ mca_engine_family() ~ "'); looked for "
        ~ (prefixes | join('__' ~ name ~ ', ')) ~ '__' ~ name ~ " in the project's macros") }}
{%- endmacro %}

{#- For a default__ body where no portable SQL exists: stop with an error that says which macro
    this engine lacks, instead of emitting SQL that only one engine understands. -#}
{% macro mca_no_portable_sql(name, why) -%}
    {{ exceptions.raise_compiler_error(
        "mca: '" ~ name ~ "' has no implementation for adapter type '" ~ target.type
        ~ "' (engine family '" ~ mca_engine_family() ~ "'): " ~ why
        ~ ". Add " ~ mca_engine_family() ~ "__" ~ name ~ " to dbt_project/macros.") }}
{%- endmacro %}
