{#- One row per segment of the latest segmentation run. -#}
with

segments as (

    select * from {{ source('mca_segments', 'customer_segments') }}

),

final as (

    select
        -- primary key
        segments.segment_id,

        -- attributes
        max(segments.segment_name) as segment_name,
        max(segments.run_id) as run_id,

        -- measures
        count(*) as customers
    from segments
    group by segments.segment_id

)

select * from final
