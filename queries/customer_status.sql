-- customer_status: customers active and lost at the as-of date. Built on customer_facts.
with

facts as (
    select * from customer_facts
),

final as (
    select
        count(*) as customers,
        count(*) filter (where is_active) as active_customers,
        count(*) filter (where not is_active) as churned_customers,
        count(*) filter (where times_won_back > 0) as won_back_customers,
        coalesce(sum(revenue), 0) as revenue
    from facts
)

select * from final
