-- whatif_baseline: the starting assumptions of the what-if projection, per tier, observed over
-- the complete periods of the last 365 days up to the as-of date (grain $grain):
--   active_customers   customers active at the as-of date
--   churn_rate         customers lost per period / customers at the start (summed over periods)
--   new_per_period     new customers per period (average)
--   won_back_per_period  customers won back per period (average)
--   revenue_per_customer, margin_per_customer   per customer and period: the tier's revenue
--                      (margin; NULL without costs) in the 365 days / the customers at the start
--                      of its periods, summed (customer-periods)
-- Built on churn_by_period's logic over customer_spells, customer_facts and customer_tiers.
-- Parameters: $as_of, $grain ('month' | 'quarter' | 'year').
with

spells as (
    select customer_spells.*, coalesce(customer_tiers.tier, 'unranked') as tier
    from customer_spells
    left join customer_tiers using (customer_id)
),

periods as (
    select
        unnest(generate_series(
            date_trunc($grain, $as_of::date - 364),
            date_trunc($grain, $as_of::date),
            case $grain when 'month' then interval 1 month when 'quarter' then interval 3 month else interval 1 year end
        ))::date as period_start
),

complete_periods as (
    select
        period_start,
        (period_start + case $grain
            when 'month' then interval 1 month when 'quarter' then interval 3 month else interval 1 year end
        )::date as period_end
    from periods
),

window_periods as (
    select * from complete_periods
    where period_end <= $as_of::date + 1 and period_start >= $as_of::date - 364
),

flows as (
    select
        spells.tier,
        count(*) filter (
            where spells.spell_start < window_periods.period_start
                and (spells.churn_date is null or spells.churn_date >= window_periods.period_start)
        ) as at_start,
        count(*) filter (
            where spells.spell_start < window_periods.period_start
                and spells.churn_date >= window_periods.period_start
                and spells.churn_date < window_periods.period_end
        ) as churned,
        count(*) filter (
            where spells.spell_number = 1
                and spells.spell_start >= window_periods.period_start
                and spells.spell_start < window_periods.period_end
        ) as new,
        count(*) filter (
            where spells.spell_number > 1
                and spells.spell_start >= window_periods.period_start
                and spells.spell_start < window_periods.period_end
        ) as won_back
    from spells
    cross join window_periods
    group by spells.tier
),

value_in_year as (
    select
        coalesce(customer_tiers.tier, 'unranked') as tier,
        sum(orders.amount) as revenue,
        case when count(orders.cost) = count(*) then sum(orders.amount - orders.cost) end as margin
    from orders
    left join customer_tiers using (customer_id)
    where orders.order_date between $as_of::date - 364 and $as_of::date
    group by 1
),

active as (
    select coalesce(customer_tiers.tier, 'unranked') as tier, count(*) as active_customers
    from customer_facts
    left join customer_tiers using (customer_id)
    where customer_facts.is_active
    group by 1
),

final as (
    select
        flows.tier,
        coalesce(active.active_customers, 0) as active_customers,
        (select count(*) from window_periods) as periods_observed,
        flows.churned / nullif(flows.at_start, 0) as churn_rate,
        flows.new / nullif((select count(*) from window_periods), 0) as new_per_period,
        flows.won_back / nullif((select count(*) from window_periods), 0) as won_back_per_period,
        value_in_year.revenue / nullif(flows.at_start, 0) as revenue_per_customer,
        value_in_year.margin / nullif(flows.at_start, 0) as margin_per_customer
    from flows
    left join active using (tier)
    left join value_in_year using (tier)
)

select * from final
order by list_position(['platinum', 'gold', 'iron', 'lead', 'unranked'], tier)
