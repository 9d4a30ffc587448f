-- customer_profiles: one row per customer up to the as-of date with what does not depend on the
-- inactivity window W: their orders (first and last purchase, lines, revenue, cost), their
-- region, channel, category and segment, the churn reason on record, the extra dimensions and
-- what a customers file says (churn date, a status that says lost, total revenue).
-- The customers: those with a purchase (a line that is not a return) up to the as-of date; a
-- customer with returns only is not one (their returns stay in the orders and the dataset's
-- revenue). A dataset with no orders at all (a customers file alone) has one row per listed
-- customer, its revenue the file's total revenue.
-- Parameters: $as_of (date).
with

orders_to_date as (
    select *
    from orders
    where order_date <= $as_of::date
),

order_summary as (
    select
        customer_id,
        -- Purchases, not returns, say when a customer bought (a return is not activity).
        min(order_date) filter (where amount >= 0) as first_order_date,
        max(order_date) filter (where amount >= 0) as last_order_date,
        count(*) as orders,
        sum(amount) as revenue,
        sum(cost) as cost,
        -- A reason column in an orders file: the latest reason given.
        arg_max(churn_reason, order_date) filter (where churn_reason is not null) as order_churn_reason
    from orders_to_date
    group by customer_id
),

-- A customer's region, channel and category: the value on most of their order lines; on a tie the
-- one ordered last, then the last in alphabetical order (DuckDB's mode() picks at random on a tie,
-- so the same file could give a customer another region on the next load).
region_lines as (
    select
        customer_id,
        region as value,
        count(*) as lines,
        max(order_date) as latest
    from orders_to_date
    where region is not null
    group by all
),

channel_lines as (
    select
        customer_id,
        channel as value,
        count(*) as lines,
        max(order_date) as latest
    from orders_to_date
    where channel is not null
    group by all
),

category_lines as (
    select
        customer_id,
        category as value,
        count(*) as lines,
        max(order_date) as latest
    from orders_to_date
    where category is not null
    group by all
),

dimension_lines as (
    select
        customer_id,
        'region' as dimension,
        value,
        lines,
        latest
    from region_lines
    union all
    select
        customer_id,
        'channel',
        value,
        lines,
        latest
    from channel_lines
    union all
    select
        customer_id,
        'category',
        value,
        lines,
        latest
    from category_lines
),

order_dimensions as (
    select
        customer_id,
        arg_max(value, (lines, latest, value)) filter (where dimension = 'region') as order_region,
        arg_max(value, (lines, latest, value)) filter (where dimension = 'channel') as channel,
        arg_max(value, (lines, latest, value)) filter (where dimension = 'category') as category
    from dimension_lines
    group by customer_id
),

-- A status says lost in words (churned, cancelled, 流失 … in status_words), or, in a column of
-- yes/no flags only (a churn flag: "Churn: Yes", "Exited: 1"), with yes.
listed_statuses as (
    select
        customers.*,
        status_words.meaning as status_meaning
    from customers
    left join status_words on status_words.word = lower(trim(customers.status))
),

status_column as (
    select coalesce(bool_and(coalesce(status_meaning in ('yes', 'no'), false)), false) as is_flag
    from listed_statuses
    where status is not null
),

customer_attributes as (
    select
        customer_id,
        any_value(region) as region,
        any_value(segment) as segment,
        any_value(churn_reason) as churn_reason,
        any_value(churn_category) as churn_category,
        max(churn_date) filter (where churn_date <= $as_of::date) as listed_churn_date,
        bool_or(
            status_meaning = 'lost' or (status_meaning = 'yes' and (select is_flag from status_column))
        ) as is_listed_as_lost,
        any_value(total_revenue) as total_revenue
    from listed_statuses
    group by customer_id
),

-- Extra dimensions (unmapped columns the user kept): a customer's most frequent value of each.
extra_values as (
    select
        customer_id,
        dimension,
        arg_max(value, (lines, value)) as value
    from (
        select
            customer_id,
            dimension,
            value,
            count(*) as lines
        from extra_dimensions
        where value is not null
        group by all
    ) as value_lines
    group by customer_id, dimension
),

customer_extra as (
    select
        customer_id,
        -- Entries sorted by dimension: the same map on every engine (Spark collects in no order).
        map_from_entries(list_sort(list({ 'key': dimension, 'value': value }))) as extra
    from extra_values
    group by customer_id
),

order_customers as (
    select
        order_summary.customer_id,
        first_order_date,
        last_order_date,
        orders,
        revenue,
        cost,
        revenue - cost as margin,
        coalesce(customer_attributes.region, order_region) as region,
        channel,
        category,
        segment,
        coalesce(customer_attributes.churn_reason, order_churn_reason) as churn_reason,
        churn_category,
        customer_extra.extra,
        listed_churn_date,
        is_listed_as_lost
    from order_summary
    left join order_dimensions using (customer_id)
    left join customer_attributes using (customer_id)
    left join customer_extra using (customer_id)
    where first_order_date is not null
),

listed_customers as (
    select
        customer_id,
        null::date as first_order_date,
        null::date as last_order_date,
        0::bigint as orders,
        total_revenue as revenue,
        null::double as cost,
        null::double as margin,
        region,
        null::varchar as channel,
        null::varchar as category,
        segment,
        churn_reason,
        churn_category,
        customer_extra.extra,
        listed_churn_date,
        is_listed_as_lost
    from customer_attributes
    left join customer_extra using (customer_id)
    where not exists (select 1 from orders)
),

final as (
    select * from order_customers
    union all
    select * from listed_customers
)

select * from final
order by customer_id
