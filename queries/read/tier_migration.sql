-- tier_migration: customers moving between tiers from one value window to the next.
-- Reads tiers_before and tiers_after, both built from customer_tiers.sql over the two windows
-- (churn.tiers.build_migration_tiers). A customer with no order in the first window comes
-- from 'new'; one with no order in the second goes to 'lost'. Rows sum to the tier sizes of
-- the second window (plus lost), columns to those of the first (plus new).
with

moves as (
    select
        coalesce(tiers_before.tier, 'new') as from_tier,
        coalesce(tiers_after.tier, 'lost') as to_tier,
        tiers_before.value as value_before,
        tiers_after.value as value_after
    from tiers_before
    full outer join tiers_after using (customer_id)
),

final as (
    select
        from_tier,
        to_tier,
        count(*) as customers,
        coalesce(sum(value_before), 0) as value_before,
        coalesce(sum(value_after), 0) as value_after
    from moves
    group by from_tier, to_tier
)

select * from final
order by
    list_position(['platinum', 'gold', 'iron', 'lead', 'new'], from_tier),
    list_position(['platinum', 'gold', 'iron', 'lead', 'lost'], to_tier)
