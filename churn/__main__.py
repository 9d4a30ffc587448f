"""Command line: ``python -m churn report [FILE…] --format json|html [options]``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

import pandas as pd

from churn.causes import read_overrides
from churn.currency import CURRENCIES, normalise_code
from churn.db import QueryError, open_connection, remove_leftover_scratch, scratch_dir
from churn.i18n import import_problem_text
from churn.ingest import (
    CUSTOMER_COLUMNS,
    DATE_ORDERS,
    ORDER_COLUMNS,
    DatasetFile,
    ImportProblem,
    LoadResult,
    create_canonical_tables,
    inspect_file,
)
from churn.report import build_report, strict_json
from churn.report_html import html_report
from churn.settings import GRAINS, LANGUAGES, Settings
from churn.sources import prepare_file
from churn.tiers import BASES, VALUE_WINDOWS, TierRule, TierRuleError
from churn.whatif import Levers
from churn.workspace import Workspace


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m churn", description="Customer churn dashboard tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser("report", help="Print the churn report of files (or of the demo dataset).")
    report.add_argument(
        "files", nargs="*", type=Path, help="order files (CSV/TSV/TXT, Excel or Parquet); none: the demo data"
    )
    report.add_argument(
        "--customers", type=Path, action="append", default=[], help="customer list (one row per customer), repeatable"
    )
    report.add_argument("--encoding", help="text encoding of the files, e.g. gb18030 (default: detected)")
    report.add_argument("--sheet", help="Excel sheet to read (default: the first sheet with data)")
    report.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="ROLE=COLUMN",
        help="use COLUMN for ROLE (e.g. amount=Net), repeatable; other roles are detected",
    )
    report.add_argument("--date-order", choices=DATE_ORDERS, help="read 05/01/2024 day first (dmy) or month first")
    report.add_argument(
        "--exclude-returns", action="store_true", help="leave out returns and cancellations (default: negative revenue)"
    )
    report.add_argument(
        "--format",
        choices=["json", "html"],
        default="json",
        help="output format: json (default), or html: one self-contained page to send or print",
    )
    report.add_argument("--link", help="with --format html: the view's address in the dashboard, linked from the top")
    report.add_argument("--as-of", type=date.fromisoformat, help="as-of date YYYY-MM-DD (default: last order date)")
    report.add_argument("--window", type=int, help="inactivity window W in days (default: suggested from the data)")
    report.add_argument("--grain", choices=GRAINS, default="month", help="period length (default month)")
    report.add_argument("--lang", choices=LANGUAGES, default="en", help="language of labels (default en)")
    report.add_argument(
        "--currency",
        type=_currency_code,
        help="ISO 4217 code of the amounts, e.g. CNY (default: what the files' money columns name, if any)",
    )
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
    report.add_argument(
        "--holdout-weeks",
        type=int,
        help="weeks held out to check the purchase model (default: the last quarter of the history)",
    )
    return parser


def parse_map(pairs: list[str]) -> dict[str, str]:
    """``role=column`` pairs of ``--map`` as a dict, the roles checked."""
    roles = {*ORDER_COLUMNS, *CUSTOMER_COLUMNS}
    mapping: dict[str, str] = {}
    for pair in pairs:
        role, _, column = pair.partition("=")
        if role.strip() not in roles or not column.strip():
            raise ValueError(f"--map {pair!r}: write ROLE=COLUMN with ROLE one of {', '.join(sorted(roles))}.")
        mapping[role.strip()] = column.strip()
    return mapping


def _workspace(args: argparse.Namespace) -> Workspace:
    if not args.files and not args.customers:
        return Workspace.with_demo()
    missing = [str(f) for f in args.files + args.customers if not f.is_file()]
    if missing:
        raise ImportProblem("file_not_found", paths=missing)
    chosen = parse_map(args.map)
    paths = [(f.resolve(), "orders") for f in args.files] + [(f.resolve(), "customers") for f in args.customers]
    # Converted copies (other encodings, Excel sheets) go to a folder removed with the workspace.
    remove_leftover_scratch()
    folder = scratch_dir("report")
    workspace = Workspace(open_connection(sorted({path.parent for path, _ in paths} | {folder})), folder)
    try:
        create_canonical_tables(workspace.con)
        loads: list[LoadResult] = []
        used: set[tuple[str, str]] = set()
        for path, given_as in paths:
            source = prepare_file(path, path.name, folder, encoding=args.encoding, sheet=args.sheet)
            inspection = inspect_file(workspace.con, source, given_as)
            # The content decides: a customer list given as FILE is loaded as one (--customers says so outright).
            table = inspection.table_guess if given_as == "orders" else given_as
            if table != given_as:
                inspection = inspect_file(workspace.con, source, table)
            roles = ORDER_COLUMNS if table == "orders" else CUSTOMER_COLUMNS
            given = {r: c for r, c in chosen.items() if r in roles and c in inspection.headers}
            used |= given.items()
            mapping = {r: c for r, c in inspection.mapping.items() if c not in given.values()} | given
            loads.append(DatasetFile(source, table, mapping, args.date_order, args.exclude_returns).load(workspace.con))
        unused = [f"{role}={column}" for role, column in chosen.items() if (role, column) not in used]
        if unused:
            raise ImportProblem("map_unused", pairs=unused)
        workspace.set_dataset(", ".join(path.name for path, _ in paths), loads)
    except BaseException:
        workspace.close()
        raise
    return workspace


def read_reason_map(path: Path) -> dict[tuple[str, str], str]:
    """The corrections of a mapping file as downloaded from the causes page."""
    if not path.is_file():
        raise ImportProblem("file_not_found", paths=[str(path)])
    return read_overrides(pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig"))


def read_scenario(path: Path) -> Levers:
    """What-if levers from a JSON file, e.g. {"churn_cut_by_cause": {"dissatisfaction": 0.3}}."""
    if not path.is_file():
        raise ImportProblem("file_not_found", paths=[str(path)])
    try:
        return Levers.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except ValueError as error:
        raise ValueError(f"{path.name} is not a scenario: {error}") from error


def _currency_code(text: str) -> str:
    code = normalise_code(text)
    if code is None:
        raise argparse.ArgumentTypeError(f"unknown currency {text!r}; one of {', '.join(CURRENCIES)}")
    return code


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    workspace: Workspace | None = None
    try:
        workspace = _workspace(args)
        dataset = workspace.dataset
        assert dataset is not None
        if dataset.customers == 0:
            raise ImportProblem("no_valid_rows")
        # A customers file alone has no order dates: the as-of date must be given or is today.
        as_of = args.as_of or dataset.last_date or date.today()
        window = args.window or workspace.window_suggestion(as_of).days
        rule = TierRule(TierRule.shares_from_text(args.tiers), args.tier_basis, args.tier_window)
        if args.reason_map:
            workspace.set_reason_overrides(read_reason_map(args.reason_map))
        settings = Settings(
            as_of=as_of,
            window_days=window,
            grain=args.grain,
            lang=args.lang,
            tier_rule=rule,
            currency=args.currency or dataset.currency,
        )
        scenario = read_scenario(args.scenario) if args.scenario else None
        if args.holdout_weeks is not None and args.holdout_weeks < 1:
            raise ValueError("--holdout-weeks must be 1 or more.")
        if args.format == "html":
            # The HTML report shows the pages at their defaults; these options have no place in it.
            unused = [
                name
                for name, given in (("--scenario", args.scenario), ("--holdout-weeks", args.holdout_weeks))
                if given
            ]
            if unused:
                raise ValueError(f"{' and '.join(unused)}: only with --format json.")
            output = html_report(workspace, settings, args.link)
        else:
            if args.link:
                raise ValueError("--link: only with --format html.")
            report = strict_json(build_report(workspace, settings, scenario, args.holdout_weeks))
            output = json.dumps(report, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
    except ImportProblem as problem:
        print(f"error: {import_problem_text(problem)}", file=sys.stderr)
        return 2
    except (QueryError, TierRuleError, ValueError) as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    finally:
        if workspace is not None:
            workspace.close()
    sys.stdout.write(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
