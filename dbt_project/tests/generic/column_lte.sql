{#-
  Fails for every row where this column is greater than `other_column`
  (e.g. clicks <= impressions). Rows where either side is NULL pass.
-#}
{% test column_lte(model, column_name, other_column) %}

select
    {{ column_name }} as failing_value,
    {{ other_column }} as bound_value
from {{ model }}
where {{ column_name }} > {{ other_column }}

{% endtest %}
