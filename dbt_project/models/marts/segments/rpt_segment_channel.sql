{#-
  Per segment and acquisition channel: customers, their revenue, what the channel paid per
  customer it acquired (the channel's campaign cost over the window / all customers acquired
  through it, whatever their segment: the same for every segment of a channel), and the
  segment's own share of that cost (acquisition_cost: the channel's cost per acquired customer
  x the segment's customers from it). A segment's acquisition cost per customer is the sum of its
  acquisition_cost over its channels / its customers with a channel, which differs by segment
  with its channel mix. Customers without an acquisition channel are left out.
-#}
with

segments as (

    {{ mca_source_or_empty('mca_segments', 'customer_segments', [
        ('customer_id', mca_type_int()),
        ('segment_id', mca_type_int()),
        ('segment_name', mca_type_string(200)),
        ('run_id', mca_type_string(64)),
    ]) }}

),

customers as (

    select * from {{ ref('dim_customer') }}

),

channels as (

    select * from {{ ref('dim_channel') }}

),

channel_performance as (

    select * from {{ ref('rpt_channel_performance') }}

),

acquired as (

    select
        customers.acquisition_channel_id as channel_id,
        count(*) as acquired_customers
    from customers
    where customers.acquisition_channel_id is not null
    group by customers.acquisition_channel_id

),

segment_channel as (

    select
        segments.segment_id,
        max(segments.segment_name) as segment_name,
        customers.acquisition_channel_id as channel_id,
        count(*) as customers,
        coalesce(sum(customers.revenue), 0) as revenue
    from segments
    inner join customers
        on segments.customer_id = customers.customer_id
    where customers.acquisition_channel_id is not null
    group by segments.segment_id, customers.acquisition_channel_id

),

final as (

    select
        -- keys
        segment_channel.segment_id,
        segment_channel.channel_id,

        -- attributes
        segment_channel.segment_name,
        channels.channel,

        -- measures
        segment_channel.customers,
        segment_channel.revenue,
        acquired.acquired_customers as channel_acquired_customers,
        coalesce(channel_performance.cost, 0) as channel_cost,
        {{ mca_safe_divide('coalesce(channel_performance.cost, 0)', 'acquired.acquired_customers') }} as cost_per_acquired_customer,
        {{ mca_safe_divide('coalesce(channel_performance.cost, 0) * segment_channel.customers', 'acquired.acquired_customers') }} as acquisition_cost
    from segment_channel
    inner join channels
        on segment_channel.channel_id = channels.channel_id
    inner join acquired
        on segment_channel.channel_id = acquired.channel_id
    left join channel_performance
        on segment_channel.channel_id = channel_performance.channel_id

)

select * from final
