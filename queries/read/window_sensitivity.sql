-- window_sensitivity: the churn of one period under each window W of $windows (the sensitivity
-- chart), for the customers the view's filters keep:
--   customers_at_start, churned (see window_churn); churn_rate = churned / customers_at_start
-- Built on window_churn and kept_groups.
-- Parameters: $windows (the W of window_churn), $tiers, $filter_dimension, $filter_values.
with

windows as (
    select unnest($windows::integer[]) as window_days
),

kept as (
    select
        window_churn.window_days,
        sum(window_churn.customers_at_start) as customers_at_start,
        sum(window_churn.churned) as churned
    from window_churn
    join kept_groups($tiers::varchar[], $filter_dimension, $filter_values::varchar[]) using (filter_group_id)
    group by window_churn.window_days
),

final as (
    select
        windows.window_days,
        coalesce(kept.customers_at_start, 0)::bigint as customers_at_start,
        coalesce(kept.churned, 0)::bigint as churned,
        kept.churned / nullif(kept.customers_at_start, 0) as churn_rate
    from windows
    left join kept using (window_days)
)

select * from final
order by window_days
