"""The docs are checked against the code: the build graph and the SQL files of
docs/architecture.md, every setting, URL parameter, command-line option and report key, every
file a doc names, the glossary; nothing cites a file outside the project.

``python -m tests.unit.test_docs`` prints the generated sections of docs/architecture.md (paste
them between their markers when the graph or the SQL files change)."""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import fields
from pathlib import Path

import pytest

from churn.build import GRAPH, SOURCES, all_settings, mermaid, tables_read
from churn.causes import CAUSES
from churn.db import CONNECTION_MACROS, QUERIES_DIR, load_sql, query_files
from churn.roles import CUSTOMER_COLUMNS, ORDER_COLUMNS
from churn.settings import Settings
from churn.tiers import TIERS, TierRule

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
ARCHITECTURE = ROOT / "docs" / "architecture.md"


def section(text: str, name: str) -> str:
    """The text between ``<!-- name:start -->`` and ``<!-- name:end -->``."""
    match = re.search(rf"<!-- {name}:start -->\n(.*?)\n<!-- {name}:end -->", text, re.S)
    assert match, f"docs/architecture.md has no {name} section"
    return match.group(1).strip()


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def graph_table() -> str:
    """One row per derived table of churn.build.GRAPH."""
    rows = [
        "| table | built by | reads | rebuilt when these change | built |",
        "|---|---|---|---|---|",
    ]
    for node in GRAPH:
        files = ", ".join(f"`{relative(query_files()[name])}`" for name in node.sql)
        if node.builder is not None:
            files += " (in Python: `churn/build.py`)"
        reads = ", ".join(f"`{table}`" for table in node.reads)
        settings = ", ".join(all_settings(node.table)) or "–"
        rows.append(f"| `{node.table}` | {files} | {reads} | {settings} | {node.built} |")
    return "\n".join(rows)


def users(name: str) -> list[str]:
    """What runs the SQL file ``name``: the Python modules (churn/, pages/, bench/) that pass its
    name to the query runner, the build graph or load_sql, and the SQL files that call its macros."""
    runner = r"(?:query|run_query|cached_query|load_sql|build_table|append_rows)"
    runs = re.compile(rf"{runner}\(\s*(?:[^()\"]*,\s*)?\"{name}\"")
    found = []
    for path in sorted([*ROOT.glob("churn/**/*.py"), *ROOT.glob("pages/*.py"), *ROOT.glob("bench/*.py")]):
        text = path.read_text(encoding="utf-8")
        if runs.search(text):
            found.append(relative(path))
    if any(name in node.sql for node in GRAPH) and "churn/build.py" not in found:
        found.append("churn/build.py")
    if name in CONNECTION_MACROS:
        found.append("churn/db.py")
    macros = re.findall(r"create or replace macro (\w+)", load_sql(name))
    for other, path in sorted(query_files().items()):
        text = re.sub(r"--[^\n]*", "", path.read_text(encoding="utf-8"))
        if other != name and any(re.search(rf"\b{macro}\(", text) for macro in macros):
            found.append(relative(path))
    return sorted(set(found))


def sql_table() -> str:
    """One row per SQL file of queries/: what it reads and who runs it."""
    rows = ["| SQL file | reads | run by |", "|---|---|---|"]
    for name, path in sorted(query_files().items(), key=lambda item: relative(item[1])):
        reads = ", ".join(f"`{table}`" for table in tables_read(load_sql(name)) if table != name) or "–"
        run_by = ", ".join(f"`{user}`" for user in users(name)) or "–"
        rows.append(f"| `{relative(path)}` | {reads} | {run_by} |")
    return "\n".join(rows)


def test_the_build_graph_drawing_matches_the_declaration() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    assert section(text, "build-graph") == f"```mermaid\n{mermaid()}\n```"
    assert section(text, "build-tables") == graph_table()


def test_every_sql_file_is_named_with_what_it_reads_and_who_runs_it() -> None:
    assert section(ARCHITECTURE.read_text(encoding="utf-8"), "sql-files") == sql_table()


def test_every_sql_file_is_run_by_something() -> None:
    unused = [name for name in query_files() if not users(name)]
    assert unused == []


def test_declared_reads_are_what_the_sql_reads() -> None:
    for node in GRAPH:
        mentioned = set()
        for name in node.sql:
            mentioned |= set(tables_read(load_sql(name))) - {name, node.table}
        # A table passed by parameter (query_table($spells)) is declared but not named in the SQL.
        assert mentioned <= set(node.reads), node.table
        assert set(node.reads) <= mentioned | set(SOURCES) | {"customer_spells"}, node.table


def test_every_file_the_docs_name_exists() -> None:
    pattern = re.compile(r"`((?:churn|pages|queries|tests|bench|data|docs)/[\w./-]+\.(?:py|sql|csv|md|po))`")
    missing = [
        (relative(doc), name)
        for doc in DOCS
        for name in pattern.findall(doc.read_text(encoding="utf-8"))
        if not (ROOT / name).exists()
    ]
    assert missing == []


def test_nothing_cites_a_file_outside_the_project() -> None:
    texts = [*DOCS, *ROOT.glob("churn/**/*.py"), *ROOT.glob("pages/*.py"), *QUERIES_DIR.glob("*/*.sql")]
    offending = [relative(path) for path in texts if re.search(r"\.\./shared|domain\.md|design\.md", path.read_text())]
    assert offending == []


def url_parameters() -> set[str]:
    """Every query-string parameter of the settings, each set to a non-default value."""
    from datetime import date

    settings = Settings(
        date(2025, 12, 31),
        60,
        "quarter",
        date(2025, 1, 1),
        date(2025, 12, 31),
        lang="zh",
        tier_rule=TierRule((2, 3, 15, 80), "margin", "12m"),
        tier_filter=("gold",),
        filter_dimension="channel",
        filter_values=("web",),
    )
    return set(settings.to_query_params())


def test_every_setting_and_url_parameter_is_documented() -> None:
    text = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    for name in url_parameters():
        assert f"`{name}`" in text, name
    for setting in fields(Settings):
        assert f"`{setting.name}`" in text, setting.name


def command_line_options() -> set[str]:
    from churn.__main__ import _parser

    options = set()
    for action in _parser()._actions:  # the report sub-command's options
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                options |= {option for a in sub._actions for option in a.option_strings if option.startswith("--")}
    return options - {"--help"}


def test_every_command_line_option_is_documented() -> None:
    text = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8") + (ROOT / "README.md").read_text()
    missing = [option for option in sorted(command_line_options()) if f"`{option}" not in text]
    assert missing == []


def report_keys(value: object, found: set[str]) -> set[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            found.add(key)
            report_keys(item, found)
    elif isinstance(value, list):
        for item in value:
            report_keys(item, found)
    return found


@pytest.mark.slow
def test_every_report_key_is_documented(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from churn.__main__ import main

    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps({"churn_cut_all": 0.2}))
    assert main(["report", "--scenario", str(scenario)]) == 0
    keys = report_keys(json.loads(capsys.readouterr().out), set())
    text = (ROOT / "docs" / "report.md").read_text(encoding="utf-8")
    # Keys that are data (tier, cause and role names as keys of a mapping) are documented as such.
    data_keys = {*TIERS, *CAUSES, *ORDER_COLUMNS, *CUSTOMER_COLUMNS}
    missing = sorted(key for key in keys - data_keys if f"`{key}`" not in text and f'"{key}"' not in text)
    assert missing == []


GLOSSARY = ("spell", "W", "warm-up", "won back", "churn events", "customers churned", "lost now", "as-of date")


def test_the_glossary_defines_its_terms() -> None:
    text = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    glossary = text.split("## Glossary", 1)[1].split("\n## ", 1)[0]
    for term in GLOSSARY:
        assert f"**{term}**" in glossary, term


if __name__ == "__main__":
    print("<!-- build-graph:start -->\n```mermaid\n" + mermaid() + "\n```\n<!-- build-graph:end -->\n")
    print("<!-- build-tables:start -->\n" + graph_table() + "\n<!-- build-tables:end -->\n")
    print("<!-- sql-files:start -->\n" + sql_table() + "\n<!-- sql-files:end -->")
