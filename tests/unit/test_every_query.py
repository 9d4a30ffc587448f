"""Every file in queries/ runs against the tiny fixture and returns the columns it promises."""

from __future__ import annotations

from datetime import date

import pytest

from churn.db import QUERIES_DIR, load_sql, query_parameters
from churn.tiers import TierRule
from churn.workspace import Workspace
from tests.conftest import TINY_AS_OF, TINY_WINDOW

PARAMETERS: dict[str, object] = {
    "as_of": TINY_AS_OF,
    "window_days": TINY_WINDOW,
    "grain": "month",
    "date_from": date(2000, 1, 1),
    "date_to": TINY_AS_OF,
    "dimension": "all",
    "tiers": [],
    **TierRule().params(TINY_AS_OF),
}
EXPECTED_COLUMNS = {
    "customer_spells": {"customer_id", "spell_number", "spell_start", "last_order_date", "churn_date", "is_churned"},
    "customer_facts": {"customer_id", "first_order_date", "revenue", "is_active", "spells", "churn_date"},
    "churn_by_period": {
        "period_start",
        "customers_at_start",
        "new",
        "reactivated",
        "churned",
        "churned_total",
        "churn_rate",
        "retention_rate",
        "revenue_lost",
    },
    "purchase_gaps": {"repeat_purchases", "median_gap_days", "p95_gap_days"},
    "dataset_summary": {"customers", "orders", "revenue", "first_date", "last_date"},
    "customer_status": {"customers", "active_customers", "churned_customers", "won_back_customers"},
}
QUERY_NAMES = sorted(path.stem for path in QUERIES_DIR.glob("*.sql"))


def test_every_query_has_expected_columns_listed() -> None:
    assert set(QUERY_NAMES) == set(EXPECTED_COLUMNS)


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_query_runs_on_fixture(tiny: Workspace, name: str) -> None:
    assert query_parameters(load_sql(name)) <= set(PARAMETERS)
    result = tiny.query(name, PARAMETERS)
    assert EXPECTED_COLUMNS[name] <= set(result.columns)
    assert len(result) > 0


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_query_runs_on_empty_dataset(tmp_path, name: str) -> None:
    from churn.db import open_connection
    from churn.facts import build_facts, build_tiers
    from churn.ingest import create_canonical_tables

    workspace = Workspace(open_connection([tmp_path]))
    create_canonical_tables(workspace.con)
    build_facts(workspace.con, TINY_AS_OF, TINY_WINDOW)
    build_tiers(workspace.con, TINY_AS_OF, TierRule())
    result = workspace.query(name, PARAMETERS)
    assert EXPECTED_COLUMNS[name] <= set(result.columns)
    workspace.close()
