-- customer_tiers: each customer's value over the tier window and their tier in the pyramid.
-- Customers with at least one purchase (a line that is not a return) from $value_from to $as_of
-- are ranked by value (revenue with returns netted, or margin = revenue - cost, both rounded to
-- cents), highest first, ties by customer_id. With n ranked customers:
--   platinum = ranks 1 .. ceil(n * platinum_bp / 10000)
--   gold     = up to ceil(n * gold_bp / 10000)      (gold_bp: platinum + gold share)
--   iron     = up to ceil(n * iron_bp / 10000)      (iron_bp: platinum + gold + iron share)
--   lead     = the rest
-- Shares are cumulative basis points (1% = 100), so the boundaries are exact integers.
-- A dataset with no orders (a customers file alone) is ranked by its total revenue column.
-- Parameters: $as_of, $value_from (dates), $basis ('revenue' | 'margin'),
--             $platinum_bp, $gold_bp, $iron_bp (integers).
with

orders_in_window as (
    select
        customer_id,
        amount,
        cost
    from orders
    where order_date between $value_from::date and $as_of::date
),

-- Values in cents: 10.10 + 20.20 is 30.299999999999997 in floating point, and must tie with
-- one order of 30.30 (then the customer id decides), not fall below it.
order_values as (
    select
        customer_id,
        round(sum(amount), 2) as revenue,
        round(sum(amount - cost), 2) as margin
    from orders_in_window
    group by customer_id
    -- Ranked: customers who bought in the window (returns alone are no purchase).
    having bool_or(amount >= 0)
),

listed_values as (
    select
        customer_id,
        round(any_value(total_revenue), 2) as revenue,
        null::double as margin
    from customers
    where total_revenue is not null
        and not exists (select 1 from orders)
    group by customer_id
),

customer_values as (
    select * from order_values
    union all
    select * from listed_values
),

ranked as (
    select
        *,
        case $basis when 'margin' then margin else revenue end as value,
        row_number() over (
            order by case $basis when 'margin' then margin else revenue end desc nulls last, customer_id
        ) as value_rank,
        count(*) over () as ranked_customers
    from customer_values
),

final as (
    select
        customer_id,
        revenue,
        margin,
        value,
        value_rank,
        ranked_customers,
        case
            when value_rank <= (ranked_customers * $platinum_bp::bigint + 9999) // 10000 then 'platinum'
            when value_rank <= (ranked_customers * $gold_bp::bigint + 9999) // 10000 then 'gold'
            when value_rank <= (ranked_customers * $iron_bp::bigint + 9999) // 10000 then 'iron'
            else 'lead'
        end as tier
    from ranked
)

select
    *,
    case tier when 'platinum' then 1 when 'gold' then 2 when 'iron' then 3 else 4 end as tier_order
from final
order by value_rank
