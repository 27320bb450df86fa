{#- Raw campaign rows that broke a rule, with the rule (quarantine_reason) and their values as typed by staging. -#}
with

classified as (

    select * from {{ ref('int_campaigns__classified') }}

),

campaigns as (

    select * from {{ ref('stg_mca__campaigns') }}

),

final as (

    select
        -- primary key
        campaigns.campaign_row_id,

        -- outcome
        classified.quarantine_reason,

        -- values as received (typed, trimmed)
        campaigns.campaign_name,
        campaigns.channel_raw,
        campaigns.date_day,
        campaigns.cost,
        campaigns.revenue,
        campaigns.impressions,
        campaigns.clicks,
        campaigns.conversions
    from classified
    inner join campaigns
        on classified.campaign_row_id = campaigns.campaign_row_id
    where classified.row_outcome = 'quarantined'

)

select * from final
