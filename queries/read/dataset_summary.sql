-- dataset_summary: size and span of the loaded dataset (all orders, whatever the as-of date):
--   order_lines  rows of the orders table (an order of three products is three lines)
--   orders       distinct order ids when the file has an order id column, else NULL (then only
--                order lines can be counted)
--   customers    customers with at least one purchase (a line that is not a return), or listed
--   first_date, last_date: the first and last purchase day
--   has_costs    every order line has a cost, so that margin can be a tier basis
with

order_summary as (
    select
        count(*) as order_lines,
        count(distinct order_id) filter (where order_id is not null) as order_ids,
        count(distinct customer_id) filter (where amount >= 0) as order_customers,
        sum(amount) as revenue,
        min(order_date) filter (where amount >= 0) as first_date,
        max(order_date) filter (where amount >= 0) as last_date,
        count(*) > 0 and count(cost) = count(*) as has_costs
    from orders
),

customer_summary as (
    select count(distinct customer_id) as listed_customers
    from customers
),

all_customers as (
    select count(*) as customers
    from (
        select customer_id from orders
        where amount >= 0
        union
        select customer_id from customers
    ) as customer_ids
),

final as (
    select
        customers,
        order_lines,
        case when order_ids > 0 then order_ids end as orders,
        coalesce(revenue, 0) as revenue,
        first_date,
        last_date,
        order_customers,
        listed_customers,
        has_costs
    from order_summary, customer_summary, all_customers
)

select * from final
