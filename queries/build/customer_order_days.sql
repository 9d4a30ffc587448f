-- customer_order_days: one row per customer and day with orders up to the as-of date: the day's
-- net revenue and order lines, whether it is a purchase day, the previous purchase day, and the
-- revenue of the 365 days ending on it. A day whose lines are all returns (negative amounts) is
-- not a purchase day: returns are not activity, so such a day neither starts nor extends a spell
-- and is no purchase gap; its (negative) revenue still counts.
-- Built once per as-of date: the suggested window W (purchase_gaps), the sensitivity to W
-- (repeat_purchase_share) and the spells of every W (customer_spells) all start from it.
-- Parameters: $as_of (date).
with

order_days as (
    select
        customer_id,
        order_date,
        -- Days as numbers, so that both windows below sort on the same key (one sort).
        date_diff('day', date '2000-01-01', order_date)::integer as day_number,
        sum(amount) as revenue,
        count(*) as orders,
        bool_or(amount >= 0) as is_purchase_day
    from orders
    where order_date <= $as_of::date
    group by customer_id, order_date
),

final as (
    select
        *,
        -- The previous purchase day (a return-only day in between is not one).
        max(order_date) filter (where is_purchase_day) over (
            partition by customer_id order by day_number rows between unbounded preceding and 1 preceding
        ) as previous_order_date,
        -- Revenue of the 365 days ending on this order day (364 preceding days + this one).
        sum(revenue) over (
            partition by customer_id order by day_number
            range between 364 preceding and current row
        ) as revenue_last_12_months
    from order_days
)

select * from final
