-- formula_ltv_from_customers: the simple lifetime-value formula for a customers file alone
-- (no order dates), per tier, from each customer's total revenue, tenure in months and status:
--   m (revenue per customer-month) = total revenue / total tenure months
--   monthly churn = customers lost / total tenure months (lost customers per month of exposure),
--   r = 1 - monthly churn;  LTV = m * r / (1 + d - r) with $monthly_discount as d.
-- Built on customers, customer_facts and customer_tiers.
-- Parameters: $monthly_discount (number).
with

listed as (
    select
        customer_facts.customer_id,
        coalesce(customer_tiers.tier, 'unranked') as tier,
        customer_facts.revenue,
        not customer_facts.is_active as is_lost,
        customers.tenure_months
    from customer_facts
    join customers using (customer_id)
    left join customer_tiers using (customer_id)
    where customers.tenure_months > 0 and customer_facts.revenue is not null
),

per_tier as (
    select
        tier,
        count(*) as customers,
        count(*) filter (where is_lost) as lost_customers,
        sum(tenure_months) as customer_months,
        sum(revenue) / sum(tenure_months) as revenue_per_month,
        1 - count(*) filter (where is_lost) / sum(tenure_months) as monthly_retention
    from listed
    group by tier
),

final as (
    select
        *,
        revenue_per_month * monthly_retention / (1 + $monthly_discount::double - monthly_retention) as formula_ltv
    from per_tier
)

select * from final
order by list_position(['platinum', 'gold', 'iron', 'lead', 'unranked'], tier)
