"""How long 总览 takes for another user while a large .xlsx is imported on 数据管理 (issue #16).

Usage (a dashboard must be running on --base with a data folder you may write to, never /work/demo-data):

    python scripts/measure_import_stall.py --base http://127.0.0.1:8516 --xlsx /tmp/training_200k.xlsx

User B loads 总览 (fresh page each time) a few times before the import as a baseline, then user A uploads the
workbook on 数据管理 and imports it, while B keeps loading 总览. Each load is timed from navigation until the
page's title is drawn and Streamlit's running indicator is gone. Prints one line per load and a summary.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"]


def _settled(page, timeout: float = 180_000) -> None:
    page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=timeout)
    page.wait_for_selector("h1", timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        ' && document.querySelectorAll(\'[data-testid="stMetric"], [data-testid="stDataFrame"]\').length > 0',
        timeout=timeout,
    )


def load_overview(browser, base: str) -> float:
    ctx = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    t0 = time.perf_counter()
    page.goto(base + "/")
    _settled(page)
    took = time.perf_counter() - t0
    ctx.close()
    return took


def main() -> None:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default="http://127.0.0.1:8516")
    ap.add_argument("--xlsx", required=True)
    ap.add_argument("--baseline", type=int, default=3)
    args = ap.parse_args()
    state = {"phase": "baseline", "events": []}

    def importer() -> None:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="zh-CN")
            page.goto(args.base + "/data")
            page.wait_for_selector('[data-testid="stFileUploaderDropzoneInput"]', state="attached", timeout=120_000)
            t0 = time.perf_counter()
            state["events"].append((0.0, "upload"))
            page.set_input_files('[data-testid="stFileUploaderDropzoneInput"]', args.xlsx)
            page.get_by_role("button", name="导入为新版本").wait_for(timeout=900_000)
            state["events"].append((time.perf_counter() - t0, "validated"))
            page.get_by_role("button", name="导入为新版本").click()
            page.get_by_text("已导入为新版本").wait_for(timeout=900_000)
            state["events"].append((time.perf_counter() - t0, "imported"))
            state["phase"] = "done"
            browser.close()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        load_overview(browser, args.base)  # warm the server's caches, as a running server has them
        base = [load_overview(browser, args.base) for _ in range(args.baseline)]
        for t in base:
            print(f"baseline 总览 {t:.2f} s")
        worker = threading.Thread(target=importer)
        state["phase"] = "importing"
        start = time.perf_counter()
        worker.start()
        during = []
        time.sleep(2.0)
        while state["phase"] == "importing":
            t = load_overview(browser, args.base)
            during.append(t)
            print(f"during import (t={time.perf_counter() - start:5.1f} s) 总览 {t:.2f} s")
        worker.join()
        browser.close()
    for at, what in state["events"]:
        print(f"import: {what} at {at:.1f} s")
    print(
        f"总览 for another user: baseline median {statistics.median(base):.2f} s; during the import "
        f"median {statistics.median(during):.2f} s, max {max(during):.2f} s over {len(during)} loads"
        if during
        else "no load completed during the import"
    )


if __name__ == "__main__":
    main()
