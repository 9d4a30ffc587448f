-- churn_by_cause_and_segment: customers lost and revenue lost per cause class and per segment
-- of a dimension ($dimension: 'tier', 'region', 'channel', 'category' or 'segment'), for the
-- heatmap. Same filters as churn_by_cause. Built on lost_customer_causes.
with

lost as (
    select
        *,
        case $dimension
            when 'tier' then tier
            when 'region' then region
            when 'channel' then channel
            when 'category' then category
            else segment
        end as segment_value
    from lost_customer_causes
    where (churn_date is null or churn_date between $date_from::date and $date_to::date)
        and is_kept(
                tier, region, channel, category, segment, extra,
                $tiers::varchar[], $filter_dimension, $filter_values::varchar[]
            )
),

final as (
    select
        cause,
        segment_value as segment,
        count(*) as customers,
        sum(revenue_lost) as revenue_lost
    from lost
    group by cause, segment_value
)

select * from final
order by
    list_position(['dissatisfaction', 'competitor', 'forced', 'other', 'unknown'], cause),
    list_position(['platinum', 'gold', 'iron', 'lead', 'unranked'], segment) nulls last,
    segment
