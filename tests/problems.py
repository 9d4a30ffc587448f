"""Import problems as a manager reads them: ``churn.ingest`` raises a code and its values, the
page and the command line show ``import_problem_text``; the tests check that text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from churn.i18n import import_problem_text
from churn.sources import ImportProblem


@contextmanager
def raises_import_problem(match: str) -> Iterator[pytest.ExceptionInfo[ImportProblem]]:
    """Like ``pytest.raises(ImportProblem, match=...)``, on the text shown for the problem."""
    with pytest.raises(ImportProblem) as caught:
        yield caught
    shown = import_problem_text(caught.value)
    assert re.search(match, shown), f"{shown!r} does not match {match!r}"
