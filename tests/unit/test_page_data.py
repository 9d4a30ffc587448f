"""Page data remembered across filter changes gives what computing it afresh for the filter gives."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from churn.clv import early_warning
from churn.page_data import LifetimeValue
from churn.settings import Settings
from churn.value import monthly_rate
from churn.workspace import Workspace


@pytest.fixture(scope="module")
def demo() -> tuple[Workspace, Settings]:
    workspace = Workspace.with_demo()
    dataset = workspace.dataset
    assert dataset is not None and dataset.last_date is not None
    as_of = dataset.last_date
    settings = Settings(as_of=as_of, window_days=workspace.window_suggestion(as_of).days)
    yield workspace, settings
    workspace.close()


def afresh(workspace: Workspace, settings: Settings) -> pd.DataFrame:
    """The early-warning list computed for the view's own customers, nothing remembered."""
    checked = workspace.lifetime_models(settings.as_of)
    profiles = workspace.query("active_customer_profiles", settings.filter_params())
    predictions = workspace.clv_predictions(settings.as_of, 12, monthly_rate(0.1)) if checked.models else None
    threshold = 0.5 if checked.models else None
    return early_warning(profiles, checked.summary, 2.0, predictions, threshold)


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"filter_dimension": "region", "filter_values": ("North",)},
        {"filter_dimension": "channel", "filter_values": ("Online", "Store")},
        {"tier_filter": ("platinum", "gold")},
        {"tier_filter": ("lead",), "filter_dimension": "region", "filter_values": ("South", "East")},
    ],
)
def test_early_warning_of_a_filter_is_the_remembered_list_cut_to_its_groups(demo, filters) -> None:
    workspace, settings = demo
    LifetimeValue(workspace, settings).early_warning(12, 0.1, None, 2.0, 0.5)  # remembered unfiltered
    view = replace(settings, **filters)
    remembered = LifetimeValue(workspace, view).early_warning(12, 0.1, None, 2.0, 0.5)
    assert remembered is not None
    expected = afresh(workspace, view)
    assert len(expected) > 0
    pd.testing.assert_frame_equal(remembered.reset_index(drop=True), expected.reset_index(drop=True))


def test_tier_values_do_not_change_with_the_filter(demo) -> None:
    workspace, settings = demo
    unfiltered = LifetimeValue(workspace, settings).values()
    filtered = LifetimeValue(workspace, replace(settings, filter_values=("North",))).values()
    assert unfiltered is not None and filtered is not None
    pd.testing.assert_frame_equal(unfiltered.values, filtered.values)
