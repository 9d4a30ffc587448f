-- customer_filter_groups: every customer's filter group. Customers with the same tier, region,
-- channel, category, segment and extra dimension values look alike to every filter, so a filter
-- is decided once per group (filter_groups: a few hundred rows) and the big tables only carry
-- the group's number (filter_group_id in customer_facts and customer_spells, set by
-- churn.facts.build_filter_groups): a filter change then joins integers with a tiny table
-- instead of matching every customer id.
-- Built on customer_facts and customer_tiers.
with

described as (
    select
        customer_facts.customer_id,
        customer_tiers.tier,
        customer_facts.region,
        customer_facts.channel,
        customer_facts.category,
        customer_facts.segment,
        customer_facts.extra
    from customer_facts
    left join customer_tiers using (customer_id)
),

groups as (
    select
        tier,
        region,
        channel,
        category,
        segment,
        extra,
        -- Grouping once and unnesting is faster than ranking every customer by six columns.
        list(customer_id) as customer_ids
    from described
    group by tier, region, channel, category, segment, extra
),

numbered as (
    select
        row_number() over (order by tier, region, channel, category, segment)::integer as filter_group_id,
        *
    from groups
),

final as (
    select
        unnest(customer_ids) as customer_id,
        filter_group_id,
        tier,
        region,
        channel,
        category,
        segment,
        extra
    from numbered
)

select * from final
