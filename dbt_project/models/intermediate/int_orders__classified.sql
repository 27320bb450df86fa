{#-
  Every staged purchase line with one outcome:
    kept          counts towards RFM
    quarantined   cannot be used (reason: missing_customer_id, missing_order_date,
                  missing_amount, negative_amount, negative_quantity, missing_fx_rate)
    after_as_of   dated after the run's as_of: the RFM is as of that day, so later orders are
                  left out (only when as_of is set)
  and the reference date recency is measured to: as_of when set, else the latest valid order
  in the data. The amount is converted to the base currency at the rate of the order's day
  (macros/currency.sql), before any sum.
-#}
with

orders as (

    select * from {{ ref('stg_mca__orders') }}

),

fx_rates as (

    select * from {{ ref('int_fx_rates') }}

),

checked as (

    select
        orders.*,
        fx_rates.rate_to_base as fx_rate_found,
        case
            when orders.customer_id is null then 'missing_customer_id'
            when orders.order_date is null then 'missing_order_date'
            when orders.amount is null then 'missing_amount'
            when orders.amount < 0 then 'negative_amount'
            when orders.quantity < 0 then 'negative_quantity'
            when {{ mca_needs_fx('orders.currency') }} and fx_rates.rate_to_base is null then 'missing_fx_rate'
        end as quarantine_reason
    from orders
    left join fx_rates
        on {{ mca_needs_fx('orders.currency') }}
        and {{ mca_fx_join('fx_rates', 'orders.currency', 'orders.order_date') }}

),

reference as (

    {% if mca_has_as_of() -%}
    select {{ mca_as_of_date() }} as reference_date
    {%- else -%}
    select max(checked.order_date) as reference_date
    from checked
    where checked.quarantine_reason is null
    {%- endif %}

),

final as (

    select
        -- keys
        checked.customer_id,

        -- outcome
        case
            when checked.quarantine_reason is not null then 'quarantined'
            when checked.order_date > reference.reference_date then 'after_as_of'
            else 'kept'
        end as row_outcome,
        checked.quarantine_reason,

        -- attributes
        checked.order_date,
        reference.reference_date,

        -- measures
        checked.quantity,
        {{ mca_to_base('checked.amount', 'checked.currency', 'checked.fx_rate_found') }} as amount,
        checked.currency,
        case when {{ mca_needs_fx('checked.currency') }} then checked.fx_rate_found end as fx_rate

    from checked
    cross join reference

)

select * from final
