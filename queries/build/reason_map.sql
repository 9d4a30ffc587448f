-- reason_map: the cause of every (reason, category) pair on record, as churn.causes classified
-- it (queries/read/reasons_on_record.sql, then the rules of churn/reason_rules.csv) and the user
-- corrected it on the causes page (is_edited). customer_losses joins it on both columns.
-- Reads reason_choices: one row per pair (churn.causes.reason_choices), a small table the build
-- hands to the engine (NULL reason or category: none on record).
with

final as (
    select
        reason_raw::varchar as reason_raw,
        category_raw::varchar as category_raw,
        cause::varchar as cause,
        is_edited::boolean as is_edited
    from reason_choices
)

select * from final
