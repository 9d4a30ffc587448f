-- tier_summary: the pyramid. Per tier: customers and their share, revenue / margin / value
-- (the tier basis) and their shares, average and median value per customer, the average
-- lifetime revenue, and how many of the tier's customers are active or lost now (at the as-of
-- date). Tiers rank every customer; the figures count the customers kept by the filters ($tiers,
-- $filter_dimension, $filter_values), so that lost now adds up to the same total as elsewhere.
-- Built on customer_tiers, customer_facts and kept_groups.
with

tiers as (
    select * from customer_tiers
),

status as (
    select
        customer_facts.customer_id,
        customer_facts.revenue as lifetime_revenue,
        not customer_facts.is_active as is_lost
    from customer_facts
    join kept_groups($tiers::varchar[], $filter_dimension, $filter_values::varchar[]) using (filter_group_id)
),

per_tier as (
    select
        tier,
        any_value(tier_order) as tier_order,
        count(*) as customers,
        sum(revenue) as revenue,
        sum(margin) as margin,
        sum(value) as value,
        avg(value) as average_value,
        median(value) as median_value,
        avg(status.lifetime_revenue) as average_lifetime_revenue,
        count(*) filter (where not status.is_lost) as active_customers,
        count(*) filter (where status.is_lost) as lost_customers,
        coalesce(sum(value) filter (where status.is_lost), 0) as lost_value
    from tiers
    join status using (customer_id)
    group by tier
),

final as (
    select
        *,
        customers / sum(customers) over () as customer_share,
        revenue / nullif(sum(revenue) over (), 0) as revenue_share,
        margin / nullif(sum(margin) over (), 0) as margin_share,
        value / nullif(sum(value) over (), 0) as value_share,
        lost_customers / customers as lost_share
    from per_tier
)

select * from final
order by tier_order
