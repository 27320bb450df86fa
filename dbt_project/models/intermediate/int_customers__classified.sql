{#-
  Every raw customer row, classified into one outcome:
    kept          first row of its customer_id
    duplicate     a further row with the same customer_id (the row with the earliest signup,
                  then the highest revenue, is kept: the raw table has no load order)
    quarantined   no customer_id (reason missing_customer_id), or revenue in a currency other
                  than the base currency with no rate on or before as_of (missing_fx_rate)
  Feature values that cannot be true (negative counts, durations or revenue; an age outside
  0-120) are set to NULL and flagged, so segmentation imputes them instead of clustering on them.
  Revenue, a lifetime figure, is converted to the base currency at the rate of the as_of day
  (macros/currency.sql).
-#}
{{
    config(
        post_hook=[
            "{{ mca_create_index(['customer_id']) }}",
        ]
    )
}}

with

customers as (

    select * from {{ ref('stg_mca__customers') }}

),

channel_aliases as (

    select * from {{ ref('channel_aliases') }}

),

fx_rates as (

    select * from {{ ref('int_fx_rates') }}

),

checked as (

    select
        customers.*,
        fx_rates.rate_to_base as fx_rate_found,
        case
            when customers.customer_id is null then 'missing_customer_id'
            when {{ mca_needs_fx('customers.currency') }} and fx_rates.rate_to_base is null then 'missing_fx_rate'
        end as quarantine_reason
    from customers
    left join fx_rates
        on {{ mca_needs_fx('customers.currency') }}
        and {{ mca_fx_join('fx_rates', 'customers.currency', mca_as_of_date()) }}

),

ranked as (

    select
        customers.*,
        channel_aliases.channel as acquisition_channel_mapped,
        {{ mca_to_base('customers.revenue', 'customers.currency', 'customers.fx_rate_found') }} as revenue_base,
        row_number() over (
            partition by case when customers.quarantine_reason is null then 0 else 1 end, customers.customer_id
            order by
                case when customers.signup_date is null then 1 else 0 end,
                customers.signup_date,
                {{ mca_to_base('customers.revenue', 'customers.currency', 'customers.fx_rate_found') }} desc,
                customers.sessions desc,
                customers.age
        ) as duplicate_rank
    from checked as customers
    left join channel_aliases
        on customers.acquisition_channel_alias = channel_aliases.alias

),

final as (

    select
        -- keys
        ranked.customer_id,

        -- outcome
        case
            when ranked.quarantine_reason is not null then 'quarantined'
            when ranked.duplicate_rank > 1 then 'duplicate'
            else 'kept'
        end as row_outcome,
        ranked.quarantine_reason,

        -- attributes
        case
            when ranked.acquisition_channel_mapped is not null then ranked.acquisition_channel_mapped
            when ranked.acquisition_channel_alias is not null then 'Other'
        end as acquisition_channel,
        ranked.acquisition_channel_raw,
        ranked.signup_date,

        -- features, impossible values set to NULL
        case when ranked.age between 0 and 120 then ranked.age end as age,
        case when ranked.sessions >= 0 then ranked.sessions end as sessions,
        case when ranked.avg_session_duration >= 0 then ranked.avg_session_duration end as avg_session_duration,
        case when ranked.pages_per_session >= 0 then ranked.pages_per_session end as pages_per_session,
        case when ranked.transactions >= 0 then ranked.transactions end as transactions,
        case when ranked.revenue_base >= 0 then ranked.revenue_base end as revenue,
        ranked.currency,
        case when {{ mca_needs_fx('ranked.currency') }} then ranked.fx_rate_found end as fx_rate,

        -- flags
        (
            coalesce(ranked.age < 0 or ranked.age > 120, false)
            or coalesce(ranked.sessions < 0, false)
            or coalesce(ranked.avg_session_duration < 0, false)
            or coalesce(ranked.pages_per_session < 0, false)
            or coalesce(ranked.transactions < 0, false)
            or coalesce(ranked.revenue < 0, false)
        ) as has_invalid_feature,
        (
            ranked.age is null
            or ranked.sessions is null
            or ranked.avg_session_duration is null
            or ranked.pages_per_session is null
            or ranked.transactions is null
            or ranked.revenue is null
        ) as has_missing_feature

    from ranked

)

select * from final
