-- customer_order_days: one row per customer and day with orders up to the as-of date: the day's
-- revenue and order lines, the previous order day, and the revenue of the 365 days ending on it.
-- Built once per as-of date: the suggested window W (purchase_gaps), the sensitivity to W
-- (repeat_purchase_share) and the spells of every W (customer_spells) all start from it.
-- Parameters: $as_of (date).
with

order_days as (
    select
        customer_id,
        order_date,
        -- Days as numbers, so that both windows below sort on the same key (one sort).
        (order_date - date '2000-01-01')::integer as day_number,
        sum(amount) as revenue,
        count(*) as orders
    from orders
    where order_date <= $as_of::date
    group by customer_id, order_date
),

final as (
    select
        *,
        lag(order_date) over (partition by customer_id order by day_number) as previous_order_date,
        -- Revenue of the 365 days ending on this order day (364 preceding days + this one).
        sum(revenue) over (
            partition by customer_id order by day_number
            range between 364 preceding and current row
        ) as revenue_trailing_12_months
    from order_days
)

select * from final
