-- tier_summary: the pyramid. Per tier: customers and their share, revenue / margin / value
-- (the tier basis) and their shares, average and median value per customer, and how many of
-- the tier's customers are active or lost at the as-of date. Built on customer_tiers,
-- customer_facts (status from orders) and customers (status of a customers file alone).
with

tiers as (
    select * from customer_tiers
),

status as (
    select
        tiers.customer_id,
        coalesce(customer_facts.revenue, listed.total_revenue) as lifetime_revenue,
        coalesce(
            not customer_facts.is_active,
            listed.churn_date is not null
                or lower(trim(listed.status)) in ('churned', 'lost', 'inactive', 'closed', '流失', '已流失'),
            false
        ) as is_lost
    from tiers
    left join customer_facts using (customer_id)
    left join (
        select
            customer_id,
            max(churn_date) as churn_date,
            any_value(status) as status,
            any_value(total_revenue) as total_revenue
        from customers
        group by customer_id
    ) as listed using (customer_id)
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
