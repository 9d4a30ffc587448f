-- tier_drops: customers who dropped at least one tier, or were lost, from one value window to
-- the next (see tier_migration.sql), with their value in both windows; biggest drop first.
with

moves as (
    select
        customer_id,
        tiers_before.tier as from_tier,
        coalesce(tiers_after.tier, 'lost') as to_tier,
        tiers_before.tier_order as from_order,
        coalesce(tiers_after.tier_order, 5) as to_order,
        tiers_before.value as value_before,
        coalesce(tiers_after.value, 0) as value_after
    from tiers_before
    left join tiers_after using (customer_id)
),

final as (
    select
        customer_id,
        from_order,
        from_tier,
        to_tier,
        value_before,
        value_after,
        value_after - value_before as value_change
    from moves
    where to_order > from_order
)

select * exclude (from_order) from final
order by from_order, value_change, customer_id
