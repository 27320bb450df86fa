{#-
  Fails for each quarantine reason in `column_name` that the quarantine_reasons seed does not
  list for `source_table`: the reports count and label reasons from the seed, so a rule added to
  a model without its seed row would go uncounted.
-#}
{% test quarantine_reason_listed(model, column_name, source_table) %}

select distinct given.reason
from (
    select {{ column_name }} as reason
    from {{ model }}
    where {{ column_name }} is not null
) as given
left join {{ ref('quarantine_reasons') }} as reasons
    on reasons.source_table = '{{ source_table }}'
    and reasons.reason = given.reason
where reasons.reason is null

{% endtest %}
