{#-
  The project's two materializations for tables (views stay dbt's own). Both build a successor
  beside the table and never drop or empty the table itself; macros/build/journal.sql keeps or
  undoes the whole build at its end.

  mca_table        every table model: CREATE TABLE <name>__mca_new AS ..., then one rename puts
                   it in place and keeps the old table as <name>__mca_prev.
  mca_incremental  int_campaigns__classified and fct_campaign_daily. When the model's plan
                   (config mca_plan: 'campaigns' or 'fact', macros/incremental/plan.sql) is
                   "full", or on --full-refresh or a first build, exactly as mca_table. When it
                   is "append": the new rows go to a temporary table; then, in one transaction,
                   the pre-hooks set aside (<name>__mca_undo) and delete the rows being
                   reclassified, the new rows are inserted (their keys noted in
                   <name>__mca_undo_keys) and the post-hooks update what depends on all rows,
                   setting the old values aside first. The plan is full whenever appending
                   could differ from a full build (a change of columns included), and the model's
                   SQL is compiled from the same plan, so it holds all rows or only the new ones.
-#}

{% materialization mca_table, default %}
    {%- set target_relation = this.incorporate(type='table') -%}
    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}
    {%- do mca_build_beside(target_relation, sql) -%}
    {%- do persist_docs(target_relation, model) -%}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {%- do adapter.commit() -%}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}

{#- CREATE TABLE <target>__mca_new AS sql, then swap it in (the old table kept as __mca_prev). -#}
{% macro mca_build_beside(target_relation, sql) -%}
    {%- set new = mca_sibling(target_relation, '__mca_new') -%}
    {%- do mca_drop_if_exists(new) -%}
    {%- call statement('main') -%}
        {{ mca_dispatch('mca_create_table_as')(new, sql, config.get('mca_primary_key')) }}
    {%- endcall -%}
    {%- do adapter.cache_added(new) -%}
    {%- do mca_swap_in(new, target_relation) -%}
{%- endmacro %}

{% materialization mca_incremental, default %}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set unique_key = config.require('unique_key') -%}
    {%- set plan = mca_incremental_plan(config.require('mca_plan')) -%}
    {%- set existing = mca_existing(target_relation) -%}
    {%- set append = plan.mode != 'full' and existing is not none and existing.is_table
                     and not should_full_refresh() -%}
    {%- set tmp_relation = none -%}
    {%- if append -%}
        {#- the new rows first, outside the transaction: the model's SQL reads the table -#}
        {%- set tmp_relation = make_temp_relation(target_relation) -%}
        {%- do adapter.drop_relation(tmp_relation) -%}
        {%- call statement('mca_new_rows') -%}
            {{ create_table_as(true, tmp_relation, sql) }}
        {%- endcall -%}
        {%- set have = adapter.get_columns_in_relation(target_relation) | map(attribute='name') | map('lower') | list -%}
        {%- set come = adapter.get_columns_in_relation(tmp_relation) | map(attribute='name') | map('lower') | list -%}
        {%- if have != come -%}
            {#- the plan checks the columns first (mca_columns_changed), so this is a bug -#}
            {{ exceptions.raise_compiler_error(this ~ ": an append build would change the columns from "
                ~ (have | join(', ')) ~ " to " ~ (come | join(', '))) }}
        {%- endif -%}
    {%- endif -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {%- if not append -%}
        {{ run_hooks(pre_hooks, inside_transaction=True) }}
        {%- do mca_build_beside(target_relation, sql) -%}
    {%- else -%}
        {%- set undo = mca_sibling(target_relation, '__mca_undo') -%}
        {%- set undo_keys = mca_sibling(target_relation, '__mca_undo_keys') -%}
        {%- if mca_existing(undo) is none -%}
            {%- do mca_create_empty_like(undo, 'select * from ' ~ target_relation) -%}
            {%- do mca_create_empty_like(undo_keys, 'select ' ~ unique_key ~ ' from ' ~ target_relation) -%}
            {%- do adapter.commit() -%}
        {%- endif -%}
        {%- set columns = adapter.get_columns_in_relation(target_relation) | map(attribute='quoted') | join(', ') -%}
        {{ run_hooks(pre_hooks, inside_transaction=True) }}
        {%- call statement('mca_note_inserted') -%}
            insert into {{ undo_keys }} select {{ unique_key }} from {{ tmp_relation }}
        {%- endcall -%}
        {%- call statement('main') -%}
            insert into {{ target_relation }} ({{ columns }}) select {{ columns }} from {{ tmp_relation }}
        {%- endcall -%}
    {%- endif -%}
    {%- do persist_docs(target_relation, model) -%}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {%- do adapter.commit() -%}
    {%- if tmp_relation is not none -%}
        {%- do adapter.drop_relation(tmp_relation) -%}
    {%- endif -%}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}

{#- The plan the materialization and the hooks follow for the model being built. -#}
{% macro mca_incremental_plan(kind) -%}
    {%- if kind == 'campaigns' -%}
        {{ return(mca_campaigns_plan()) }}
    {%- elif kind == 'fact' -%}
        {{ return(mca_fact_plan()) }}
    {%- elif kind == 'derived' -%}
        {{ return(mca_derived_plan()) }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error("mca_incremental: unknown mca_plan '" ~ kind ~ "' (campaigns, fact or derived)") }}
{%- endmacro %}

{#- CREATE TABLE ... AS SELECT, with the model's primary key (config mca_primary_key) where the
    engine stores rows by it: on MySQL/MariaDB the fact is then read in key order without a
    sort (the Power BI export) and its key lookups need no second index. -#}
{% macro default__mca_create_table_as(relation, sql, primary_key) -%}
    {{ create_table_as(false, relation, sql) }}
{%- endmacro %}

{% macro mysql__mca_create_table_as(relation, sql, primary_key) -%}
    {%- if primary_key is none -%}
        {{ create_table_as(false, relation, sql) }}
    {%- else -%}
    create table {{ relation }} (primary key ({{ primary_key }}))
    as
    {{ sql }}
    {%- endif -%}
{%- endmacro %}
