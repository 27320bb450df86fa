{#-
  One row of data-quality figures for the run, for the reports and the run manifest.
  Conservation: rows_read = rows_kept + rows_duplicate + rows_quarantined + rows_out_of_window.
  The quarantined rows per reason are in dq_quarantine_reasons (one row per reason).
  completeness_pct is the share of non-null cells among the raw contract's eight value columns
  (campaign_name, channel, cost, impressions, clicks, conversions, revenue, date) over all rows read,
  counted on the classified rows, which keep the raw values (one scan for outcomes and completeness).
-#}
with

campaigns as (

    select * from {{ ref('stg_mca__campaigns') }}

),

classified as (

    select * from {{ ref('int_campaigns__classified') }}

),

facts as (

    select * from {{ ref('fct_campaign_daily') }}

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
        -- the raw values, as classified keeps them (one row per raw row): one scan serves both
        sum(
            case when classified.campaign_name is null then 1 else 0 end
            + case when classified.channel_raw is null then 1 else 0 end
            + case when classified.cost is null then 1 else 0 end
            + case when classified.impressions_reported is null then 1 else 0 end
            + case when classified.clicks_reported is null then 1 else 0 end
            + case when classified.conversions_reported is null then 1 else 0 end
            + case when classified.revenue is null then 1 else 0 end
            + case when classified.date_day is null then 1 else 0 end
        ) as null_cells,
        {{ mca_count_if("classified.row_outcome = 'kept'") }} as rows_kept,
        {{ mca_count_if("classified.row_outcome = 'duplicate'") }} as rows_duplicate,
        {{ mca_count_if("classified.row_outcome = 'quarantined'") }} as rows_quarantined,
        {{ mca_count_if("classified.row_outcome = 'out_of_window'") }} as rows_out_of_window,
        count(*) as rows_classified
    from classified

),

fact_flags as (

    select
        count(*) as fact_rows,
        {{ mca_count_if("facts.is_channel_imputed") }} as channel_imputed,
        {{ mca_count_if("facts.is_channel_unknown") }} as channel_unknown,
        {{ mca_count_if("facts.is_impressions_imputed") }} as impressions_imputed,
        {{ mca_count_if("facts.is_clicks_imputed") }} as clicks_imputed,
        {{ mca_count_if("facts.is_conversions_imputed") }} as conversions_imputed,
        {{ mca_count_if("facts.is_conversions_above_clicks") }} as conversions_above_clicks,
        {{ mca_count_if("facts.is_cost_outlier") }} as cost_outliers,
        {{ mca_count_if("facts.is_revenue_outlier") }} as revenue_outliers,
        {{ mca_count_if("facts.is_cost_outlier or facts.is_revenue_outlier") }} as outlier_rows,
        min(facts.date_day) as first_date,
        max(facts.date_day) as last_date
    from facts

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
