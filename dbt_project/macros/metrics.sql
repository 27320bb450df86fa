{#-
  The one definition of the performance ratios, used by the fact (per row) and by every
  aggregate (from sums). `rel` is the CTE whose columns cost, revenue, impressions, clicks and
  conversions hold the row's values or the sums. Each ratio is NULL when its denominator is zero.
    ctr                  100 x clicks / impressions          (percent)
    conversion_rate      100 x conversions / clicks          (percent)
    cpc                  cost / clicks
    cpa                  cost / conversions
    roas                 revenue / cost
    roi                  100 x (revenue - cost) / cost       (percent)
    value_per_conversion revenue / conversions
-#}
{% macro mca_performance_ratios(rel, only=none) -%}
    {%- set ratios = mca_performance_ratio_exprs(rel) -%}
    {%- set names = only if only is not none else ratios.keys() | list -%}
    {%- for name in names %}
        {{ ratios[name] }} as {{ name }}{{ ',' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{#- Each ratio's expression over the columns of `rel`, in the order the marts show them. Adding a
    metric: an entry here, its doc block in docs/columns.md, and its column in the yml of the
    models that carry every ratio (fct_campaign_daily, rpt_channel_performance). -#}
{% macro mca_performance_ratio_exprs(rel) -%}
    {{ return({
        'ctr': '100 * ' ~ mca_safe_divide(rel ~ '.clicks', rel ~ '.impressions'),
        'conversion_rate': '100 * ' ~ mca_safe_divide(rel ~ '.conversions', rel ~ '.clicks'),
        'cpc': mca_safe_divide(rel ~ '.cost', rel ~ '.clicks'),
        'cpa': mca_safe_divide(rel ~ '.cost', rel ~ '.conversions'),
        'roas': mca_safe_divide(rel ~ '.revenue', rel ~ '.cost'),
        'roi': '100 * ' ~ mca_safe_divide(rel ~ '.revenue - ' ~ rel ~ '.cost', rel ~ '.cost'),
        'value_per_conversion': mca_safe_divide(rel ~ '.revenue', rel ~ '.conversions'),
    }) }}
{%- endmacro %}

{#- The ratios' names, in order (for a model that selects every ratio from a CTE). -#}
{% macro mca_performance_ratio_names() -%}
    {{ return(mca_performance_ratio_exprs('r').keys() | list) }}
{%- endmacro %}
