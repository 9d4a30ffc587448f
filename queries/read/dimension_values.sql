-- dimension_values: the values of one customer dimension ($dimension: 'region', 'channel',
-- 'category', 'segment' or an extra dimension kept from an unmapped column) found in the loaded
-- files: the choices of the sidebar filter. Read
-- from the canonical tables, since the sidebar is drawn before the derived tables are built.
with

values_of_dimension as (
    select case $dimension when 'region' then region when 'segment' then segment end as value
    from customers
    union
    select case $dimension when 'region' then region when 'channel' then channel when 'category' then category end
    from orders
    union
    select value
    from extra_dimensions
    where dimension = $dimension
),

final as (
    select distinct value
    from values_of_dimension
    where value is not null
)

select * from final
order by value
