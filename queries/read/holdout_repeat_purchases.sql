-- holdout_repeat_purchases: the repeat purchases that happened in the holdout weeks after the
-- calibration end, week by week: purchase days (days with a line that is not a return, as in
-- clv_summary) in (calibration_end + 7(k-1), calibration_end + 7k] of the customers who had bought
-- by the calibration end (every one of these purchases is a repeat purchase; customers who first
-- bought in the holdout are new, not counted). Weeks without purchases are listed with 0.
-- What the purchase model's holdout prediction is compared with (churn.clv.validate).
-- Built on customer_order_days (built for an as-of date on or after the holdout's end).
-- Parameters: $calibration_end (date), $holdout_weeks (integer).
with

calibration_customers as (
    select customer_id
    from customer_order_days
    where is_purchase_day and previous_order_date is null and order_date <= $calibration_end::date
),

holdout as (
    select ((customer_order_days.order_date - $calibration_end::date - 1) // 7 + 1)::integer as week
    from customer_order_days
    semi join calibration_customers using (customer_id)
    where
        customer_order_days.is_purchase_day
        and customer_order_days.order_date > $calibration_end::date
        and customer_order_days.order_date <= $calibration_end::date + 7 * $holdout_weeks::integer
),

weeks as (
    select unnest(range(1, $holdout_weeks::integer + 1)) as week
),

final as (
    select
        weeks.week::integer as week,
        count(holdout.week) as repeat_purchases
    from weeks
    left join holdout using (week)
    group by weeks.week
)

select * from final
order by week
