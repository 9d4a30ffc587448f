-- rejected_rows: every row of the loaded files that could not be loaded, with its file, line
-- (the header is line 1), the column at fault, the reason and the row as read.
with

final as (
    select
        file,
        line,
        column_name,
        reason,
        raw
    from rejects
)

select * from final
order by file, line
