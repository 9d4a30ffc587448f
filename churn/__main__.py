"""Command line: ``python -m churn report [FILE…] --format json [options]``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

import pandas as pd

from churn.causes import read_overrides
from churn.db import QueryError, open_connection
from churn.ingest import ImportProblem, load_files
from churn.report import build_report
from churn.settings import GRAINS, LANGUAGES, Settings
from churn.tiers import BASES, VALUE_WINDOWS, TierRule, TierRuleError
from churn.whatif import Levers
from churn.workspace import Workspace


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m churn", description="Customer churn dashboard tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser("report", help="Print the churn report of files (or of the demo dataset).")
    report.add_argument("files", nargs="*", type=Path, help="order files (CSV with a header row); none: demo data")
    report.add_argument("--customers", type=Path, action="append", default=[], help="customers file (CSV), repeatable")
    report.add_argument("--format", choices=["json"], default="json", help="output format (default json)")
    report.add_argument("--as-of", type=date.fromisoformat, help="as-of date YYYY-MM-DD (default: last order date)")
    report.add_argument("--window", type=int, help="inactivity window W in days (default: suggested from the data)")
    report.add_argument("--grain", choices=GRAINS, default="month", help="period length (default month)")
    report.add_argument("--lang", choices=LANGUAGES, default="en", help="language of labels (default en)")
    report.add_argument(
        "--tiers", default="1,4,15,80", help="tier shares in %%: platinum,gold,iron,lead (default 1,4,15,80)"
    )
    report.add_argument("--tier-basis", choices=BASES, default="revenue", help="rank customers by (default revenue)")
    report.add_argument("--tier-window", choices=VALUE_WINDOWS, default="all", help="value over all history or 12m")
    report.add_argument(
        "--scenario",
        type=Path,
        help="what-if levers as JSON (keys of churn.whatif.Levers) to compare with the baseline",
    )
    report.add_argument(
        "--reason-map", type=Path, help="reason -> cause corrections: CSV with columns reason, category, cause"
    )
    return parser


def _workspace(order_files: list[Path], customer_files: list[Path]) -> Workspace:
    if not order_files and not customer_files:
        return Workspace.with_demo()
    files = order_files + customer_files
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise ImportProblem(f"File not found: {', '.join(missing)}")
    orders = [f.resolve() for f in order_files]
    customers = [f.resolve() for f in customer_files]
    workspace = Workspace(open_connection(sorted({f.parent for f in orders + customers})))
    workspace.set_dataset(", ".join(f.name for f in orders + customers), load_files(workspace.con, orders, customers))
    return workspace


def read_reason_map(path: Path) -> dict[tuple[str, str], str]:
    """The corrections of a mapping file as downloaded from the causes page."""
    if not path.is_file():
        raise ImportProblem(f"File not found: {path}")
    return read_overrides(pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig"))


def read_scenario(path: Path) -> Levers:
    """What-if levers from a JSON file, e.g. {"churn_cut_by_cause": {"dissatisfaction": 0.3}}."""
    if not path.is_file():
        raise ImportProblem(f"File not found: {path}")
    try:
        levers = Levers(**json.loads(path.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, TypeError) as error:
        raise ValueError(f"{path.name} is not a scenario: {error}") from error
    levers.validate()
    return levers


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        workspace = _workspace(args.files, args.customers)
        dataset = workspace.dataset
        assert dataset is not None
        if dataset.customers == 0:
            raise ImportProblem("The files contain no valid rows (see the rejected rows).")
        # A customers file alone has no order dates: the as-of date must be given or is today.
        as_of = args.as_of or dataset.last_date or date.today()
        window = args.window or workspace.window_suggestion(as_of).days
        rule = TierRule(TierRule.shares_from_text(args.tiers), args.tier_basis, args.tier_window)
        if args.reason_map:
            workspace.set_reason_overrides(read_reason_map(args.reason_map))
        settings = Settings(as_of=as_of, window_days=window, grain=args.grain, lang=args.lang, tier_rule=rule)
        scenario = read_scenario(args.scenario) if args.scenario else None
        report = build_report(workspace, settings, scenario)
    except (ImportProblem, QueryError, TierRuleError, ValueError) as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    json.dump(report, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
