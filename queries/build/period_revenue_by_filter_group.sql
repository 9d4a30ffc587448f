-- period_revenue_by_filter_group: per period and filter group, the customers active at the period
-- start, how many of them churned in the period, and their revenue in the 365 days before the
-- period start (all of them: revenue_base; those who churned: revenue_lost). The part of revenue
-- churn that no filter changes, built once per as-of date, W, tiers and grain (on first use by
-- revenue_churn_by_period), so that a filter change only adds up groups.
-- Built on customer_spells, customer_filter_groups and customer_order_days.
-- Parameters: $as_of, $grain.
with

periods as (
    select *
    from period_list($grain, (select min(spell_start) from customer_spells), $as_of::date)
),

at_start as materialized (
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

-- Each customer's revenue in [period_start - 365, period_start): their cumulative revenue just
-- before period_start less that just before period_start - 365. Both are read off one running sum
-- over their order days with the two dates slotted in (one sort, no join of every active customer
-- with every order line); rounded to millionths, the float noise of a difference of two sums.
probes as (
    select
        customer_id,
        period_start as day,
        1 as sign,
        period_start,
        filter_group_id,
        is_churned_in_period
    from at_start
    union all
    select
        customer_id,
        period_start - 365,
        -1,
        period_start,
        filter_group_id,
        is_churned_in_period
    from at_start
),

days_and_probes as (
    select
        customer_id,
        day,
        0 as sign,
        null::date as period_start,
        null::integer as filter_group_id,
        null::boolean as is_churned_in_period,
        revenue
    from (
        select
            customer_id,
            order_date as day,
            revenue
        from customer_order_days
    ) as days
    union all
    select
        *,
        0::double as revenue
    from probes
),

running as (
    select
        *,
        -- A probe sorts before the order day it falls on: the sum is of the days before it.
        sum(revenue) over (
            partition by customer_id order by day, sign <> 0 desc rows unbounded preceding
        ) as revenue_before_day
    from days_and_probes
),

per_customer as (
    select
        period_start,
        customer_id,
        any_value(filter_group_id) as filter_group_id,
        any_value(is_churned_in_period) as is_churned_in_period,
        round(sum(sign * revenue_before_day), 6) as revenue_before
    from running
    where sign <> 0
    group by period_start, customer_id
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
