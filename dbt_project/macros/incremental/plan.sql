{#-
  The plans of the two incremental models (DECISIONLOG, "Incremental builds").

  int_campaigns__classified keeps one row per raw row. A build either classifies every raw row
  (mode "full") or only the rows whose outcome can have changed since the last build
  (mode "append"):
    - raw rows with an id above the highest id already classified (new rows), and
    - rows dated in the days that the moved reference date brings into the window
      (prev as_of < day <= as_of: no longer future) or pushes out of it
      (prev window start <= day < window start).
  Every row a build classifies carries that build's number (mca_build_seq), which the fact uses
  to pick up what changed.

  "append" is chosen only when it gives exactly what "full" would; the plan is "full" when
    - the table does not exist, --full-refresh was asked for, or its columns are not the
      model's documented ones (a new mca version);
    - there is no build state (int_campaigns__build_state), or the table and the state disagree
      (the last build did not finish);
    - lookback_days changed, or as_of moved backwards;
    - the raw table gained or lost rows at or below the last classified id, or their checksum
      changed (rows edited in place, the table reloaded), or the channel_aliases seed or the
      model's own SQL (its rules) changed.
  The plan is worked out once per build, in on-run-start (macros/build/journal.sql: the
  checksum is a scan of the raw rows), and kept in mca_build_plans; the model and its hooks read
  it from there. Outside a build (dbt compile, docs generate) it is worked out on the spot.

  fct_campaign_daily appends the kept rows of the classified rows it has not seen (mca_build_seq
  above its own highest), or is built in full when the classified rows were.
-#}

{% macro mca_campaigns_plan() -%}
    {%- if not execute -%}
        {{ return({'mode': 'full', 'seq': 1, 'reason': 'parsing'}) }}
    {%- endif -%}
    {%- set stored = mca_stored_plan('int_campaigns__classified') -%}
    {%- if stored is not none -%}
        {{ return(stored) }}
    {%- endif -%}
    {{ return(mca_work_out_campaigns_plan(mca_node_relation('model.mca.int_campaigns__classified'))) }}
{%- endmacro %}

{#- The plan of int_campaigns__classified (its relation `rel`), worked out from the warehouse. -#}
{% macro mca_work_out_campaigns_plan(rel) -%}
    {%- set plan = {'mode': 'full', 'seq': 1, 'reason': 'first build'} -%}
    {%- if not execute -%}
        {{ return(plan) }}
    {%- endif -%}
    {%- set state = mca_campaigns_build_state() -%}
    {%- if state is not none and state['build_seq'] is not none -%}
        {%- do plan.update({'seq': (state['build_seq'] | int) + 1}) -%}
    {%- endif -%}
    {%- set existing = mca_existing(rel) -%}
    {%- set reason = none -%}
    {%- if existing is none -%}
        {%- set reason = 'first build' -%}
    {%- elif not mca_engine_appends() -%}
        {%- set reason = mca_engine_appends_why() -%}
    {%- elif flags.FULL_REFRESH -%}
        {%- set reason = '--full-refresh' -%}
    {%- elif mca_columns_changed(existing, 'model.mca.int_campaigns__classified') -%}
        {%- set reason = 'its columns changed' -%}
    {%- elif state is none -%}
        {%- set reason = 'no build state' -%}
    {%- endif -%}
    {%- if reason is not none -%}
        {%- do plan.update({'reason': reason}) -%}
        {{ return(plan) }}
    {%- endif -%}
    {%- set now = mca_scalar_row("select " ~ mca_as_of_date() ~ " as as_of, " ~ mca_window_start_date() ~ " as window_start") -%}
    {%- set mine = mca_scalar_row("select max(campaign_row_id) as max_id, count(*) as row_count from " ~ rel) -%}
    {%- set max_id = state['max_campaign_row_id'] -%}
    {%- set raw = mca_raw_from('campaigns') -%}
    {%- set raw_rows = 0 if max_id is none else mca_scalar_row(
        "select count(*) as n from " ~ raw ~ " where " ~ adapter.quote('id') ~ " <= " ~ (max_id | int))['n'] -%}
    {%- if (state['lookback_days'] | int) != (var('lookback_days', 365) | int) -%}
        {%- set reason = 'lookback_days changed' -%}
    {%- elif mca_iso(now['as_of']) < mca_iso(state['as_of_date']) -%}
        {%- set reason = 'as_of moved backwards' -%}
    {%- elif (mine['row_count'] | int) != (state['campaign_rows'] | int) or mine['max_id'] != max_id -%}
        {%- set reason = 'table and build state disagree' -%}
    {%- elif (raw_rows | int) != (state['campaign_rows'] | int) -%}
        {%- set reason = 'raw rows at or below the last classified id were added or deleted' -%}
    {%- elif mca_aliases_checksum() != (state['aliases_checksum'] | string) -%}
        {%- set reason = 'the channel_aliases seed, the exchange rates or the base currency changed' -%}
    {%- elif mca_rules_checksum() != (state['rules_checksum'] | string) -%}
        {%- set reason = "the model's rules changed" -%}
    {%- else -%}
        {%- set checksum = mca_scalar_row(mca_raw_checksum_sql(0 if max_id is none else (max_id | int)))['raw_checksum'] -%}
        {%- if (checksum | string) != (state['raw_checksum'] | string) -%}
            {%- set reason = 'raw rows at or below the last classified id were changed or replaced' -%}
        {%- endif -%}
    {%- endif -%}
    {%- if reason is not none -%}
        {%- do plan.update({'reason': reason}) -%}
        {{ return(plan) }}
    {%- endif -%}
    {%- do plan.update({
        'mode': 'append', 'reason': 'append',
        'max_id': (max_id | int) if max_id is not none else none,
        'prev_as_of': mca_iso(state['as_of_date']), 'prev_window_start': mca_iso(state['window_start_date']),
        'as_of': mca_iso(now['as_of']), 'window_start': mca_iso(now['window_start']),
    }) -%}
    {{ return(plan) }}
{%- endmacro %}

{#- The row of int_campaigns__build_state, with named fields; none when there is none (or it is
    from a version of mca with other columns). Read by name: a ref would be a cycle. -#}
{% macro mca_campaigns_build_state() -%}
    {%- set state_rel = mca_existing(mca_node_relation('model.mca.int_campaigns__build_state')) -%}
    {%- if state_rel is none
            or mca_columns_changed(state_rel, 'model.mca.int_campaigns__build_state') -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(mca_scalar_row(
        "select as_of_date, window_start_date, lookback_days, max_campaign_row_id, campaign_rows,"
        ~ " build_seq, full_build_seq, raw_checksum, aliases_checksum, rules_checksum from " ~ state_rel)) }}
{%- endmacro %}

{#- The plan of fct_campaign_daily (call from its model, materialization or hooks): everything,
    or the classified rows of builds it has not seen (mca_build_seq above since_seq). Worked out
    when the model compiles and kept for its materialization and hooks: after a full build
    swaps the new table in, working it out again would say "append". -#}
{% macro mca_fact_plan() -%}
    {%- if not execute -%}
        {{ return({'mode': 'full', 'since_seq': none, 'reason': 'parsing'}) }}
    {%- endif -%}
    {%- set stored = mca_stored_plan('fct_campaign_daily') -%}
    {%- if stored is not none -%}
        {{ return(stored) }}
    {%- endif -%}
    {%- set plan = mca_work_out_fact_plan() -%}
    {%- do mca_store_plan('fct_campaign_daily', plan) -%}
    {{ return(plan) }}
{%- endmacro %}

{% macro mca_work_out_fact_plan() -%}
    {%- set plan = {'mode': 'full', 'since_seq': none, 'reason': 'first build'} -%}
    {%- set existing = mca_existing(this) -%}
    {%- if existing is none -%}
        {{ return(plan) }}
    {%- elif not mca_engine_appends() -%}
        {%- do plan.update({'reason': mca_engine_appends_why()}) -%}
        {{ return(plan) }}
    {%- elif should_full_refresh() -%}
        {%- do plan.update({'reason': '--full-refresh'}) -%}
        {{ return(plan) }}
    {%- elif mca_columns_changed(existing, 'model.mca.fct_campaign_daily') -%}
        {%- do plan.update({'reason': 'its columns changed'}) -%}
        {{ return(plan) }}
    {%- endif -%}
    {%- set state = mca_scalar_row("select build_seq, full_build_seq from " ~ ref('int_campaigns__build_state')) -%}
    {%- set mine = mca_scalar_row("select max(mca_build_seq) as max_seq from " ~ this)['max_seq'] -%}
    {%- if state is none or state['build_seq'] is none or mine is none -%}
        {#- no classified rows, or an empty fact: nothing to keep, build from everything -#}
        {%- do plan.update({'reason': 'nothing to append to'}) -%}
    {%- elif (state['full_build_seq'] | int) > (mine | int) or (state['build_seq'] | int) < (mine | int) -%}
        {%- do plan.update({'reason': 'the classified rows were all rebuilt since'}) -%}
    {%- else -%}
        {%- do plan.update({'mode': 'append', 'since_seq': mine | int, 'reason': 'append'}) -%}
    {%- endif -%}
    {{ return(plan) }}
{%- endmacro %}

{#- Whether the table `rel` has other columns than the model `unique_id` documents (every
    column is documented; tests/warehouse/test_crafted_marts.py checks it). -#}
{% macro mca_columns_changed(rel, unique_id) -%}
    {%- set documented = graph.nodes[unique_id].columns.keys() | map('lower') | list -%}
    {%- set present = adapter.get_columns_in_relation(rel) | map(attribute='name') | map('lower') | list -%}
    {{ return((documented | sort | list) != (present | sort | list)) }}
{%- endmacro %}

{#- A checksum of the raw campaign rows with ids up to `max_id` (all rows when none), as
    `raw_checksum`: a sum of per-row checksums, so the rows after `after_id` can be added to an
    earlier sum (`base_checksum`) of the rows up to it. Without a raw campaigns table, the sum
    over its empty stand-in (macros/optional_source.sql): NULL, as for an empty table. -#}
{% macro mca_raw_checksum_sql(max_id=none, after_id=none, base_checksum=none) -%}
    {%- if not execute -%}
        {{ return('select 1 as raw_checksum') }}
    {%- endif -%}
    {%- set raw = mca_raw_from('campaigns') -%}
    {%- set columns = [adapter.quote('id'), 'campaign_name', 'channel', 'cost', 'impressions', 'clicks',
                       'conversions', 'revenue', adapter.quote('date')] -%}
    {%- set id = adapter.quote('id') -%}
    {%- set conditions = [] -%}
    {%- if max_id is not none %}{% do conditions.append(id ~ ' <= ' ~ max_id) %}{% endif -%}
    {%- if after_id is not none %}{% do conditions.append(id ~ ' > ' ~ after_id) %}{% endif -%}
    {%- set where = (' where ' ~ (conditions | join(' and '))) if conditions else '' -%}
    {%- if base_checksum is none -%}
    select cast(sum({{ mca_row_checksum(columns) }}) as decimal(38, 0)) as raw_checksum from {{ raw }}{{ where }}
    {%- else -%}
    select cast({{ base_checksum }} + coalesce(sum({{ mca_row_checksum(columns) }}), 0) as decimal(38, 0)) as raw_checksum
    from {{ raw }}{{ where }}
    {%- endif -%}
{%- endmacro %}

{#- The channel_aliases seed file's checksum (dbt's, from the project files): an edited alias
    must reclassify every row. -#}
{#- The checksum of the reference data the classification reads: the channel_aliases seed and,
    when there are any, the exchange rates and the base currency (macros/currency.sql). -#}
{% macro mca_aliases_checksum() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set seed = graph.nodes['seed.mca.channel_aliases'].checksum.checksum | string -%}
    {%- set fx = mca_fx_checksum() -%}
    {{ return(seed if fx == '' else local_md5(seed ~ '|' ~ fx)) }}
{%- endmacro %}

{#- The checksum of int_campaigns__classified's own SQL (dbt's, from the project files): a rule
    added or changed must reclassify the rows classified under the old rules. -#}
{% macro mca_rules_checksum() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {{ return(graph.nodes['model.mca.int_campaigns__classified'].checksum.checksum | string) }}
{%- endmacro %}

{% macro mca_iso(value) -%}
    {{ return(none if value is none else (value | string)[:10]) }}
{%- endmacro %}

{#- Whether the engine can run an append build: it deletes and updates rows in place (and undoes
    them on failure). Spark's Parquet tables take neither DELETE nor UPDATE (Delta Lake or
    Iceberg would, but neither ships with Spark), so on Spark every build is a full build, which
    Spark spreads over its executors; the derived models follow their source's plan. -#}
{% macro mca_engine_appends() %}{{ return(mca_dispatch('mca_engine_appends')()) }}{% endmacro %}
{% macro default__mca_engine_appends() %}{{ return(true) }}{% endmacro %}
{% macro spark__mca_engine_appends() %}{{ return(false) }}{% endmacro %}

{% macro mca_engine_appends_why() -%}
    {{ return(target.type ~ ' tables take no DELETE or UPDATE: every build is a full build') }}
{%- endmacro %}
