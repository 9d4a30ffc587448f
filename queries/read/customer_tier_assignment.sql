-- customer_tier_assignment: each ranked customer's tier, as built for the current tier rule
-- (reads customer_tiers; no ranking is redone).
with

final as (
    select
        customer_id,
        tier
    from customer_tiers
)

select * from final
order by customer_id
