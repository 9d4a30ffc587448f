-- churn_by_cause: customers lost and revenue lost per cause class, with shares, for customers
-- lost in the periods shown (churn date from $date_from to $date_to; a customers file alone
-- may have no churn dates: all its lost customers), the tiers kept by $tiers and the values of
-- $filter_dimension kept by $filter_values (empty = all).
-- Every class is listed, also when nobody left for it. Built on lost_customer_causes.
with

causes as (
    select
        unnest(['dissatisfaction', 'competitor', 'forced', 'other', 'unknown']) as cause,
        unnest([1, 2, 3, 4, 5]) as cause_order
),

lost as (
    select *
    from lost_customer_causes
    where (churn_date is null or churn_date between $date_from::date and $date_to::date)
        and is_kept(
                tier, region, channel, category, segment, extra,
                $tiers::varchar[], $filter_dimension, $filter_values::varchar[]
            )
),

per_cause as (
    select
        cause,
        count(*) as customers,
        sum(revenue_lost) as revenue_lost
    from lost
    group by cause
),

final as (
    select
        causes.cause,
        causes.cause_order,
        coalesce(per_cause.customers, 0) as customers,
        coalesce(per_cause.customers, 0) / nullif(sum(per_cause.customers) over (), 0) as share,
        coalesce(per_cause.revenue_lost, 0) as revenue_lost,
        coalesce(per_cause.revenue_lost, 0) / nullif(sum(per_cause.revenue_lost) over (), 0) as revenue_share
    from causes
    left join per_cause using (cause)
)

select * from final
order by cause_order
