{#- Typed customer rows, one per raw row. -#}
with

source as (

    {{ mca_source_or_empty('mca_raw', 'customers', mca_raw_columns('customers')) }}

),

renamed as (

    select
        -- keys
        cast(source.customer_id as {{ mca_type_int() }}) as customer_id,

        -- attributes
        nullif(trim({{ mca_exact_text('source.acquisition_channel') }}), '') as acquisition_channel_raw,
        lower(nullif(trim({{ mca_exact_text('source.acquisition_channel') }}), '')) as acquisition_channel_alias,
        cast(source.signup_date as date) as signup_date,
        {{ mca_raw_currency('source', 'customers') }} as currency,

        -- behavioural features
        cast(source.age as {{ mca_type_int() }}) as age,
        cast(source.sessions as {{ mca_type_int() }}) as sessions,
        cast(source.avg_session_duration as {{ mca_type_float() }}) as avg_session_duration,
        cast(source.pages_per_session as {{ mca_type_float() }}) as pages_per_session,
        cast(source.transactions as {{ mca_type_int() }}) as transactions,
        cast(source.revenue as {{ mca_type_money() }}) as revenue

    from source

)

select * from renamed
