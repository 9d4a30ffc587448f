-- cohort_flows: per filter group, first-purchase month (the cohort) and month, the change in the
-- number of the cohort's customers who are active: +1 for every spell starting in the month, -1
-- for every spell churning in it; and the customers whose first spell starts then. The
-- filter-independent part of cohort_retention, built with the spells, so that a filter change
-- adds up these rows instead of going through every spell. Months are enough for monthly and
-- quarterly cohorts: both only ask which month a date falls in.
-- Built on customer_spells and customer_filter_groups.
with

spells as (
    select
        customer_spells.*,
        customer_filter_groups.filter_group_id
    from customer_spells
    join customer_filter_groups using (customer_id)
),

events as (
    select
        filter_group_id,
        date_trunc('month', first_order_date)::date as cohort_month,
        date_trunc('month', spell_start)::date as month,
        1 as change,
        (spell_number = 1)::integer as first_spells
    from spells
    union all
    select
        filter_group_id,
        date_trunc('month', first_order_date)::date,
        date_trunc('month', churn_date)::date,
        -1,
        0
    from spells
    where is_churned
),

final as (
    select
        filter_group_id,
        cohort_month,
        month,
        sum(change)::integer as change,
        sum(first_spells)::integer as customers
    from events
    group by filter_group_id, cohort_month, month
)

select * from final
