"""A plain-Python reference implementation of the churn semantics of docs/metrics.md.

Written independently of the SQL (loops, no windows) so that tests can compare the two on
random and demo data. Slow; only for tests.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass
class Spell:
    customer_id: str
    number: int
    start: date
    last_order: date
    churn_date: date | None


def spells(
    orders: list[tuple[str, date]] | list[tuple[str, date, float]],
    as_of: date,
    window_days: int,
    explicit_churn: dict[str, date] | None = None,
) -> list[Spell]:
    """Spells from (customer, day) or (customer, day, amount) rows: a day counts only when it has
    a line that is not a return (amount >= 0); returns are not activity."""
    explicit_churn = explicit_churn or {}
    days_by_customer: dict[str, set[date]] = defaultdict(set)
    for customer_id, order_date, *amount in orders:
        if order_date <= as_of and (not amount or amount[0] >= 0):
            days_by_customer[customer_id].add(order_date)
    result: list[Spell] = []
    for customer_id, days in sorted(days_by_customer.items()):
        explicit = explicit_churn.get(customer_id)
        if explicit is not None and explicit > as_of:
            explicit = None
        stretches: list[list[date]] = []
        for day in sorted(days):
            if stretches:
                previous = stretches[-1][-1]
                silent_too_long = (day - previous).days > window_days
                crosses_explicit = explicit is not None and previous <= explicit < day
                if not silent_too_long and not crosses_explicit:
                    stretches[-1].append(day)
                    continue
            stretches.append([day])
        for index, stretch in enumerate(stretches):
            is_last = index == len(stretches) - 1
            next_start = None if is_last else stretches[index + 1][0]
            churn: date | None = None
            if explicit is not None and stretch[0] <= explicit and (next_start is None or next_start > explicit):
                churn = explicit
            elif stretch[-1] + timedelta(days=window_days) <= as_of:
                churn = stretch[-1] + timedelta(days=window_days)
            result.append(Spell(customer_id, index + 1, stretch[0], stretch[-1], churn))
    return result


MONTHS_PER_PERIOD = {"month": 1, "quarter": 3, "year": 12}


def period_start(day: date, grain: str) -> date:
    months = MONTHS_PER_PERIOD[grain]
    return date(day.year, (day.month - 1) // months * months + 1, 1)


def next_period(start: date, grain: str) -> date:
    month_index = start.year * 12 + start.month - 1 + MONTHS_PER_PERIOD[grain]
    return date(month_index // 12, month_index % 12 + 1, 1)


def monthly_flows(all_spells: list[Spell], as_of: date) -> list[dict[str, object]]:
    return period_flows(all_spells, as_of, "month")


def period_flows(all_spells: list[Spell], as_of: date, grain: str) -> list[dict[str, object]]:
    """Per period of the grain, counted straight from the definitions (no running sums)."""
    if not all_spells:
        return []
    start = period_start(min(s.start for s in all_spells), grain)
    rows = []
    while start <= as_of:
        end = next_period(start, grain)
        at_start = sum(1 for s in all_spells if s.start < start and (s.churn_date is None or s.churn_date >= start))
        rows.append(
            {
                "period_start": start,
                "customers_at_start": at_start,
                "new": sum(1 for s in all_spells if s.number == 1 and start <= s.start < end),
                "won_back": sum(1 for s in all_spells if s.number > 1 and start <= s.start < end),
                "churned": sum(
                    1 for s in all_spells if s.churn_date and start <= s.churn_date < end and s.start < start
                ),
                "churned_total": sum(1 for s in all_spells if s.churn_date and start <= s.churn_date < end),
            }
        )
        start = end
    return rows


def cohort_active(all_spells: list[Spell], as_of: date, grain: str) -> dict[tuple[date, int], tuple[int, int]]:
    """Per first-purchase cohort and periods since: (customers active at the period's end, cohort
    size), counted straight from the definition for every period ending by the as-of date."""
    first = {s.customer_id: s.start for s in all_spells if s.number == 1}
    result = {}
    for cohort in sorted({period_start(day, grain) for day in first.values()}):
        members = {customer for customer, day in first.items() if period_start(day, grain) == cohort}
        start, since = cohort, 0
        while (last_day := next_period(start, grain) - timedelta(days=1)) <= as_of:
            active = sum(
                1
                for s in all_spells
                if s.customer_id in members
                and s.start <= last_day
                and (s.churn_date is None or s.churn_date > last_day)
            )
            result[(cohort, since)] = (active, len(members))
            start, since = next_period(start, grain), since + 1
    return result
