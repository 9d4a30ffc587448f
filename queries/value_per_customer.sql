-- value_per_customer: revenue and margin of the 365 days up to the as-of date per customer who
-- ordered in that window: what one customer is worth in a year (the accumulation effect's
-- profit per customer). margin is NULL when some orders have no cost.
-- Parameters: $as_of (date).
with

orders_in_year as (
    select customer_id, amount, cost
    from orders
    where order_date between $as_of::date - 364 and $as_of::date
),

final as (
    select
        count(distinct customer_id) as customers,
        sum(amount) / nullif(count(distinct customer_id), 0) as revenue_per_customer,
        case when count(cost) = count(*) then sum(amount - cost) / nullif(count(distinct customer_id), 0) end
            as margin_per_customer
    from orders_in_year
)

select * from final
