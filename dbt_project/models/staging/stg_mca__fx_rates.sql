{#-
  Exchange rates, one row per currency and day: how many units of the base currency one unit of
  `currency` was worth on `rate_date`. The raw fx_rates table is optional (`mca-report ingest
  fx_rates`); without it this model is empty and nothing is converted.
-#}
with

source as (

    {{ mca_source_or_empty('mca_raw', 'fx_rates', mca_raw_columns('fx_rates')) }}

),

renamed as (

    select
        -- keys
        cast(upper(trim(source.currency)) as {{ mca_type_string(3) }}) as currency,
        cast(source.rate_date as date) as rate_date,

        -- measures: ten decimals, enough for any pair of currencies in use
        cast(source.rate_to_base as decimal(18, 10)) as rate_to_base

    from source

)

select * from renamed
