-- active_customer_profiles: the customers active at the as-of date with their tier, last order,
-- orders, revenue to date and in the 365 days up to their last order, region and any churn reason
-- on record (an earlier loss), and filter group: the candidates of the early-warning list. Built
-- on customer_facts and kept_groups.
-- Parameters: $tiers, $filter_dimension, $filter_values.
with

final as (
    select
        customer_facts.customer_id,
        coalesce(kept_groups.tier, 'unranked') as tier,
        customer_facts.last_order_date,
        customer_facts.orders,
        customer_facts.revenue,
        customer_facts.revenue_last_12_months,
        customer_facts.region,
        customer_facts.times_won_back,
        customer_facts.churn_reason,
        customer_facts.filter_group_id
    from customer_facts
    join
        kept_groups($tiers::varchar[], $filter_dimension, $filter_values::varchar[]) as kept_groups
        using (filter_group_id)
    where customer_facts.is_active
)

select * from final
order by customer_id
