{#-
  A contiguous calendar from the first to the last day of the campaign fact, one row per day with
  no gaps (Power BI's date table requirement). Built from a digits cross join, so it needs no
  generate_series (MySQL has none) and covers up to 100,000 days.

  Labels for Power BI come with a whole-number sort key each (a window can hold two Decembers, so
  month_name alone would merge them): year_month_label '2025-12' sorts by year_month_sort 202512,
  iso_year_week_label '2025-W01' by iso_year_week_sort 202501. ISO weeks start on Monday and belong to
  the year of their Thursday: 2024-12-30 is in 2025-W01.
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

calendar as (

    select
        days.date_day,
        cast(extract(year from days.date_day) as {{ mca_type_int() }}) as year_number,
        cast(extract(quarter from days.date_day) as {{ mca_type_int() }}) as quarter_number,
        cast(extract(month from days.date_day) as {{ mca_type_int() }}) as month_number,
        cast({{ mca_iso_year('days.date_day') }} as {{ mca_type_int() }}) as iso_year,
        cast({{ mca_iso_week('days.date_day') }} as {{ mca_type_int() }}) as iso_week,
        {{ mca_month_name('days.date_day') }} as month_name,
        cast(extract(day from days.date_day) as {{ mca_type_int() }}) as day_of_month,
        cast({{ mca_iso_day_of_week('days.date_day') }} as {{ mca_type_int() }}) as iso_day_of_week,
        {{ mca_day_name('days.date_day') }} as day_name,
        {{ mca_dateadd_days('days.date_day', '1 - ' ~ mca_iso_day_of_week('days.date_day')) }} as week_start_date,
        ({{ mca_iso_day_of_week('days.date_day') }} >= 6) as is_weekend
    from days

),

final as (

    select
        -- primary key
        calendar.date_day,

        -- attributes
        calendar.year_number,
        calendar.quarter_number,
        calendar.month_number,
        calendar.month_name,
        calendar.day_of_month,
        calendar.iso_day_of_week,
        calendar.day_name,
        calendar.week_start_date,
        calendar.is_weekend,

        -- labels and their sort keys
        concat(
            cast(calendar.year_number as {{ mca_type_string(4) }}), '-Q',
            cast(calendar.quarter_number as {{ mca_type_string(1) }})
        ) as year_quarter_label,
        calendar.year_number * 10 + calendar.quarter_number as year_quarter_sort,
        concat(
            cast(calendar.year_number as {{ mca_type_string(4) }}), '-',
            lpad(cast(calendar.month_number as {{ mca_type_string(2) }}), 2, '0')
        ) as year_month_label,
        calendar.year_number * 100 + calendar.month_number as year_month_sort,
        calendar.iso_year,
        calendar.iso_week,
        concat(
            cast(calendar.iso_year as {{ mca_type_string(4) }}), '-W',
            lpad(cast(calendar.iso_week as {{ mca_type_string(2) }}), 2, '0')
        ) as iso_year_week_label,
        calendar.iso_year * 100 + calendar.iso_week as iso_year_week_sort
    from calendar

)

select * from final
