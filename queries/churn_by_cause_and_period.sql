-- churn_by_cause_and_period: churn events (spells ending, i.e. churned_total of churn_by_period)
-- per period and cause class, and each class's share of the period's events. A customer's cause
-- is the one on record now, applied to each of their churn events. Built on customer_spells,
-- customer_facts, filter_groups and reason_map.
-- Parameters: $as_of, $grain, $date_from, $date_to, $tiers, $filter_dimension, $filter_values.
with

events as (
    select
        date_trunc($grain, customer_spells.churn_date)::date as period_start,
        coalesce(reason_map.cause, 'unknown') as cause,
        customer_spells.revenue_last_12_months
    from customer_spells
    join customer_facts using (customer_id)
    join filter_groups on filter_groups.filter_group_id = customer_spells.filter_group_id
    left join reason_map
        on reason_map.reason_raw is not distinct from customer_facts.churn_reason
        and reason_map.category_raw is not distinct from customer_facts.churn_category
    where customer_spells.is_churned
        and is_kept(
                filter_groups.tier, filter_groups.region, filter_groups.channel, filter_groups.category,
                filter_groups.segment, filter_groups.extra,
                $tiers::varchar[], $filter_dimension, $filter_values::varchar[]
            )
),

per_period as (
    select
        period_start,
        cause,
        count(*) as churned,
        sum(revenue_last_12_months) as revenue_lost
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
where period_start + case $grain
        when 'month' then interval 1 month
        when 'quarter' then interval 3 month
        else interval 1 year
    end > $date_from::date
    and period_start <= $date_to::date
    and period_start <= $as_of::date
order by period_start, list_position(['dissatisfaction', 'competitor', 'forced', 'other', 'unknown'], cause)
