-- staged_row_counts: the rows of a file staged as text and the rows DuckDB could not read.
select
    (select count(*) from staging) as staged,
    (select count(*) from unreadable) as unreadable
