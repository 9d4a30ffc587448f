-- churn_events: one row per churn event up to the as-of date, the unit of the measure "churn
-- events": every spell that ended (a customer who is won back and leaves again has two), and,
-- in a customers file alone, every customer listed as lost (with its churn date, if any).
--   revenue_lost = the customer's revenue in the 365 days up to the spell's last order (a
--                  customers file alone: its total revenue)
-- Built on customer_spells, customer_filter_groups and customer_facts.
with

ended_spells as (
    select
        customer_spells.customer_id,
        customer_filter_groups.filter_group_id,
        customer_spells.churn_date,
        coalesce(customer_spells.revenue_last_12_months, 0) as revenue_lost
    from customer_spells
    join customer_filter_groups using (customer_id)
    where customer_spells.is_churned
),

listed_losses as (
    select
        customer_id,
        filter_group_id,
        churn_date,
        coalesce(revenue_last_12_months, 0) as revenue_lost
    from customer_facts
    where spells = 0 and not is_active
),

final as (
    select * from ended_spells
    union all
    select * from listed_losses
)

select * from final
