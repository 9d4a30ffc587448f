-- purchase_gaps: how many days pass between a customer's consecutive order days, up to the
-- as-of date; the basis of the suggested inactivity window W.
-- Built on customer_order_days (built for the as-of date).
with

gaps as (
    select order_date - previous_order_date as gap_days
    from customer_order_days
    where is_purchase_day
),

final as (
    select
        count(gap_days) as repeat_purchases,
        quantile_cont(gap_days, 0.5) as median_gap_days,
        quantile_cont(gap_days, 0.75) as p75_gap_days,
        quantile_cont(gap_days, 0.9) as p90_gap_days,
        quantile_cont(gap_days, 0.95) as p95_gap_days
    from gaps
    where gap_days is not null
)

select * from final
