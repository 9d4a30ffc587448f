-- first_order_vs_lifetime: customers by quintile of their first order's value (1 = smallest)
-- and quintile of their lifetime revenue to the as-of date (5 = largest), and, per tier, the
-- share of customers whose first order was below the median first order.
-- Built on customer_facts, customer_tiers and customer_order_days.
-- Parameters: none (as_of in the parameters says which as-of date the tables are built for).
with

first_orders as (
    -- The first purchase day (a day of returns only is none) has no previous one.
    select
        customer_id,
        revenue as first_order_value
    from customer_order_days
    where is_purchase_day and previous_order_date is null
),

customers as (
    select
        customer_facts.customer_id,
        first_orders.first_order_value,
        customer_facts.revenue as lifetime_revenue,
        coalesce(customer_tiers.tier, 'unranked') as tier,
        ntile(5) over (order by first_orders.first_order_value, customer_facts.customer_id) as first_order_quintile,
        ntile(5) over (order by customer_facts.revenue, customer_facts.customer_id) as lifetime_quintile,
        first_orders.first_order_value < median(first_orders.first_order_value) over () as is_small_first_order
    from customer_facts
    join first_orders using (customer_id)
    left join customer_tiers using (customer_id)
),

final as (
    select
        first_order_quintile,
        lifetime_quintile,
        count(*) as customers,
        count(*) filter (where tier in ('platinum', 'gold')) as platinum_gold_customers,
        count(*) filter (where tier in ('platinum', 'gold') and is_small_first_order) as platinum_gold_small_first
    from customers
    group by first_order_quintile, lifetime_quintile
)

select * from final
order by first_order_quintile, lifetime_quintile
