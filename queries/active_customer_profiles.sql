-- active_customer_profiles: the customers active at the as-of date with their tier, last order,
-- orders, revenue to date, region and any churn reason on record (an earlier loss): the
-- candidates of the early-warning list. Built on customer_facts and customer_tiers.
-- Parameters: $tiers, $filter_dimension, $filter_values.
with

final as (
    select
        customer_facts.customer_id,
        coalesce(customer_tiers.tier, 'unranked') as tier,
        customer_facts.last_order_date,
        customer_facts.orders,
        customer_facts.revenue,
        customer_facts.region,
        customer_facts.times_won_back,
        customer_facts.churn_reason
    from customer_facts
    left join customer_tiers using (customer_id)
    where customer_facts.is_active
        and is_kept(
                customer_tiers.tier, customer_facts.region, customer_facts.channel, customer_facts.category,
                customer_facts.segment, customer_facts.extra,
                $tiers::varchar[], $filter_dimension, $filter_values::varchar[]
            )
)

select * from final
order by customer_id
