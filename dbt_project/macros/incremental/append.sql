{#-
  What an append build of the two incremental models does besides inserting the new rows
  (macros/build/materializations.sql runs these hooks inside the model's transaction). Each
  statement is "select 1 ..." when the model's plan is full. Rows are set aside in
  <model>__mca_undo before they are deleted or updated, so the whole build can be undone.
-#}

{#- Rows of `rel` (columns campaign_row_id and date_day) that an append build classifies;
    rel none: unqualified column names. -#}
{% macro mca_campaigns_to_reclassify(rel, plan) -%}
    {%- set p = '' if rel is none else rel ~ '.' -%}
    (
        {% if plan.max_id is none %}1 = 1{% else %}{{ p }}campaign_row_id > {{ plan.max_id }}{% endif %}
        or {{ mca_campaign_days_reclassified(rel, plan) }}
    )
{%- endmacro %}

{#- Days whose every row an append build reclassifies (so old kept rows there do not count). -#}
{% macro mca_campaign_days_reclassified(rel, plan) -%}
    {%- set p = '' if rel is none else rel ~ '.' -%}
    (
        1 = 0
        {%- if plan.as_of > plan.prev_as_of %}
        or ({{ p }}date_day > cast('{{ plan.prev_as_of }}' as date) and {{ p }}date_day <= cast('{{ plan.as_of }}' as date))
        {%- endif %}
        {%- if plan.window_start > plan.prev_window_start %}
        or ({{ p }}date_day >= cast('{{ plan.prev_window_start }}' as date) and {{ p }}date_day < cast('{{ plan.window_start }}' as date))
        {%- endif %}
    )
{%- endmacro %}

{#- pre-hooks of int_campaigns__classified: the rows of the reclassified days are set aside,
    then deleted (new ids are not in the table yet). -#}
{% macro mca_campaigns_set_aside() -%}
    {%- set plan = mca_campaigns_plan() -%}
    {%- if plan.mode != 'append' -%}
        {{ return('select 1 as nothing_to_set_aside') }}
    {%- endif -%}
    insert into {{ mca_sibling(this, '__mca_undo') }}
    select * from {{ this }} where {{ mca_campaign_days_reclassified(none, plan) }}
{%- endmacro %}

{% macro mca_campaigns_delete_reclassified() -%}
    {%- set plan = mca_campaigns_plan() -%}
    {%- if plan.mode != 'append' -%}
        {{ return('select 1 as nothing_to_delete') }}
    {%- endif -%}
    delete from {{ this }} where {{ mca_campaign_days_reclassified(none, plan) }}
{%- endmacro %}

{#- The fact rows an append build replaces: those of the classified rows it has not seen. -#}
{% macro mca_fact_replaced_keys(plan) -%}
    select classified.campaign_row_id as doomed_key
    from {{ ref('int_campaigns__classified') }} as classified
    where classified.mca_build_seq > {{ plan.since_seq }}
{%- endmacro %}

{#- pre-hooks of fct_campaign_daily -#}
{% macro mca_fact_set_aside() -%}
    {%- set plan = mca_fact_plan() -%}
    {%- if plan.mode != 'append' -%}
        {{ return('select 1 as nothing_to_set_aside') }}
    {%- endif -%}
    insert into {{ mca_sibling(this, '__mca_undo') }}
    select facts.* from {{ this }} as facts
    inner join ({{ mca_fact_replaced_keys(plan) }}) as doomed
        on facts.campaign_day_id = doomed.doomed_key
{%- endmacro %}

{% macro mca_fact_delete_replaced() -%}
    {%- set plan = mca_fact_plan() -%}
    {%- if plan.mode != 'append' -%}
        {{ return('select 1 as nothing_to_delete') }}
    {%- endif -%}
    {{ mca_delete_keys(this, 'campaign_day_id', mca_fact_replaced_keys(plan)) }}
{%- endmacro %}

{#- post-hooks of fct_campaign_daily: the outlier fences and the imputed channel are facts about
    other rows, so rows kept by earlier builds get this build's values (set aside first). A row
    with a missing channel takes its campaign's channel (cc, int_campaigns__campaign_channels),
    else the overall one (i). -#}
{% macro mca_fact_outlier_exprs(f, b) -%}
    {%- set exprs = {
        'cost': 'coalesce(' ~ f ~ '.cost < ' ~ b ~ '.cost_lower_fence or ' ~ f ~ '.cost > ' ~ b ~ '.cost_upper_fence, false)',
        'revenue': 'coalesce(' ~ f ~ '.revenue < ' ~ b ~ '.revenue_lower_fence or ' ~ f ~ '.revenue > ' ~ b ~ '.revenue_upper_fence, false)',
    } -%}
    {{ return(exprs) }}
{%- endmacro %}

{#- The channel and the rule that fill a missing channel, given cc and i. -#}
{% macro mca_fact_imputed_exprs() -%}
    {{ return({
        'channel': 'coalesce(cc.channel, i.channel)',
        'rule': "case when cc.channel is null then 'overall' else 'campaign' end",
    }) }}
{%- endmacro %}

{#- The condition under which a fact row `f` gets new values. -#}
{% macro mca_fact_refresh_condition() -%}
    {%- set e = mca_fact_outlier_exprs('f', 'b') -%}
    {%- set m = mca_fact_imputed_exprs() -%}
    (f.is_cost_outlier <> {{ e.cost }}
        or f.is_revenue_outlier <> {{ e.revenue }}
        or (f.is_channel_imputed and (f.channel <> {{ m.channel }} or f.channel_imputed_from <> {{ m.rule }})))
{%- endmacro %}

{#- The tables the refresh joins to the fact `f`. -#}
{% macro mca_fact_refresh_joins() -%}
    cross join {{ ref('int_campaigns__outlier_bounds') }} as b
    cross join {{ ref('int_campaigns__imputed_channel') }} as i
    left join {{ ref('int_campaigns__campaign_channels') }} as cc
        on f.is_channel_imputed and cc.campaign_key = f.campaign_key
{%- endmacro %}

{% macro mca_fact_set_aside_refreshed() -%}
    {%- if mca_fact_plan().mode != 'append' -%}
        {{ return('select 1 as nothing_to_set_aside') }}
    {%- endif -%}
    {#- rows this build inserted are new: undoing the build deletes them anyway -#}
    insert into {{ mca_sibling(this, '__mca_undo') }}
    select f.* from {{ this }} as f
    {{ mca_fact_refresh_joins() }}
    left join {{ mca_sibling(this, '__mca_undo_keys') }} as inserted
        on inserted.campaign_day_id = f.campaign_day_id
    where inserted.campaign_day_id is null
        and {{ mca_fact_refresh_condition() }}
{%- endmacro %}

{% macro mca_fact_refresh_global_columns() -%}
    {%- if mca_fact_plan().mode != 'append' -%}
        {{ return('select 1 as nothing_to_refresh') }}
    {%- endif -%}
    {{ return(mca_dispatch('mca_fact_refresh_global_columns')()) }}
{%- endmacro %}

{#- The update below reads only the rows mca_fact_set_aside_refreshed has just set aside: every
    row that needs new values is among them (the rows this build inserted already have them), so
    the second pass over the whole fact is a join to a few rows. The undo also holds the rows
    replaced earlier in the build; the refresh condition leaves those alone. -#}
{% macro mca_fact_refreshed_rows(f) -%}
    inner join (
        select distinct set_aside.campaign_day_id from {{ mca_sibling(this, '__mca_undo') }} as set_aside
    ) as refreshed_rows
        on refreshed_rows.campaign_day_id = {{ f }}.campaign_day_id
{%- endmacro %}

{% macro default__mca_fact_refresh_global_columns() -%}
    {{ mca_no_portable_sql('mca_fact_refresh_global_columns', 'an UPDATE joined to other tables has no standard form') }}
{%- endmacro %}

{#- DuckDB's UPDATE .. FROM cannot refer to the updated table in its joins: the joins run over
    a copy of the fact's keys (f) and the rows are matched on campaign_day_id. -#}
{% macro duckdb__mca_fact_refresh_global_columns() -%}
    {%- set e = mca_fact_outlier_exprs('f', 'b') -%}
    {%- set m = mca_fact_imputed_exprs() -%}
    update {{ this }} as target
    set is_cost_outlier = refreshed.is_cost_outlier,
        is_revenue_outlier = refreshed.is_revenue_outlier,
        channel = refreshed.channel,
        channel_id = refreshed.channel_id,
        channel_imputed_from = refreshed.channel_imputed_from
    from (
        select
            f.campaign_day_id,
            {{ e.cost }} as is_cost_outlier,
            {{ e.revenue }} as is_revenue_outlier,
            case when f.is_channel_imputed then {{ m.channel }} else f.channel end as channel,
            case when f.is_channel_imputed then c.channel_id else f.channel_id end as channel_id,
            case when f.is_channel_imputed then {{ m.rule }} end as channel_imputed_from
        from {{ this }} as f
        {{ mca_fact_refreshed_rows('f') }}
        {{ mca_fact_refresh_joins() }}
        left join {{ ref('dim_channel') }} as c on c.channel = {{ m.channel }}
        where {{ mca_fact_refresh_condition() }}
    ) as refreshed
    where target.campaign_day_id = refreshed.campaign_day_id
{%- endmacro %}

{#- A multi-table UPDATE does not promise the order of its assignments, so none of the values
    below reads a column this statement sets (they read cost, revenue, is_channel_imputed, and
    b, i, cc, c). -#}
{% macro mysql__mca_fact_refresh_global_columns() -%}
    {%- set e = mca_fact_outlier_exprs('f', 'b') -%}
    {%- set m = mca_fact_imputed_exprs() -%}
    update {{ this }} as f
    {{ mca_fact_refreshed_rows('f') }}
    {{ mca_fact_refresh_joins() }}
    left join {{ ref('dim_channel') }} as c on c.channel = {{ m.channel }}
    set f.is_cost_outlier = {{ e.cost }},
        f.is_revenue_outlier = {{ e.revenue }},
        f.channel = case when f.is_channel_imputed then {{ m.channel }} else f.channel end,
        f.channel_id = case when f.is_channel_imputed then c.channel_id else f.channel_id end,
        f.channel_imputed_from = case when f.is_channel_imputed then {{ m.rule }} end
    where {{ mca_fact_refresh_condition() }}
{%- endmacro %}
