{#-
  The channel a row with a missing channel is given: the most frequent canonical channel of the
  valid rows in the window (kept and duplicate rows, as in the seed's mode over the cleaned data),
  ties to the alphabetically first so every target agrees; 'Other' when there is none. One row.
-#}
with

valid_channels as (

    -- the classified rows counted per day, outcome and channel (int_campaigns__classified_daily)
    select
        classified_days.channel_mapped as channel,
        classified_days.campaign_rows
    from {{ ref('int_campaigns__classified_daily') }} as classified_days
    where classified_days.row_outcome in ('kept', 'duplicate')
        and classified_days.channel_mapped is not null

),

channel_counts as (

    select
        valid_channels.channel,
        sum(valid_channels.campaign_rows) as row_count
    from valid_channels
    group by valid_channels.channel

),

most_frequent as (

    select channel_counts.channel
    from channel_counts
    order by channel_counts.row_count desc, channel_counts.channel
    limit 1

),

final as (

    select coalesce(max(most_frequent.channel), 'Other') as channel
    from most_frequent

)

select * from final
