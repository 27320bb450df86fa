{#- Helpers for the orders (RFM) models. -#}

{#- True when the run has a reference date (var as_of or MCA_AS_OF set, including 'today'). Without one, the
    RFM models measure recency up to the latest order in the data instead of today, so a
    historical export (CDNOW ends in 1998) gets recencies that mean something. -#}
{% macro mca_has_as_of() -%}
    {{- return(mca_as_of_text() is not none) -}}
{%- endmacro %}
