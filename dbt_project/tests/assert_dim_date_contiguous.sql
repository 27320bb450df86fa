{{ config(tags=['guard']) }}
{#- dim_date has one row per day from the fact's first to its last day: no gaps, no extra days. -#}
with

facts as (

    select
        min(f.date_day) as fact_first_day,
        max(f.date_day) as fact_last_day
    from {{ ref('fct_campaign_daily') }} as f

),

dates as (

    select
        count(*) as day_rows,
        count(distinct d.date_day) as distinct_days,
        min(d.date_day) as dim_first_day,
        max(d.date_day) as dim_last_day
    from {{ ref('dim_date') }} as d

)

select *
from facts
cross join dates
where facts.fact_first_day is not null
    and (
        dates.dim_first_day <> facts.fact_first_day
        or dates.dim_last_day <> facts.fact_last_day
        or dates.day_rows <> dates.distinct_days
        or dates.day_rows <> {{ mca_datediff_days('facts.fact_first_day', 'facts.fact_last_day') }} + 1
    )
