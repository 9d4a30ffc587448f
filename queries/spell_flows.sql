-- spell_flows: the customer flows of churn_by_period, per month and filter group, for one window
-- W: the filter-independent part, built with the spells, so that a filter change or another
-- grain only adds up a few thousand rows (queries/churn_by_period.sql).
--   start rows: new (first spells) and reactivated (later spells) starting in the month
--   churn rows: churned_total (spells churning in the month) and their revenue_lost (revenue in
--               the 365 days up to their last order), by spell_start_month: the month the spell
--               started when in the same calendar year, else null. A period is at most a year,
--               so a spell from an earlier year always started before its churn period; one from
--               the same year did so when date_trunc(grain, spell_start_month) < date_trunc(grain, month).
-- Built on customer_spells (with filter_group_id set).
-- Parameters: $window_days (the W of the spells, recorded in every row).
with

starts as (
    select
        filter_group_id,
        date_trunc('month', spell_start)::date as month,
        null::date as spell_start_month,
        count(*) filter (where spell_number = 1) as new,
        count(*) filter (where spell_number > 1) as reactivated,
        0::bigint as churned_total,
        0::double as revenue_lost
    from customer_spells
    group by all
),

churns as (
    select
        filter_group_id,
        date_trunc('month', churn_date)::date as month,
        case when year(spell_start) = year(churn_date) then date_trunc('month', spell_start)::date end
            as spell_start_month,
        0::bigint as new,
        0::bigint as reactivated,
        count(*) as churned_total,
        coalesce(sum(revenue_last_12_months), 0) as revenue_lost
    from customer_spells
    where is_churned
    group by all
),

final as (
    select * from starts
    union all
    select * from churns
)

select $window_days::integer as window_days, * from final
