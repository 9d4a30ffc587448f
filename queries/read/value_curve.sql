-- value_curve: the cumulative value curve by customer rank, highest value first (a Pareto
-- curve; with margin as the basis, the "whale curve", which rises above 100% when some
-- customers destroy value). At most about 1,000 points whatever the number of customers:
-- every k-th rank, plus the first and last customer and the tier boundaries. The boundaries
-- are marked only when the curve uses the basis the tiers were ranked by ($tier_basis):
-- on any other ranking the tiers interleave and have no boundary.
-- Built on customer_tiers. Parameters: $curve_basis, $tier_basis ('revenue' | 'margin').
with

customer_values as (
    select
        customer_id,
        tier,
        case $curve_basis when 'margin' then margin else revenue end as value
    from customer_tiers
),

ranked as (
    select
        *,
        row_number() over (order by value desc nulls last, customer_id asc) as value_rank,
        count(*) over () as customers,
        sum(value) over (order by value desc nulls last, customer_id asc rows unbounded preceding) as cumulative_value,
        sum(value) over () as total_value,
        $curve_basis = $tier_basis
        and tier <> lead(tier) over (order by value desc nulls last, customer_id asc) as is_tier_boundary
    from customer_values
),

final as (
    select
        value_rank,
        customers,
        value_rank / customers as customer_share,
        cumulative_value,
        cumulative_value / nullif(total_value, 0) as cumulative_value_share,
        tier,
        coalesce(is_tier_boundary, false) as is_tier_boundary
    from ranked
    where value_rank = 1
        or value_rank = customers
        or value_rank % greatest(1, (customers + 999) // 1000) = 0
        or is_tier_boundary
)

select * from final
order by value_rank
