"""The benchmark script keeps working (timings are not asserted)."""

from __future__ import annotations

from bench.__main__ import main


def test_benchmark_runs_at_small_size(capsys) -> None:
    assert main(["--customers", "300", "--repeat", "1", "--fit-customers", "2000"]) == 0
    output = capsys.readouterr().out
    assert output.startswith("| customers | orders |")
    assert "| 300 |" in output
    assert "| 2,000 |" in output  # the model-fit table
