{#-
  Typed purchase lines, one row per raw row. The raw orders table is optional (it exists once
  `mca-report ingest orders` has run): when it is absent this model is an empty, typed relation,
  so everything downstream still builds. source() is called either way, so lineage shows it.
-#}
{%- set orders_source = source('mca_raw', 'orders') -%}
{%- set orders_relation = none -%}
{%- if execute -%}
    {%- set orders_relation = adapter.get_relation(
        database=orders_source.database,
        schema=orders_source.schema,
        identifier=orders_source.identifier,
    ) -%}
{%- endif -%}

with

source as (

    {% if orders_relation is not none -%}
    select * from {{ orders_source }}
    {%- else -%}
    -- {{ orders_source }} does not exist: no orders
    select * from (
        select
            cast(null as {{ mca_type_int() }}) as customer_id,
            cast(null as date) as order_date,
            cast(null as {{ mca_type_int() }}) as quantity,
            cast(null as {{ mca_type_money() }}) as amount
    ) as no_orders
    where 1 = 0
    {%- endif %}

),

renamed as (

    select
        -- keys
        cast(source.customer_id as {{ mca_type_int() }}) as customer_id,

        -- attributes
        cast(source.order_date as date) as order_date,

        -- measures
        cast(source.quantity as {{ mca_type_int() }}) as quantity,
        cast(source.amount as {{ mca_type_money() }}) as amount

    from source

)

select * from renamed
