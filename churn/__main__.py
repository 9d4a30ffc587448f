"""Command line: ``python -m churn report [FILE…] --format json|html [options]`` and
``python -m churn build [FILE…] --out DIR --engine duckdb|spark [options]``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from churn.build import BuiltFolder, ViewSettings
from churn.causes import read_overrides
from churn.currency import CURRENCIES, normalise_code
from churn.db import QueryError, open_connection, remove_leftover_scratch, scratch_dir
from churn.engine import ENGINES, BuildError, build_folder
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
    # The options that say how files are read and which settings the tables are built for,
    # common to both commands.
    data = argparse.ArgumentParser(add_help=False)
    data.add_argument(
        "files", nargs="*", type=Path, help="order files (CSV/TSV/TXT, Excel or Parquet); none: the demo data"
    )
    data.add_argument(
        "--customers", type=Path, action="append", default=[], help="customer list (one row per customer), repeatable"
    )
    data.add_argument("--encoding", help="text encoding of the files, e.g. gb18030 (default: detected)")
    data.add_argument("--sheet", help="Excel sheet to read (default: the first sheet with data)")
    data.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="ROLE=COLUMN",
        help="use COLUMN for ROLE (e.g. amount=Net), repeatable; other roles are detected",
    )
    data.add_argument(
        "--keep",
        action="append",
        default=[],
        metavar="COLUMN",
        help="keep this unmapped column as a filter dimension (e.g. Loyalty), repeatable",
    )
    data.add_argument("--date-order", choices=DATE_ORDERS, help="read 05/01/2024 day first (dmy) or month first")
    data.add_argument(
        "--exclude-returns", action="store_true", help="leave out returns and cancellations (default: negative revenue)"
    )
    data.add_argument("--as-of", type=date.fromisoformat, help="as-of date YYYY-MM-DD (default: last order date)")
    data.add_argument("--window", type=int, help="inactivity window W in days (default: suggested from the data)")
    data.add_argument("--tiers", help="tier shares in %%: platinum,gold,iron,lead (default 1,4,15,80)")
    data.add_argument("--tier-basis", choices=BASES, help="rank customers by (default revenue)")
    data.add_argument("--tier-window", choices=VALUE_WINDOWS, help="value over all history or 12m (default all)")
    data.add_argument(
        "--reason-map", type=Path, help="reason -> cause corrections: CSV with columns reason, category, cause"
    )
    build = commands.add_parser(
        "build",
        parents=[data],
        help="Build the derived tables of files into a folder of Parquet files the dashboard opens.",
        description="Build every derived table the pages read (customer facts, spells, tiers, filter groups, "
        "flows, …) for one as-of date, W and tier rule, as Parquet files in --out, on DuckDB (this machine) "
        "or Spark (local mode or a cluster). The dashboard opens the folder: Data page, 'Open a built dataset', "
        "or python -m churn report --built DIR.",
    )
    build.add_argument("--out", type=Path, required=True, help="folder to write (new or empty)")
    build.add_argument("--engine", choices=ENGINES, default="duckdb", help="where to build (default duckdb)")
    build.add_argument("--master", default="local[*]", help="with --engine spark: the Spark master (default local[*])")
    build.add_argument(
        "--spark-conf",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="with --engine spark: a Spark setting, e.g. spark.driver.memory=8g, repeatable",
    )
    report = commands.add_parser(
        "report", parents=[data], help="Print the churn report of files (or of the demo dataset)."
    )
    report.add_argument(
        "--built",
        type=Path,
        metavar="DIR",
        help="report on a folder made by 'build' (no files): its settings are the defaults",
    )
    report.add_argument(
        "--format",
        choices=["json", "html"],
        default="json",
        help="output format: json (default), or html: one self-contained page to send or print",
    )
    report.add_argument("--link", help="with --format html: the view's address in the dashboard, linked from the top")
    report.add_argument("--grain", choices=GRAINS, default="month", help="period length (default month)")
    report.add_argument("--lang", choices=LANGUAGES, default="en", help="language of labels (default en)")
    report.add_argument(
        "--currency",
        type=_currency_code,
        help="ISO 4217 code of the amounts, e.g. CNY (default: what the files' money columns name, if any)",
    )
    report.add_argument(
        "--scenario",
        type=Path,
        help="what-if levers as JSON (keys of churn.whatif.Levers) to compare with the baseline",
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


def load_workspace(args: argparse.Namespace) -> Workspace:
    """The files of the command line (or the demo, or a built folder) in a new workspace."""
    if getattr(args, "built", None) is not None:
        if args.files or args.customers:
            raise ValueError("--built DIR: give the folder or files, not both.")
        built = BuiltFolder.open(args.built.resolve())
        workspace = Workspace(open_connection([built.path]))
        try:
            workspace.open_built(built)
        except BaseException:
            workspace.close()
            raise
        return workspace
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
    readable = {path.parent for path, _ in paths} | {folder}
    if args.command == "build":
        # The build reads its own tables back (the stored results are computed on them).
        readable.add(args.out.resolve())
    workspace = Workspace(open_connection(sorted(readable)), folder)
    try:
        create_canonical_tables(workspace.con)
        loads: list[LoadResult] = []
        used: set[tuple[str, str]] = set()
        kept_columns: set[str] = set()
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
            kept = [column for column in args.keep if column in inspection.headers and column not in mapping.values()]
            kept_columns |= set(kept)
            loads.append(
                DatasetFile(source, table, mapping, args.date_order, args.exclude_returns, kept).load(workspace.con)
            )
        unused = [f"{role}={column}" for role, column in chosen.items() if (role, column) not in used]
        if unused:
            raise ImportProblem("map_unused", pairs=unused)
        not_kept = [column for column in args.keep if column not in kept_columns]
        if not_kept:
            raise ValueError(f"--keep {', '.join(not_kept)}: no file has that column, or it is read for a role.")
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
        workspace = load_workspace(args)
        dataset = workspace.dataset
        assert dataset is not None
        if dataset.customers == 0:
            raise ImportProblem("no_valid_rows")
        # A built folder's settings are the defaults (others need the order lines).
        built = dataset.built.view if dataset.built is not None else None
        # A customers file alone has no order dates: the as-of date must be given or is today.
        as_of = args.as_of or (built.as_of if built else None) or dataset.last_date or date.today()
        window = args.window or (built.window_days if built else None) or workspace.window_suggestion(as_of).days
        default_rule = built.tier_rule if built else TierRule()
        rule = TierRule(
            TierRule.shares_from_text(args.tiers) if args.tiers else default_rule.shares,
            args.tier_basis or default_rule.basis,
            args.tier_window or default_rule.window,
        )
        if args.reason_map:
            workspace.set_reason_overrides(read_reason_map(args.reason_map))
        if args.command == "build":
            output = _build(workspace, args, workspace.view_settings(as_of, window, rule))
        else:
            output = _report(workspace, args, as_of, window, rule)
    except ImportProblem as problem:
        print(f"error: {import_problem_text(problem)}", file=sys.stderr)
        return 2
    except (QueryError, TierRuleError, BuildError, ValueError) as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    finally:
        if workspace is not None:
            workspace.close()
    sys.stdout.write(output)
    return 0


def _build(workspace: Workspace, args: argparse.Namespace, view: ViewSettings) -> str:
    """Build the folder; what was built, as lines to print."""
    options: dict[str, Any] = {}
    if args.engine == "spark":
        options = {"master": args.master, "conf": dict(pair.partition("=")[::2] for pair in args.spark_conf)}
    built = build_folder(workspace, view, args.out, args.engine, **options)
    sources = f" (+{built.sources_seconds:.1f} s writing the imported rows for Spark)" if args.engine == "spark" else ""
    return (
        f"Built {built.tables} tables ({built.parquet_bytes / 1e6:.2f} MB of Parquet) on {built.engine} "
        f"in {built.build_seconds:.1f} s{sources}: {built.folder}\n"
        f"as of {view.as_of.isoformat()}, W {view.window_days} days, tiers {view.tier_rule.to_text()}\n"
    )


def _report(workspace: Workspace, args: argparse.Namespace, as_of: date, window: int, rule: TierRule) -> str:
    """The report as JSON or HTML."""
    dataset = workspace.dataset
    assert dataset is not None
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
            name for name, given in (("--scenario", args.scenario), ("--holdout-weeks", args.holdout_weeks)) if given
        ]
        if unused:
            raise ValueError(f"{' and '.join(unused)}: only with --format json.")
        return html_report(workspace, settings, args.link)
    if args.link:
        raise ValueError("--link: only with --format html.")
    report = strict_json(build_report(workspace, settings, scenario, args.holdout_weeks))
    return json.dumps(report, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


if __name__ == "__main__":
    sys.exit(main())
