-- customer_filter_groups: every customer's filter group. Customers with the same tier, region,
-- channel, category, segment and extra dimension values look alike to every filter, so a filter
-- is decided once per group (filter_groups: a few hundred rows, filtered by kept_groups) and the
-- tables a filter change reads carry the group's number (filter_group_id in customer_facts, the
-- flows, churn_events, customer_losses), joined in when they are built: a filter change then
-- joins integers with a tiny table instead of matching every customer id.
-- Built on customer_profiles and customer_tiers.
with

described as (
    select
        customer_profiles.customer_id,
        customer_tiers.tier,
        customer_profiles.region,
        customer_profiles.channel,
        customer_profiles.category,
        customer_profiles.segment,
        customer_profiles.extra,
        -- The extra values as sorted entries: a key to group and order by on every engine (Spark
        -- cannot group by a map, and a map's entries need not be in order).
        list_sort(map_entries(customer_profiles.extra)) as extra_entries
    from customer_profiles
    left join customer_tiers using (customer_id)
),

groups as (
    select
        tier,
        region,
        channel,
        category,
        segment,
        extra_entries,
        any_value(extra) as extra,
        -- Grouping once and unnesting is faster than ranking every customer by six columns.
        list(customer_id) as customer_ids
    from described
    group by tier, region, channel, category, segment, extra_entries
),

numbered as (
    select
        row_number() over (
            order by tier, region, channel, category, segment, extra_entries
        )::integer as filter_group_id,
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
