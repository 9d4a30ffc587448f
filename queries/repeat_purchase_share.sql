-- repeat_purchase_share: for each candidate window W in $windows, the share of repeat purchases
-- (gaps between a customer's consecutive order days, up to the as-of date) that came within W
-- days: how much of normal buying W treats as "still active".
-- Parameters: $as_of (date), $windows (list of integers).
with

order_days as (
    select distinct customer_id, order_date
    from orders
    where order_date <= $as_of::date
),

gaps as (
    select order_date - lag(order_date) over (partition by customer_id order by order_date) as gap_days
    from order_days
),

windows as (
    select unnest($windows::integer[]) as window_days
),

final as (
    select
        window_days,
        count(gap_days) filter (where gap_days <= window_days) / nullif(count(gap_days), 0) as share_within
    from windows
    cross join gaps
    group by window_days
)

select * from final
order by window_days
