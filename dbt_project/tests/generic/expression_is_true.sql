{#- Fails for every row where `expression` is not true. -#}
{% test mca_expression_is_true(model, expression) %}

select *
from {{ model }}
where not ({{ expression }})

{% endtest %}
