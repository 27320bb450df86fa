{#-
  Every quarantine reason the classified models give a row is listed, for its source table, in
  the quarantine_reasons seed, so the reports count and label every quarantined row (a rule
  added to a model without its seed row fails here).
-#}
with

reasons as (

    select * from {{ ref('quarantine_reasons') }}

),

given as (

    select distinct 'campaigns' as source_table, classified.quarantine_reason as reason
    from {{ ref('int_campaigns__classified') }} as classified
    where classified.row_outcome = 'quarantined'

    union all

    select distinct 'customers' as source_table, classified.quarantine_reason as reason
    from {{ ref('int_customers__classified') }} as classified
    where classified.row_outcome = 'quarantined'

    union all

    select distinct 'orders' as source_table, classified.quarantine_reason as reason
    from {{ ref('int_orders__classified') }} as classified
    where classified.row_outcome = 'quarantined'

)

select given.source_table, given.reason
from given
left join reasons
    on given.source_table = reasons.source_table
    and given.reason = reasons.reason
where reasons.reason is null
