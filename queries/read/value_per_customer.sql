-- value_per_customer: revenue and margin of the 365 days up to the as-of date per customer who
-- ordered in that window: what one customer is worth in a year (the accumulation effect's
-- profit per customer). margin is NULL when some orders have no cost. A customers file alone
-- (no orders): its total revenue per 12 months of tenure, when it has both (else NULL).
-- Parameters: $as_of (date).
with

orders_in_year as (
    select
        customer_id,
        amount,
        cost
    from orders
    where order_date between $as_of::date - 364 and $as_of::date
),

from_orders as (
    select
        count(distinct customer_id) as customers,
        sum(amount) / nullif(count(distinct customer_id), 0) as revenue_per_customer,
        case when count(cost) = count(*) then sum(amount - cost) / nullif(count(distinct customer_id), 0) end
            as margin_per_customer
    from orders_in_year
),

from_list as (
    select
        count(*) as customers,
        12 * sum(total_revenue) / nullif(sum(tenure_months), 0) as revenue_per_customer,
        null::double as margin_per_customer
    from customers
    where total_revenue is not null and tenure_months > 0
),

final as (
    select * from from_orders
    where exists (select 1 from orders)
    union all
    select * from from_list
    where not exists (select 1 from orders)
)

select * from final
