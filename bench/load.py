"""A workshop opening the link at once: ``python -m bench.load --sessions 20``.

Starts the dashboard on a free loopback port (nothing leaves the machine), opens one session
to warm the server up (the demo is built once per process), then opens ``--sessions`` new
sessions on /overview at the same moment and records for each the seconds from its request to
its chart, three times on a fresh server each: as browsers (each session in its own context of
one headless Chromium, Debian's ``chromium``: until the chart is drawn); as browsers on
Streamlit's floor (a one-file app with a metric and one chart: what twenty browsers on this
machine take for any Streamlit app); and as bare websocket clients speaking Streamlit's protocol
(until the server has sent the chart: the server's part alone, what twenty people with their
own laptops wait for before their browser draws). The server's resident memory is sampled
throughout (peak), and again once every session has been closed and the server has let them go
(``--server.disconnectedSessionTTL``). ``--write`` puts the table into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import websockets
from playwright.async_api import Browser, async_playwright
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.browser import FLOOR_APP, free_port, start_server
from bench.run import write_docs
from tests.e2e.conftest import CHROMIUM_ARGS, chromium_path

ROOT = Path(__file__).resolve().parent.parent
LOAD_START = "<!-- bench-load:start -->"
LOAD_END = "<!-- bench-load:end -->"
CLIENTS = {
    "browser": "browsers, the demo",
    "floor": "browsers, Streamlit's floor",
    "websocket": "websockets, the demo (server only)",
}
SESSION_TTL_SECONDS = 5
DRAWN = """() => !document.querySelector('[data-testid="stStatusWidget"]')
    && document.querySelector('[data-testid="stPlotlyChart"] .scatterlayer .trace')"""


def resident_mb(pid: int | None = None) -> float:
    """The resident memory of process ``pid`` (this one by default) in MB."""
    for line in Path(f"/proc/{pid or 'self'}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """The CPU time process ``pid`` has used (user and system), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class MemorySampler:
    """The peak resident memory of a process, sampled every 0.1 s in a thread."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = resident_mb(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, resident_mb(self.pid))

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


async def open_session(browser: Browser, url: str) -> float:
    """Seconds from a new session's request for ``url`` to its chart drawn."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = await context.new_page()
        start = time.perf_counter()
        await page.goto(url, wait_until="commit", timeout=600_000)
        await page.wait_for_function(DRAWN, timeout=600_000)
        return time.perf_counter() - start
    finally:
        await context.close()


async def open_websocket_session(port: int, page: str) -> float:
    """Seconds from a new websocket session's request for ``page`` to the server's sending of
    the page's first chart (what a browser would then draw)."""
    start = time.perf_counter()
    stream = f"ws://127.0.0.1:{port}/_stcore/stream"
    async with websockets.connect(stream, subprotocols=[websockets.Subprotocol("streamlit")], max_size=None) as ws:
        request = BackMsg()
        request.rerun_script.page_name = page
        await ws.send(request.SerializeToString())
        while True:
            message = ForwardMsg()
            message.ParseFromString(await ws.recv())
            is_element = message.WhichOneof("type") == "delta" and message.delta.WhichOneof("type") == "new_element"
            if is_element and message.delta.new_element.WhichOneof("type") == "plotly_chart":
                return time.perf_counter() - start


async def measure(sessions: int, port: int, server_pid: int, client: str) -> dict[str, float | str]:
    """``sessions`` new sessions at once, as ``client``: "browser" or "websocket" on the demo,
    "floor" (browsers on Streamlit's floor app, a metric and one chart)."""
    executable = chromium_path()
    if executable is None:
        raise SystemExit("Debian's chromium is needed: apt-get install -y chromium")
    url = f"http://127.0.0.1:{port}/" + ("" if client == "floor" else "overview")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)

        async def one() -> float:
            if client == "websocket":
                return await open_websocket_session(port, "overview")
            return await open_session(browser, url)

        warm = await one()
        await asyncio.sleep(SESSION_TTL_SECONDS + 5)
        before = resident_mb(server_pid)
        cpu_before = cpu_seconds(server_pid)
        with MemorySampler(server_pid) as sampler:
            start = time.perf_counter()
            timings = await asyncio.gather(*(one() for _ in range(sessions)))
            wall = time.perf_counter() - start
        server_cpu = cpu_seconds(server_pid) - cpu_before
        await browser.close()
    # The server lets a closed session go after its TTL; then its workspace is released.
    await asyncio.sleep(SESSION_TTL_SECONDS + 10)
    after = resident_mb(server_pid)
    return {
        "client": client,
        "sessions": sessions,
        "under_10_s": sum(timing < 10 for timing in timings),
        "warm_s": warm,
        "median_s": statistics.median(timings),
        "slowest_s": max(timings),
        "fastest_s": min(timings),
        "wall_s": wall,
        "server_cpu_s": server_cpu,
        "rss_before_mb": before,
        "rss_peak_mb": sampler.peak,
        "rss_after_mb": after,
    }


def serve(port: int, script: Path) -> subprocess.Popen[bytes]:
    """``script`` served on 127.0.0.1:``port``, closed sessions let go after SESSION_TTL_SECONDS."""
    server = start_server(script, port, "--server.disconnectedSessionTTL", str(SESSION_TTL_SECONDS))
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
            return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("The server did not start.")


def table(results: list[dict[str, float | str]]) -> str:
    rows = [
        "| sessions at once, as | first view, median (s) | fastest (s) | slowest (s) | under 10 s "
        "| all done (s) | server CPU (s) | first session after start (s) | server RSS before (MB) "
        "| peak (MB) | after closing (MB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        rows.append(
            f"| {result['sessions']} {CLIENTS[str(result['client'])]} "
            f"| {result['median_s']:.1f} | {result['fastest_s']:.1f} "
            f"| {result['slowest_s']:.1f} | {result['under_10_s']} | {result['wall_s']:.1f} "
            f"| {result['server_cpu_s']:.1f} | {result['warm_s']:.1f} | {result['rss_before_mb']:,.0f} "
            f"| {result['rss_peak_mb']:,.0f} | {result['rss_after_mb']:,.0f} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20, help="new sessions opened at once (default 20)")
    parser.add_argument(
        "--clients",
        nargs="+",
        choices=("browser", "websocket", "floor"),
        default=["browser", "floor", "websocket"],
        help="browsers or bare websocket clients on the demo, browsers on Streamlit's floor (default: all three)",
    )
    parser.add_argument("--write", action="store_true", help="write the table into docs/benchmarks.md")
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory() as folder:
        floor = Path(folder) / "floor.py"
        floor.write_text(FLOOR_APP, encoding="utf-8")
        for client in args.clients:  # each on a server of its own, started afresh
            port = free_port()
            server = serve(port, floor if client == "floor" else ROOT / "app.py")
            try:
                results.append(asyncio.run(measure(args.sessions, port, server.pid, client)))
            finally:
                server.terminate()
                server.wait(timeout=30)
    text = table(results)
    print(text)
    if args.write:
        write_docs(text, LOAD_START, LOAD_END)
    return 0


if __name__ == "__main__":
    sys.exit(main())
