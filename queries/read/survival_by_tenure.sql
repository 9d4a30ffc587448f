-- survival_by_tenure: Kaplan-Meier estimate of the share of customers still in their first
-- active stretch k months after their first purchase, per segment of $split ('all', 'tier',
-- 'region', 'channel' or 'cohort_year'). The event is the first churn; a customer not (yet)
-- churned is censored at the as-of date. Months are whole 30.4375-day steps.
--   at_risk(k) = customers whose time is >= k months;  events(k) = first churns in month k
--   survival(k) = product over months j <= k of (1 - events(j) / at_risk(j))
-- Built on customer_facts (each customer's first spell) and kept_groups (segments and filters).
-- Parameters: $as_of, $split, $tiers, $filter_dimension, $filter_values.
with

first_spells as (
    select
        customer_facts.customer_id,
        customer_facts.first_order_date as spell_start,
        customer_facts.first_churn_date as churn_date,
        case $split
            when 'tier' then coalesce(kept_groups.tier, 'unranked')
            when 'region' then coalesce(kept_groups.region, 'unknown')
            when 'channel' then coalesce(kept_groups.channel, 'unknown')
            when 'cohort_year' then year(customer_facts.first_order_date)::varchar
            else 'all'
        end as segment
    from customer_facts
    join
        kept_groups($tiers::varchar[], $filter_dimension, $filter_values::varchar[]) as kept_groups
        using (filter_group_id)
    -- Customers with orders (a first spell): first_order_date starts it, first_churn_date ends it.
    where customer_facts.spells > 0
),

durations as (
    select
        segment,
        floor(datediff('day', spell_start, coalesce(churn_date, $as_of::date)) / 30.4375)::integer as months,
        churn_date is not null as is_event
    from first_spells
),

per_month as (
    select
        segment,
        months,
        count(*) filter (where is_event) as events,
        count(*) filter (where not is_event) as censored
    from durations
    group by segment, months
),

with_risk as (
    select
        *,
        sum(events + censored) over (
            partition by segment order by months desc rows unbounded preceding
        )::bigint as at_risk
    from per_month
),

final as (
    select
        segment,
        months,
        at_risk,
        events,
        censored,
        -- The running product as exp(sum(ln(.))); a month where everyone left ends the curve at 0.
        case
            when bool_or(events = at_risk) over (partition by segment order by months rows unbounded preceding) then 0.0
            else exp(sum(ln(1 - events / at_risk)) over (partition by segment order by months rows unbounded preceding))
        end as survival
    from with_risk
)

select * from final
order by segment, months
