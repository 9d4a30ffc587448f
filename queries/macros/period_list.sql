-- period_list: the periods of a grain ('month' | 'quarter' | 'year') from the one holding
-- first_date to the one holding as_of, [period_start, period_end): the period list of every query
-- by period.
create or replace macro period_list(grain, first_date, as_of) as table
    select
        period_start::date as period_start,
        (period_start + period_length)::date as period_end
    from (
        select
            unnest(generate_series(date_trunc(grain, first_date), date_trunc(grain, as_of), period_length))
                as period_start,
            period_length
        from (
            select case grain
                when 'month' then interval 1 month
                when 'quarter' then interval 3 month
                when 'year' then interval 1 year
            end as period_length
        ) as lengths
    ) as starts
