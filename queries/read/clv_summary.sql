-- clv_summary: per customer, the recency-frequency-monetary summary the BG/NBD and Gamma-Gamma
-- models are fitted on, from the orders up to the calibration end date:
--   frequency      x   = purchase days after the first one (repeat purchases)
--   recency        t_x = time from the first to the last purchase day
--   age            T   = time from the first purchase day to the calibration end
--   monetary_value m_x = average revenue of the repeat purchase days (NULL when x = 0)
--   first_purchase_value = revenue of the first purchase day
-- Times are in units of $unit_days days (7: weeks, as in Fader, Hardie & Lee 2005).
-- Parameters: $calibration_end (date), $unit_days (number).
with

purchase_days as (
    select
        customer_id,
        order_date,
        sum(amount) as revenue
    from orders
    where order_date <= $calibration_end::date
    group by customer_id, order_date
    -- A day of returns only is no purchase (returns are not activity).
    having bool_or(amount >= 0)
),

numbered as (
    select
        *,
        row_number() over (partition by customer_id order by order_date) as purchase_number,
        min(order_date) over (partition by customer_id) as first_purchase
    from purchase_days
),

final as (
    select
        customer_id,
        (count(*) - 1)::integer as frequency,
        datediff('day', any_value(first_purchase), max(order_date)) / $unit_days::double as recency,
        datediff('day', any_value(first_purchase), $calibration_end::date) / $unit_days::double as age,
        avg(revenue) filter (where purchase_number > 1) as monetary_value,
        sum(revenue) filter (where purchase_number = 1) as first_purchase_value,
        any_value(first_purchase) as first_purchase
    from numbered
    group by customer_id
)

select * from final
order by customer_id
