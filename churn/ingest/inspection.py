"""A file looked at before loading: its columns, the roles found (churn/roles.py), a preview,
what its dates say about day/month order, and the unmapped columns fit for filtering."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb

from churn.ingest.staging import count_rows, drop_staging, stage, staged_row_counts, staged_sample, try_read_sample
from churn.roles import Evidence, detect, guess_table, share_matching
from churn.sources import DATE_PATTERN, NUMBER_PATTERN, PreparedFile

# A date written with the day and month as numbers before the year: 05/01/2024, 5-1-2024.
SLASHED_DATE = r"^(\d{1,2})[-/.](\d{1,2})[-/.]\d{4}"
PREVIEW_ROWS = 5


@dataclass
class DateEvidence:
    """What the values of the date columns say about day/month order in dates like 05/01/2024."""

    slashed: int = 0  # values written with the day and month as numbers before the year
    day_first_example: str | None = None  # e.g. 13/01/2024: the first number can only be a day
    month_first_example: str | None = None  # e.g. 01/13/2024

    @property
    def decided(self) -> str | None:
        """The order the data proves, or None when it proves nothing (or contradicts itself)."""
        if self.day_first_example and not self.month_first_example:
            return "dmy"
        if self.month_first_example and not self.day_first_example:
            return "mdy"
        return None


@dataclass
class FileInspection:
    """A prepared file looked at before loading: its columns, the roles found, a preview."""

    headers: list[str]
    mapping: dict[str, str]
    preview: list[list[str | None]]
    rows: int
    date_evidence: dict[str, DateEvidence]  # per column holding dates like 05/01/2024
    dimension_candidates: list[str] = field(default_factory=list)  # unmapped columns fit for filtering
    evidence: dict[str, Evidence] = field(default_factory=dict)  # why each role's column was chosen
    table_guess: str = "orders"  # what the content says the file is: orders | customers


def date_evidence(con: duckdb.DuckDBPyConnection, column: str) -> DateEvidence:
    """The day/month evidence of the staged column ``column`` (c1, c2, …)."""
    text = f"clean_text({column})"
    first = f"try_cast(regexp_extract({text}, '{SLASHED_DATE}', 1) as integer)"
    second = f"try_cast(regexp_extract({text}, '{SLASHED_DATE}', 2) as integer)"
    row = con.execute(
        f"select count(*) filter (where regexp_matches({text}, '{SLASHED_DATE}')), "
        f"min({text}) filter (where {first} > 12 and {second} <= 12), "
        f"min({text}) filter (where {second} > 12 and {first} <= 12) from staging"
    ).fetchone()
    assert row is not None
    return DateEvidence(int(row[0]), row[1], row[2])


def slashed_example(con: duckdb.DuckDBPyConnection, column: str) -> str | None:
    """A date like 05/01/2024 of the staged column ``column`` (None: it holds none)."""
    text = f"clean_text({column})"
    found = con.execute(f"select min({text}) from staging where regexp_matches({text}, '{SLASHED_DATE}')").fetchone()
    return found[0] if found else None


def combined_evidence(evidence: list[DateEvidence | None]) -> DateEvidence:
    """The evidence of several date columns of one file taken together (None: a column without
    dates like 05/01/2024)."""
    given = [e for e in evidence if e is not None]
    return DateEvidence(
        sum(e.slashed for e in given),
        next((e.day_first_example for e in given if e.day_first_example), None),
        next((e.month_first_example for e in given if e.month_first_example), None),
    )


def inspect_file(con: duckdb.DuckDBPyConnection, prepared: PreparedFile, table: str) -> FileInspection:
    """Look at a prepared file before loading: columns, roles, preview, day/month evidence. Reads
    the first rows; the whole file only to count its rows and, when the first rows hold dates
    like 05/01/2024, to find a date that decides their order (so a large file opens quickly)."""
    headers, sample = try_read_sample(con, prepared) or ([], [])
    slashed = re.compile(SLASHED_DATE)
    needs_scan = not headers or any(
        share_matching([row[i] or "" for row in sample], slashed) > 0 for i in range(len(headers))
    )
    if not needs_scan:
        return _inspection(headers, sample, table, count_rows(con, prepared), {})
    headers = stage(con, prepared)
    try:
        sample = staged_sample(con)
        evidence = {
            header: date_evidence(con, f"c{position}")
            for position, header in enumerate(headers, start=1)
            if share_matching([row[position - 1] or "" for row in sample], slashed) > 0
        }
        return _inspection(headers, sample, table, sum(staged_row_counts(con)), evidence)
    finally:
        drop_staging(con)


def _inspection(
    headers: list[str],
    sample: list[list[str | None]],
    table: str,
    rows: int,
    evidence: dict[str, DateEvidence],
) -> FileInspection:
    found = detect(headers, sample, table)
    return FileInspection(
        headers,
        found.mapping,
        sample[:PREVIEW_ROWS],
        rows,
        evidence,
        dimension_candidates(headers, sample, found.mapping),
        found.evidence,
        guess_table(headers, sample),
    )


def dimension_candidates(headers: list[str], sample: list[list[str | None]], mapping: dict[str, str]) -> list[str]:
    """Unmapped columns of words with a few repeated values (a city, a store), not of numbers,
    dates or ids: worth keeping as filters."""
    mapped = set(mapping.values())
    candidates = []
    for position, header in enumerate(headers):
        if header in mapped:
            continue
        filled = [value for value in (row[position] or "" for row in sample) if value.strip()]
        if not filled or share_matching(filled, NUMBER_PATTERN) > 0.5 or share_matching(filled, DATE_PATTERN) > 0.5:
            continue
        distinct = len(set(filled))
        if 1 < distinct <= 50 and distinct <= len(filled) / 2:
            candidates.append(header)
    return candidates
