{#-
  Fails for each quarantine reason in `column_name` that the quarantine_reasons seed does not
  list for `source_table`: the reports count and label reasons from the seed, so a rule added to
  a model without its seed row would go uncounted. A selection that builds the model but not the
  seed (`--select stg_mca__orders+` on a new warehouse) has no seed table to compare with: the
  test then passes with a warning, and the next full build checks.
-#}
{% test quarantine_reason_listed(model, column_name, source_table) %}

{%- set reasons_relation = ref('quarantine_reasons') -%}
{%- set loaded = none -%}
{%- if execute -%}
    {%- set loaded = adapter.get_relation(database=reasons_relation.database, schema=reasons_relation.schema,
                                          identifier=reasons_relation.identifier) -%}
    {%- if loaded is none -%}
        {%- do exceptions.warn("quarantine_reason_listed: the quarantine_reasons seed is not loaded; not checked") -%}
    {%- endif -%}
{%- endif -%}

{%- if loaded is none %}
select 1 as reason from (select 1 as nothing) as no_seed where 1 = 0
{%- else %}
select distinct given.reason
from (
    select {{ column_name }} as reason
    from {{ model }}
    where {{ column_name }} is not null
) as given
left join {{ reasons_relation }} as reasons
    on reasons.source_table = '{{ source_table }}'
    and reasons.reason = given.reason
where reasons.reason is null
{%- endif %}

{% endtest %}
