"""One session that uploads and replaces its dataset thirty times: its folder keeps the files of
the dataset in use only, and the process's memory levels off instead of growing with each cycle."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
import streamlit as st

from bench.load import resident_mb
from churn.db import scratch_root
from tests.app.conftest import new_app

CYCLES = 30


def orders_csv(cycle: int) -> bytes:
    """About 1.5 MB of orders, different in each cycle (so nothing is shared between uploads)."""
    rows = [f"C{n % 3000}-{cycle},2024-{n % 12 + 1:02d}-{n % 28 + 1:02d},{n % 500 + 1}.5" for n in range(60_000)]
    return ("customer_id,order_date,amount\n" + "\n".join(rows) + "\n").encode()


@pytest.mark.slow
def test_thirty_uploads_in_one_session_keep_disk_and_memory_level() -> None:
    at = new_app()
    at.switch_page("pages/data.py").run()
    sizes: list[int] = []
    memory: list[float] = []
    for cycle in range(CYCLES):
        version = at.session_state["data_version"] if "data_version" in at.session_state else 0  # noqa: SIM401 (AppTest's state has no get)
        at.text_input(key="data_name").set_value("weekly export").run()
        upload = at.file_uploader(key=f"data_upload_orders_{version}")
        upload.upload(f"orders-{cycle}.csv", orders_csv(cycle), "text/csv").run()
        at.button(key="data_load").click().run()
        assert not at.exception, cycle
        assert at.subheader[0].value == "Dataset in use: weekly export (orders)"
        # The session's folder (the only session of this process) keeps the dataset in use only.
        files = [path for path in scratch_root().glob("session-*/*") if path.is_file()]
        assert len(files) == 1, (cycle, files)
        sizes.append(files[0].stat().st_size)
        gc.collect()
        memory.append(resident_mb())
    assert max(sizes) <= 1.1 * min(sizes)
    # Levelled off: the last ten cycles add less than 5 MB a cycle on average (a leak of one
    # dataset per cycle would add its ~10 MB of tables and frames each time).
    growth = (memory[-1] - memory[-11]) / 10
    print(f"RSS per cycle (MB): {[round(m) for m in memory]}; last ten: {growth:+.1f} MB a cycle")
    assert growth < 5, memory
    st.cache_resource.clear()


@pytest.mark.slow
def test_the_memory_of_a_session_with_a_large_upload_is_returned_when_it_ends(tmp_path: Path) -> None:
    # A session uploads 447k order lines through the Data page, loads them and opens every page;
    # once it has ended, the process holds at most 200 MB more than before it started.
    from bench.generate import generate

    orders = generate(447_000, tmp_path, formats=("csv",))["orders.csv"].read_bytes()
    warm_up = new_app()  # the libraries' own first allocations
    warm_up.switch_page("pages/data.py").run()
    st.cache_resource.clear()
    del warm_up
    gc.collect()
    before = resident_mb()
    at = new_app()
    at.switch_page("pages/data.py").run()
    at.file_uploader(key="data_upload_orders_0").upload("orders.csv", orders, "text/csv").run()
    at.button(key="data_load").click().run()
    assert not at.exception
    for page in ("overview", "trends", "causes", "tiers", "lifetime-value", "what-if"):
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, page
    during = resident_mb()
    st.cache_resource.clear()  # the session ends: its workspace is closed
    del at, orders
    gc.collect()
    after = resident_mb()
    print(f"RSS (MB): before {before:.0f}, during {during:.0f}, after the session ended {after:.0f}")
    assert during - before > 100  # the session did hold its data (183 MB more, measured)
    assert after - before < 200, (before, during, after)
    assert after - before < 0.5 * (during - before), (before, during, after)  # most given back (18 MB kept)
