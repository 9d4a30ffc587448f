"""The structure the docs promise: pages read their figures through churn.page_data (the same
functions the report and the benchmark use), never by querying the data themselves."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from churn.page_data import PAGES

ROOT = Path(__file__).resolve().parents[2]
# What asks the data a question: a page calling one of these would bypass its PageData.
QUERYING = {"query", "cached_query", "clv_predictions", "lifetime_models", "window_sensitivity", "tier_migration"}


def calls_on_workspace(source: str) -> set[str]:
    """Methods called on a name ``workspace`` in a module."""
    return {
        node.func.attr
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "workspace"
    }


@pytest.mark.parametrize("page", sorted(PAGES))
def test_pages_read_their_figures_through_page_data(page: str) -> None:
    source = (ROOT / "pages" / f"{page}.py").read_text(encoding="utf-8")
    assert not calls_on_workspace(source) & QUERYING, page
    assert f"import {PAGES[page].__name__}" in source or f", {PAGES[page].__name__}" in source


def test_every_page_but_the_data_page_has_its_page_data() -> None:
    pages = {path.stem for path in (ROOT / "pages").glob("*.py")}
    assert pages - set(PAGES) == {"data"}
