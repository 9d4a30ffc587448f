-- whatif_baseline: the starting assumptions of the what-if projection and of the retention
-- formula of lifetime value, per tier, observed over the measured periods of the last 365 days
-- up to the as-of date: complete periods of the grain $grain that start in those 365 days and at
-- least W days after the first order (earlier ones are warm-up: nobody can have been silent for W
-- days yet, so their churn is undercounted).
--   active_customers     customers active at the as-of date
--   periods_observed     the measured periods; window_start, window_end: the dates they cover
--   churn_rate           customers churned of those at the start ÷ customers at the start, summed
--                        over the measured periods
--   new_per_period, won_back_per_period   averages over the measured periods
--   revenue_per_customer, margin_per_customer   per customer and period: the tier's revenue
--                        (margin; NULL without costs) ordered in the measured periods ÷ the
--                        customer-periods in them (the days the tier's customers were active in
--                        those periods, in periods of their average length): the same periods in
--                        numerator and denominator
-- Built on customer_spells, customer_facts, customer_tiers and orders.
-- Parameters: $as_of, $grain ('month' | 'quarter' | 'year'), $window_days.
with

spells as (
    select
        customer_spells.*,
        coalesce(customer_tiers.tier, 'unranked') as tier
    from customer_spells
    left join customer_tiers using (customer_id)
),

first_order as (
    select min(spell_start) as first_order_date
    from customer_spells
),

measured_periods as (
    select *
    from period_list($grain, $as_of::date - 364, $as_of::date)
    where period_end <= $as_of::date + 1
        and period_start >= $as_of::date - 364
        and period_start >= (select first_order_date from first_order) + $window_days::integer
),

observed as (
    select
        count(*) as periods,
        min(period_start) as window_start,
        max(period_end) as window_end
    from measured_periods
),

flows as (
    select
        spells.tier,
        count(*) filter (
            where spells.spell_start < measured_periods.period_start
            and (spells.churn_date is null or spells.churn_date >= measured_periods.period_start)
        ) as at_start,
        count(*) filter (
            where spells.spell_start < measured_periods.period_start
            and spells.churn_date >= measured_periods.period_start
            and spells.churn_date < measured_periods.period_end
        ) as churned,
        count(*) filter (
            where spells.spell_number = 1
            and spells.spell_start >= measured_periods.period_start
            and spells.spell_start < measured_periods.period_end
        ) as new,
        count(*) filter (
            where spells.spell_number > 1
            and spells.spell_start >= measured_periods.period_start
            and spells.spell_start < measured_periods.period_end
        ) as won_back
    from spells
    cross join measured_periods
    group by spells.tier
),

-- Customer-periods: the days each spell was active within the measured periods (from its start
-- to its churn date, or to their end), over the periods' average length in days.
exposure as (
    select
        spells.tier,
        sum(greatest(
            0,
            least(coalesce(spells.churn_date, observed.window_end), observed.window_end)
            - greatest(spells.spell_start, observed.window_start)
        )) / ((observed.window_end - observed.window_start) / observed.periods) as customer_periods
    from spells
    cross join observed
    where observed.periods > 0
    group by spells.tier, observed.window_start, observed.window_end, observed.periods
),

value_in_periods as (
    select
        coalesce(customer_tiers.tier, 'unranked') as tier,
        sum(orders.amount) as revenue,
        case when count(orders.cost) = count(*) then sum(orders.amount - orders.cost) end as margin
    from orders
    cross join observed
    left join customer_tiers using (customer_id)
    where orders.order_date >= observed.window_start and orders.order_date < observed.window_end
    group by all
),

active as (
    select
        coalesce(customer_tiers.tier, 'unranked') as tier,
        count(*) as active_customers
    from customer_facts
    left join customer_tiers using (customer_id)
    where customer_facts.is_active
    group by all
),

final as (
    select
        flows.tier,
        coalesce(active.active_customers, 0) as active_customers,
        (select periods from observed) as periods_observed,
        (select window_start from observed) as window_start,
        (select window_end from observed) as window_end,
        flows.churned / nullif(flows.at_start, 0) as churn_rate,
        flows.new / nullif((select periods from observed), 0) as new_per_period,
        flows.won_back / nullif((select periods from observed), 0) as won_back_per_period,
        value_in_periods.revenue / nullif(exposure.customer_periods, 0) as revenue_per_customer,
        value_in_periods.margin / nullif(exposure.customer_periods, 0) as margin_per_customer
    from flows
    left join active using (tier)
    left join exposure using (tier)
    left join value_in_periods using (tier)
)

select * from final
order by list_position(['platinum', 'gold', 'iron', 'lead', 'unranked'], tier)
