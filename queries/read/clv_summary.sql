-- clv_summary: per customer, the recency-frequency-monetary summary the BG/NBD and Gamma-Gamma
-- models are fitted on, from the purchase days up to the calibration end date:
--   frequency      x   = purchase days after the first one (repeat purchases)
--   recency        t_x = time from the first to the last purchase day
--   age            T   = time from the first purchase day to the calibration end
--   monetary_value m_x = average revenue of the repeat purchase days (NULL when x = 0)
--   first_purchase_value = revenue of the first purchase day
-- A day of returns only is no purchase (returns are not activity); a purchase day's revenue is net
-- of that day's returns. Times are in units of $unit_days days (7: weeks, as in Fader, Hardie &
-- Lee 2005).
-- Built on customer_order_days (built for an as-of date on or after the calibration end).
-- Parameters: $calibration_end (date), $unit_days (number).
with

purchase_days as (
    select
        customer_id,
        order_date,
        revenue,
        -- The first purchase day has no previous one.
        previous_order_date is null as is_first
    from customer_order_days
    where is_purchase_day and order_date <= $calibration_end::date
),

final as (
    select
        customer_id,
        (count(*) - 1)::integer as frequency,
        datediff('day', min(order_date), max(order_date)) / $unit_days::double as recency,
        datediff('day', min(order_date), $calibration_end::date) / $unit_days::double as age,
        avg(revenue) filter (where not is_first) as monetary_value,
        sum(revenue) filter (where is_first) as first_purchase_value,
        min(order_date) as first_purchase
    from purchase_days
    group by customer_id
)

select * from final
order by customer_id
