{#-
  Each exchange rate with the days it applies to: from its rate_date up to the next rate_date of
  the same currency (valid_until, exclusive; NULL for the latest). A day without a rate of its
  own takes the latest earlier one; a day before a currency's first rate has none, and a row of
  that currency and day is quarantined (missing_fx_rate).
-#}
with

rates as (

    select * from {{ ref('stg_mca__fx_rates') }}

),

final as (

    select
        -- keys
        rates.currency,
        rates.rate_date as valid_from,

        -- attributes
        lead(rates.rate_date) over (partition by rates.currency order by rates.rate_date) as valid_until,

        -- measures
        rates.rate_to_base
    from rates

)

select * from final
