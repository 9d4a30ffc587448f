-- lost_valuable_customers: customers of the listed tiers whose latest churn date falls in
-- [$period_start, $period_end) and who have not come back since, most valuable first, with
-- what they were worth and the reason on record. Built on customer_facts and customer_tiers.
-- Parameters: $period_start, $period_end (dates), $listed_tiers (list of tiers).
with

lost_in_period as (
    select *
    from customer_facts
    where not is_active
        and churn_date >= $period_start::date
        and churn_date < $period_end::date
),

final as (
    select
        customer_id,
        customer_tiers.tier,
        customer_tiers.value,
        lost_in_period.revenue,
        lost_in_period.orders,
        lost_in_period.first_order_date,
        lost_in_period.last_order_date,
        lost_in_period.churn_date,
        lost_in_period.region,
        lost_in_period.churn_reason
    from lost_in_period
    join customer_tiers using (customer_id)
    where list_contains($listed_tiers::varchar[], customer_tiers.tier)
)

select * from final
order by value desc, customer_id asc
