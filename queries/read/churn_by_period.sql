-- churn_by_period: per period [period_start, period_end) of the chosen grain, and per segment
-- of the chosen dimension ('all' for one segment), the customer flow and churn rate.
-- Built on spell_flows (the flows per month and filter group), kept_groups and customer_spells
-- (the first order date).
--   customers_at_start = spells started before period_start and not churned before it
--   new                = first spells starting in the period
--   won_back           = later spells (won back) starting in the period
--   churned            = churn dates in the period of spells that were active at its start
--   churned_total      = all churn dates in the period (adds those who started within it)
--   churn_rate         = churned / customers_at_start;  retention_rate = 1 - churn_rate
--   revenue_lost       = revenue in the 365 days up to their last order, of churned_total
-- Invariant: customers_at_start + new + won_back - churned_total = next customers_at_start.
-- is_warm_up: the period starts within W days of the first order in the data, so churn in it
-- is undercounted (no one can be W days silent yet) and "new" includes the existing base.
-- Parameters: $as_of (date), $window_days, $grain ('month' | 'quarter' | 'year'), $date_from,
--   $date_to, $dimension ('all' | 'tier' | 'region' | 'channel' | 'category' | 'segment'),
--   $tiers (list of tiers to keep; empty = all customers), $filter_dimension ('region' |
--   'channel' | 'category' | 'segment') and $filter_values (its values to keep; empty = all).
with

segment_flows as (
    select
        spell_flows.*,
        case $dimension
            when 'tier' then coalesce(kept_groups.tier, 'unranked')
            when 'region' then coalesce(kept_groups.region, 'unknown')
            when 'channel' then coalesce(kept_groups.channel, 'unknown')
            when 'category' then coalesce(kept_groups.category, 'unknown')
            when 'segment' then coalesce(kept_groups.segment, 'unknown')
            else 'all'
        end as segment
    from spell_flows
    join
        kept_groups($tiers::varchar[], $filter_dimension, $filter_values::varchar[]) as kept_groups
        using (filter_group_id)
),

first_order as (
    select min(spell_start) as first_order_date
    from customer_spells
),

periods as (
    select *
    from period_list($grain, (select first_order_date from first_order), $as_of::date)
),

per_period as (
    select
        segment,
        date_trunc($grain, month)::date as period_start,
        sum(new) as new,
        sum(won_back) as won_back,
        sum(churned_total) - sum(case $grain
            when 'month' then started_same_month
            when 'quarter' then started_same_quarter
            else started_same_year
        end) as churned,
        sum(churned_total) as churned_total,
        sum(revenue_lost) as revenue_lost
    from segment_flows
    group by all
),

segments as (
    select distinct segment
    from per_period
),

period_flows as (
    select
        segments.segment,
        periods.period_start,
        periods.period_end,
        coalesce(per_period.new, 0) as new,
        coalesce(per_period.won_back, 0) as won_back,
        coalesce(per_period.churned, 0) as churned,
        coalesce(per_period.churned_total, 0) as churned_total,
        coalesce(per_period.revenue_lost, 0) as revenue_lost
    from periods
    cross join segments
    left join per_period using (segment, period_start)
),

with_base as (
    select
        *,
        coalesce(sum(new + won_back - churned_total) over (
            partition by segment order by period_start rows between unbounded preceding and 1 preceding
        ), 0) as customers_at_start
    from period_flows
),

final as (
    select
        segment,
        period_start,
        period_end,
        period_end <= $as_of::date + 1 as is_complete,
        period_start < (select first_order_date from first_order) + $window_days::integer as is_warm_up,
        customers_at_start::bigint as customers_at_start,
        new::bigint as new,
        won_back::bigint as won_back,
        churned::bigint as churned,
        churned_total::bigint as churned_total,
        (customers_at_start + new + won_back - churned_total)::bigint as customers_at_end,
        churned / nullif(customers_at_start, 0) as churn_rate,
        1 - churned / nullif(customers_at_start, 0) as retention_rate,
        revenue_lost
    from with_base
)

select * from final
where period_end > $date_from::date and period_start <= $date_to::date
order by segment, period_start
