{#-
  Table-level operations the build machinery needs (macros/build/), with the engine SQL behind
  mca_dispatch. Relations beside a model's table share its name plus a suffix:
      <name>__mca_new        the successor, being built (dropped if a build dies while it exists)
      <name>__mca_prev       the table it replaced, kept until the build ends (restored on failure)
      <name>__mca_undo       rows an append build deleted or updated in place, as they were
      <name>__mca_undo_keys  keys of the rows an append build inserted
-#}

{% macro mca_sibling(relation, suffix) -%}
    {{ return(api.Relation.create(database=relation.database, schema=relation.schema,
                                  identifier=relation.identifier ~ suffix, type='table')) }}
{%- endmacro %}

{#- The relation as the warehouse has it (none when it does not exist). It asks dbt's relation
    cache, which every macro here keeps up to date (cache_added, cache_dropped, cache_renamed). -#}
{% macro mca_existing(relation) -%}
    {{ return(adapter.get_relation(database=relation.database, schema=relation.schema,
                                   identifier=relation.identifier)) }}
{%- endmacro %}

{% macro mca_drop_if_exists(relation) -%}
    {%- call statement('mca_drop_' ~ relation.identifier) -%}
        drop table if exists {{ relation }}
    {%- endcall -%}
    {%- do adapter.cache_dropped(relation) -%}
{%- endmacro %}

{#- Put `new` in the place of `target` in one step; the table it replaces stays beside it as
    <target>__mca_prev until the build ends (macros/build/journal.sql). -#}
{% macro mca_swap_in(new, target) -%}
    {%- set existing = mca_existing(target) -%}
    {%- set prev = mca_sibling(target, '__mca_prev') -%}
    {%- if existing is not none and existing.is_view -%}
        {%- do adapter.drop_relation(existing) -%}
        {%- set existing = none -%}
    {%- endif -%}
    {%- if existing is not none -%}
        {%- do mca_drop_if_exists(prev) -%}
    {%- endif -%}
    {%- for sql in mca_dispatch('mca_swap_statements')(new, target, prev if existing is not none else none) -%}
        {%- call statement('mca_swap_' ~ target.identifier ~ '_' ~ loop.index) -%}
            {{ sql }}
        {%- endcall -%}
    {%- endfor -%}
    {%- if existing is not none -%}
        {%- do adapter.cache_renamed(target, prev) -%}
    {%- endif -%}
    {%- do adapter.cache_renamed(new, target) -%}
{%- endmacro %}

{#- The statements that rename `target` to `prev` (when prev is given) and `new` to `target`.
    Engines with transactional DDL (DuckDB) run both in the model's transaction. -#}
{% macro default__mca_swap_statements(new, target, prev) -%}
    {%- set statements = [] -%}
    {%- if prev is not none -%}
        {%- do statements.append('alter table ' ~ target ~ ' rename to ' ~ adapter.quote(prev.identifier)) -%}
    {%- endif -%}
    {%- do statements.append('alter table ' ~ new ~ ' rename to ' ~ adapter.quote(target.identifier)) -%}
    {{ return(statements) }}
{%- endmacro %}

{#- One RENAME TABLE of both: atomic, so readers never find the name missing. -#}
{% macro mysql__mca_swap_statements(new, target, prev) -%}
    {%- set pairs = ([target ~ ' to ' ~ prev] if prev is not none else []) + [new ~ ' to ' ~ target] -%}
    {{ return(['rename table ' ~ (pairs | join(', '))]) }}
{%- endmacro %}

{#- Rename one table (used when a build is undone: <name>__mca_prev back to <name>). -#}
{% macro mca_rename_table(from_relation, to_relation) -%}
    {%- for sql in mca_dispatch('mca_swap_statements')(from_relation, to_relation, none) -%}
        {%- call statement('mca_rename_' ~ from_relation.identifier) -%}
            {{ sql }}
        {%- endcall -%}
    {%- endfor -%}
    {%- do adapter.cache_renamed(from_relation, to_relation) -%}
{%- endmacro %}

{#- An empty table with the columns of `source_sql`. -#}
{% macro mca_create_empty_like(relation, source_sql) -%}
    {%- call statement('mca_empty_' ~ relation.identifier) -%}
        {{ create_table_as(false, relation, 'select * from (' ~ source_sql ~ ') as shape where 1 = 0') }}
    {%- endcall -%}
    {%- do adapter.cache_added(relation) -%}
{%- endmacro %}

{#- Delete the rows of `target` whose `key` is among the keys `keys_sql` selects (as `doomed_key`).
    MySQL/MariaDB get a join: MariaDB 10.x runs `delete ... where key in (subquery)` row by row
    (21 s for a few hundred rows out of 100K). -#}
{% macro mca_delete_keys(target, key, keys_sql) -%}
    {{ return(mca_dispatch('mca_delete_keys')(target, key, keys_sql)) }}
{%- endmacro %}

{% macro default__mca_delete_keys(target, key, keys_sql) -%}
    delete from {{ target }} where {{ key }} in (select doomed_key from ({{ keys_sql }}) as doomed)
{%- endmacro %}

{% macro spark__mca_delete_keys(target, key, keys_sql) -%}
    {{ mca_no_portable_sql('mca_delete_keys', "Spark's Parquet tables take no DELETE (every build on Spark is a full build, so nothing is undone row by row)") }}
{%- endmacro %}

{% macro mysql__mca_delete_keys(target, key, keys_sql) -%}
    {#- no alias for the target: MariaDB then looks the alias up in the default database -#}
    delete {{ target }} from {{ target }}
    inner join ({{ keys_sql }}) as doomed on {{ target }}.{{ key }} = doomed.doomed_key
{%- endmacro %}

{#- The first row of a query, or none. -#}
{% macro mca_scalar_row(sql) -%}
    {%- set result = run_query(sql) -%}
    {%- if result is none or (result.rows | length) == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(result.rows[0]) }}
{%- endmacro %}

{#- A string literal for `text`. -#}
{% macro mca_string_literal(text) -%}
    {{ return(mca_dispatch('mca_string_literal')(text)) }}
{%- endmacro %}

{% macro default__mca_string_literal(text) -%}
    {{ return("'" ~ (text | string | replace("'", "''")) ~ "'") }}
{%- endmacro %}

{#- Spark reads backslashes as escapes too, and a quote is escaped with one, not doubled. -#}
{% macro spark__mca_string_literal(text) -%}
    {{ return("'" ~ (text | string | replace("\\", "\\\\") | replace("'", "\\'")) ~ "'") }}
{%- endmacro %}

{#- MySQL reads backslashes in string literals as escapes. -#}
{% macro mysql__mca_string_literal(text) -%}
    {{ return("'" ~ (text | string | replace("\\", "\\\\") | replace("'", "''")) ~ "'") }}
{%- endmacro %}

{#- The statements that set `assignments` (column -> SQL expression) on the rows of `relation`
    where `where` holds: an UPDATE, or on Spark, whose Parquet tables take no UPDATE, a copy of
    the table with the values changed put in its place (for the small build log only). -#}
{% macro mca_update_statements(relation, assignments, where) -%}
    {{ return(mca_dispatch('mca_update_statements')(relation, assignments, where)) }}
{%- endmacro %}

{% macro default__mca_update_statements(relation, assignments, where) -%}
    {%- set sets = [] -%}
    {%- for column, expr in assignments.items() -%}
        {%- do sets.append(column ~ ' = ' ~ expr) -%}
    {%- endfor -%}
    {{ return(['update ' ~ relation ~ ' set ' ~ (sets | join(', ')) ~ ' where ' ~ where]) }}
{%- endmacro %}

{% macro spark__mca_update_statements(relation, assignments, where) -%}
    {%- set copy = mca_sibling(relation, '__mca_upd') -%}
    {%- set columns = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- set name = column.name | lower -%}
        {%- if name in assignments -%}
            {%- do columns.append('case when ' ~ where ~ ' then ' ~ assignments[name] ~ ' else ' ~ name ~ ' end as ' ~ name) -%}
        {%- else -%}
            {%- do columns.append(name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return([
        'drop table if exists ' ~ copy,
        'create table ' ~ copy ~ ' using parquet as select ' ~ (columns | join(', ')) ~ ' from ' ~ relation,
        'drop table ' ~ relation,
        'alter table ' ~ copy ~ ' rename to ' ~ adapter.quote(relation.identifier),
    ]) }}
{%- endmacro %}

{#- The target's database, or none where the adapter has no such level (Spark's profile has no
    `database`, and its relations refuse one). -#}
{% macro mca_target_database() -%}
    {{ return(target.database if target.database is defined else none) }}
{%- endmacro %}

{#- The names of the tables and views in the schema of `schema_relation`, from the warehouse
    (dbt's listing query, whose rows differ by adapter). -#}
{% macro mca_relation_names(schema_relation) -%}
    {{ return(mca_dispatch('mca_relation_names')(schema_relation)) }}
{%- endmacro %}

{% macro default__mca_relation_names(schema_relation) -%}
    {{ return(list_relations_without_caching(schema_relation) | map(attribute='name') | list) }}
{%- endmacro %}

{#- dbt-spark lists with SHOW TABLE EXTENDED: one row per table, its name in tableName. -#}
{% macro spark__mca_relation_names(schema_relation) -%}
    {%- set rows = run_query('show tables in ' ~ schema_relation.schema) -%}
    {{ return(rows.columns['tableName'].values() | list) }}
{%- endmacro %}
