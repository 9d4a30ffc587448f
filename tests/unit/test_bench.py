"""The benchmark script keeps working at a small size (timings are not asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import steps
from bench.run import main


@pytest.mark.slow
def test_benchmark_runs_at_small_size(capsys, tmp_path: Path) -> None:
    assert main(["--lines", "50000", "--repeat", "1", "--data", str(tmp_path), "--fit-customers", "2000"]) == 0
    output = capsys.readouterr().out
    assert output.startswith("| order lines | bare read_csv (s) |")
    assert "| 50,000 | trends |" in output and "| 50,000 | what-if lever |" in output
    assert "| 2,000 |" in output  # the model-fit table
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "customers_50000.csv",
        "orders_50000.csv",
        "orders_50000.parquet",
    ]


def test_import_steps_run_at_small_size(capsys, tmp_path: Path) -> None:
    assert steps.main(["--lines", "20000", "--data", str(tmp_path)]) == 0
    output = capsys.readouterr().out
    for step in ("bare read_csv", "orders file → orders", "customer_order_days", "customer_spells", "spell_flows"):
        assert step in output
    assert "| **import + derived** |" in output
