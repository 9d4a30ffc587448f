-- Scalar macros that turn the text of a cell of a file into a value (churn/ingest: the text path
-- of an import) and tell a value outside the range of real data: the import's parsing in one
-- place. Each parse_ macro gives NULL where the text is no such value.

-- clean_text: trimmed, full-width digits and signs (typed with a Chinese input method) as ASCII.
create or replace macro clean_text(value) as trim(
    translate(value, '０１２３４５６７８９．，－／：（）￥　', '0123456789.,-/:()¥ ')
);

-- parse_id: an id is text; one exported as a float ('17850.0') becomes '17850'.
create or replace macro parse_id(value) as nullif(
    regexp_replace(clean_text(value), '^(\d+)\.0+$', '\1'), ''
);

-- number_text: a number's text without currency signs, spaces and thousands separators; with
-- decimal_comma ('1.234,50', Excel in much of Europe) the comma becomes the decimal point.
create or replace macro number_text(value, decimal_comma) as (
    case
        when decimal_comma
            then replace(regexp_replace(clean_text(value), '[.¥$€£元\s]', '', 'g'), ',', '.')
        else regexp_replace(clean_text(value), '[,¥$€£元\s]', '', 'g')
    end
);

-- parse_number: '1,234.50', '¥1,234', '(1,234)' (a negative number), '1.234,50' with decimal_comma.
create or replace macro parse_number(value, decimal_comma) as (
    case
        when regexp_matches(number_text(value, decimal_comma), '^\(.*\)$')
            then -try_cast(trim(number_text(value, decimal_comma), '()') as double)
        else try_cast(number_text(value, decimal_comma) as double)
    end
);

-- year_first_formats: the strptime formats of dates that say which number is the day: year
-- first (2024/1/5, 2024.1.5, 20240105, 2024年1月5日, with or without a time; 2024-01-05 is a
-- cast) or with a month name (5 Jan 2024, Jan 5, 2024).
create or replace macro year_first_formats() as [
    '%Y/%m/%d', '%Y/%m/%d %H:%M', '%Y/%m/%d %H:%M:%S', '%Y.%m.%d', '%Y.%m.%d %H:%M', '%Y.%m.%d %H:%M:%S',
    '%Y-%m-%d %H:%M', '%Y-%m-%d %H:%M:%S', '%Y%m%d', '%Y年%m月%d日', '%Y年%m月%d日 %H:%M',
    '%Y年%m月%d日 %H:%M:%S', '%d %b %Y', '%d-%b-%Y', '%b %d %Y', '%b %d, %Y'
];

-- day_first_formats, month_first_formats: 05/01/2024 (also with . or - and a time) read day
-- first or month first.
create or replace macro day_first_formats() as [
    '%d/%m/%Y', '%d/%m/%Y %H:%M', '%d/%m/%Y %H:%M:%S', '%d.%m.%Y', '%d.%m.%Y %H:%M', '%d.%m.%Y %H:%M:%S',
    '%d-%m-%Y', '%d-%m-%Y %H:%M', '%d-%m-%Y %H:%M:%S'
];

create or replace macro month_first_formats() as [
    '%m/%d/%Y', '%m/%d/%Y %H:%M', '%m/%d/%Y %H:%M:%S', '%m.%d.%Y', '%m.%d.%Y %H:%M', '%m.%d.%Y %H:%M:%S',
    '%m-%d-%Y', '%m-%d-%Y %H:%M', '%m-%d-%Y %H:%M:%S'
];

-- parse_date: ISO dates and date-times, 2024/1/5, 2024.1.5, 20240105, 2024年1月5日, 5 Jan 2024,
-- Jan 5, 2024, an Excel serial number (days since 1899-12-30: 5 digits cover 1927 to 2173) or
-- Unix seconds; 05/01/2024 only with a date_order, 'dmy' or 'mdy' (never guessed). strptime
-- takes a constant list of formats: one call per date order, each with every format it tries
-- (a second call for the day-first formats made a text import about 5% slower).
create or replace macro parse_date(value, date_order) as coalesce(
    try_cast(clean_text(value) as date),
    try_cast(clean_text(value) as timestamp)::date,
    case date_order
        when 'dmy' then try_strptime(clean_text(value), list_concat(year_first_formats(), day_first_formats()))
        when 'mdy' then try_strptime(clean_text(value), list_concat(year_first_formats(), month_first_formats()))
        else try_strptime(clean_text(value), year_first_formats())
    end::date,
    case
        when regexp_full_match(clean_text(value), '\d{5}(\.\d+)?')
            then date '1899-12-30' + (floor(clean_text(value)::double))::integer
    end,
    case
        when regexp_full_match(clean_text(value), '1\d{9}')
            then to_timestamp(clean_text(value)::bigint)::date
    end
);

-- date_out_of_range: a date before earliest_date or after latest_date (churn.ingest.EARLIEST_DATE,
-- latest_date()): year 1, 9999-12-31 "no end date". NULL stays NULL.
create or replace macro date_out_of_range(value, earliest_date, latest_date) as (
    value < earliest_date or value > latest_date
);

-- number_out_of_range: NaN, infinite or beyond ±max_amount (churn.ingest.MAX_AMOUNT). NULL stays NULL.
create or replace macro number_out_of_range(value, max_amount) as (
    not isfinite(value) or abs(value) > max_amount
);
