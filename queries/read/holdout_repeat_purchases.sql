-- holdout_repeat_purchases: the repeat purchases that happened in the holdout weeks after the
-- calibration end, week by week: purchase days (days with a line that is not a return, as in
-- clv_summary) in (calibration_end + 7(k-1), calibration_end + 7k] of the customers who had bought
-- by the calibration end (every one of these purchases is a repeat purchase; customers who first
-- bought in the holdout are new, not counted). Weeks without purchases are listed with 0.
-- What the purchase model's holdout prediction is compared with (churn.clv.validate).
-- Built on orders. Parameters: $calibration_end (date), $holdout_weeks (integer).
with

purchase_days as (
    select
        customer_id,
        order_date
    from orders
    group by customer_id, order_date
    having bool_or(amount >= 0)
),

calibration_customers as (
    select customer_id
    from purchase_days
    where order_date <= $calibration_end::date
    group by customer_id
),

holdout as (
    select ((purchase_days.order_date - $calibration_end::date - 1) // 7 + 1)::integer as week
    from purchase_days
    semi join calibration_customers using (customer_id)
    where purchase_days.order_date > $calibration_end::date
        and purchase_days.order_date <= $calibration_end::date + 7 * $holdout_weeks::integer
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
