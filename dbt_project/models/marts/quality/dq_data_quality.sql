{#-
  One row of data-quality figures for the run, for the reports and the run manifest.
  Conservation: rows_read = rows_kept + rows_duplicate + rows_quarantined + rows_out_of_window.
  The quarantined rows per reason are in dq_quarantine_reasons (one row per reason).
  completeness_pct is the share of non-null cells among the raw contract's eight value columns
  (campaign_name, channel, cost, impressions, clicks, conversions, revenue, date) over all rows read,
  counted on the classified rows, which keep the raw values. Outcomes, completeness and the fact's
  flags come from the two daily aggregates (int_campaigns__classified_daily,
  int_campaigns__fact_daily), which an append build keeps up to date without reading every row.
-#}
with

campaigns as (

    select * from {{ ref('stg_mca__campaigns') }}

),

classified_days as (

    -- the classified rows counted per day, outcome, reason and channel, with their missing values
    select * from {{ ref('int_campaigns__classified_daily') }}

),

fact_days as (

    -- the fact summed per day and channel, with its flags counted
    select * from {{ ref('int_campaigns__fact_daily') }}

),

customers as (

    select * from {{ ref('int_customers__classified') }}

),

bounds as (

    select * from {{ ref('int_campaigns__outlier_bounds') }}

),

completeness as (

    -- counted from the raw rows, so conservation compares them with the classified ones
    select count(*) as rows_read
    from campaigns

),

outcomes as (

    select
        {%- set int = mca_type_int() %}
        cast(coalesce(sum(classified_days.null_cells), 0) as {{ int }}) as null_cells,
        {%- for outcome in ['kept', 'duplicate', 'quarantined', 'out_of_window'] %}
        cast(coalesce(sum(case when classified_days.row_outcome = '{{ outcome }}'
            then classified_days.campaign_rows end), 0) as {{ int }}) as rows_{{ outcome }},
        {%- endfor %}
        cast(coalesce(sum(classified_days.campaign_rows), 0) as {{ int }}) as rows_classified
    from classified_days

),

fact_flags as (

    select
        cast(coalesce(sum(fact_days.campaign_days), 0) as {{ mca_type_int() }}) as fact_rows,
        {%- for flag in ['channel_imputed', 'channel_unknown', 'impressions_imputed', 'clicks_imputed',
                         'conversions_imputed', 'conversions_above_clicks', 'cost_outliers',
                         'revenue_outliers', 'outlier_rows'] %}
        cast(coalesce(sum(fact_days.{{ flag }}), 0) as {{ mca_type_int() }}) as {{ flag }},
        {%- endfor %}
        min(fact_days.date_day) as first_date,
        max(fact_days.date_day) as last_date
    from fact_days

),

customer_outcomes as (

    select
        count(*) as customers_read,
        {{ mca_count_if("customers.row_outcome = 'kept'") }} as customers_kept,
        {{ mca_count_if("customers.row_outcome = 'duplicate'") }} as customers_duplicate,
        {{ mca_count_if("customers.row_outcome = 'quarantined'") }} as customers_quarantined,
        {{ mca_count_if("customers.row_outcome = 'kept' and customers.has_invalid_feature") }} as customers_with_invalid_feature,
        {{ mca_count_if("customers.row_outcome = 'kept' and customers.has_missing_feature") }} as customers_with_missing_feature
    from customers

),

final as (

    select
        -- run context
        {{ mca_as_of_date() }} as as_of_date,
        {{ mca_window_start_date() }} as window_start_date,
        {{ mca_base_currency_sql() }} as base_currency,
        fact_flags.first_date,
        fact_flags.last_date,

        -- campaign rows: where every row read went
        completeness.rows_read,
        outcomes.rows_kept,
        outcomes.rows_duplicate,
        outcomes.rows_quarantined,
        outcomes.rows_out_of_window,
        100 * {{ mca_safe_divide('outcomes.rows_quarantined', 'completeness.rows_read') }} as quarantined_pct,
        (completeness.rows_read = outcomes.rows_kept + outcomes.rows_duplicate
            + outcomes.rows_quarantined + outcomes.rows_out_of_window
            and outcomes.rows_kept = fact_flags.fact_rows) as is_conserved,

        -- imputation and flags on kept rows
        fact_flags.channel_imputed,
        fact_flags.channel_unknown,
        fact_flags.impressions_imputed,
        fact_flags.clicks_imputed,
        fact_flags.conversions_imputed,
        fact_flags.conversions_above_clicks,
        fact_flags.cost_outliers,
        fact_flags.revenue_outliers,
        fact_flags.outlier_rows,
        bounds.cost_lower_fence,
        bounds.cost_upper_fence,
        bounds.revenue_lower_fence,
        bounds.revenue_upper_fence,

        -- completeness of the raw rows
        coalesce(100 * (1 - {{ mca_safe_divide('outcomes.null_cells', '8 * completeness.rows_read') }}), 100) as completeness_pct,

        -- customers
        customer_outcomes.customers_read,
        customer_outcomes.customers_kept,
        customer_outcomes.customers_duplicate,
        customer_outcomes.customers_quarantined,
        customer_outcomes.customers_with_invalid_feature,
        customer_outcomes.customers_with_missing_feature

    from completeness
    cross join outcomes
    cross join fact_flags
    cross join customer_outcomes
    cross join bounds

)

select * from final
