{#-
  Typed purchase lines, one row per raw row. The raw orders table is optional (it exists once
  `mca-report ingest orders` has run): when it is absent this model is an empty, typed relation,
  so everything downstream still builds (macros/optional_source.sql).
-#}
with

source as (

    {{ mca_source_or_empty('mca_raw', 'orders', [
        ('customer_id', mca_type_int()),
        ('order_date', 'date'),
        ('quantity', mca_type_int()),
        ('amount', mca_type_money()),
    ]) }}

),

renamed as (

    select
        -- keys
        cast(source.customer_id as {{ mca_type_int() }}) as customer_id,

        -- attributes
        cast(source.order_date as date) as order_date,
        {{ mca_raw_currency('source', 'orders') }} as currency,

        -- measures
        cast(source.quantity as {{ mca_type_int() }}) as quantity,
        cast(source.amount as {{ mca_type_money() }}) as amount

    from source

)

select * from renamed
