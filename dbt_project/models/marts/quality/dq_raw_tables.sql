{#-
  One row per raw table of the contract (campaigns, customers, orders): whether it existed when
  the marts were built. Each raw table is optional; a missing one's models build empty
  (macros/optional_source.sql). The reports read this to tell "no campaigns table was loaded"
  from "the campaigns table has no rows in the window", and segmentation to choose its features.
-#}
-- depends_on: {{ source('mca_raw', 'campaigns') }}
-- depends_on: {{ source('mca_raw', 'customers') }}
-- depends_on: {{ source('mca_raw', 'orders') }}
with

final as (

    {%- for table_name in ['campaigns', 'customers', 'orders'] %}
    select
        -- primary key
        cast('{{ table_name }}' as {{ mca_type_string(16) }}) as table_name,

        -- attributes
        {{ 'true' if mca_source_exists('mca_raw', table_name) else 'false' }} as is_present
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

)

select * from final
