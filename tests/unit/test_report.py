"""The report command: same figures as the queries, in the documented JSON shape."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest

from churn.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
TINY_WITH_CUSTOMERS = (
    str(ROOT / "tests/data/tiny_orders.csv"),
    "--customers",
    str(ROOT / "tests/data/tiny_customers.csv"),
    "--as-of",
    "2024-06-30",
    "--window",
    "30",
)


def run_report(capsys, *args: str) -> dict:
    assert main(["report", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_report_on_tiny_file(capsys) -> None:
    report = run_report(
        capsys, str(ROOT / "tests/data/tiny_orders.csv"), "--as-of", "2024-06-30", "--window", "30", "--grain", "month"
    )
    assert report["dataset"] | {"files": None, "warnings": None} == {
        "name": "tiny_orders.csv",
        "kind": "transactions",
        "rows_read": 24,
        "rows_loaded": 24,
        "rows_rejected": 0,
        "customers": 11,
        "orders": 24,  # distinct order ids
        "order_lines": 24,
        # all 24 amounts, including the 999 after the as-of date: 1485 + 999
        "revenue": 2484.0,
        "first_date": "2023-12-15",
        "last_date": "2024-07-05",
        "files": None,
        "rejects": [],
        "warnings": None,
    }
    # I bought 120 before and 999 after the as-of date: 1,119 of all 2,484 = 45%, flagged.
    assert report["dataset"]["warnings"] == [
        {"warning": "top_customer_share", "rows": 1, "example": "I", "share": pytest.approx(1119 / 2484)}
    ]
    assert report["settings"]["as_of"] == "2024-06-30"
    assert report["settings"]["inactivity_days"] == 30
    periods = {p["period_start"]: p for p in report["churn"]["periods"]}
    # Without the customers file J has no explicit churn date: Mar 10 + 30 = Apr 9, so J churns
    # in April, not March: March loses D, C, A (3 of 5), April F and J (2 of 3: E, F, J).
    assert periods["2024-03-01"]["churned"] == 3
    assert periods["2024-03-01"]["churn_rate"] == 0.6
    assert periods["2024-04-01"]["customers_at_start"] == 3
    assert periods["2024-04-01"]["churned"] == 2
    assert periods["2024-05-01"]["period_label"] == "2024-05"
    assert set(periods["2024-05-01"]) >= {
        "period_start",
        "customers_at_start",
        "new",
        "won_back",
        "churned",
        "churned_total",
        "churn_rate",
        "retention_rate",
        "revenue_lost",
    }


def test_report_on_demo_in_chinese(capsys) -> None:
    report = run_report(capsys, "--grain", "quarter", "--lang", "zh")
    assert report["dataset"]["kind"] == "both"
    assert report["dataset"]["customers"] == 5000
    assert report["settings"]["inactivity_days"] == 60  # suggested from the data
    assert report["churn"]["periods"][-1]["period_label"] == "2025年第4季度"
    periods = report["churn"]["periods"]
    for before, after in itertools.pairwise(periods):
        assert (
            before["customers_at_start"] + before["new"] + before["won_back"] - before["churned_total"]
            == after["customers_at_start"]
        )


def test_missing_file_is_an_error_not_a_traceback() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "churn", "report", "no-such-file.csv"], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "error: File not found: no-such-file.csv"


def test_tiers_section_on_tiny_file(capsys) -> None:
    report = run_report(capsys, *TINY_WITH_CUSTOMERS)
    tiers = {row["tier"]: row for row in report["tiers"]}
    # n = 11 ranked by revenue: platinum A (300); iron J (270), C (210); lead the other 8 (705).
    assert list(tiers) == ["platinum", "iron", "lead"]
    assert (tiers["iron"]["customers"], tiers["iron"]["revenue"]) == (2, 480.0)
    assert tiers["iron"]["revenue_share"] == 480 / 1485
    assert tiers["iron"]["avg_ltv"] == 240.0
    # Last complete month (June): iron had C at its start, and lost C on Jun 19.
    assert tiers["iron"]["period_start"] == "2024-06-01"
    assert (tiers["iron"]["customers_at_start"], tiers["iron"]["churned"], tiers["iron"]["churn_rate"]) == (1, 1, 1.0)
    # Lead at the start of June: E only (G starts in June); E is not lost.
    assert (tiers["lead"]["customers_at_start"], tiers["lead"]["churned"]) == (1, 0)
    assert report["settings"]["tier_cutoffs"] == {"platinum": 0.01, "gold": 0.04, "iron": 0.15, "lead": 0.8}


def test_customers_file_alone(capsys) -> None:
    report = run_report(
        capsys,
        "--customers",
        str(ROOT / "tests/data/tiny_crm_customers.csv"),
        "--as-of",
        "2025-06-30",
        "--tiers",
        "20,20,20,40",
    )
    assert report["dataset"]["kind"] == "customers"
    assert report["churn"]["periods"] == []
    tiers = {row["tier"]: row for row in report["tiers"]}
    # 5 customers by 累计消费: 0001 5000 platinum, 0002 1200 gold, 0003 800 iron, 0004 300 and 0005 150 lead.
    assert {tier: row["customers"] for tier, row in tiers.items()} == {"platinum": 1, "gold": 1, "iron": 1, "lead": 2}
    assert tiers["gold"]["lost_now"] == 1  # 0002: status churned
    assert tiers["lead"]["lost_now"] == 1  # 0004: status lost
    assert tiers["lead"]["revenue"] == 450.0
    assert tiers["lead"]["churn_rate"] is None  # no dates: no period churn rate
    # Lifetime value from tenure: gold = 0002 (1,200 over 12 months, lost): m = 100 a month,
    # churn 1/12 a month, r = 11/12, d = 1.1^(1/12) - 1: LTV = m r / (1 + d - r).
    ltv = {row["tier"]: row for row in report["ltv"]["by_tier"]}
    d = 1.1 ** (1 / 12) - 1
    assert ltv["gold"]["revenue_per_month"] == 100
    assert ltv["gold"]["simple_formula_ltv"] == pytest.approx(100 * (11 / 12) / (1 + d - 11 / 12))
    assert report["ltv"]["error"] == "The purchase model needs transactions with dates."


def test_invalid_tier_shares_are_an_error(capsys) -> None:
    assert main(["report", "--tiers", "1,4,15,70"]) == 2
    assert "add up to 100%" in capsys.readouterr().err


def test_causes_section_and_reason_map(capsys, tmp_path: Path) -> None:
    causes = run_report(capsys, *TINY_WITH_CUSTOMERS)["causes"]
    assert list(causes) == ["dissatisfaction", "competitor", "forced", "other", "unknown"]
    assert (causes["competitor"]["customers"], causes["competitor"]["revenue_lost"]) == (1, 270.0)
    assert causes["competitor"]["top_reasons"] == [
        {"reason": "Switched to competitor", "customers": 1, "revenue_lost": 270.0}
    ]
    assert causes["unknown"]["customers"] == 7
    assert causes["unknown"]["share"] == 7 / 9
    # A mapping file downloaded from the causes page and edited: price is now "forced".
    mapping = tmp_path / "mapping.csv"
    mapping.write_text("reason,category,cause\nPrice too high,,forced\n", encoding="utf-8")
    causes = run_report(capsys, *TINY_WITH_CUSTOMERS, "--reason-map", str(mapping))["causes"]
    assert (causes["dissatisfaction"]["customers"], causes["forced"]["customers"]) == (0, 1)


def test_cohorts_survival_and_revenue_churn(capsys) -> None:
    churn = run_report(capsys, *TINY_WITH_CUSTOMERS)["churn"]
    march = next(p for p in churn["periods"] if p["period_start"] == "2024-03-01")
    # Revenue churn in March: 580 of the 610 that the customers at its start spent before it.
    assert (march["revenue_base"], march["revenue_churn_rate"]) == (610.0, 580 / 610)
    january = [c for c in churn["cohorts"] if c["cohort_start"] == "2024-01-01"]
    assert [c["active_customers"] for c in january] == [5, 4, 0, 0, 1, 0]
    # (tests/unit/test_trends.py: F's return-only day is no activity, so F is lost in month 0)
    assert [round(s["survival"], 4) for s in churn["survival"]] == [
        round(5 / 11, 4),
        round(15 / 44, 4),
        round(5 / 44, 4),
        round(5 / 44, 4),
    ]
    assert churn["survival"][0]["at_risk"] == 11


def test_whatif_scenario_in_the_report(capsys, tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.json"
    scenario.write_text('{"churn_cut_all": 1.0, "horizon_years": 1, "discount_rate": 0.0}', encoding="utf-8")
    whatif = run_report(capsys, *TINY_WITH_CUSTOMERS, "--grain", "quarter", "--scenario", str(scenario))["whatif"]
    assert whatif["levers"]["churn_cut_all"] == 1.0
    comparison = whatif["comparison"]
    # Every loss prevented: the scenario keeps what the baseline loses.
    assert comparison["customers_kept"] > 0
    assert comparison["scenario_customers_end"] > comparison["baseline_customers_end"]
    assert {row["tier"] for row in whatif["baseline"]} <= {"platinum", "gold", "iron", "lead"}
    bad = tmp_path / "bad.json"
    bad.write_text('{"churn_cut_all": 2}', encoding="utf-8")
    assert main(["report", "--scenario", str(bad)]) == 2
    assert "between 0% and 100%" in capsys.readouterr().err


def test_ltv_section_on_demo(capsys) -> None:
    ltv = run_report(capsys)["ltv"]
    assert ltv["time_unit"] == "week"
    assert set(ltv["bgnbd"]) == {"r", "alpha", "a", "b", "log_likelihood"}
    # 4,991 customers bought: 9 of the demo's 5,000 only returned goods (no purchase day).
    assert ltv["gamma_gamma"]["customers_used"] + ltv["gamma_gamma"]["customers_excluded"] == 4991
    tiers = {row["tier"]: row for row in ltv["by_tier"]}
    assert list(tiers) == ["platinum", "gold", "iron", "lead"]
    # More valuable tiers are predicted to be worth more.
    values = [tiers[t]["average_predicted_value"] for t in tiers]
    assert values == sorted(values, reverse=True)
    # The simple formula m r / (1 + d - r) with d the monthly rate of 10% a year.
    gold = tiers["gold"]
    assert 0 < gold["monthly_retention_rate"] < 1
    assert gold["simple_formula_ltv"] > 0


IMPORT = Path(__file__).resolve().parents[1] / "data" / "import"


def test_report_import_options(capsys, tmp_path: Path) -> None:
    from tests.data.make_import_corpus import write_corpus

    write_corpus(tmp_path)
    # An Excel sheet chosen by name, a GBK file read with an explicit encoding.
    report = run_report(capsys, str(tmp_path / "workbook.xlsx"), "--sheet", "Sales")
    assert (report["dataset"]["rows_loaded"], report["dataset"]["customers"]) == (3, 2)
    report = run_report(capsys, str(tmp_path / "gbk_chinese.csv"), "--encoding", "gb18030")
    dataset = report["dataset"]
    assert (dataset["rows_read"], dataset["rows_loaded"], dataset["rows_rejected"]) == (3, 2, 1)
    assert dataset["rejects"] == [
        {"file": "gbk_chinese.csv", "line": 4, "column_name": "customer_id", "reason": "missing_customer_id",
         "raw": ",2024-01-11,20,华北"}
    ]  # fmt: skip
    # Ambiguous dates need --date-order; the answer is reported.
    assert main(["report", str(IMPORT / "ambiguous_dates.csv")]) == 2
    assert "Choose the date order" in capsys.readouterr().err
    report = run_report(capsys, str(IMPORT / "ambiguous_dates.csv"), "--date-order", "mdy")
    assert report["dataset"]["files"][0]["date_order"] == "mdy"
    assert (report["dataset"]["first_date"], report["dataset"]["last_date"]) == ("2024-01-02", "2024-12-11")
    # --map overrides one role, the others are detected; returns can be left out.
    report = run_report(capsys, str(IMPORT / "hostile_headers.csv"), "--map", "amount=amount (3)")
    assert report["dataset"]["files"][0]["mapping"]["amount"] == "amount (3)"
    assert report["dataset"]["revenue"] == 7.0
    report = run_report(capsys, str(IMPORT / "returns.csv"), "--exclude-returns")
    assert [r["reason"] for r in report["dataset"]["rejects"]] == ["return_excluded", "return_excluded"]
    assert main(["report", str(IMPORT / "tab.tsv"), "--map", "amount=nope"]) == 2
    assert "--map amount=nope: no file has that column" in capsys.readouterr().err
    assert main(["report", str(IMPORT / "tab.tsv"), "--map", "price"]) == 2
    assert "write ROLE=COLUMN" in capsys.readouterr().err


def test_report_lists_suspicious_data(capsys) -> None:
    report = run_report(capsys, str(IMPORT / "suspicious.csv"))
    assert [w["warning"] for w in report["dataset"]["warnings"]] == [
        "duplicate_rows",
        "future_dates",
        "top_customer_share",
    ]
