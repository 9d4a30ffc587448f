-- reasons_on_record: every distinct (reason, category) pair on record, with its customers and lost
-- customers (not active at the as-of date): what churn.causes classifies into reason_map and the
-- causes page lists for correction, most lost customers first.
-- Built on customer_facts.
with

final as (
    select
        churn_reason as reason,
        churn_category as category,
        count(*) as customers,
        count(*) filter (where not is_active) as lost_customers
    from customer_facts
    where churn_reason is not null or churn_category is not null
    group by all
)

select * from final
order by lost_customers desc, customers desc, reason asc, category asc
