{#-
  Typed, trimmed campaign rows. One row per raw row: nothing is dropped here (validation happens
  downstream and keeps every row accounted for).
-#}
with

source as (

    {{ mca_source_or_empty('mca_raw', 'campaigns', mca_raw_columns('campaigns')) }}

),

renamed as (

    select
        -- keys
        cast(source.id as {{ mca_type_int() }}) as campaign_row_id,

        -- attributes
        nullif(trim({{ mca_exact_text('source.campaign_name') }}), '') as campaign_name,
        lower(nullif(trim({{ mca_exact_text('source.campaign_name') }}), '')) as campaign_key,
        nullif(trim({{ mca_exact_text('source.channel') }}), '') as channel_raw,
        lower(nullif(trim({{ mca_exact_text('source.channel') }}), '')) as channel_alias,
        cast(source.{{ adapter.quote('date') }} as date) as date_day,
        {{ mca_raw_currency('source', 'campaigns') }} as currency,

        -- measures (in `currency`, or the base currency when it is NULL)
        cast(source.cost as {{ mca_type_money() }}) as cost,
        cast(source.revenue as {{ mca_type_money() }}) as revenue,
        cast(source.impressions as {{ mca_type_int() }}) as impressions,
        cast(source.clicks as {{ mca_type_int() }}) as clicks,
        cast(source.conversions as {{ mca_type_money() }}) as conversions

    from source

)

select * from renamed
