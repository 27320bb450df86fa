{#- Helpers for the orders (RFM) models. -#}

{#- True when the run has a reference date (var as_of set, including 'today'). Without one, the
    RFM models measure recency up to the latest order in the data instead of today, so a
    historical export (CDNOW ends in 1998) gets recencies that mean something. -#}
{% macro mca_has_as_of() -%}
    {%- set as_of = var('as_of', none) -%}
    {{- return(as_of is not none and (as_of | string | trim) != '') -}}
{%- endmacro %}
