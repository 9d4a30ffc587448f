-- Scalar macros that turn the text of a cell of a file into a value (churn/ingest: the text path
-- of an import): the import's parsing in one place. Each gives NULL where the text is no such value.

-- clean_text: trimmed, full-width digits and signs (typed with a Chinese input method) as ASCII.
create or replace macro clean_text(value) as
    trim(translate(value, '０１２３４５６７８９．，－／：（）￥　', '0123456789.,-/:()¥ '));

-- parse_id: an id is text; one exported as a float ('17850.0') becomes '17850'.
create or replace macro parse_id(value) as
    nullif(regexp_replace(clean_text(value), '^(\d+)\.0+$', '\1'), '');

-- number_text: a number's text without currency signs, spaces and thousands separators; with
-- decimal_comma ('1.234,50', Excel in much of Europe) the comma becomes the decimal point.
create or replace macro number_text(value, decimal_comma) as
    case when decimal_comma
        then replace(regexp_replace(clean_text(value), '[.¥$€£元\s]', '', 'g'), ',', '.')
        else regexp_replace(clean_text(value), '[,¥$€£元\s]', '', 'g')
    end;

-- parse_number: '1,234.50', '¥1,234', '(1,234)' (a negative number), '1.234,50' with decimal_comma.
create or replace macro parse_number(value, decimal_comma) as
    case when regexp_matches(number_text(value, decimal_comma), '^\(.*\)$')
        then -try_cast(trim(number_text(value, decimal_comma), '()') as double)
        else try_cast(number_text(value, decimal_comma) as double)
    end;

-- parse_date: ISO dates and date-times, 2024/1/5, 2024.1.5, 20240105, 2024年1月5日, 5 Jan 2024,
-- Jan 5, 2024, an Excel serial number (days since 1899-12-30: 5 digits cover 1927 to 2173) or
-- Unix seconds; 05/01/2024 only with a date_order, 'dmy' or 'mdy' (never guessed).
create or replace macro parse_date(value, date_order) as coalesce(
    try_cast(clean_text(value) as date),
    try_cast(clean_text(value) as timestamp)::date,
    try_strptime(
        clean_text(value),
        [
            '%Y/%m/%d', '%Y/%m/%d %H:%M', '%Y/%m/%d %H:%M:%S', '%Y.%m.%d', '%Y.%m.%d %H:%M', '%Y.%m.%d %H:%M:%S',
            '%Y-%m-%d %H:%M', '%Y-%m-%d %H:%M:%S', '%Y%m%d', '%Y年%m月%d日', '%Y年%m月%d日 %H:%M',
            '%Y年%m月%d日 %H:%M:%S', '%d %b %Y', '%d-%b-%Y', '%b %d %Y', '%b %d, %Y'
        ]
    )::date,
    -- (strptime takes a constant list of formats: one call per date order.)
    case date_order
        when 'dmy' then try_strptime(
            clean_text(value),
            [
                '%d/%m/%Y', '%d/%m/%Y %H:%M', '%d/%m/%Y %H:%M:%S', '%d.%m.%Y', '%d.%m.%Y %H:%M',
                '%d.%m.%Y %H:%M:%S', '%d-%m-%Y', '%d-%m-%Y %H:%M', '%d-%m-%Y %H:%M:%S'
            ]
        )::date
        when 'mdy' then try_strptime(
            clean_text(value),
            [
                '%m/%d/%Y', '%m/%d/%Y %H:%M', '%m/%d/%Y %H:%M:%S', '%m.%d.%Y', '%m.%d.%Y %H:%M',
                '%m.%d.%Y %H:%M:%S', '%m-%d-%Y', '%m-%d-%Y %H:%M', '%m-%d-%Y %H:%M:%S'
            ]
        )::date
    end,
    case when regexp_full_match(clean_text(value), '\d{5}(\.\d+)?')
        then date '1899-12-30' + cast(floor(clean_text(value)::double) as integer)
    end,
    case when regexp_full_match(clean_text(value), '1\d{9}') then to_timestamp(clean_text(value)::bigint)::date end
);
