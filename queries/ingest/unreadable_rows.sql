-- unreadable_rows: the rows a read_csv with store_rejects set aside (reject_errors, one row per
-- error), one per line, with a reject code (churn.ingest.REJECT_CODES) and the line as read.
insert into unreadable
select
    line,
    case
        when any_value(error_type) in ('MISSING COLUMNS', 'TOO MANY COLUMNS') then 'wrong_number_of_fields'
        else 'unreadable_text'
    end as reason,
    any_value(csv_line) as raw
from reject_errors
group by line
