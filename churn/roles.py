"""Which column of a file plays which role (customer id, order date, amount, status …), found
the way a person reads a header, and why.

Header names are compared with the patterns of ``churn/role_synonyms.csv``: an English pattern
matches when each of its words is a word of the header, in any order, whatever the case and
separators (``CustomerID``, ``customer_id``, ``ID of customer``); a Chinese pattern when it is a
part of the header. Units in brackets (``Total Revenue (USD)``, ``销售额（元）``) and small
words (in, of, as) are left out; words such as *customer*, *account* or 客户 only qualify a
header (``Customer Status`` is a status) except for the customer id itself. Where several
headers fit, the longer pattern, then the header with fewer other words, then the earlier
pattern wins; each column plays at most one role.

Where names say nothing, the values decide: the first column of dates is the order date, a
column of amounts the amount, a column of words such as Churned / Stayed / 流失 / 在网 the
status, the first repeating column the customer id. Every role found carries its evidence.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from churn.sources import DATE_PATTERN, FULL_WIDTH, NUMBER_PATTERN

SYNONYMS_FILE = Path(__file__).with_name("role_synonyms.csv")
STATUS_WORDS_FILE = Path(__file__).with_name("status_words.csv")

# The canonical columns of each table and their SQL types; every one but the required ones is a
# role a column of a file may play. Optional columns stay NULL when no column plays them.
ORDER_COLUMNS: dict[str, str] = {
    "customer_id": "varchar",
    "order_date": "date",
    "amount": "double",
    "order_id": "varchar",
    "quantity": "double",
    "unit_price": "double",
    "cost": "double",
    "region": "varchar",
    "channel": "varchar",
    "category": "varchar",
    "churn_reason": "varchar",
}
CUSTOMER_COLUMNS: dict[str, str] = {
    "customer_id": "varchar",
    "signup_date": "date",
    "churn_date": "date",
    "status": "varchar",
    "churn_reason": "varchar",
    "churn_category": "varchar",
    "region": "varchar",
    "segment": "varchar",
    "total_revenue": "double",
    "tenure_months": "double",
}
ORDER_ROLES = tuple(ORDER_COLUMNS)
CUSTOMER_ROLES = tuple(CUSTOMER_COLUMNS)
# Roles only a list of customers has: with one row per customer, they make a file a customer list.
CUSTOMER_LIST_ROLES = (
    "signup_date",
    "churn_date",
    "status",
    "churn_reason",
    "churn_category",
    "segment",
    "total_revenue",
    "tenure_months",
)

_CJK = re.compile(r"[\u3400-\u9fff]")
_BRACKETS = re.compile(r"[(\[（【][^)\]）】]*[)\]）】]")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
SMALL_WORDS = frozenset(["a", "an", "and", "as", "at", "by", "for", "in", "is", "of", "on", "per", "the", "to"])
UNIT_WORDS = frozenset(
    [
        "usd",
        "eur",
        "gbp",
        "cny",
        "rmb",
        "jpy",
        "yuan",
        "dollars",
        "euros",
        "pct",
        "percent",
        "months",
        "month",
        "days",
        "day",
        "years",
        "year",
    ]
)
QUALIFIERS = frozenset(
    ["customer", "customers", "client", "clients", "account", "accounts", "member", "members", "user", "users", "cust"]
)
CJK_QUALIFIERS = ("客户", "会员", "用户", "顾客")


@dataclass(frozen=True)
class Pattern:
    role: str
    words: frozenset[str]  # English: every word must be in the header
    text: str  # Chinese: a part of the header (empty for an English pattern)
    priority: int
    source: str  # as written in the file


@dataclass(frozen=True)
class Evidence:
    """Why a column plays a role: its name matched ``detail`` (a pattern), or its values look
    like the role's (``detail``: a few of them)."""

    role: str
    column: str
    kind: str  # name | values
    detail: str


@dataclass(frozen=True)
class Roles:
    """The roles found in a file: role -> column, and the evidence for each."""

    mapping: dict[str, str]
    evidence: dict[str, Evidence]


@cache
def patterns() -> tuple[Pattern, ...]:
    """The patterns of role_synonyms.csv, in file order."""
    with SYNONYMS_FILE.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    found = []
    for priority, row in enumerate(rows):
        text = row["pattern"].strip().lower()
        if _CJK.search(text):
            found.append(Pattern(row["role"], frozenset(), text.replace(" ", ""), priority, text))
        else:
            found.append(Pattern(row["role"], frozenset(text.split()), "", priority, text))
    unknown = {p.role for p in found} - set(ORDER_ROLES) - set(CUSTOMER_ROLES)
    if unknown:
        raise ValueError(f"Unknown roles in {SYNONYMS_FILE.name}: {', '.join(sorted(unknown))}")
    return tuple(found)


@cache
def status_words() -> dict[str, str]:
    """Status values and what they say (lost | kept | yes | no), from status_words.csv."""
    with STATUS_WORDS_FILE.open(encoding="utf-8") as handle:
        return {row["word"].strip().lower(): row["meaning"] for row in csv.DictReader(handle)}


def _words(header: str) -> tuple[list[str], str]:
    """A header as English words and as its Chinese text (brackets, which hold units, left out)."""
    text = _BRACKETS.sub(" ", unicodedata.normalize("NFKC", header))
    spaced = _CAMEL.sub(" ", text).lower()
    words = re.findall(r"[a-z0-9]+", spaced)
    compact = re.sub(r"[\s_\-./·:]+", "", text.lower())
    return words, compact


def _score(pattern: Pattern, header: str) -> tuple[int, int] | None:
    """(size of the pattern, words of the header it leaves over), or None when it does not match."""
    words, compact = _words(header)
    is_id = pattern.role == "customer_id"
    if pattern.text:
        if pattern.text not in compact:
            return None
        rest = compact.replace(pattern.text, "", 1)
        if not is_id:
            for qualifier in CJK_QUALIFIERS:
                rest = rest.replace(qualifier, "")
        rest = re.sub(r"[^\w]", "", rest)
        return len(pattern.text), len(rest)
    if not pattern.words <= set(words):
        return None
    free = SMALL_WORDS | UNIT_WORDS | (frozenset() if is_id else QUALIFIERS)
    extra = [word for word in words if word not in pattern.words and word not in free]
    return len(pattern.words), len(extra)


def share_matching(values: list[str], test: re.Pattern[str]) -> float:
    """The share of the filled values (full-width folded) that ``test`` matches."""
    filled = [value.strip().translate(FULL_WIDTH) for value in values if value and value.strip()]
    return sum(1 for value in filled if test.match(value)) / len(filled) if filled else 0.0


def _status_values(values: list[str]) -> tuple[float, set[str]]:
    """The share of filled values that are status words, and their meanings."""
    known = status_words()
    filled = [value.strip().lower() for value in values if value and value.strip()]
    meanings = [known.get(value) for value in filled]
    share = sum(1 for meaning in meanings if meaning) / len(filled) if filled else 0.0
    return share, {meaning for meaning in meanings if meaning}


def looks_like_status(values: list[str], named: bool) -> bool:
    """Values of a status column: words such as Churned / Stayed / 流失 / 在网; yes/no flags only
    when the column's name says it is one (a churn flag), since any column can be yes/no."""
    share, meanings = _status_values(values)
    if share < 0.9:
        return False
    if meanings & {"lost", "kept"}:
        return True
    return named and bool(meanings & {"yes", "no"})


_DECIMAL_VALUE = re.compile(r".*\d[.,]\d{1,2}\)?$")


def detect(headers: list[str], sample: list[list[str | None]], table: str) -> Roles:
    """The roles of a file's columns for ``table`` ('orders' or 'customers'), from their names
    and, where names say nothing, from a sample of their values."""
    roles = ORDER_ROLES if table == "orders" else CUSTOMER_ROLES
    columns = {
        header: [str(row[i]) if row[i] is not None else "" for row in sample] for i, header in enumerate(headers)
    }
    candidates = []
    for pattern in patterns():
        if pattern.role not in roles:
            continue
        for header in headers:
            score = _score(pattern, header)
            if score is None or score[1] > 1:
                continue
            if pattern.role == "status" and sample and not looks_like_status(columns[header], named=True):
                continue  # "Churn Score": numbers, no status
            candidates.append(((-score[0], score[1], pattern.priority), pattern, header))
    mapping: dict[str, str] = {}
    evidence: dict[str, Evidence] = {}
    for _, pattern, header in sorted(candidates, key=lambda candidate: candidate[0]):
        if pattern.role in mapping or header in mapping.values():
            continue
        mapping[pattern.role] = header
        evidence[pattern.role] = Evidence(pattern.role, header, "name", pattern.source)
    _from_values(headers, columns, table, mapping, evidence)
    return Roles({role: mapping[role] for role in roles if role in mapping}, evidence)


def _examples(values: list[str]) -> str:
    distinct = list(dict.fromkeys(value.strip() for value in values if value and value.strip()))
    return ", ".join(distinct[:3])


def _from_values(
    headers: list[str],
    columns: dict[str, list[str]],
    table: str,
    mapping: dict[str, str],
    evidence: dict[str, Evidence],
) -> None:
    """Add the roles no header named, guessed from the values: the first column of dates is the
    order date, a column of numbers with decimals (else the last column of numbers) the amount,
    a column of status words the status, the first remaining column that repeats the customer id."""

    def take(role: str, header: str) -> None:
        mapping[role] = header
        evidence[role] = Evidence(role, header, "values", _examples(columns[header]))

    free = [header for header in headers if header not in mapping.values()]
    dates = [h for h in free if share_matching(columns[h], DATE_PATTERN) >= 0.9]
    numbers = [h for h in free if h not in dates and share_matching(columns[h], NUMBER_PATTERN) >= 0.9]
    if table == "orders":
        if "order_date" not in mapping and dates:
            take("order_date", dates[0])
        if "amount" not in mapping and not {"quantity", "unit_price"} <= mapping.keys() and numbers:
            decimals = [h for h in numbers if share_matching(columns[h], _DECIMAL_VALUE) >= 0.5]
            take("amount", decimals[-1] if decimals else numbers[-1])
    elif "status" not in mapping:
        statuses = [h for h in free if h not in mapping.values() and looks_like_status(columns[h], named=False)]
        if statuses:
            take("status", statuses[0])
    if "customer_id" not in mapping:
        taken = set(mapping.values())
        candidates = [h for h in headers if h not in taken and h not in dates and any(columns[h])]
        if table == "orders":
            # A customer buys more than once: prefer a column whose values repeat.
            repeating = [h for h in candidates if len(set(columns[h])) < len(columns[h])]
            candidates = repeating or candidates
        if candidates:
            take("customer_id", candidates[0])


def guess_table(headers: list[str], sample: list[list[str | None]]) -> str:
    """'customers' for a list of customers — one row per customer id, and a column only such a
    list has (status, tenure, total revenue, churn reason …) — else 'orders'."""
    listed = detect(headers, sample, "customers")
    column = listed.mapping.get("customer_id")
    if column is None or not set(listed.mapping) & set(CUSTOMER_LIST_ROLES):
        return "orders"
    position = headers.index(column)
    ids = [row[position] for row in sample if row[position] not in (None, "")]
    if not ids or len(set(ids)) < len(ids):
        return "orders"
    # An orders file whose first rows happen to hold each customer once still names its order date
    # (a column that is no date of a customer list, such as the signup date).
    named_date = detect(headers, sample, "orders").evidence.get("order_date")
    if named_date is not None and named_date.kind == "name" and named_date.column not in listed.mapping.values():
        return "orders"
    return "customers"
