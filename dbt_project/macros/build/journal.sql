{#-
  A build replaces the marts only with complete, tested successors (DECISIONLOG, "Builds that
  fail leave the marts as they were"):
    - every table model is built beside its table (<name>__mca_new) and swapped in with one
      rename; the table it replaced stays as <name>__mca_prev (macros/build/materializations.sql);
    - an append build of an incremental model keeps what it deletes or updates in
      <name>__mca_undo and the keys it inserts in <name>__mca_undo_keys;
    - on-run-end (mca_finish_build): when every node of the build passed, those are dropped;
      when one failed (a model error, a failed test, a lost connection), every table is put back
      as it was: the __mca_prev tables renamed back, the undo applied;
    - on-run-start (mca_start_build): a build that never reached its end (the process was
      killed) left them behind, and they are put back first.
  mca_build_log (in the target schema) has one row per build: when and its status (running,
  success, failed, interrupted); `mca-report report` refuses marts whose last build is still
  marked running. mca_build_plans keeps each incremental model's plan for the build, worked out
  once (macros/incremental/plan.sql): the model's SQL, its materialization and its hooks all
  read the same plan.
-#}

{% macro mca_build_log_relation() -%}
    {{ return(api.Relation.create(database=mca_target_database(), schema=target.schema,
                                  identifier='mca_build_log', type='table')) }}
{%- endmacro %}

{% macro mca_build_plans_relation() -%}
    {{ return(api.Relation.create(database=mca_target_database(), schema=target.schema,
                                  identifier='mca_build_plans', type='table')) }}
{%- endmacro %}

{% macro mca_ensure_build_log() -%}
    {%- for relation in [mca_build_log_relation(), mca_build_plans_relation()] -%}
        {%- if mca_existing(relation) is none -%}
            {%- do adapter.create_schema(relation) -%}
            {%- call statement('mca_create_' ~ relation.identifier) -%}
                {{ mca_dispatch('mca_create_' ~ relation.identifier ~ '_sql')(relation) }}
            {%- endcall -%}
            {%- do adapter.commit() -%}
            {%- do adapter.cache_added(relation) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}

{% macro default__mca_create_mca_build_log_sql(relation) -%}
    create table {{ relation }} (
        invocation_id varchar(64) not null,
        started_at varchar(40) not null,
        finished_at varchar(40),
        status varchar(16) not null,
        primary key (invocation_id)
    )
{%- endmacro %}

{% macro default__mca_create_mca_build_plans_sql(relation) -%}
    create table {{ relation }} (
        invocation_id varchar(64) not null,
        model_name varchar(128) not null,
        plan_json varchar(4000) not null,
        primary key (invocation_id, model_name)
    )
{%- endmacro %}

{% macro spark__mca_create_mca_build_log_sql(relation) -%}
    create table {{ relation }} (
        invocation_id string, started_at string, finished_at string, status string
    ) using parquet
{%- endmacro %}

{% macro spark__mca_create_mca_build_plans_sql(relation) -%}
    create table {{ relation }} (invocation_id string, model_name string, plan_json string) using parquet
{%- endmacro %}

{#- The plan this build stored for `model_name`, or none. -#}
{% macro mca_stored_plan(model_name) -%}
    {%- set plans = mca_build_plans_relation() -%}
    {%- if mca_existing(plans) is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set row = mca_scalar_row("select plan_json from " ~ plans ~ " where invocation_id = "
                                 ~ mca_string_literal(invocation_id) ~ " and model_name = "
                                 ~ mca_string_literal(model_name)) -%}
    {{ return(none if row is none else fromjson(row['plan_json'])) }}
{%- endmacro %}

{#- Keep `plan` as this build's plan for `model_name`, when a build is under way (not in
    `dbt compile`, which has no build log row). -#}
{% macro mca_store_plan(model_name, plan) -%}
    {%- set log = mca_build_log_relation() -%}
    {%- if mca_existing(log) is none or mca_scalar_row("select count(*) as n from " ~ log ~ " where invocation_id = "
                                                          ~ mca_string_literal(invocation_id))['n'] | int == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- call statement('mca_store_plan_' ~ model_name) -%}
        insert into {{ mca_build_plans_relation() }} (invocation_id, model_name, plan_json)
        values ({{ mca_string_literal(invocation_id) }}, {{ mca_string_literal(model_name) }},
                {{ mca_string_literal(tojson(plan)) }})
    {%- endcall -%}
    {%- do adapter.commit() -%}
{%- endmacro %}

{#- Whether this dbt command builds models: hooks are also rendered, and their Jinja run, by
    `dbt compile` and `dbt docs generate`, which must neither journal nor put tables back. -#}
{% macro mca_builds_models() -%}
    {{ return(execute and flags.WHICH in ['build', 'run']) }}
{%- endmacro %}

{#- on-run-start -#}
{% macro mca_start_build() -%}
    {%- if mca_builds_models() -%}
        {%- do mca_ensure_build_log() -%}
        {%- do mca_restore_build('interrupted') -%}
        {%- call statement('mca_log_start') -%}
            insert into {{ mca_build_log_relation() }} (invocation_id, started_at, status)
            values ({{ mca_string_literal(invocation_id) }}, {{ mca_string_literal(run_started_at.isoformat()) }}, 'running')
        {%- endcall -%}
        {%- do adapter.commit() -%}
        {%- if 'model.mca.int_campaigns__classified' in selected_resources -%}
            {#- the expensive plan (a checksum scan of the raw rows), once for the whole build -#}
            {%- set plan = mca_work_out_campaigns_plan(mca_node_relation('model.mca.int_campaigns__classified')) -%}
            {%- do log('int_campaigns__classified: ' ~ plan.mode ~ ' (' ~ plan.reason ~ ')', info=true) -%}
            {%- do mca_store_plan('int_campaigns__classified', plan) -%}
        {%- endif -%}
    {%- endif -%}
    select 1 as build_started
{%- endmacro %}

{#- on-run-end: keep this build's tables when every node passed, else put everything back. -#}
{% macro mca_finish_build(results) -%}
    {%- if mca_builds_models() -%}
        {%- set failed = [] -%}
        {%- for result in results -%}
            {%- if result.status in ['error', 'fail', 'runtime error'] -%}
                {%- do failed.append(result.status) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if failed -%}
            {%- do log((failed | length) ~ ' node(s) failed; putting every table back as it was', info=true) -%}
            {%- do mca_restore_build('failed') -%}
        {%- else -%}
            {%- do mca_keep_build() -%}
        {%- endif -%}
        {%- do mca_ensure_build_log() -%}
        {%- for sql in mca_update_statements(mca_build_log_relation(), {
                'status': mca_string_literal('failed' if failed else 'success'),
                'finished_at': mca_string_literal(modules.datetime.datetime.utcnow().isoformat() ~ "+00:00")},
                'invocation_id = ' ~ mca_string_literal(invocation_id)) -%}
            {%- call statement('mca_log_end_' ~ loop.index) -%}
                {{ sql }}
            {%- endcall -%}
        {%- endfor -%}
        {%- do adapter.commit() -%}
    {%- endif -%}
    select 1 as build_finished
{%- endmacro %}

{#- The tables of the target schema that the machinery left beside a model's table, by kind. -#}
{% macro mca_build_leftovers() -%}
    {%- set found = {'prev': [], 'undo': [], 'undo_keys': [], 'new': []} -%}
    {%- set schema_relation = api.Relation.create(database=mca_target_database(), schema=target.schema) -%}
    {%- for name in mca_relation_names(schema_relation) -%}
        {%- set matched = namespace(done=false) -%}
        {%- for kind in ['undo_keys', 'undo', 'prev', 'new'] -%}
            {%- if not matched.done and name.endswith('__mca_' ~ kind) -%}
                {%- do found[kind].append(name[:-(('__mca_' ~ kind) | length)]) -%}
                {%- set matched.done = true -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}

{% macro mca_schema_table(identifier) -%}
    {{ return(api.Relation.create(database=mca_target_database(), schema=target.schema,
                                  identifier=identifier, type='table')) }}
{%- endmacro %}

{#- Every table back as it was before the build: the replaced tables renamed back over their
    successors, the undo of append builds applied. `status` marks the log rows of builds that
    were still running (on-run-start: interrupted) unless it is none. -#}
{% macro mca_restore_build(status=none) -%}
    {%- set left = mca_build_leftovers() -%}
    {%- for name in left['undo'] -%}
        {%- set table = mca_schema_table(name) -%}
        {%- set undo = mca_sibling(table, '__mca_undo') -%}
        {%- set keys = mca_sibling(table, '__mca_undo_keys') -%}
        {%- if name in left['undo_keys'] and mca_existing(table) is not none -%}
            {%- set key = (adapter.get_columns_in_relation(keys) | first).name -%}
            {%- do log('undoing the append build of ' ~ table, info=true) -%}
            {%- call statement('mca_undo_inserted_' ~ name) -%}
                {{ mca_delete_keys(table, key, 'select ' ~ key ~ ' as doomed_key from ' ~ keys) }}
            {%- endcall -%}
            {%- call statement('mca_undo_changed_' ~ name) -%}
                {{ mca_delete_keys(table, key, 'select ' ~ key ~ ' as doomed_key from ' ~ undo) }}
            {%- endcall -%}
            {%- call statement('mca_undo_restore_' ~ name) -%}
                insert into {{ table }} select * from {{ undo }}
            {%- endcall -%}
            {%- do adapter.commit() -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for name in left['prev'] -%}
        {%- set table = mca_schema_table(name) -%}
        {%- do log('putting back ' ~ table ~ ' as it was before the build', info=true) -%}
        {%- do mca_drop_if_exists(table) -%}
        {%- do mca_rename_table(mca_sibling(table, '__mca_prev'), table) -%}
        {%- do adapter.commit() -%}
    {%- endfor -%}
    {%- do mca_drop_leftovers(left, ['undo', 'undo_keys', 'new']) -%}
    {%- if status is not none and mca_existing(mca_build_log_relation()) is not none -%}
        {%- for sql in mca_update_statements(mca_build_log_relation(), {'status': mca_string_literal(status)},
                "status = 'running' and invocation_id <> " ~ mca_string_literal(invocation_id)) -%}
            {%- call statement('mca_log_restored_' ~ loop.index) -%}
                {{ sql }}
            {%- endcall -%}
        {%- endfor -%}
        {%- do adapter.commit() -%}
    {%- endif -%}
{%- endmacro %}

{#- The build passed: the replaced tables and the undo are no longer needed. -#}
{% macro mca_keep_build() -%}
    {%- do mca_drop_leftovers(mca_build_leftovers(), ['prev', 'undo', 'undo_keys', 'new']) -%}
{%- endmacro %}

{% macro mca_drop_leftovers(left, kinds) -%}
    {%- for kind in kinds -%}
        {%- for name in left[kind] -%}
            {%- do mca_drop_if_exists(mca_sibling(mca_schema_table(name), '__mca_' ~ kind)) -%}
            {%- do adapter.commit() -%}
        {%- endfor -%}
    {%- endfor -%}
{%- endmacro %}

{#- `dbt run-operation mca_restore_interrupted_build`: put the tables back after a build that
    was interrupted (mca-report does this itself when it is stopped with Ctrl-C or SIGTERM). -#}
{% macro mca_restore_interrupted_build() -%}
    {%- do mca_ensure_build_log() -%}
    {%- do mca_restore_build('interrupted') -%}
{%- endmacro %}

{#- A node's relation from the graph (hooks may not call ref()). -#}
{% macro mca_node_relation(unique_id) -%}
    {%- if unique_id.startswith('source.') -%}
        {%- set node = graph.sources[unique_id] -%}
        {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.identifier)) }}
    {%- endif -%}
    {%- set node = graph.nodes[unique_id] -%}
    {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias)) }}
{%- endmacro %}
