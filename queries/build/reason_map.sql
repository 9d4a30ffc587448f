-- reason_map: the cause of every (reason, category) pair on record, as churn.causes classified
-- it (queries/read/reasons_on_record.sql, then the rules of churn/reason_rules.csv) and the user
-- corrected it on the causes page (is_edited). customer_losses joins it on both columns.
-- Parameters: $reasons, $categories (texts; NULL: none on record), $causes, $edited: one list
-- entry per pair, in the same order.
with

final as (
    select
        unnest($reasons::varchar[]) as reason_raw,
        unnest($categories::varchar[]) as category_raw,
        unnest($causes::varchar[]) as cause,
        unnest($edited::boolean[]) as is_edited
)

select * from final
