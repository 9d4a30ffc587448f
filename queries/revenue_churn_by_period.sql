-- revenue_churn_by_period: revenue churn on the same footing as customer churn. Per period:
--   revenue_base = revenue in the 365 days before period_start of the customers at its start
--   revenue_lost = the same revenue of those of them who churned in the period (the customers
--                  counted in "churned" of churn_by_period)
--   revenue_churn_rate = revenue_lost / revenue_base (at most 100% when no revenue is negative)
-- Built on customer_period_revenue (per customer and period, built on first use), customer_facts
-- and customer_tiers (for the filters).
-- Parameters: $as_of, $grain, $date_from, $date_to, $tiers, $filter_dimension, $filter_values.
with

kept as (
    select customer_facts.customer_id
    from customer_facts
    left join customer_tiers using (customer_id)
    where is_kept(
            customer_tiers.tier, customer_facts.region, customer_facts.channel, customer_facts.category,
            customer_facts.segment, customer_facts.extra,
            $tiers::varchar[], $filter_dimension, $filter_values::varchar[]
        )
),

step as (
    select case $grain
        when 'month' then interval 1 month
        when 'quarter' then interval 3 month
        when 'year' then interval 1 year
    end as period_length
),

periods as (
    select
        period_start::date as period_start,
        (period_start + (select period_length from step))::date as period_end
    from (
        select unnest(generate_series(
            date_trunc($grain, (select min(spell_start) from customer_spells)),
            date_trunc($grain, $as_of::date),
            (select period_length from step)
        )) as period_start
    )
),

per_period as (
    select
        period_start,
        count(*) as customers_at_start,
        count(*) filter (where is_churned_in_period) as churned,
        sum(revenue_before) as revenue_base,
        coalesce(sum(revenue_before) filter (where is_churned_in_period), 0) as revenue_lost
    from customer_period_revenue
    semi join kept using (customer_id)
    group by period_start
),

final as (
    select
        periods.period_start,
        periods.period_end,
        periods.period_end <= $as_of::date + 1 as is_complete,
        coalesce(per_period.customers_at_start, 0) as customers_at_start,
        coalesce(per_period.churned, 0) as churned,
        coalesce(per_period.revenue_base, 0) as revenue_base,
        coalesce(per_period.revenue_lost, 0) as revenue_lost,
        per_period.revenue_lost / nullif(per_period.revenue_base, 0) as revenue_churn_rate
    from periods
    left join per_period using (period_start)
)

select * from final
where period_end > $date_from::date and period_start <= $date_to::date
order by period_start
