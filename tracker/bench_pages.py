"""Each page's settle time in headless Chromium, for ``python -m tracker bench`` (issue #12).

Starts the dashboard on a free loopback port over a data folder (aggregates already built, as an import leaves
them), then opens every page in a fresh browser context twice: the first visit after the server started (what the
first official after an import waits) and a second visit (warm: what everyone after pays). Measured per visit:
``headline_s`` (address opened → the first figure card or table is on screen) and ``settle_s`` (→ the script has
finished and nothing is running). Needs Debian's chromium and the Playwright package; returns [] without them.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tracker.procs import cpu_seconds, free_port, rss_kb, wait_http

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
PAGES = {
    "总览": "",
    "双周调度": "biweekly",
    "院校取证": "schools",
    "区域分析": "drilldown",
    "合规核查": "compliance",
    "资金测算": "subsidy",
    "报告归档": "archive",
    "数据管理": "data",
}
SETTLED_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const running = app && app.getAttribute('data-test-script-state') === 'running';
  return !!document.querySelector('[data-testid="stAppViewContainer"]') && !running
      && !document.querySelector('[data-testid="stStatusWidget"]');
}"""
SERVER_FLAGS = ["--server.address", "127.0.0.1", "--server.headless", "true"]
HEADLINE = '[data-testid="stMetric"], [data-testid="stDataFrame"], [data-testid="stPlotlyChart"]'
DONE_JS = "() => !!document.querySelector('[data-testid=stMain] h1') && (" + SETTLED_JS + ")()"


def _headline_s(page: Any, t0: float, timeout_s: float, done: dict[str, float] | None = None) -> float | None:
    """Seconds from ``t0`` until the page's first figure card, table or chart is on screen, polled every 50 ms;
    None for a page that is done (its title drawn, nothing running for 5 s) without one, or after timeout. The grace
    is long: a fresh browser draws cards, tables and charts only once it has loaded Streamlit's bundles for them,
    seconds after the script has finished on a busy machine."""
    end = time.perf_counter() + timeout_s
    done_since = None
    while time.perf_counter() < end:
        if page.locator(HEADLINE).count():
            return time.perf_counter() - t0
        if page.evaluate(DONE_JS):
            done_since = done_since or time.perf_counter()
            if time.perf_counter() - done_since > 5.0:
                if done is not None:
                    done["at"] = done_since  # the page was done (and still) from then on
                return None
        else:
            done_since = None
        page.wait_for_timeout(50)
    return None


@contextlib.contextmanager
def dashboard_server(folder: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """The dashboard on ``folder``, served on a free loopback port without sign-in: (its address, its process);
    stopped (with its children) on leaving."""
    port = free_port()
    env = {**os.environ, "SKILLS_DATA_DIR": str(folder)}
    env.pop("SKILLS_USERS_FILE", None)
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port), *SERVER_FLAGS],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_http(base + "/_stcore/health")
            yield base, server
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, 15)
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(timeout=20)


def page_settle(folder: Path, timeout_s: float = 180, warm_visits: int = 1) -> dict[str, Any]:
    """{"pages": [{page, visit, headline_s, settle_s, server_cpu_s}], "rss_mb": …, "rss_peak_mb": …} or {} without
    a browser. Visits, each a new session:

    - ``first``: the first visit of every page after the server started, from a browser that has nothing cached;
    - ``warm`` (``warm_visits`` rounds): the server has answered the page before; the browser still has nothing
      cached (it downloads and parses Streamlit's and Plotly's scripts again);
    - ``return``: the server warm and the browser's own cache kept, as an official's browser does between
      pages and visits (a new tab each time)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {}
    if not Path(CHROMIUM).exists():
        return {}
    rows: list[dict[str, Any]] = []
    with dashboard_server(folder) as (base, server):
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            returning = browser.new_context(viewport={"width": 1440, "height": 960}, locale="zh-CN")
            for visit in ("first", *["warm"] * warm_visits, "return"):
                if visit == "return":  # the returning browser has the scripts in its cache (not measured)
                    opened = returning.new_page()
                    opened.goto(f"{base}/", wait_until="domcontentloaded")
                    with contextlib.suppress(Exception):
                        _settled(opened, timeout_s)
                    opened.close()
                for title, path in PAGES.items():
                    context = (
                        returning
                        if visit == "return"
                        else browser.new_context(viewport={"width": 1440, "height": 960}, locale="zh-CN")
                    )
                    page = context.new_page()
                    cpu0 = cpu_seconds(server.pid)
                    t0 = time.perf_counter()
                    page.goto(f"{base}/{path}", wait_until="domcontentloaded")
                    headline = None
                    done: dict[str, float] = {}
                    with contextlib.suppress(Exception):  # the first figure, or a page done without one
                        headline = _headline_s(page, t0, timeout_s, done)
                    settle: float | None = None
                    if "at" in done:  # no figure: settled when it was done, not after the headline's grace
                        settle = done["at"] - t0
                    else:
                        with contextlib.suppress(Exception):  # a page that does not settle in time: None
                            _settled(page, timeout_s)
                            settle = time.perf_counter() - t0 - 0.25
                    cpu = cpu_seconds(server.pid) - cpu0
                    rows.append(
                        {"page": title, "visit": visit, "headline_s": headline, "settle_s": settle, "server_cpu_s": cpu}
                    )
                    page.close()
                    if context is not returning:
                        context.close()
            returning.close()
            browser.close()
        now, peak = (kb // 1024 for kb in rss_kb(server.pid))
        return {"pages": rows, "rss_mb": now, "rss_peak_mb": peak}


def page_cpu(folder: Path, repeat: int = 3) -> list[dict[str, Any]]:
    """Server CPU seconds of one page view when another session has already asked the same (issue #12: ≤ 0.15 s).

    Runs each page in Streamlit's AppTest (the page script, its queries through the shared runner, its charts and
    tables serialised as for a browser): once to warm what is shared, then ``repeat`` times as new sessions; reports
    the median process CPU time of those views."""
    import statistics

    from streamlit.testing.v1 import AppTest

    os.environ["SKILLS_DATA_DIR"] = str(folder)
    os.environ.pop("SKILLS_USERS_FILE", None)
    dashboard = str(ROOT / "dashboard.py")
    rows = []
    for title, path in PAGES.items():
        page_file = f"pages/{path or 'overview'}.py"
        costs = []
        for k in range(repeat + 1):
            at = AppTest.from_file(dashboard, default_timeout=600)
            if path:
                at.switch_page(page_file)
            t0 = time.process_time()
            at.run()
            cost = time.process_time() - t0
            if k:
                costs.append(cost)
        shown = at.title[0].value if at.title else ""
        rows.append({"page": title, "shown": shown, "cpu_s": statistics.median(costs), "exception": bool(at.exception)})
    return rows


def _settled(page: Any, timeout_s: float) -> None:
    page.wait_for_timeout(150)
    page.wait_for_function(SETTLED_JS, timeout=timeout_s * 1000)
    page.wait_for_timeout(100)
    page.wait_for_function(SETTLED_JS, timeout=timeout_s * 1000)


def page_view_cpu(folder: Path, rounds: int = 3, timeout_s: float = 180) -> dict[str, Any]:
    """Server CPU seconds of a page view when another session has already asked the same (issue #12: ≤ 0.15 s),
    measured on the real server: one browser session opens every page once (what is shared gets built), then a
    second session clicks through every page ``rounds`` times in the navigation, as a user does (no reload: the
    page's script run and what it sends). Returns {"pages": [{page, cpu_s (median), settle_s (median)}], "rss_mb",
    "rss_peak_mb"} or {} without a browser."""
    import statistics

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {}
    if not Path(CHROMIUM).exists():
        return {}
    costs: dict[str, list[float]] = {}
    settles: dict[str, list[float]] = {}
    with dashboard_server(folder) as (base, server):
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            for measured in (False, True):  # the first session builds what is shared; the second one is measured
                context = browser.new_context(viewport={"width": 1440, "height": 960}, locale="zh-CN")
                page = context.new_page()
                page.goto(base + "/", wait_until="domcontentloaded")
                page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=timeout_s * 1000)
                _settled(page, timeout_s)
                for _ in range(rounds if measured else 1):
                    for title, path in PAGES.items():
                        link = page.locator(f'[data-testid="stSidebarNav"] a[href="{base}/{path}"]').first
                        cpu0 = cpu_seconds(server.pid)
                        t0 = time.perf_counter()
                        link.click()
                        _settled(page, timeout_s)
                        if measured:
                            settles.setdefault(title, []).append(time.perf_counter() - t0 - 0.25)
                            costs.setdefault(title, []).append(cpu_seconds(server.pid) - cpu0)
                context.close()
            browser.close()
        now, peak = (kb // 1024 for kb in rss_kb(server.pid))
        rows = [
            {"page": t, "cpu_s": statistics.median(c), "settle_s": statistics.median(settles[t])}
            for t, c in costs.items()
        ]
        return {"pages": rows, "rss_mb": now, "rss_peak_mb": peak}
