-- churn_by_cause_and_reason: the raw reasons inside each cause class (the reason text, else
-- the category), customers and revenue lost; the twelve largest per class, the rest summed in
-- one row with reason NULL. Customers without any reason are one row with reason NULL in
-- 'unknown'. Same filters as churn_by_cause. Built on lost_customer_causes.
with

lost as (
    select *, coalesce(churn_reason, churn_category) as reason
    from lost_customer_causes
    where (churn_date is null or churn_date between $date_from::date and $date_to::date)
        and is_kept(
                tier, region, channel, category, segment, extra,
                $tiers::varchar[], $filter_dimension, $filter_values::varchar[]
            )
),

per_reason as (
    select
        cause,
        reason,
        count(*) as customers,
        sum(revenue_lost) as revenue_lost
    from lost
    group by cause, reason
),

ranked as (
    select
        *,
        row_number() over (partition by cause order by customers desc, revenue_lost desc, reason) as reason_rank
    from per_reason
    where reason is not null
),

final as (
    select cause, reason, customers, revenue_lost
    from ranked
    where reason_rank <= 12
    union all
    select cause, null as reason, sum(customers), sum(revenue_lost)
    from ranked
    where reason_rank > 12
    group by cause
    union all
    select cause, null as reason, customers, revenue_lost
    from per_reason
    where reason is null
)

select * from final
order by cause, customers desc, reason
