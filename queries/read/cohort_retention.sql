-- cohort_retention: per first-purchase cohort (month or quarter, $cohort_grain) and number of
-- periods since (0 = the cohort's own period), the share of the cohort's customers active at
-- the end of that period. A customer who churned and came back counts again (and stays in
-- the cohort of their first purchase). Only period ends on or before the as-of date.
-- Active at day d: a spell with spell_start <= d and no churn on or before d.
-- Built on cohort_flows (the starts and churns per filter group, cohort month and month) and
-- kept_groups (for the filters).
-- Parameters: $as_of, $cohort_grain ('month' | 'quarter'), $tiers, $filter_dimension, $filter_values.
with

flows as (
    select cohort_flows.*
    from cohort_flows
    join kept_groups($tiers::varchar[], $filter_dimension, $filter_values::varchar[]) using (filter_group_id)
),

cohort_sizes as (
    select
        date_trunc($cohort_grain, cohort_month)::date as cohort_start,
        sum(customers) as cohort_customers
    from flows
    group by cohort_start
),

-- Period k of a cohort ends on day d_k = cohort_start + (k + 1) periods - 1 day. A spell is
-- active at d_k from the period it starts in up to the period before the one its churn falls
-- in; a customer's spells never overlap, so the customers active in each period are a running
-- sum of +1 in the period a spell starts and -1 in the period it churns (no list of customers;
-- a spell starting and churning in the same period adds nothing). A spell not churned by the
-- as-of date stays active in every period shown.
change_per_period as (
    select
        date_trunc($cohort_grain, cohort_month)::date as cohort_start,
        datediff($cohort_grain, date_trunc($cohort_grain, cohort_month), month) as periods_since,
        sum(change) as change
    from flows
    group by all
),

offsets as (
    select
        cohort_start,
        cohort_customers,
        unnest(range(0, datediff($cohort_grain, cohort_start, $as_of::date) + 1)) as periods_since
    from cohort_sizes
),

active as (
    select
        offsets.*,
        sum(coalesce(change_per_period.change, 0)) over (
            partition by offsets.cohort_start order by offsets.periods_since rows unbounded preceding
        ) as active_customers
    from offsets
    left join change_per_period using (cohort_start, periods_since)
),

final as (
    select
        cohort_start,
        periods_since::integer as periods_since,
        cohort_customers,
        active_customers::bigint as active_customers,
        active_customers / cohort_customers as share_active
    from active
    where cohort_start
        + periods_since * (case $cohort_grain when 'quarter' then interval 3 month else interval 1 month end)
        + (case $cohort_grain when 'quarter' then interval 3 month else interval 1 month end)
        - interval 1 day <= $as_of::date
)

select * from final
order by cohort_start, periods_since
