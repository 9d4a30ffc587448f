-- canonical_tables: the empty tables an import writes (churn.ingest.create_canonical_tables),
-- replacing any previous dataset. orders and customers hold the roles of churn/roles.py
-- (ORDER_COLUMNS, CUSTOMER_COLUMNS) in that order; a unit test checks that they agree. orders also
-- keeps source_row_hash: a hash of the whole row as read from its file (every column, mapped or
-- not), so that repeated rows are counted without reading the file again.

-- One row per order line; amount negative for a return.
create or replace table orders (
    customer_id varchar,
    order_date date,
    amount double,
    order_id varchar,
    quantity double,
    unit_price double,
    cost double,
    region varchar,
    channel varchar,
    category varchar,
    churn_reason varchar,
    source_row_hash ubigint
);

-- One row per customer of a customer list.
create or replace table customers (
    customer_id varchar,
    signup_date date,
    churn_date date,
    status varchar,
    churn_reason varchar,
    churn_category varchar,
    region varchar,
    segment varchar,
    total_revenue double,
    tenure_months double
);

-- Rows that were read but not loaded: line in the file (header = line 1), the column at fault
-- ('' for a row that could not be split), a reason code (churn.ingest.REJECT_CODES, translated
-- where shown as reject.<code>) and the row's values.
create or replace table rejects (file varchar, line bigint, column_name varchar, reason varchar, raw varchar);

-- Unmapped columns kept as extra filter dimensions, one row per loaded row and column.
create or replace table extra_dimensions (customer_id varchar, dimension varchar, value varchar);

-- What the values of a status column say (churned: lost; stayed: kept; yes/no: a churn flag),
-- filled from churn/status_words.csv.
create or replace table status_words (word varchar, meaning varchar);

-- Per orders file: loaded rows identical to an earlier loaded row in every column of the file.
create or replace table repeated_rows (file varchar, rows bigint, example varchar);
