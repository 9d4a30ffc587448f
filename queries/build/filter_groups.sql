-- filter_groups: one row per filter group (see customer_filter_groups) with the values every
-- filter looks at; what a view's filters keep of them is kept_groups (queries/macros).
-- Built on customer_filter_groups.
with

final as (
    select
        filter_group_id,
        any_value(tier) as tier,
        any_value(region) as region,
        any_value(channel) as channel,
        any_value(category) as category,
        any_value(segment) as segment,
        any_value(extra) as extra,
        count(*) as customers
    from customer_filter_groups
    group by filter_group_id
)

select * from final
order by filter_group_id
