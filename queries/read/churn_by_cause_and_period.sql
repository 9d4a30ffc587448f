-- churn_by_cause_and_period: churn events (spells ending: churned_total of churn_by_period) per
-- period of $grain and cause class in the periods shown ([$loss_from, $loss_until)), their
-- revenue lost, and each class's share of the period's events. A customer's cause is the one on
-- record now, applied to each of their churn events. Built on churn_events, customer_losses and
-- kept_groups.
-- Parameters: $grain, $loss_from, $loss_until, $tiers, $filter_dimension, $filter_values.
with

events as (
    select
        date_trunc($grain, churn_events.churn_date)::date as period_start,
        customer_losses.cause,
        churn_events.revenue_lost
    from churn_events
    join kept_groups($tiers::varchar[], $filter_dimension, $filter_values::varchar[]) using (filter_group_id)
    join customer_losses using (customer_id)
    where churn_events.churn_date >= $loss_from::date and churn_events.churn_date < $loss_until::date
),

per_period as (
    select
        period_start,
        cause,
        count(*) as churned,
        sum(revenue_lost) as revenue_lost
    from events
    group by period_start, cause
),

final as (
    select
        *,
        churned / sum(churned) over (partition by period_start) as share
    from per_period
)

select * from final
order by period_start, list_position(['dissatisfaction', 'competitor', 'forced', 'other', 'unknown'], cause)
