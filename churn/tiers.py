"""The customer pyramid rule: tier shares, value basis and value window.

Default (docs/metrics.md, "Customer tiers"): platinum = top 1% of customers by value, gold = next 4%, iron = next
15%, lead = the remaining 80%. With n ranked customers the boundaries are
ceil(n × 1%), ceil(n × 5%) and ceil(n × 20%) (queries/customer_tiers.sql); the shares are
passed to SQL in basis points (1% = 100) so that those boundaries are exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

TIERS = ("platinum", "gold", "iron", "lead")
TIER_ORDER = {tier: position for position, tier in enumerate([*TIERS, "unranked"])}
BASES = ("revenue", "margin")
VALUE_WINDOWS = ("all", "12m")
DEFAULT_SHARES = (1.0, 4.0, 15.0, 80.0)


class TierRuleError(ValueError):
    """Tier shares that do not make a pyramid."""


@dataclass(frozen=True)
class TierRule:
    """Shares of customers per tier (percent, platinum first), value basis and value window."""

    shares: tuple[float, float, float, float] = DEFAULT_SHARES
    basis: str = "revenue"
    window: str = "all"

    def __post_init__(self) -> None:
        if len(self.shares) != 4 or any(share < 0 for share in self.shares):
            raise TierRuleError("Give four shares of 0% or more: platinum, gold, iron, lead.")
        if round(sum(self.shares), 2) != 100:
            raise TierRuleError(f"The tier shares must add up to 100%, not {sum(self.shares):g}%.")
        if self.basis not in BASES:
            raise TierRuleError(f"Unknown value basis {self.basis!r}.")
        if self.window not in VALUE_WINDOWS:
            raise TierRuleError(f"Unknown value window {self.window!r}.")

    def cumulative_basis_points(self) -> tuple[int, int, int]:
        """Upper boundaries of platinum, gold and iron as cumulative shares in basis points."""
        points = [round(share * 100) for share in self.shares]
        return (points[0], points[0] + points[1], points[0] + points[1] + points[2])

    def value_from(self, as_of: date) -> date:
        """First day whose orders count towards a customer's value."""
        return as_of - timedelta(days=364) if self.window == "12m" else date(1, 1, 1)

    def params(self, as_of: date) -> dict[str, object]:
        """The parameters of queries/customer_tiers.sql."""
        platinum, gold, iron = self.cumulative_basis_points()
        return {
            "as_of": as_of,
            "value_from": self.value_from(as_of),
            "basis": self.basis,
            "platinum_bp": platinum,
            "gold_bp": gold,
            "iron_bp": iron,
        }

    def to_text(self) -> str:
        """URL form of the shares: '1,4,15,80'."""
        return ",".join(f"{share:g}" for share in self.shares)

    @staticmethod
    def shares_from_text(text: str) -> tuple[float, float, float, float]:
        parts = [float(part) for part in text.split(",")]
        if len(parts) != 4:
            raise TierRuleError("Give four shares: platinum, gold, iron, lead.")
        return (parts[0], parts[1], parts[2], parts[3])


def default_migration_windows(as_of: date) -> tuple[tuple[date, date], tuple[date, date]]:
    """The last 12 months up to the as-of date, and the 12 months before them."""
    after = (as_of - timedelta(days=364), as_of)
    before = (as_of - timedelta(days=729), as_of - timedelta(days=365))
    return before, after


def migration_params(rule: TierRule, window: tuple[date, date]) -> dict[str, object]:
    """customer_tiers.sql parameters ranking customers by their value within ``window``."""
    start, end = window
    return {**rule.params(end), "value_from": start}


def migration_matrix(moves: pd.DataFrame) -> pd.DataFrame:
    """tier_migration rows as a matrix: rows = first window's tier (+ new), columns = second
    window's tier (+ lost), customers in the cells, with row and column totals."""
    rows = [*TIERS, "new"]
    columns = [*TIERS, "lost"]
    matrix = (
        moves.pivot_table(index="from_tier", columns="to_tier", values="customers", aggfunc="sum", fill_value=0)
        .reindex(index=rows, columns=columns, fill_value=0)
        .astype(int)
    )
    matrix["total"] = matrix.sum(axis=1)
    matrix.loc["total"] = matrix.sum(axis=0)
    return matrix
