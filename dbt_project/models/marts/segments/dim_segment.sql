{#- One row per segment of the latest segmentation run. -#}
with

segments as (

    {{ mca_source_or_empty('mca_segments', 'customer_segments', [
        ('customer_id', mca_type_int()),
        ('segment_id', mca_type_int()),
        ('segment_name', mca_type_string(200)),
        ('run_id', mca_type_string(64)),
    ]) }}

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
