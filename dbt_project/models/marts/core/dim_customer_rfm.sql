{#-
  Recency, frequency and monetary value per customer who ordered, from the kept purchase lines:
    recency_days  days from the customer's last order to the reference date (as_of when set,
                  else the latest order in the data)
    frequency     distinct days with an order (several lines on one day are one purchase
                  occasion; repeat purchases in the lifetimes sense are frequency - 1)
    monetary      total amount
  Segmentation reads it with `mca-report segment --features rfm`.
-#}
{{ config(post_hook="{{ mca_create_index(['customer_id'], unique=true) }}") }}

with

orders as (

    select * from {{ ref('int_orders__classified') }}

),

per_customer as (

    select
        orders.customer_id,
        min(orders.order_date) as first_order_date,
        max(orders.order_date) as last_order_date,
        max(orders.reference_date) as reference_date,
        count(*) as order_lines,
        count(distinct orders.order_date) as order_days,
        sum(orders.amount) as amount
    from orders
    where orders.row_outcome = 'kept'
    group by orders.customer_id

),

final as (

    select
        -- primary key
        per_customer.customer_id,

        -- rfm
        cast({{ mca_datediff_days('per_customer.last_order_date', 'per_customer.reference_date') }} as {{ mca_type_int() }}) as recency_days,
        cast(per_customer.order_days as {{ mca_type_int() }}) as frequency,
        cast(per_customer.amount as {{ mca_type_money() }}) as monetary,

        -- attributes
        per_customer.first_order_date,
        per_customer.last_order_date,
        cast(per_customer.order_lines as {{ mca_type_int() }}) as orders

    from per_customer

)

select * from final
