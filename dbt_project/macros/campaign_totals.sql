{#-
  The totals int_campaigns__channel_totals keeps per campaign and channel, over the fact rows
  `rel` (a select list to put after the keys, grouped by campaign_key and channel_id), and their
  names in the same order. Every one of them combines across parts of the rows: the minimums and
  the maximum by min and max, the counts and sums by sum (how an append build adds the new rows'
  part to the stored totals). The first four combine by min or max, the rest by sum.
-#}
{% macro mca_campaign_totals(rel) -%}
        -- attributes
        min({{ rel }}.campaign_day_id) as first_campaign_day_id,
        min({{ rel }}.channel) as channel,
        min({{ rel }}.date_day) as first_date,
        max({{ rel }}.date_day) as last_date,

        -- sums
        count(*) as campaign_days,
        sum({{ rel }}.cost) as cost,
        sum({{ rel }}.revenue) as revenue,
        sum({{ rel }}.profit) as profit,
        sum({{ rel }}.impressions) as impressions,
        sum({{ rel }}.clicks) as clicks,
        sum({{ rel }}.conversions) as conversions,
        {{ mca_count_if(rel ~ ".is_cost_outlier or " ~ rel ~ ".is_revenue_outlier") }} as outlier_days,

        -- parts of the averages of per-row ratios
        {%- for ratio in ['roi', 'roas', 'ctr', 'conversion_rate'] %}
        sum({{ rel }}.{{ ratio }}) as {{ ratio }}_sum,
        count({{ rel }}.{{ ratio }}) as {{ ratio }}_count{{ ',' if not loop.last }}
        {%- endfor %}
{%- endmacro %}

{% macro mca_campaign_total_columns(rel=none) -%}
    {%- set names = ['first_campaign_day_id', 'channel', 'first_date', 'last_date', 'campaign_days',
                     'cost', 'revenue', 'profit', 'impressions', 'clicks', 'conversions', 'outlier_days'] -%}
    {%- for ratio in ['roi', 'roas', 'ctr', 'conversion_rate'] -%}
        {%- do names.extend([ratio ~ '_sum', ratio ~ '_count']) -%}
    {%- endfor -%}
    {%- if rel is none -%}
        {{ return(names) }}
    {%- endif -%}
    {%- set prefixed = [] -%}
    {%- for name in names -%}
        {%- do prefixed.append(rel ~ '.' ~ name) -%}
    {%- endfor -%}
    {{ return(prefixed) }}
{%- endmacro %}
