{#-
  A contiguous calendar from the first to the last day of the campaign fact, one row per day with
  no gaps (Power BI's date table requirement). Built from a digits cross join, so it needs no
  generate_series (MySQL has none) and covers up to 100,000 days.
-#}
{{
    config(
        post_hook=[
            "{{ mca_create_index(['date_day'], unique=true) }}",
        ]
    )
}}

with

bounds as (

    select
        min(fact_days.date_day) as first_day,
        max(fact_days.date_day) as last_day
    from {{ ref('int_campaigns__fact_daily') }} as fact_days

),

digits as (

    select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
    union all select 5 union all select 6 union all select 7 union all select 8 union all select 9

),

day_offsets as (

    select
        ones.d + 10 * tens.d + 100 * hundreds.d + 1000 * thousands.d + 10000 * ten_thousands.d as day_offset
    from digits as ones
    cross join digits as tens
    cross join digits as hundreds
    cross join digits as thousands
    cross join digits as ten_thousands

),

days as (

    select
        {{ mca_dateadd_days('bounds.first_day', 'day_offsets.day_offset') }} as date_day
    from bounds
    inner join day_offsets
        on day_offsets.day_offset <= {{ mca_datediff_days('bounds.first_day', 'bounds.last_day') }}

),

final as (

    select
        -- primary key
        days.date_day,

        -- attributes
        cast(extract(year from days.date_day) as {{ mca_type_int() }}) as year_number,
        cast(extract(quarter from days.date_day) as {{ mca_type_int() }}) as quarter_number,
        cast(extract(month from days.date_day) as {{ mca_type_int() }}) as month_number,
        monthname(days.date_day) as month_name,
        cast(extract(day from days.date_day) as {{ mca_type_int() }}) as day_of_month,
        cast({{ mca_iso_day_of_week('days.date_day') }} as {{ mca_type_int() }}) as iso_day_of_week,
        dayname(days.date_day) as day_name,
        {{ mca_dateadd_days('days.date_day', '1 - ' ~ mca_iso_day_of_week('days.date_day')) }} as week_start_date,
        ({{ mca_iso_day_of_week('days.date_day') }} >= 6) as is_weekend
    from days

)

select * from final
