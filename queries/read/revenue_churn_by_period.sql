-- revenue_churn_by_period: revenue churn on the same footing as customer churn. Per period:
--   revenue_base = revenue in the 365 days before period_start of the customers at its start
--   revenue_lost = the same revenue of those of them who churned in the period (the customers
--                  counted in "churned" of churn_by_period)
--   revenue_churn_rate = revenue_lost / revenue_base (at most 100% when no revenue is negative)
-- Built on period_revenue_by_filter_group and kept_groups (for the filters).
-- Parameters: $as_of, $grain, $date_from, $date_to, $tiers, $filter_dimension, $filter_values.
with

periods as (
    select *
    from period_list($grain, (select min(spell_start) from customer_spells), $as_of::date)
),

per_period as (
    select
        period_start,
        sum(customers_at_start) as customers_at_start,
        sum(churned) as churned,
        sum(revenue_base) as revenue_base,
        sum(revenue_lost) as revenue_lost
    from period_revenue_by_filter_group
    join kept_groups($tiers::varchar[], $filter_dimension, $filter_values::varchar[]) using (filter_group_id)
    group by period_start
),

final as (
    select
        periods.period_start,
        periods.period_end,
        periods.period_end <= $as_of::date + 1 as is_complete,
        coalesce(per_period.customers_at_start, 0)::bigint as customers_at_start,
        coalesce(per_period.churned, 0)::bigint as churned,
        coalesce(per_period.revenue_base, 0) as revenue_base,
        coalesce(per_period.revenue_lost, 0) as revenue_lost,
        per_period.revenue_lost / nullif(per_period.revenue_base, 0) as revenue_churn_rate
    from periods
    left join per_period using (period_start)
)

select * from final
where period_end > $date_from::date and period_start <= $date_to::date
order by period_start
