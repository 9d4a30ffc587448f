-- unreadable_table: the temp table of the rows of a file DuckDB could not split into the right
-- number of fields or decode (filled by unreadable_rows; stays empty for a Parquet file).
create or replace temp table unreadable (line bigint, reason varchar, raw varchar)
