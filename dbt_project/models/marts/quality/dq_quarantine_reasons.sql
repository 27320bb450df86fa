{#-
  One row per quarantine reason of the quarantine_reasons seed (campaigns, customers and orders),
  with the rows of this build quarantined for it: 0 when none. The reports and the run manifest
  read the per-reason counts and their labels here.
-#}
with

reasons as (

    select * from {{ ref('quarantine_reasons') }}

),

campaigns as (

    select * from {{ ref('int_campaigns__classified') }}

),

customers as (

    select * from {{ ref('int_customers__classified') }}

),

orders as (

    select * from {{ ref('int_orders__classified') }}

),

counted as (

    select
        'campaigns' as source_table,
        campaigns.quarantine_reason as reason,
        count(*) as quarantined_rows
    from campaigns
    where campaigns.row_outcome = 'quarantined'
    group by campaigns.quarantine_reason

    union all

    select
        'customers' as source_table,
        customers.quarantine_reason as reason,
        count(*) as quarantined_rows
    from customers
    where customers.row_outcome = 'quarantined'
    group by customers.quarantine_reason

    union all

    select
        'orders' as source_table,
        orders.quarantine_reason as reason,
        count(*) as quarantined_rows
    from orders
    where orders.row_outcome = 'quarantined'
    group by orders.quarantine_reason

),

final as (

    select
        -- keys
        reasons.source_table,
        reasons.reason,

        -- attributes
        reasons.check_order,
        reasons.label,
        reasons.description,

        -- measures
        cast(coalesce(counted.quarantined_rows, 0) as {{ mca_type_int() }}) as quarantined_rows
    from reasons
    left join counted
        on reasons.source_table = counted.source_table
        and reasons.reason = counted.reason

)

select * from final
