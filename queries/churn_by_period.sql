-- churn_by_period: per period [period_start, period_end) of the chosen grain, and per segment
-- of the chosen dimension ('all' for one segment), the customer flow and churn rate.
-- Built on customer_spells, customer_facts and customer_tiers.
--   customers_at_start = spells started before period_start and not churned before it
--   new                = first spells starting in the period
--   reactivated        = later spells (won back) starting in the period
--   churned            = churn dates in the period of spells that were active at its start
--   churned_total      = all churn dates in the period (adds those who started within it)
--   churn_rate         = churned / customers_at_start;  retention_rate = 1 - churn_rate
--   revenue_lost       = revenue in the 365 days up to their last order, of churned_total
-- Invariant: customers_at_start + new + reactivated - churned_total = next customers_at_start.
-- is_warm_up: the period starts within W days of the first order in the data, so churn in it
-- is undercounted (no one can be W days silent yet) and "new" includes the existing base.
-- Parameters: $as_of (date), $window_days, $grain ('month' | 'quarter' | 'year'), $date_from,
--   $date_to, $dimension ('all' | 'tier' | 'region' | 'channel' | 'category' | 'segment'),
--   $tiers (list of tiers to keep; empty = all customers), $filter_dimension ('region' |
--   'channel' | 'category' | 'segment') and $filter_values (its values to keep; empty = all).
with

spells as (
    select
        customer_spells.*,
        case $dimension
            when 'tier' then coalesce(customer_tiers.tier, 'unranked')
            when 'region' then coalesce(customer_facts.region, 'unknown')
            when 'channel' then coalesce(customer_facts.channel, 'unknown')
            when 'category' then coalesce(customer_facts.category, 'unknown')
            when 'segment' then coalesce(customer_facts.segment, 'unknown')
            else 'all'
        end as segment
    from customer_spells
    left join customer_facts using (customer_id)
    left join customer_tiers using (customer_id)
    where is_kept(
            customer_tiers.tier, customer_facts.region, customer_facts.channel, customer_facts.category,
            customer_facts.segment, customer_facts.extra,
            $tiers::varchar[], $filter_dimension, $filter_values::varchar[]
        )
),

step as (
    select case $grain
        when 'month' then interval 1 month
        when 'quarter' then interval 3 month
        when 'year' then interval 1 year
    end as period_length
),

first_order as (
    select min(spell_start) as first_order_date
    from customer_spells
),

periods as (
    select unnest(generate_series(
        date_trunc($grain, (select first_order_date from first_order)),
        date_trunc($grain, $as_of::date),
        (select period_length from step)
    ))::date as period_start
),

segments as (
    select distinct segment
    from spells
),

starts as (
    select
        segment,
        date_trunc($grain, spell_start)::date as period_start,
        count(*) filter (where spell_number = 1) as new,
        count(*) filter (where spell_number > 1) as reactivated
    from spells
    group by all
),

churns as (
    select
        segment,
        date_trunc($grain, churn_date)::date as period_start,
        count(*) filter (where date_trunc($grain, spell_start) < date_trunc($grain, churn_date)) as churned,
        count(*) as churned_total,
        sum(revenue_last_12_months) as revenue_lost
    from spells
    where is_churned
    group by all
),

flows as (
    select
        segments.segment,
        periods.period_start,
        (periods.period_start + (select period_length from step))::date as period_end,
        coalesce(starts.new, 0) as new,
        coalesce(starts.reactivated, 0) as reactivated,
        coalesce(churns.churned, 0) as churned,
        coalesce(churns.churned_total, 0) as churned_total,
        coalesce(churns.revenue_lost, 0) as revenue_lost
    from periods
    cross join segments
    left join starts using (segment, period_start)
    left join churns using (segment, period_start)
),

with_base as (
    select
        *,
        coalesce(sum(new + reactivated - churned_total) over (
            partition by segment order by period_start rows between unbounded preceding and 1 preceding
        ), 0) as customers_at_start
    from flows
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
        reactivated::bigint as reactivated,
        churned::bigint as churned,
        churned_total::bigint as churned_total,
        (customers_at_start + new + reactivated - churned_total)::bigint as customers_at_end,
        churned / nullif(customers_at_start, 0) as churn_rate,
        1 - churned / nullif(customers_at_start, 0) as retention_rate,
        revenue_lost
    from with_base
)

select * from final
where period_end > $date_from::date and period_start <= $date_to::date
order by segment, period_start
