-- period_revenue_by_filter_group: per period and filter group, the customers active at the period
-- start, how many of them churned in the period, and their revenue in the 365 days before the
-- period start (all of them: revenue_base; those who churned: revenue_lost). The part of revenue
-- churn that no filter changes, built once per as-of date, W, tiers and grain (on first use by
-- revenue_churn_by_period), so that a filter change only adds up groups.
-- Built on customer_spells, customer_filter_groups and orders.
-- Parameters: $as_of, $grain.
with

periods as (
    select *
    from period_list($grain, (select min(spell_start) from customer_spells), $as_of::date)
),

at_start as (
    select
        periods.period_start,
        customer_spells.customer_id,
        customer_filter_groups.filter_group_id,
        coalesce(customer_spells.churn_date < periods.period_end, false) as is_churned_in_period
    from periods
    join customer_spells
        on customer_spells.spell_start < periods.period_start
        and (customer_spells.churn_date is null or customer_spells.churn_date >= periods.period_start)
    join customer_filter_groups on customer_filter_groups.customer_id = customer_spells.customer_id
),

per_customer as (
    select
        at_start.period_start,
        at_start.customer_id,
        any_value(at_start.filter_group_id) as filter_group_id,
        any_value(at_start.is_churned_in_period) as is_churned_in_period,
        coalesce(sum(orders.amount), 0) as revenue_before
    from at_start
    left join orders
        on orders.customer_id = at_start.customer_id
        and orders.order_date >= at_start.period_start - 365
        and orders.order_date < at_start.period_start
    group by at_start.period_start, at_start.customer_id
),

final as (
    select
        period_start,
        filter_group_id,
        count(*) as customers_at_start,
        count(*) filter (where is_churned_in_period) as churned,
        sum(revenue_before) as revenue_base,
        coalesce(sum(revenue_before) filter (where is_churned_in_period), 0) as revenue_lost
    from per_customer
    group by period_start, filter_group_id
)

select * from final
