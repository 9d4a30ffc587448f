-- customer_facts: one row per customer with orders up to the as-of date: value, activity,
-- current status and descriptive dimensions. Built from customer_spells (build it first).
-- Parameters: $as_of (date).
with

orders_to_date as (
    select *
    from orders
    where order_date <= $as_of::date
),

spells as (
    select * from customer_spells
),

order_summary as (
    select
        customer_id,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date,
        count(*) as orders,
        sum(amount) as revenue,
        sum(cost) as cost,
        mode(region) as order_region,
        mode(channel) as channel,
        mode(category) as category
    from orders_to_date
    group by customer_id
),

spell_summary as (
    select
        customer_id,
        count(*)::integer as spells,
        arg_max_null(churn_date, spell_number) as churn_date,
        arg_max(spell_start, spell_number) as current_spell_start
    from spells
    group by customer_id
),

customer_attributes as (
    select
        customer_id,
        any_value(region) as region,
        any_value(segment) as segment,
        any_value(churn_reason) as churn_reason,
        any_value(churn_category) as churn_category
    from customers
    group by customer_id
),

final as (
    select
        order_summary.customer_id,
        first_order_date,
        last_order_date,
        orders,
        revenue,
        cost,
        revenue - cost as margin,
        spells,
        spells - 1 as times_won_back,
        current_spell_start,
        churn_date,
        churn_date is null as is_active,
        coalesce(customer_attributes.region, order_region) as region,
        channel,
        category,
        segment,
        churn_reason,
        churn_category
    from order_summary
    join spell_summary using (customer_id)
    left join customer_attributes using (customer_id)
)

select * from final
order by customer_id
