{#- Raw campaign rows that broke a rule, with the rule (quarantine_reason) and their values as received (typed, trimmed). -#}
{{
    config(
        post_hook=[
            "{{ mca_create_index(['campaign_row_id'], unique=true) }}",
        ]
    )
}}

with

classified as (

    select * from {{ ref('int_campaigns__classified') }}

),

final as (

    select
        -- primary key
        classified.campaign_row_id,

        -- outcome
        classified.quarantine_reason,

        -- values as received
        classified.campaign_name,
        classified.channel_raw,
        classified.date_day,
        classified.cost,
        classified.revenue,
        classified.impressions_reported as impressions,
        classified.clicks_reported as clicks,
        classified.conversions_reported as conversions
    from classified
    where classified.row_outcome = 'quarantined'

)

select * from final
