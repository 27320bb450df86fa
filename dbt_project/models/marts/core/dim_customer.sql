{#-
  One row per customer with the behavioural features segmentation clusters on. Missing values stay
  NULL here: segmentation imputes them (feature mean, as the seed) and says how many it imputed.
-#}
{{
    config(
        post_hook=[
            "{{ mca_create_indexes([{'columns': ['customer_id'], 'unique': true},
                                    ['acquisition_channel_id']]) }}",
        ]
    )
}}

with

classified as (

    select * from {{ ref('int_customers__classified') }}

),

channels as (

    select * from {{ ref('dim_channel') }}

),

final as (

    select
        -- primary key
        classified.customer_id,

        -- foreign keys
        channels.channel_id as acquisition_channel_id,

        -- attributes
        classified.acquisition_channel,
        classified.signup_date,

        -- features
        classified.age,
        classified.sessions,
        classified.avg_session_duration,
        classified.pages_per_session,
        classified.transactions,
        classified.revenue,

        -- flags
        classified.has_invalid_feature,
        classified.has_missing_feature
    from classified
    left join channels
        on classified.acquisition_channel = channels.channel
    where classified.row_outcome = 'kept'

)

select * from final
