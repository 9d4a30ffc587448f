-- value_concentration: how concentrated customer value is. The Gini coefficient of the
-- values (negative values counted as zero), computed with ranks in ascending order:
--   gini = 2 * sum(i * x_i) / (n * sum(x)) - (n + 1) / n
-- the share of value of the top 1% and top 20% of customers (ceil of n * share), and the
-- customers with a negative value and what they cost. Built on customer_tiers.
-- Parameters: $curve_basis ('revenue' | 'margin').
with

customer_values as (
    select case $curve_basis when 'margin' then margin else revenue end as value
    from customer_tiers
),

ranked as (
    select
        value,
        greatest(value, 0) as positive_value,
        row_number() over (order by greatest(value, 0), value) as ascending_rank,
        row_number() over (order by value desc) as descending_rank,
        count(*) over () as customers
    from customer_values
    where value is not null
),

final as (
    select
        count(*) as customers,
        sum(value) as total_value,
        2 * sum(ascending_rank * positive_value) / nullif(count(*) * sum(positive_value), 0)
        - (count(*) + 1) / count(*) as gini,
        sum(value) filter (where descending_rank <= (customers * 100 + 9999) // 10000)
        / nullif(sum(value), 0) as top_1_percent_share,
        sum(value) filter (where descending_rank <= (customers * 2000 + 9999) // 10000)
        / nullif(sum(value), 0) as top_20_percent_share,
        count(*) filter (where value < 0) as negative_customers,
        coalesce(sum(value) filter (where value < 0), 0) as negative_value
    from ranked
)

select * from final
