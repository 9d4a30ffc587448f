-- customer_status: customers active and lost at the as-of date, for the tiers kept by the
-- filters ($tiers; $filter_dimension and $filter_values; empty = all). Built on customer_facts
-- and customer_tiers.
with

facts as (
    select customer_facts.*
    from customer_facts
    left join customer_tiers using (customer_id)
    where (len($tiers::varchar[]) = 0 or list_contains($tiers::varchar[], customer_tiers.tier))
        and (len($filter_values::varchar[]) = 0 or list_contains($filter_values::varchar[], case $filter_dimension
            when 'region' then customer_facts.region when 'channel' then customer_facts.channel
            when 'category' then customer_facts.category when 'segment' then customer_facts.segment
            else customer_facts.extra[$filter_dimension] end))
),

final as (
    select
        count(*) as customers,
        count(*) filter (where is_active) as active_customers,
        count(*) filter (where not is_active) as churned_customers,
        count(*) filter (where times_won_back > 0) as won_back_customers,
        coalesce(sum(revenue), 0) as revenue
    from facts
)

select * from final
