-- window_churn: for every window W of $windows and filter group, one period
-- [$period_start, $period_end) as churn_by_period would count it with that W:
--   customers_at_start = customers whose spell (under W) is active at period_start
--   churned            = those of them whose spell churns in the period
-- The sensitivity chart's figures, in one pass for every W rather than the spells of each W: a
-- customer is active at period_start when the spell holding their last purchase day L before it
-- has not churned by then, and that spell's end depends only on L, their purchase days after it
-- and their explicit churn date. So each customer contributes a few rows — L, the purchase days
-- in the period and the first one after it — and each W walks them: the spell ends at the first
-- day e whose next purchase is more than W days later (churn date e + W), or whose next purchase
-- comes after the explicit churn date (churn date: that date, as in customer_spells), or at the
-- last purchase (e + W when on or before the as-of date). Reaching a purchase day on or after
-- period_end means the spell lasts past the period. Customers whose L is more than the largest
-- W before period_start are inactive under every W and are left out, unless an explicit churn
-- date on or after period_start ends their spell.
-- Built on customer_order_days, customers and customer_filter_groups.
-- Parameters: $as_of, $windows (list of W), $period_start, $period_end (dates).
with

windows as (
    select unnest($windows::integer[]) as window_days
),

explicit_churn as (
    select
        customer_id,
        max(churn_date) as explicit_churn_date
    from customers
    where churn_date <= $as_of::date
    group by customer_id
),

last_before as (
    select
        customer_id,
        max(order_date) as order_date
    from customer_order_days
    where is_purchase_day and order_date < $period_start::date
    group by customer_id
    having
        max(order_date) >= $period_start::date - (select max(window_days) from windows)
        -- An explicit churn date ends the spell, however long ago the last purchase was.
        or customer_id in (
            select explicit_churn.customer_id
            from explicit_churn
            where explicit_churn.explicit_churn_date >= $period_start::date
        )
),

first_after as (
    select
        customer_id,
        min(order_date) as order_date
    from customer_order_days
    where is_purchase_day and order_date >= $period_end::date
    group by customer_id
),

-- The purchase days a spell active at period_start can reach before it ends in the period.
local_days as (
    select
        customer_id,
        order_date
    from last_before
    union all
    select
        customer_order_days.customer_id,
        customer_order_days.order_date
    from customer_order_days
    semi join last_before using (customer_id)
    where
        customer_order_days.is_purchase_day
        and customer_order_days.order_date >= $period_start::date
        and customer_order_days.order_date < $period_end::date
    union all
    select
        first_after.customer_id,
        first_after.order_date
    from first_after
    semi join last_before using (customer_id)
),

steps as (
    select
        local_days.customer_id,
        local_days.order_date,
        lead(local_days.order_date) over (
            partition by local_days.customer_id order by local_days.order_date
        ) as next_order_date,
        explicit_churn.explicit_churn_date
    from local_days
    left join explicit_churn using (customer_id)
),

-- How the spell ends at each step under each W (NULL: it goes on to the next purchase day).
step_ends as (
    select
        windows.window_days,
        steps.customer_id,
        steps.order_date,
        steps.explicit_churn_date,
        case
            when steps.order_date >= $period_end::date then 'later'
            when
                steps.explicit_churn_date >= steps.order_date
                and (steps.next_order_date is null or steps.next_order_date > steps.explicit_churn_date)
                then 'explicit'
            when steps.next_order_date is null then 'last'
            when date_diff('day', steps.order_date, steps.next_order_date) > windows.window_days then 'gap'
        end as how
    from steps
    cross join windows
),

spell_ends as (
    select
        window_days,
        customer_id,
        arg_min(how, order_date) as how,
        min(order_date) as last_order_date,
        arg_min(explicit_churn_date, order_date) as explicit_churn_date
    from step_ends
    where how is not null
    group by window_days, customer_id
),

churn_dates as (
    select
        window_days,
        customer_id,
        case
            when how = 'explicit' then explicit_churn_date
            when how = 'gap' then last_order_date + window_days
            -- The last purchase: churned W days after it, if that day has come by the as-of date.
            when how = 'last' and last_order_date + window_days <= $as_of::date then last_order_date + window_days
        end as churn_date
    from spell_ends
),

final as (
    select
        churn_dates.window_days,
        customer_filter_groups.filter_group_id,
        count(*) filter (
            where churn_dates.churn_date is null or churn_dates.churn_date >= $period_start::date
        ) as customers_at_start,
        count(*) filter (
            where churn_dates.churn_date >= $period_start::date and churn_dates.churn_date < $period_end::date
        ) as churned
    from churn_dates
    join customer_filter_groups using (customer_id)
    group by all
)

select * from final
