{#-
  Without a base currency nothing is converted, so the campaign rows must all be in one currency
  (or name none): summing euros and dollars as one number is the error currency conversion
  exists to prevent. Fails with the lowest and highest code found; set a base currency
  (`--base-currency EUR`) and load fx_rates to convert them.
-#}
{{ config(tags=['guard']) }}

{%- if mca_base_currency() is none %}
select
    min(classified.currency) as first_currency,
    max(classified.currency) as other_currency
from {{ ref('int_campaigns__classified') }} as classified
where classified.currency is not null
having min(classified.currency) <> max(classified.currency)
{%- else %}
select 1 as nothing_to_check from {{ ref('int_campaigns__classified') }} where 1 = 0
{%- endif %}
