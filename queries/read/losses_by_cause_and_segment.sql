-- losses_by_cause_and_segment: the three measures of loss (docs/metrics.md) per cause class and
-- per segment of $dimension ('all' for one segment, 'tier', 'region', 'channel', 'category' or
-- 'segment'), for the customers kept by the filters:
--   churn_events       churn events in the periods shown, [$loss_from, $loss_until): spells
--                      ending then (a customer won back who leaves again counts again)
--   churned_customers  distinct customers with at least one churn event in the periods shown
--   lost_now           customers not active at the as-of date, whenever they left
--   revenue_lost_events / revenue_lost_churned / revenue_lost_now: the revenue of the 365 days up
--                      to the last order before each churn event / before each churned
--                      customer's latest churn event in the periods shown / of each customer
--                      lost now
-- A customer counts under the cause on record now and their current segment, so a breakdown
-- adds up to its total. With $dimension = 'all' every class is listed, with zeros when nobody
-- left for it. A customers file alone: a listed lost customer without a churn date is in every
-- period range. Built on churn_events, customer_losses and kept_groups.
-- Parameters: $loss_from, $loss_until (dates), $dimension, $tiers, $filter_dimension, $filter_values.
with

events_in_periods as (
    select
        churn_events.customer_id,
        count(*) as churn_events,
        sum(churn_events.revenue_lost) as revenue_lost_events,
        -- The latest event's revenue (a listed customer's churn date may be unknown, and arg_max
        -- skips rows whose key is NULL).
        arg_max(churn_events.revenue_lost, coalesce(churn_events.churn_date, date '0001-01-01'))
            as revenue_lost_churned
    from churn_events
    join kept_groups($tiers::varchar[], $filter_dimension, $filter_values::varchar[]) using (filter_group_id)
    where churn_events.churn_date is null
        or (churn_events.churn_date >= $loss_from::date and churn_events.churn_date < $loss_until::date)
    group by churn_events.customer_id
),

customers as (
    select
        customer_losses.cause,
        case $dimension
            when 'tier' then coalesce(kept_groups.tier, 'unranked')
            when 'region' then coalesce(kept_groups.region, 'unknown')
            when 'channel' then coalesce(kept_groups.channel, 'unknown')
            when 'category' then coalesce(kept_groups.category, 'unknown')
            when 'segment' then coalesce(kept_groups.segment, 'unknown')
            else 'all'
        end as segment,
        coalesce(events_in_periods.churn_events, 0) as churn_events,
        coalesce(events_in_periods.revenue_lost_events, 0) as revenue_lost_events,
        coalesce(events_in_periods.revenue_lost_churned, 0) as revenue_lost_churned,
        customer_losses.is_lost_now,
        customer_losses.revenue_lost_now
    from customer_losses
    join
        kept_groups($tiers::varchar[], $filter_dimension, $filter_values::varchar[]) as kept_groups
        using (filter_group_id)
    left join events_in_periods using (customer_id)
),

per_segment as (
    select
        cause,
        segment,
        sum(churn_events) as churn_events,
        count(*) filter (where churn_events > 0) as churned_customers,
        count(*) filter (where is_lost_now) as lost_now,
        sum(revenue_lost_events) as revenue_lost_events,
        sum(revenue_lost_churned) as revenue_lost_churned,
        coalesce(sum(revenue_lost_now) filter (where is_lost_now), 0) as revenue_lost_now
    from customers
    group by cause, segment
),

causes as (
    select
        unnest(['dissatisfaction', 'competitor', 'forced', 'other', 'unknown']) as cause,
        unnest([1, 2, 3, 4, 5]) as cause_order
),

segments as (
    select distinct segment from per_segment
    union
    select 'all'
    where $dimension = 'all'
),

final as (
    select
        causes.cause,
        segments.segment,
        coalesce(per_segment.churn_events, 0)::bigint as churn_events,
        coalesce(per_segment.churned_customers, 0)::bigint as churned_customers,
        coalesce(per_segment.lost_now, 0)::bigint as lost_now,
        coalesce(per_segment.revenue_lost_events, 0) as revenue_lost_events,
        coalesce(per_segment.revenue_lost_churned, 0) as revenue_lost_churned,
        coalesce(per_segment.revenue_lost_now, 0) as revenue_lost_now,
        causes.cause_order
    from causes
    cross join segments
    left join per_segment using (cause, segment)
)

select * from final
order by
    cause_order,
    list_position(['platinum', 'gold', 'iron', 'lead', 'unranked'], segment) nulls last,
    segment
