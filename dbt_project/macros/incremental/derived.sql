{#-
  Aggregates kept up to date from what an append build changed in their source, instead of
  reading all its rows again (DECISIONLOG, "Aggregates follow the changed rows").

  A derived model (materialized mca_incremental, mca_plan='derived') groups a source model
  (config mca_source: int_campaigns__classified or fct_campaign_daily) by a key that includes
  `unique_key` (a day, a campaign). When the source was appended to in this build, the keys it
  touched are the keys of the rows it deleted or updated (its <source>__mca_undo) and of the rows
  it inserted (its <source>__mca_undo_keys); the model then recomputes only those keys: the
  pre-hooks set aside and delete the model's rows for them, and the model's SQL (filtered with
  mca_derived_filter) inserts them again from the source. Everything else stays.

  The plan is "append" only when that gives what a full build gives: the source was appended to
  in this build, and the last successful build of the model is the last successful build of the
  source (a build that changed the source without rebuilding the model, `dbt build --select
  fct_campaign_daily`, makes the next one full). Otherwise the model is rebuilt from all rows.
-#}

{#- The plan of the derived model being built (call from its model, materialization or hooks). -#}
{% macro mca_derived_plan(source_model=none) -%}
    {%- if not execute -%}
        {{ return({'mode': 'full', 'reason': 'parsing'}) }}
    {%- endif -%}
    {%- set stored = mca_stored_plan(this.identifier) -%}
    {%- if stored is not none -%}
        {{ return(stored) }}
    {%- endif -%}
    {%- set source_model = source_model or config.get('mca_source') -%}
    {%- set plan = {'mode': 'full', 'source': source_model, 'reason': 'first build'} -%}
    {%- set existing = mca_existing(this) -%}
    {%- set source_plan = mca_stored_plan(source_model) -%}
    {%- if existing is none -%}
        {%- do plan.update({'reason': 'first build'}) -%}
    {%- elif should_full_refresh() -%}
        {%- do plan.update({'reason': '--full-refresh'}) -%}
    {%- elif mca_columns_changed(existing, 'model.mca.' ~ this.identifier) -%}
        {%- do plan.update({'reason': 'its columns changed'}) -%}
    {%- elif source_plan is none or source_plan.mode != 'append' -%}
        {%- do plan.update({'reason': source_model ~ ' was built in full'}) -%}
    {%- elif mca_last_build_of(this.identifier) is none
            or mca_last_build_of(this.identifier) != mca_last_build_of(source_model) -%}
        {%- do plan.update({'reason': 'a build changed ' ~ source_model ~ ' without it'}) -%}
    {%- else -%}
        {%- do plan.update({'mode': 'append', 'reason': 'append'}) -%}
    {%- endif -%}
    {%- do mca_store_plan(this.identifier, plan) -%}
    {{ return(plan) }}
{%- endmacro %}

{#- The last finished, successful build (not this one) that planned `model_name`. -#}
{% macro mca_last_build_of(model_name) -%}
    {%- set plans, log = mca_build_plans_relation(), mca_build_log_relation() -%}
    {%- if mca_existing(plans) is none or mca_existing(log) is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set row = mca_scalar_row(
        "select plans.invocation_id from " ~ plans ~ " as plans inner join " ~ log ~ " as builds"
        ~ " on builds.invocation_id = plans.invocation_id"
        ~ " where plans.model_name = " ~ mca_string_literal(model_name)
        ~ " and builds.status = 'success' and plans.invocation_id <> " ~ mca_string_literal(invocation_id)
        ~ " order by builds.started_at desc limit 1") -%}
    {{ return(none if row is none else row['invocation_id']) }}
{%- endmacro %}

{#- The keys (as doomed_key) of a derived model that this build's append to its source touched:
    `key_expr` over the source's rows that were deleted or updated, and over the rows it inserted. -#}
{% macro mca_derived_touched_keys(source_relation, key_expr, source_key) -%}
    select distinct touched.doomed_key from (
        select {{ key_expr | replace('{rel}', 'changed') }} as doomed_key
        from {{ mca_sibling(source_relation, '__mca_undo') }} as changed
        union all
        select {{ key_expr | replace('{rel}', 'inserted') }} as doomed_key
        from {{ source_relation }} as inserted
        inner join {{ mca_sibling(source_relation, '__mca_undo_keys') }} as inserted_keys
            on inserted.{{ source_key }} = inserted_keys.{{ source_key }}
    ) as touched
{%- endmacro %}

{#- A condition on the source's `rel` rows: their key is among the touched ones (1 = 1 on a full
    plan). The model's SQL uses it to read only what it recomputes. -#}
{% macro mca_derived_filter(rel, plan, touched_sql, key_expr) -%}
    {%- if plan.mode != 'append' -%}
        1 = 1
    {%- else -%}
        {{ key_expr | replace('{rel}', rel) }} in ({{ touched_sql }})
    {%- endif -%}
{%- endmacro %}

{#- pre-hooks of a derived model: its rows of the touched keys set aside, then deleted. -#}
{% macro mca_derived_set_aside(touched_sql) -%}
    {%- if mca_derived_plan().mode != 'append' -%}
        {{ return('select 1 as nothing_to_set_aside') }}
    {%- endif -%}
    insert into {{ mca_sibling(this, '__mca_undo') }}
    select kept.* from {{ this }} as kept
    inner join ({{ touched_sql }}) as doomed
        on kept.{{ config.get('unique_key') }} = doomed.doomed_key
{%- endmacro %}

{% macro mca_derived_delete(touched_sql) -%}
    {%- if mca_derived_plan().mode != 'append' -%}
        {{ return('select 1 as nothing_to_delete') }}
    {%- endif -%}
    {{ mca_delete_keys(this, config.get('unique_key'), touched_sql) }}
{%- endmacro %}

{#- The days of the fact an append build touched. -#}
{% macro mca_fact_touched_days() -%}
    {{ return(mca_derived_touched_keys(ref('fct_campaign_daily'), '{rel}.date_day', 'campaign_day_id')) }}
{%- endmacro %}

{#- The day keys of the classified rows an append build touched. -#}
{% macro mca_classified_touched_days() -%}
    {{ return(mca_derived_touched_keys(ref('int_campaigns__classified'), mca_day_key('{rel}'), 'campaign_row_id')) }}
{%- endmacro %}

{#- The campaigns of the classified rows an append build touched. -#}
{% macro mca_classified_touched_campaigns() -%}
    {{ return(mca_derived_touched_keys(ref('int_campaigns__classified'), '{rel}.campaign_key', 'campaign_row_id')) }}
{%- endmacro %}

{#- The campaigns of the fact an append build touched. -#}
{% macro mca_fact_touched_campaigns() -%}
    {{ return(mca_derived_touched_keys(ref('fct_campaign_daily'), '{rel}.campaign_key', 'campaign_day_id')) }}
{%- endmacro %}

{#- A row's day as a key that is never NULL: rows without a date count under 1000-01-01. -#}
{% macro mca_day_key(rel) -%}
    coalesce({{ rel }}.date_day, cast('1000-01-01' as date))
{%- endmacro %}
