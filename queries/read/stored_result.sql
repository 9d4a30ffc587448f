-- stored_result: a query's result as a built folder stores it (python -m churn build): the
-- queries that read order lines are answered from it, for the settings the folder was built for.
-- Parameters: $files (the result's Parquet files, in the built folder).
select * from read_parquet($files::varchar[])
