{#- Valid rows removed as duplicates of an earlier (lower id) row for the same campaign, channel and
    day. A missing channel is shown as the fact fills it. -#}
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

campaign_channels as (

    select * from {{ ref('int_campaigns__campaign_channels') }}

),

imputed_channel as (

    select * from {{ ref('int_campaigns__imputed_channel') }}

),

final as (

    select
        -- primary key
        classified.campaign_row_id,

        -- foreign key: the row that was kept
        classified.duplicate_of_row_id,

        -- attributes
        classified.campaign_key,
        classified.campaign_name,
        classified.date_day,
        coalesce(classified.channel, campaign_channels.channel, imputed_channel.channel) as channel,
        classified.cost,
        classified.revenue,
        classified.impressions,
        classified.clicks,
        classified.conversions
    from classified
    cross join imputed_channel
    left join campaign_channels
        on classified.channel is null
        and campaign_channels.campaign_key = classified.campaign_key
    where classified.row_outcome = 'duplicate'

)

select * from final
