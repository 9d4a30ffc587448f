-- spell_flows: the customer flows of churn_by_period, per month and filter group (for the W of the
-- spells): the filter-independent part, built with the spells, so that a filter change, another
-- grain or another segment only adds up a few thousand rows (queries/read/churn_by_period.sql).
--   new, won_back      = first spells and later spells (won back) starting in the month
--   churned_total      = spells churning in the month; revenue_lost = their revenue in the 365
--                        days up to their last order
--   started_same_month / _quarter / _year = those of them that started in the same month /
--                        quarter / year as they churned: churn_by_period's "churned" counts
--                        only spells active at the start of the period, so it leaves out the
--                        ones that started in the period of its grain.
-- Built on customer_spells and customer_filter_groups.
with

spells as (
    select
        customer_spells.*,
        customer_filter_groups.filter_group_id
    from customer_spells
    join customer_filter_groups using (customer_id)
),

starts as (
    select
        window_days,
        filter_group_id,
        date_trunc('month', spell_start)::date as month,
        count(*) filter (where spell_number = 1) as new,
        count(*) filter (where spell_number > 1) as won_back
    from spells
    group by all
),

churns as (
    select
        window_days,
        filter_group_id,
        date_trunc('month', churn_date)::date as month,
        count(*) as churned_total,
        count(*) filter (where date_trunc('month', spell_start) = date_trunc('month', churn_date))
            as started_same_month,
        count(*) filter (where date_trunc('quarter', spell_start) = date_trunc('quarter', churn_date))
            as started_same_quarter,
        count(*) filter (where year(spell_start) = year(churn_date)) as started_same_year,
        coalesce(sum(revenue_last_12_months), 0) as revenue_lost
    from spells
    where is_churned
    group by all
),

final as (
    select
        window_days,
        filter_group_id,
        month,
        coalesce(starts.new, 0) as new,
        coalesce(starts.won_back, 0) as won_back,
        coalesce(churns.churned_total, 0) as churned_total,
        coalesce(churns.started_same_month, 0) as started_same_month,
        coalesce(churns.started_same_quarter, 0) as started_same_quarter,
        coalesce(churns.started_same_year, 0) as started_same_year,
        coalesce(churns.revenue_lost, 0) as revenue_lost
    from starts
    full outer join churns using (window_days, filter_group_id, month)
)

select * from final
