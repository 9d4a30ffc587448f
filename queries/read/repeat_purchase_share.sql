-- repeat_purchase_share: for each candidate window W in $windows, the share of repeat purchases
-- (gaps between a customer's consecutive order days, up to the as-of date) that came within W
-- days: how much of normal buying W treats as "still active".
-- Built on customer_order_days (built for the as-of date).
-- Parameters: $windows (list of integers).
with

gaps as (
    select order_date - previous_order_date as gap_days
    from customer_order_days
    where is_purchase_day
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
