-- kept_filter_groups: the filter groups the view's filters keep (kept_groups), for filtering a
-- remembered per-customer frame that carries filter_group_id without querying its customers again.
-- Built on filter_groups.
-- Parameters: $tiers, $filter_dimension, $filter_values.
with

final as (
    select kept_groups.filter_group_id
    from kept_groups($tiers::varchar[], $filter_dimension, $filter_values::varchar[]) as kept_groups
)

select * from final
order by filter_group_id
