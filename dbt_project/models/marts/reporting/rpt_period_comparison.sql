{#-
  The report period against the period before it and the same days a year earlier, one row per
  level: the whole (`overall`), each channel (`channel`) and each campaign on each channel
  (`campaign`, as in rpt_campaign_performance). The period ends at the run's reference date; its
  length is var report_period (macros/report_period.sql, default 30d).

  Per measure (cost, revenue, profit, conversions, clicks, impressions): <m>_current,
  <m>_previous, <m>_year_ago (NULL when the data does not reach back to the year-ago period's
  first day), <m>_change (current - previous) and <m>_change_pct (100 x change / |previous|,
  NULL when previous is 0), and the same against the year-ago period (<m>_yoy_change,
  <m>_yoy_change_pct). ROAS, ROI and CPA per period are ratios of the period's sums.

  Reads the fact summed per day and channel (int_campaigns__fact_daily) for the overall and
  channel rows, and the fact only for the days of the three periods (its date index) for the
  campaign rows.
-#}
{%- set period = mca_report_period() -%}
{%- set b = mca_report_period_bounds(period) -%}
{%- set measures = ['cost', 'revenue', 'conversions', 'clicks', 'impressions'] -%}
{%- set periods = {
    'current': (b.current_start, b.current_end),
    'previous': (b.previous_start, b.previous_end),
    'year_ago': (b.year_ago_start, b.year_ago_end),
} -%}

{%- set sums = [] -%}
{%- for name in periods -%}
    {%- for m in measures -%}
        {%- do sums.append(m ~ '_' ~ name) -%}
    {%- endfor -%}
{%- endfor -%}
{%- set in_current = 'date_day between ' ~ b.current_start ~ ' and ' ~ b.current_end -%}

with

fact_days as (

    -- the fact summed per day and channel
    select * from {{ ref('int_campaigns__fact_daily') }}

),

facts as (

    select * from {{ ref('fct_campaign_daily') }}

),

channels as (

    select * from {{ ref('dim_channel') }}

),

campaigns as (

    select * from {{ ref('dim_campaign') }}

),

coverage as (

    -- whether the data reaches back to the first day of the previous and the year-ago period
    select
        coalesce(min(fact_days.date_day) <= {{ b.previous_start }}, false) as is_previous_covered,
        coalesce(min(fact_days.date_day) <= {{ b.year_ago_start }}, false) as is_year_ago_covered
    from fact_days

),

channel_sums as (

    select
        fact_days.channel_id,
        {%- for name, bounds in periods.items() %}
        {%- for m in measures %}
        coalesce(sum(case when fact_days.date_day between {{ bounds[0] }} and {{ bounds[1] }} then fact_days.{{ m }} end), 0) as {{ m }}_{{ name }},
        {%- endfor %}
        {%- endfor %}
        coalesce(sum(case when fact_days.{{ in_current }} then fact_days.campaign_days end), 0) as campaign_days_current,
        coalesce(sum(case when fact_days.{{ in_current }} then fact_days.channel_imputed end), 0) as channel_imputed_current
    from fact_days
    where (fact_days.date_day between {{ b.previous_start }} and {{ b.current_end }}
        or fact_days.date_day between {{ b.year_ago_start }} and {{ b.year_ago_end }})
    group by fact_days.channel_id

),

campaign_sums as (

    select
        facts.campaign_key,
        facts.channel_id,
        {%- for name, bounds in periods.items() %}
        {%- for m in measures %}
        coalesce(sum(case when facts.date_day between {{ bounds[0] }} and {{ bounds[1] }} then facts.{{ m }} end), 0) as {{ m }}_{{ name }},
        {%- endfor %}
        {%- endfor %}
        {{ mca_count_if('facts.' ~ in_current) }} as campaign_days_current,
        {{ mca_count_if('facts.is_channel_imputed and facts.' ~ in_current) }} as channel_imputed_current
    from facts
    where (facts.date_day between {{ b.previous_start }} and {{ b.current_end }}
        or facts.date_day between {{ b.year_ago_start }} and {{ b.year_ago_end }})
    group by facts.campaign_key, facts.channel_id

),

overall_sums as (

    select
        {%- for name in periods %}
        {%- for m in measures %}
        coalesce(sum(channel_sums.{{ m }}_{{ name }}), 0) as {{ m }}_{{ name }},
        {%- endfor %}
        {%- endfor %}
        coalesce(sum(channel_sums.campaign_days_current), 0) as campaign_days_current,
        coalesce(sum(channel_sums.channel_imputed_current), 0) as channel_imputed_current
    from channel_sums

),

levels as (

    select
        'overall' as level,
        'overall' as row_key,
        cast(null as {{ mca_type_int() }}) as channel_id,
        cast(null as {{ mca_type_string(255) }}) as campaign_key,
        {%- for col in sums %}
        overall_sums.{{ col }},
        {%- endfor %}
        overall_sums.campaign_days_current,
        overall_sums.channel_imputed_current
    from overall_sums

    union all

    select
        'channel' as level,
        concat('channel:', cast(channel_sums.channel_id as {{ mca_type_string(20) }})) as row_key,
        channel_sums.channel_id,
        cast(null as {{ mca_type_string(255) }}) as campaign_key,
        {%- for col in sums %}
        channel_sums.{{ col }},
        {%- endfor %}
        channel_sums.campaign_days_current,
        channel_sums.channel_imputed_current
    from channel_sums

    union all

    select
        'campaign' as level,
        concat('campaign:', cast(campaign_sums.channel_id as {{ mca_type_string(20) }}), ':', campaign_sums.campaign_key) as row_key,
        campaign_sums.channel_id,
        campaign_sums.campaign_key,
        {%- for col in sums %}
        campaign_sums.{{ col }},
        {%- endfor %}
        campaign_sums.campaign_days_current,
        campaign_sums.channel_imputed_current
    from campaign_sums

),

final as (

    select
        -- primary key
        levels.row_key,

        -- what the row is about (channel_id and campaign_key NULL where the level has none)
        levels.level,
        levels.channel_id,
        levels.campaign_key,
        channels.channel,
        campaigns.campaign_name,
        {{ mca_bool('channels.is_canonical') }} as is_canonical_channel,

        -- the periods
        '{{ period }}' as report_period,
        {{ b.current_start }} as current_start,
        {{ b.current_end }} as current_end,
        {{ b.previous_start }} as previous_start,
        {{ b.previous_end }} as previous_end,
        {{ b.year_ago_start }} as year_ago_start,
        {{ b.year_ago_end }} as year_ago_end,
        coverage.is_previous_covered,
        coverage.is_year_ago_covered,

        -- measures per period, and their changes
        {%- for m in measures + ['profit'] %}
        {%- set cur = 'levels.revenue_current - levels.cost_current' if m == 'profit' else 'levels.' ~ m ~ '_current' %}
        {%- set prev = 'levels.revenue_previous - levels.cost_previous' if m == 'profit' else 'levels.' ~ m ~ '_previous' %}
        {%- set yago = 'levels.revenue_year_ago - levels.cost_year_ago' if m == 'profit' else 'levels.' ~ m ~ '_year_ago' %}
        {{ cur }} as {{ m }}_current,
        {{ prev }} as {{ m }}_previous,
        case when coverage.is_year_ago_covered then {{ yago }} end as {{ m }}_year_ago,
        ({{ cur }}) - ({{ prev }}) as {{ m }}_change,
        100 * {{ mca_safe_divide('(' ~ cur ~ ') - (' ~ prev ~ ')', 'abs(' ~ prev ~ ')') }} as {{ m }}_change_pct,
        case when coverage.is_year_ago_covered then ({{ cur }}) - ({{ yago }}) end as {{ m }}_yoy_change,
        case when coverage.is_year_ago_covered
            then 100 * {{ mca_safe_divide('(' ~ cur ~ ') - (' ~ yago ~ ')', 'abs(' ~ yago ~ ')') }} end as {{ m }}_yoy_change_pct,
        {%- endfor %}

        -- ratios of each period's sums
        {%- for name in periods %}
        {%- set on = 'coverage.is_year_ago_covered' if name == 'year_ago' else 'true' %}
        case when {{ on }} then {{ mca_safe_divide('levels.revenue_' ~ name, 'levels.cost_' ~ name) }} end as roas_{{ name }},
        case when {{ on }} then 100 * {{ mca_safe_divide('levels.revenue_' ~ name ~ ' - levels.cost_' ~ name, 'levels.cost_' ~ name) }} end as roi_{{ name }},
        case when {{ on }} then {{ mca_safe_divide('levels.cost_' ~ name, 'levels.conversions_' ~ name) }} end as cpa_{{ name }},
        {%- endfor %}

        -- campaign-days in the current period, and of those, with an imputed channel
        cast(levels.campaign_days_current as {{ mca_type_int() }}) as campaign_days_current,
        cast(levels.channel_imputed_current as {{ mca_type_int() }}) as channel_imputed_current
    from levels
    cross join coverage
    left join channels
        on levels.channel_id = channels.channel_id
    left join campaigns
        on levels.campaign_key = campaigns.campaign_key

)

select * from final
