"""The inactivity window W: its bounds, the windows the sensitivity chart compares, and the
default suggested from the data."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

MIN_WINDOW_DAYS = 1
MAX_WINDOW_DAYS = 3650
FALLBACK_WINDOW_DAYS = 90
# The windows W the trends page compares the current one with.
SENSITIVITY_WINDOWS = (30, 60, 90, 120, 150, 180, 240, 300, 365)


@dataclass(frozen=True)
class WindowSuggestion:
    """The suggested inactivity window and the gap statistics behind it."""

    days: int
    repeat_purchases: int
    median_gap_days: float | None
    p95_gap_days: float | None


def sensitivity_windows(current: int) -> tuple[int, ...]:
    """The windows W of the sensitivity chart: SENSITIVITY_WINDOWS and the current W, in order."""
    return tuple(sorted({*SENSITIVITY_WINDOWS, current}))


def suggest_window(purchase_gaps: pd.DataFrame) -> WindowSuggestion:
    """Suggest W from the gaps between consecutive purchase days (queries/read/purchase_gaps.sql):
    their 95th percentile rounded up to whole 30-day months and kept within 30-365 days (90 days
    when there are no repeat purchases)."""
    gaps = purchase_gaps.iloc[0]
    repeat_purchases = int(gaps["repeat_purchases"])
    if repeat_purchases == 0:
        return WindowSuggestion(FALLBACK_WINDOW_DAYS, 0, None, None)
    p95 = float(gaps["p95_gap_days"])
    days = min(365, max(30, 30 * math.ceil(p95 / 30)))
    return WindowSuggestion(days, repeat_purchases, float(gaps["median_gap_days"]), p95)
