{#-
  `where: mca_latest_build` in a test's config limits it to the rows the latest build wrote in
  an incremental table (the highest mca_build_seq); the word can be combined with other
  conditions ("mca_latest_build and not is_impressions_imputed"). Row-by-row tests (not_null,
  ranges, accepted values, relationships) on int_campaigns__classified and fct_campaign_daily
  use it, so an append build checks the rows it added rather than re-reading a million rows
  per test; the rows of earlier builds passed these tests when they were written. A full build
  writes every row with one number, so it still tests everything. Not used where a build can
  change old rows (the imputed channel and the outlier flags, refreshed in place) or where a
  test compares rows with each other (unique).
  Otherwise dbt's own default: the test reads `(select * from model where <where>)`.
-#}
{% macro default__get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- if 'mca_latest_build' in where -%}
            {%- set latest = '(mca_build_seq = (select max(latest.mca_build_seq) from ' ~ relation ~ ' as latest))' -%}
            {%- set where = where | replace('mca_latest_build', latest) -%}
        {%- endif -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
