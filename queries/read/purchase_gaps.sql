-- purchase_gaps: how many days pass between a customer's consecutive order days, up to the
-- as-of date; the basis of the suggested inactivity window W.
-- The quantiles are quantile_cont's (linear between the two nearest ranks) read off the count of
-- each gap length: quantile_cont itself holds every gap in memory, which at 100M order lines does
-- not fit, while there are only as many gap lengths as days in the history.
-- Built on customer_order_days (built for the as-of date).
with

gap_counts as (
    select
        order_date - previous_order_date as gap_days,
        count(*) as purchases
    from customer_order_days
    where is_purchase_day and previous_order_date is not null
    group by all
),

-- The 0-based ranks each gap length covers in the sorted gaps.
ranked as (
    select
        gap_days,
        (sum(purchases) over (order by gap_days) - purchases)::bigint as first_rank,
        (sum(purchases) over (order by gap_days) - 1)::bigint as last_rank
    from gap_counts
),

totals as (
    select sum(purchases)::bigint as repeat_purchases
    from gap_counts
),

quantiles as (
    select unnest([0.5, 0.75, 0.9, 0.95]::double[]) as quantile
),

positions as (
    select
        quantiles.quantile,
        (totals.repeat_purchases - 1) * quantiles.quantile as position
    from totals
    cross join quantiles
    where totals.repeat_purchases > 0
),

interpolated as (
    select
        positions.quantile,
        below.gap_days + (positions.position - floor(positions.position)) * (above.gap_days - below.gap_days)
            as gap_days
    from positions
    join ranked as below on floor(positions.position) between below.first_rank and below.last_rank
    join ranked as above on ceil(positions.position) between above.first_rank and above.last_rank
),

final as (
    select
        coalesce(totals.repeat_purchases, 0) as repeat_purchases,
        max(interpolated.gap_days) filter (where interpolated.quantile = 0.5) as median_gap_days,
        max(interpolated.gap_days) filter (where interpolated.quantile = 0.75) as p75_gap_days,
        max(interpolated.gap_days) filter (where interpolated.quantile = 0.9) as p90_gap_days,
        max(interpolated.gap_days) filter (where interpolated.quantile = 0.95) as p95_gap_days
    from totals
    left join interpolated on true
    group by totals.repeat_purchases
)

select * from final
