-- renumber_staged_rows: the rows read_csv set aside (unreadable) leave gaps in the numbering of
-- staging; number the rows read by the lines of the file that remain.
create or replace temp table staging as
with

total as (
    select (select count(*) from staging) + (select count(*) from unreadable) as n
),

kept as (
    select
        lines.line,
        row_number() over (order by lines.line) as record
    from range(1, (select n from total) + 1) as lines (line)
    where lines.line not in (select line from unreadable)
)

select
    kept.line,
    staging.* exclude (line)
from staging
join kept on staging.line = kept.record
