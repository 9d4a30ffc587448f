-- value_distribution: realised value per customer to the as-of date (revenue, and margin when
-- every order has a cost), summarised per segment of $dimension ('all', 'tier', 'cohort' =
-- first-purchase year, 'region', 'channel'): customers, total, average, and the quantiles of a
-- box plot (10%, 25%, median, 75%, 90%). Built on customer_facts and kept_groups.
-- Parameters: $dimension, $tiers, $filter_dimension, $filter_values.
with

values_by_customer as (
    select
        case $dimension
            when 'tier' then coalesce(kept_groups.tier, 'unranked')
            when 'cohort' then coalesce(year(customer_facts.first_order_date)::varchar, 'unknown')
            when 'region' then coalesce(customer_facts.region, 'unknown')
            when 'channel' then coalesce(customer_facts.channel, 'unknown')
            else 'all'
        end as segment,
        customer_facts.revenue,
        customer_facts.margin
    from customer_facts
    join
        kept_groups($tiers::varchar[], $filter_dimension, $filter_values::varchar[]) as kept_groups
        using (filter_group_id)
),

final as (
    select
        segment,
        count(*) as customers,
        sum(revenue) as total_revenue,
        avg(revenue) as average_revenue,
        quantile_cont(revenue, 0.1) as p10,
        quantile_cont(revenue, 0.25) as p25,
        median(revenue) as median_revenue,
        quantile_cont(revenue, 0.75) as p75,
        quantile_cont(revenue, 0.9) as p90,
        avg(margin) as average_margin,
        median(margin) as median_margin
    from values_by_customer
    group by segment
)

select * from final
order by list_position(['platinum', 'gold', 'iron', 'lead', 'unranked'], segment) nulls last, segment
