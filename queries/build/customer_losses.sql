-- customer_losses: one row per customer who has left at least once up to the as-of date (a churn
-- event) or is lost now, with the cause on record and what "lost now" counts:
--   cause            from reason_map ('unknown' when no reason or category is on record)
--   reason           the reason text, else the churn category (NULL: none)
--   is_lost_now      not active at the as-of date
--   revenue_lost_now the revenue of the 365 days up to the last order (customers file alone:
--                    its total revenue), counted when lost now
-- Built on customer_facts and reason_map (again when the user corrects a cause).
with

left_once as (
    select *
    from customer_facts
    where not is_active or times_won_back > 0
),

final as (
    select
        left_once.customer_id,
        left_once.filter_group_id,
        coalesce(reason_map.cause, 'unknown') as cause,
        coalesce(left_once.churn_reason, left_once.churn_category) as reason,
        not left_once.is_active as is_lost_now,
        coalesce(left_once.revenue_last_12_months, 0) as revenue_lost_now
    from left_once
    left join reason_map
        on reason_map.reason_raw is not distinct from left_once.churn_reason
        and reason_map.category_raw is not distinct from left_once.churn_category
)

select * from final
