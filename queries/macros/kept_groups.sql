-- kept_groups: the filter groups (filter_groups) that the view's filters keep — the one place
-- where the sidebar's customer filter is applied: a customer is kept when their tier is among
-- tiers and their value of dimension (region, channel, category, segment, or an extra dimension
-- kept from the file) among selected; an empty list keeps all. Every filtered query joins it on
-- filter_group_id: kept_groups($tiers::varchar[], $filter_dimension, $filter_values::varchar[]).
create or replace macro kept_groups(tiers, dimension, selected) as table
    select *
    from filter_groups
    where (len(tiers) = 0 or list_contains(tiers, tier))
        and (len(selected) = 0 or list_contains(selected, case dimension
            when 'region' then region
            when 'channel' then channel
            when 'category' then category
            when 'segment' then segment
            else extra[dimension]
        end))
