-- churned_customers_by_reason: the raw reasons inside each cause class (the reason text, else the
-- churn category) for the customers churned in the periods shown (distinct customers with a churn
-- event in [$loss_from, $loss_until), as in losses_by_cause_and_segment) and the revenue they
-- took (revenue_lost_churned); the twelve largest reasons per class, the rest summed in one row
-- with reason NULL. Customers without any reason are one row with reason NULL in 'unknown'.
-- Built on churn_events, customer_losses and kept_groups.
-- Parameters: $loss_from, $loss_until, $tiers, $filter_dimension, $filter_values.
with

churned as (
    select
        churn_events.customer_id,
        -- The latest event's revenue (a listed customer's churn date may be unknown, and arg_max
        -- skips rows whose key is NULL).
        arg_max(churn_events.revenue_lost, coalesce(churn_events.churn_date, date '0001-01-01'))
            as revenue_lost
    from churn_events
    join kept_groups($tiers::varchar[], $filter_dimension, $filter_values::varchar[]) using (filter_group_id)
    where churn_events.churn_date is null
        or (churn_events.churn_date >= $loss_from::date and churn_events.churn_date < $loss_until::date)
    group by churn_events.customer_id
),

per_reason as (
    select
        customer_losses.cause,
        customer_losses.reason,
        count(*) as customers,
        sum(churned.revenue_lost) as revenue_lost
    from churned
    join customer_losses using (customer_id)
    group by customer_losses.cause, customer_losses.reason
),

ranked as (
    select
        *,
        row_number() over (partition by cause order by customers desc, revenue_lost desc, reason asc) as reason_rank
    from per_reason
    where reason is not null
),

final as (
    select
        cause,
        reason,
        customers,
        revenue_lost
    from ranked
    where reason_rank <= 12
    union all
    select
        cause,
        null as reason,
        sum(customers),
        sum(revenue_lost)
    from ranked
    where reason_rank > 12
    group by cause
    union all
    select
        cause,
        null as reason,
        customers,
        revenue_lost
    from per_reason
    where reason is null
)

select * from final
order by cause asc, customers desc, reason asc
