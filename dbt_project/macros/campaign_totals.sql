{#-
  The totals int_campaigns__channel_totals keeps per campaign and channel, once: each with its
  name, its aggregate over fact rows (`expr`, with {rel} for the rows' alias) and how two parts'
  values of it combine (`combine`): the first row, first day and channel by min, the last day by
  max, the counts and sums by sum. The full build uses the aggregates; an append build adds the
  new rows' part to the stored totals with the combining functions.
-#}
{% macro mca_campaign_totals() -%}
    {%- set totals = [
        {'name': 'first_campaign_day_id', 'expr': 'min({rel}.campaign_day_id)', 'combine': 'min'},
        {'name': 'channel', 'expr': 'min({rel}.channel)', 'combine': 'min'},
        {'name': 'first_date', 'expr': 'min({rel}.date_day)', 'combine': 'min'},
        {'name': 'last_date', 'expr': 'max({rel}.date_day)', 'combine': 'max'},
        {'name': 'campaign_days', 'expr': 'count(*)', 'combine': 'sum'},
    ] -%}
    {%- for measure in ['cost', 'revenue', 'profit', 'impressions', 'clicks', 'conversions'] -%}
        {%- do totals.append({'name': measure, 'expr': 'sum({rel}.' ~ measure ~ ')', 'combine': 'sum'}) -%}
    {%- endfor -%}
    {%- do totals.append({'name': 'outlier_days', 'combine': 'sum',
                          'expr': mca_count_if('{rel}.is_cost_outlier or {rel}.is_revenue_outlier')}) -%}
    {#- the parts of the seed's averages of per-row ratios -#}
    {%- for ratio in ['roi', 'roas', 'ctr', 'conversion_rate'] -%}
        {%- do totals.append({'name': ratio ~ '_sum', 'expr': 'sum({rel}.' ~ ratio ~ ')', 'combine': 'sum'}) -%}
        {%- do totals.append({'name': ratio ~ '_count', 'expr': 'count({rel}.' ~ ratio ~ ')', 'combine': 'sum'}) -%}
    {%- endfor -%}
    {{ return(totals) }}
{%- endmacro %}
