-- customer_facts: one row per customer up to the as-of date (see customer_profiles) with their
-- current status under the inactivity window W and their filter group:
--   spells, times_won_back = spells - 1; current_spell_start; churn_date = the end of the latest
--   spell (NULL: active); first_churn_date = the end of the first spell (survival_by_tenure);
--   revenue_last_12_months = the revenue of the 365 days up to the latest spell's last order.
-- A customers file alone (no orders): lost when it has a churn date on or before the as-of date
-- or a status that says so (status_words); revenue_last_12_months is its total revenue.
-- Built on customer_profiles, customer_spells and customer_filter_groups.
with

spell_summary as (
    select
        customer_id,
        count(*)::integer as spells,
        arg_max_null(churn_date, spell_number) as churn_date,
        arg_min_null(churn_date, spell_number) as first_churn_date,
        arg_max(spell_start, spell_number) as current_spell_start,
        arg_max(revenue_last_12_months, spell_number) as revenue_last_12_months
    from customer_spells
    group by customer_id
),

order_customers as (
    select
        customer_profiles.customer_id,
        first_order_date,
        last_order_date,
        orders,
        revenue,
        cost,
        margin,
        spells,
        spells - 1 as times_won_back,
        current_spell_start,
        churn_date,
        first_churn_date,
        churn_date is null as is_active,
        revenue_last_12_months,
        region,
        channel,
        category,
        segment,
        churn_reason,
        churn_category,
        extra
    from customer_profiles
    join spell_summary using (customer_id)
),

listed_customers as (
    select
        customer_id,
        first_order_date,
        last_order_date,
        orders,
        revenue,
        cost,
        margin,
        0 as spells,
        0 as times_won_back,
        null::date as current_spell_start,
        listed_churn_date as churn_date,
        null::date as first_churn_date,
        listed_churn_date is null and not coalesce(is_listed_as_lost, false) as is_active,
        revenue as revenue_last_12_months,
        region,
        channel,
        category,
        segment,
        churn_reason,
        churn_category,
        extra
    from customer_profiles
    where not exists (select 1 from orders)
),

final as (
    select * from order_customers
    union all
    select * from listed_customers
)

select
    final.*,
    customer_filter_groups.filter_group_id
from final
join customer_filter_groups using (customer_id)
order by customer_id
