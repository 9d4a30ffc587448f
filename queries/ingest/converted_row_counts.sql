-- converted_row_counts: what the text path did with a file (the temp table checked, one row per
-- staged row, with its problem or NULL): rows read (unreadable ones included), rejected, loaded
-- returns and loaded churn dates read as open ends.
select
    count(*) + (select count(*) from unreadable) as rows_read,
    count(problem) + (select count(*) from unreadable) as rows_rejected,
    count(*) filter (where is_return and problem is null) as returns,
    count(*) filter (where is_open_ended and problem is null) as open_ended
from checked
