"""A folder built by ``python -m churn build --engine spark`` opens in the dashboard (Data page,
"Open a built dataset") and every page works as with the data uploaded; what it was not built
for says so and names the build command."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from churn.__main__ import main
from churn.db import DATA_DIR
from churn.i18n import set_language, t
from churn.tiers import default_migration_windows
from tests.app.conftest import LAZY_TABS, metrics, new_app, open_tab
from tests.unit.test_engines import spark_required

PAGES = (
    "pages/overview.py",
    "pages/trends.py",
    "pages/causes.py",
    "pages/tiers.py",
    "pages/lifetime-value.py",
    "pages/what-if.py",
    "pages/data.py",
)


@pytest.fixture(scope="module")
def spark_built_demo() -> Iterator[str]:
    """The demo's files built on Spark into a folder of the server's data/ folder."""
    name = f"built-apptest-{os.getpid()}"
    out = DATA_DIR / name
    shutil.rmtree(out, ignore_errors=True)
    files = [str(DATA_DIR / "demo_orders.csv"), "--customers", str(DATA_DIR / "demo_customers.csv")]
    try:
        assert main(["build", *files, "--out", str(out), "--engine", "spark"]) == 0
        yield name
    finally:
        shutil.rmtree(out, ignore_errors=True)


def open_built(at: AppTest, name: str) -> AppTest:
    at.switch_page("pages/data.py").run()
    at.selectbox(key="built_folder").set_value(name).run()
    return at.button(key="built_open").click().run()


def problems(at: AppTest) -> list[str]:
    return [str(error.value) for error in at.exception] + [str(error.value) for error in at.error]


@spark_required
def test_a_spark_built_folder_opens_and_every_page_works_as_with_the_files(spark_built_demo: str) -> None:
    at = new_app()
    uploaded = metrics(at)  # the demo: the same files, imported and built in the session
    open_built(at, spark_built_demo)
    assert not problems(at)
    assert t("built.opened", name=spark_built_demo).replace("-", "\\-") in at.success[0].value
    assert any("built on spark" in caption.value for caption in at.caption)
    at.switch_page("pages/overview.py").run()
    assert not problems(at)
    # Every figure of the overview is the same as from the uploaded files.
    assert metrics(at) == uploaded
    # The settings it was built for are fixed in the sidebar.
    assert at.number_input(key="setting_window").disabled
    assert at.number_input(key="setting_window").value == 60
    for page in PAGES:
        at.switch_page(page).run()
        assert not problems(at), page
        assert not at.warning, (page, [warning.value for warning in at.warning])
        if page in LAZY_TABS:
            for label in LAZY_TABS[page][1]:
                open_tab(at, page, label).run()
                assert not problems(at), (page, label)
                assert not at.warning, (page, label, [warning.value for warning in at.warning])


@spark_required
def test_what_a_built_folder_was_not_built_for_says_so(spark_built_demo: str) -> None:
    at = open_built(new_app(), spark_built_demo)
    at.switch_page("pages/tiers.py").run()
    open_tab(at, "pages/tiers.py", "tiers.migration").run()
    at.date_input(key="tiers_before").set_value((date(2023, 1, 1), date(2023, 12, 31))).run()
    assert not problems(at)
    assert [warning.value for warning in at.warning] == [
        t("built.not_built_default", settings=t("built.setting.migration_before"))
    ]
    # Back at the default windows, the migration is there again.
    before, _ = default_migration_windows(date(2025, 12, 31))  # the demo's as-of date
    at.date_input(key="tiers_before").set_value(before).run()
    assert not at.warning


@spark_required
def test_the_built_dataset_texts_in_chinese(spark_built_demo: str) -> None:
    set_language("zh")  # AppTest formats widget options in the test's thread
    try:
        at = open_built(new_app({"lang": "zh"}), spark_built_demo)
        assert not problems(at)
        assert any(caption.value.startswith("已构建的数据集（文件夹") for caption in at.caption)
        assert any(subheader.value == "打开已构建的数据集" for subheader in at.subheader)
        at.switch_page("pages/overview.py").run()
        assert any(caption.value.startswith("已构建的数据集：") for caption in at.sidebar.caption)
    finally:
        set_language("en")
