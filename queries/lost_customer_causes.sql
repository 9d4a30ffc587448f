-- lost_customer_causes: one row per customer lost at the as-of date, with the cause from
-- reason_map ('unknown' when no reason or category is on record), the revenue lost (the 365
-- days up to their last order; a customers file alone: its total revenue), the churn date (a
-- customers file alone may have none) and the customer's tier and dimensions (with the extra
-- dimensions kept from unmapped columns).
-- Built (as a table) on customer_facts, customer_tiers and reason_map.
with

lost as (
    select *
    from customer_facts
    where not is_active
),

final as (
    select
        lost.customer_id,
        lost.churn_date,
        lost.churn_reason,
        lost.churn_category,
        coalesce(reason_map.cause, 'unknown') as cause,
        coalesce(lost.revenue_last_12_months, 0) as revenue_lost,
        lost.revenue as lifetime_revenue,
        coalesce(customer_tiers.tier, 'unranked') as tier,
        coalesce(lost.region, 'unknown') as region,
        coalesce(lost.channel, 'unknown') as channel,
        coalesce(lost.category, 'unknown') as category,
        coalesce(lost.segment, 'unknown') as segment,
        lost.extra
    from lost
    left join reason_map
        on reason_map.reason_raw is not distinct from lost.churn_reason
        and reason_map.category_raw is not distinct from lost.churn_category
    left join customer_tiers using (customer_id)
)

select * from final
