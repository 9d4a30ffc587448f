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
        and (len($tiers::varchar[]) = 0 or list_contains($tiers::varchar[], customer_tiers.tier))
        and (len($filter_values::varchar[]) = 0 or list_contains($filter_values::varchar[], case $filter_dimension
            when 'region' then customer_facts.region when 'channel' then customer_facts.channel
            when 'category' then customer_facts.category when 'segment' then customer_facts.segment
            else customer_facts.extra[$filter_dimension] end))
)

select * from final
order by customer_id
