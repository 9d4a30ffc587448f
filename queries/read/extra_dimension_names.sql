-- extra_dimension_names: the extra dimensions of the loaded dataset (unmapped columns the user
-- kept for filtering), in alphabetical order.
with

final as (
    select distinct dimension
    from extra_dimensions
)

select * from final
order by dimension
