-- clear_csv_rejects: empty the tables read_csv's store_rejects fills, so that the next read of a
-- file counts only its own errors.
delete from reject_errors;
delete from reject_scans;
