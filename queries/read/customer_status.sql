-- customer_status: customers active and lost now (not active at the as-of date), and those won
-- back at least once, for the tiers kept by the filters ($tiers; $filter_dimension and
-- $filter_values; empty = all). Built on customer_facts and kept_groups.
with

facts as (
    select customer_facts.*
    from customer_facts
    join kept_groups($tiers::varchar[], $filter_dimension, $filter_values::varchar[]) using (filter_group_id)
),

final as (
    select
        count(*) as customers,
        count(*) filter (where is_active) as active_customers,
        count(*) filter (where not is_active) as lost_now,
        count(*) filter (where times_won_back > 0) as won_back_customers,
        coalesce(sum(revenue), 0) as revenue
    from facts
)

select * from final
