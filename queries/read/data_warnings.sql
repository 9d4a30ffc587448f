-- data_warnings: signs that the loaded orders may be wrong, one row per sign found (none when
-- all looks plausible): orders dated after $today or before 1990, one customer with at least
-- a fifth of all revenue (among 10 or more customers), every amount the same, loaded rows
-- identical to an earlier row in every column of their file (repeated_rows, counted at load). The
-- rows stay loaded; the manager decides.
-- Parameters: $today (date).
with

customer_revenue as (
    select
        customer_id,
        sum(amount) as revenue
    from orders
    group by customer_id
),


signs as (
    select
        'future_dates' as warning,
        count(*) as rows,
        max(order_date)::varchar as example,
        null::double as share
    from orders
    where order_date > $today::date
    union all
    select
        'old_dates',
        count(*),
        min(order_date)::varchar,
        null
    from orders
    where order_date < date '1990-01-01'
    union all
    select
        'top_customer_share',
        1,
        arg_max(customer_id, revenue),
        max(revenue) / nullif(sum(revenue), 0)
    from customer_revenue
    having count(*) >= 10 and max(revenue) >= 0.2 * sum(revenue) and sum(revenue) > 0
    union all
    select
        'equal_amounts',
        count(*),
        any_value(amount)::varchar,
        null
    from orders
    having count(*) >= 10 and count(distinct amount) = 1
    union all
    select
        'duplicate_rows',
        sum(rows),
        arg_max(example, rows),
        null
    from repeated_rows
),

final as (
    select
        warning,
        rows::bigint as rows,
        example,
        share
    from signs
    where rows > 0
)

select * from final
order by warning
