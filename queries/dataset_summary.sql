-- dataset_summary: size and span of the loaded dataset (all orders, whatever the as-of date).
with

order_summary as (
    select
        count(*) as orders,
        count(distinct customer_id) as order_customers,
        sum(amount) as revenue,
        min(order_date) as first_date,
        max(order_date) as last_date
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
        union
        select customer_id from customers
    )
),

final as (
    select
        customers,
        orders,
        coalesce(revenue, 0) as revenue,
        first_date,
        last_date,
        order_customers,
        listed_customers
    from order_summary, customer_summary, all_customers
)

select * from final
