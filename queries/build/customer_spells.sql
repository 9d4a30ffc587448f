-- customer_spells: one row per active stretch ("spell") of a customer, up to the as-of date.
-- A spell churns W days after its last order when no order follows on or before that day
-- (an order exactly W days later continues the spell), or on the customer's explicit
-- churn date from the customers table, which replaces the W rule for the spell it falls in.
-- An order after a churn date starts a new spell: the customer was won back. Only purchase days
-- start or extend a spell (returns are not activity); a return-only day belongs to the spell
-- before it, for revenue only, and return-only days before a customer's first purchase to none.
-- Built on customer_order_days (built for the same as-of date) and customers.
-- Parameters: $as_of (date), $window_days (W, integer days).
with

explicit_churn as (
    select
        customer_id,
        max(churn_date) as explicit_churn_date
    from customers
    where churn_date <= $as_of::date
    group by customer_id
),

order_days_with_previous as (
    select
        customer_order_days.*,
        explicit_churn.explicit_churn_date
    from customer_order_days
    left join explicit_churn using (customer_id)
),

spell_starts as (
    select
        *,
        case
            when not is_purchase_day then 0
            when previous_order_date is null then 1
            when order_date > previous_order_date + $window_days::integer then 1
            when previous_order_date <= explicit_churn_date and order_date > explicit_churn_date then 1
            else 0
        end as is_spell_start
    from order_days_with_previous
),

numbered as (
    select
        *,
        sum(is_spell_start) over (
            partition by customer_id order by day_number rows unbounded preceding
        ) as spell_number
    from spell_starts
),

spells as (
    select
        customer_id,
        spell_number,
        min(order_date) as spell_start,
        max(order_date) filter (where is_purchase_day) as last_order_date,
        sum(orders)::bigint as orders,
        sum(revenue) as revenue,
        arg_max(revenue_last_12_months, order_date) as revenue_last_12_months,
        any_value(explicit_churn_date) as explicit_churn_date
    from numbered
    where spell_number > 0
    group by customer_id, spell_number
),

with_next as (
    select
        *,
        lead(spell_start) over (partition by customer_id order by spell_number) as next_spell_start,
        -- The customer's first order (the start of their first spell): their cohort.
        first_value(spell_start) over (partition by customer_id order by spell_number) as first_order_date
    from spells
),

final as (
    select
        customer_id,
        spell_number::integer as spell_number,
        spell_start,
        first_order_date,
        last_order_date,
        orders,
        revenue,
        revenue_last_12_months,
        case
            when explicit_churn_date >= spell_start
                and (next_spell_start is null or next_spell_start > explicit_churn_date)
                then explicit_churn_date
            when last_order_date + $window_days::integer <= $as_of::date
                then last_order_date + $window_days::integer
        end as churn_date
    from with_next
)

select
    *,
    churn_date is not null as is_churned,
    -- The W these spells were cut with.
    $window_days::integer as window_days
from final
order by customer_id, spell_number
