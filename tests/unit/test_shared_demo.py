"""The demo made once per process and copied into each session: a copy shows what a demo loaded
afresh shows, and what one session does to its copy never reaches the snapshot or another copy."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from churn.page_data import PAGES, default_settings, demo_snapshot
from churn.workspace import Workspace

# Every figure of the first view of these pages, compared member by member.
COMPARED = {
    "overview": ("status", "periods", "loss_totals"),
    "trends": ("periods", "revenue", "sensitivity"),
    "causes": ("losses", "churned_by_reason", "by_period"),
    "tiers": ("summary", "periods", "losses_by_tier"),
    "what-if": ("baseline",),
}


def same(left: object, right: object) -> None:
    if isinstance(left, pd.DataFrame | pd.Series):
        assert isinstance(right, type(left))
        if isinstance(left, pd.DataFrame):
            pd.testing.assert_frame_equal(left, right)
        else:
            pd.testing.assert_series_equal(left, right)
    else:
        assert left == right


@pytest.mark.parametrize("page", COMPARED)
def test_a_copy_of_the_shared_demo_shows_what_a_fresh_demo_shows(page: str) -> None:
    fresh = Workspace.with_demo()
    copy = Workspace.from_snapshot(demo_snapshot())
    try:
        settings = default_settings(fresh)
        assert default_settings(copy) == settings
        fresh.ensure_derived(settings)
        copy.ensure_derived(settings)
        for member in COMPARED[page]:
            same(getattr(PAGES[page](copy, settings), member), getattr(PAGES[page](fresh, settings), member))
    finally:
        fresh.close()
        copy.close()


def test_a_sessions_copy_is_its_own() -> None:
    first = Workspace.from_snapshot(demo_snapshot())
    second = Workspace.from_snapshot(demo_snapshot())
    try:
        orders = int(first.con.execute("select count(*) from orders").fetchone()[0])
        first.con.execute("delete from orders where customer_id in (select customer_id from orders limit 1)")
        first.set_dataset("demo", [])  # the tables changed: forget what was built on them
        assert first.dataset is not None and first.dataset.order_lines < orders
        assert int(second.con.execute("select count(*) from orders").fetchone()[0]) == orders
        assert second.dataset is not None and second.dataset.order_lines == orders
        assert demo_snapshot().dataset.order_lines == orders
        # Results remembered in one copy are not those of another.
        first._remembered["mine"] = 1
        assert "mine" not in second._remembered and "mine" not in demo_snapshot().remembered
    finally:
        first.close()
        second.close()


def test_a_copy_rebuilds_for_other_settings() -> None:
    copy = Workspace.from_snapshot(demo_snapshot())
    try:
        settings = default_settings(copy)
        other = replace(settings, window_days=settings.window_days + 30)
        before = PAGES["overview"](copy, settings).periods
        copy.ensure_derived(other)
        after = PAGES["overview"](copy, other).periods
        assert before is not None and after is not None
        assert not before["churned"].equals(after["churned"])  # a longer W: other churn
    finally:
        copy.close()
