"""Many users at once behind nginx: two dashboard replicas, Debian's nginx in front, N Playwright browser sessions.

    python scripts/load_test.py [--sessions 20] [--duration 180] [--data FOLDER] [--json OUT]

Starts (all on loopback, in a temporary folder, stopped again at the end):
- a copy of the data folder (the audit log is written into it) with every plan's aggregates built, as an import
  builds them before a version is served; a users file with one account per role and unit
  below, a settings file with ``[auth] trust_proxy = true``;
- ``--replicas`` (default two) dashboards: ``streamlit run dashboard.py`` on free ports;
- nginx from deploy/nginx/skills-tracker.conf's recipe (websocket upgrade, a sticky route cookie) on a free port
  (installed with apt-get when missing and run as root).

Then N browser sessions (one Chromium, one context — own cookies — each) of mixed roles sign in through nginx and
click through the pages their role has until the time is up; each session also opens a crafted link naming a unit
outside its scope. Reported: page views, errors (exceptions on a page, time-outs, failed sign-ins), out-of-scope
unit names seen on a page (target 0), crafted links answered 无权限, p50/p95 settle time of page views (click in
the navigation → the script has finished and the page is still), the servers' part of them (p50/p95 of the script
runs that drew a page, from their start to their end: ``SKILLS_RUN_LOG``, tracker.app.serve) and of sign-ins (open the
address → signed in), each replica's memory (RSS now and peak), CPU seconds and requests, and the servers' CPU
seconds per page view.
A sign-in is split into its parts (open → form shown, press 登录 → signed in, presses needed), and the machine's CPU
into the servers', the browsers' of this run (Playwright and its Chromium) and the rest: on one machine the 20
browsers, not the server, are most of what a sign-in waits for.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker import aggregates, users  # noqa: E402
from tracker.procs import cpu_seconds, free_port, rss_kb, wait_http  # noqa: E402
from tracker.scope import for_user  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
# name: (role, unit, a unit outside the scope to try in a crafted link, page of that link)
ACCOUNTS = {
    "sheng": ("province", None, None, None),
    "lvliang": ("city", "141100", "140100", "drilldown"),
    "liulin": ("county", "141125", "140105", "drilldown"),
    "xiaodian": ("county", "140105", "141125", "drilldown"),
    "jyt": ("edu_dept", None, "140105", "overview"),
    "ty-edu": ("edu_city", "140100", "U03", "schools"),
    "sxu": ("school", "U01", "U02", "schools"),
    "fenxi": ("analyst", None, None, None),
    "hecha": ("auditor", "141100", "140105", "compliance"),
    "shuju": ("data_admin", None, None, None),
}
PASSWORD = "load-test-pass"


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("nginx is not installed (apt-get install -y nginx) and this is not root")
    print("installing Debian's nginx …", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "nginx"], check=True, stdout=subprocess.DEVNULL)
    return "/usr/sbin/nginx"


NGINX_CONF = """
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
{user}
events {{ worker_connections 1024; }}
http {{
    log_format upstreamlog '$upstream_addr $status $request_time "$request_uri"';
    access_log {tmp}/nginx-access.log upstreamlog;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
{body}
}}
"""


def nginx_site(listen: int, ports: list[int]) -> str:
    """deploy/nginx/skills-tracker.conf with this run's ports (the same upstream, map and proxy settings)."""
    text = (ROOT / "deploy" / "nginx" / "skills-tracker.conf").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("#")]
    text = "\n".join(lines)
    servers = "\n".join(f"    server 127.0.0.1:{p} max_fails=2 fail_timeout=10s;" for p in ports)
    text = text.replace(
        "    server 127.0.0.1:8601 max_fails=2 fail_timeout=10s;\n    server 127.0.0.1:8602 max_fails=2 fail_timeout=10s;",
        servers,
    )
    return text.replace("listen 80;", f"listen 127.0.0.1:{listen};")


def machine_cpu_seconds() -> float:
    """Busy CPU seconds of the whole machine so far (all cores: the servers, the browsers, everyone else)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def browser_cpu(seen: dict[int, float], servers: set[int]) -> None:
    """Record in ``seen`` the CPU seconds of every process this script started besides the servers and nginx: the
    Playwright driver and its Chromium (browser, renderers, GPU/utility processes); a process that has ended keeps
    the last figure sampled."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    mine = {os.getpid()}
    changed = True
    while changed:
        changed = False
        for pid, parent in parents.items():
            if parent in mine and pid not in mine and pid not in servers:
                mine.add(pid)
                changed = True
    for pid in mine - {os.getpid()}:
        seen[pid] = max(seen.get(pid, 0.0), cpu_seconds(pid))


def foreign_names(role: str, unit: str | None) -> set[str]:
    """Names of units a user of this role must never see on a page (unique names not inside an allowed one, and
    not part of the plans' and documents' own titles, which every page shows)."""
    scope = for_user(users.User("x", role, unit))
    if scope.everything:
        return set()
    tree = users.unit_tree()
    allowed = {c for c in tree if scope.visible(c)}
    allowed_names = [tree[c]["name"] for c in allowed]
    counts = Counter(n["name"] for n in tree.values())
    static = (ROOT / "data" / "reference" / "plans.csv").read_text(encoding="utf-8")
    static += (ROOT / "data" / "reference" / "metrics.csv").read_text(encoding="utf-8")
    out = set()
    for code, node in tree.items():
        name = node["name"]
        if code in allowed or counts[name] > 1 or len(name) < 3 or name in static:
            continue
        if any(name in a or a in name for a in allowed_names):
            continue
        out.add(name)
    return out


SETTLED_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const running = app && app.getAttribute('data-test-script-state') === 'running';
  return !!document.querySelector('[data-testid="stAppViewContainer"]') && !running
      && !document.querySelector('[data-testid="stStatusWidget"]');
}"""


async def settle(page: Any, timeout_ms: int) -> None:
    await page.wait_for_timeout(150)
    await page.wait_for_function(SETTLED_JS, timeout=timeout_ms)
    await page.wait_for_timeout(100)
    await page.wait_for_function(SETTLED_JS, timeout=timeout_ms)


async def sign_in(page: Any, name: str, timeout_ms: int, stats: dict[str, Any] | None = None) -> None:
    """Fill the form and press 登录 as a person would — again if the press fell into a rerun of the page and was
    lost (the form is still there, unanswered, after a while). ``stats`` gets the presses and press → answer."""
    outcome = '[data-testid="stSidebarNav"], [data-testid="stAlert"]'
    deadline = time.perf_counter() + timeout_ms / 1000
    pressed = time.perf_counter()
    while True:
        if stats is not None:
            stats["sign_in_presses"] += 1
        await page.get_by_label("用户名").fill(name)
        await page.get_by_label("密码").fill(PASSWORD)
        await page.get_by_role("button", name="登录").click()
        # signed in: the navigation appears (every role has at least two pages); a refusal shows an alert instead
        wait_ms = int(min(30.0, max(1.0, deadline - time.perf_counter())) * 1000)
        try:
            await page.wait_for_selector(outcome, timeout=wait_ms)
            break
        except Exception:
            if time.perf_counter() >= deadline or not await page.get_by_role("button", name="登录").count():
                raise
            await settle(page, timeout_ms)
    if stats is not None:
        stats["sign_in_answer"].append(time.perf_counter() - pressed)
    await settle(page, timeout_ms)
    if not await page.locator('[data-testid="stSidebarNav"]').count():
        raise RuntimeError(f"{name}: sign-in failed")


async def page_text(page: Any) -> str:
    """What the page shows: its text, chart labels, and the cells data grids have drawn (the grid's accessible
    cells live in a shadow root, which Playwright's locators pierce; only rendered rows are there)."""
    text = await page.evaluate(
        """() => {
      const main = document.querySelector('[data-testid="stMain"]');
      if (!main) return '';
      let text = main.innerText;
      for (const t of main.querySelectorAll('svg text')) text += ' ' + t.textContent;
      return text;
    }"""
    )
    grids = page.locator('[data-testid="stMain"] [data-testid="stDataFrame"]')
    if await grids.count():  # grids draw their cells a moment after the script has finished
        with contextlib.suppress(Exception):
            await grids.first.locator('[role="gridcell"]').first.wait_for(state="attached", timeout=5000)
    cells = await page.locator('[data-testid="stMain"] [role="gridcell"]').all_text_contents()
    return text + " " + " ".join(cells)


async def session(k: int, browser: Any, base: str, deadline: float, stats: dict[str, Any], timeout_ms: int) -> None:
    name = list(ACCOUNTS)[k % len(ACCOUNTS)]
    role, unit, crafted_unit, crafted_page = ACCOUNTS[name]
    foreign = foreign_names(role, unit)
    context = await browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    context.set_default_timeout(timeout_ms)
    context.set_default_navigation_timeout(timeout_ms)
    page = await context.new_page()
    try:
        t0 = time.perf_counter()
        await page.goto(base + "/", wait_until="domcontentloaded")
        await page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=timeout_ms)
        await settle(page, timeout_ms)
        stats["sign_in_form"].append(time.perf_counter() - t0)
        await sign_in(page, name, timeout_ms, stats)
        stats["sign_in"].append(time.perf_counter() - t0)
        stats["sessions"] += 1
        links = page.locator('[data-testid="stSidebarNav"] a')
        hrefs = [await links.nth(i).get_attribute("href") for i in range(await links.count())]
        i = 0
        while time.time() < deadline and hrefs:
            href = hrefs[i % len(hrefs)]
            title = href.rstrip("/").rsplit("/", 1)[-1] or "overview"
            i += 1
            t0 = time.perf_counter()
            try:
                await page.locator(f'[data-testid="stSidebarNav"] a[href="{href}"]').first.click()
                await settle(page, timeout_ms)
            except Exception as exc:  # a time-out is an error of this view
                stats["errors"].append(f"{name} {title}: {type(exc).__name__} {str(exc)[:120]}")
                continue
            stats["settle"].append(time.perf_counter() - t0)
            stats["views"] += 1
            if await page.locator('[data-testid="stException"]').count():
                stats["errors"].append(f"{name} {title}: exception on the page")
            text = await page_text(page)
            seen = sorted(n for n in foreign if n in text)
            if seen:
                stats["out_of_scope"].append(f"{name} on {title}: {', '.join(seen[:5])}")
        if crafted_unit:
            param = "county" if crafted_page == "compliance" else "unit"
            await page.goto(f"{base}/{crafted_page}?{param}={crafted_unit}", wait_until="domcontentloaded")
            await page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=timeout_ms)
            await settle(page, timeout_ms)
            await sign_in(page, name, timeout_ms)
            text = await page_text(page)
            figures = await page.locator('[data-testid="stMetric"], [data-testid="stDataFrame"]').count()
            if "无权限" in text and not figures:
                stats["crafted_refused"].append(f"{name}: /{crafted_page}?{param}={crafted_unit} → 无权限")
            else:
                stats["out_of_scope"].append(f"{name}: crafted /{crafted_page}?{param}={crafted_unit} answered")
    except Exception as exc:
        stats["errors"].append(f"{name}: {type(exc).__name__} {str(exc)[:160]}")
    finally:
        await context.close()


async def drive(base: str, sessions: int, duration: float, timeout_ms: int, ramp: float = 1.0) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    stats: dict[str, Any] = {
        "settle": [],
        "sign_in": [],
        "sign_in_form": [],
        "sign_in_answer": [],
        "sign_in_presses": 0,
        "views": 0,
        "sessions": 0,
        "errors": [],
        "out_of_scope": [],
        "crafted_refused": [],
    }
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        deadline = time.time() + duration
        tasks = []
        for k in range(sessions):
            tasks.append(asyncio.create_task(session(k, browser, base, deadline, stats, timeout_ms)))
            await asyncio.sleep(ramp)  # people do not all arrive in the same second
        await asyncio.gather(*tasks)
        await browser.close()
    return stats


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--duration", type=float, default=180, help="seconds of clicking after the first sign-in")
    ap.add_argument(
        "--data", default=os.environ.get("SKILLS_DATA_DIR"), help="data folder (copied; default $SKILLS_DATA_DIR)"
    )
    ap.add_argument("--timeout", type=float, default=120, help="seconds a page may take to settle before an error")
    ap.add_argument("--ramp", type=float, default=1.0, help="seconds between two sessions' arrival")
    ap.add_argument("--replicas", type=int, default=2, help="dashboard processes behind nginx (1 = one server)")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args(argv)
    if not args.data:
        ap.error("--data or SKILLS_DATA_DIR is required")
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} not found (apt-get install -y chromium fonts-noto-cjk)")
    nginx = nginx_binary()
    tmp = Path(tempfile.mkdtemp(prefix="skills-load-"))
    procs: list[subprocess.Popen] = []
    try:
        data = tmp / "data"
        shutil.copytree(args.data, data)
        # as an import does before its version is served (issue #12): the replicas then never build them on a click
        t_build = time.time()
        aggregates.build(data)
        print(f"aggregates built in {time.time() - t_build:.0f} s", flush=True)
        users_file = tmp / "users.json"
        for name, (role, unit, _, _) in ACCOUNTS.items():
            users.add(name, role, unit, PASSWORD, None, users_file)
        settings_file = tmp / "settings.toml"
        settings_file.write_text("[auth]\ntrust_proxy = true\nsession_minutes = 120\nfree_attempts = 50\n")
        env = {
            **os.environ,
            "SKILLS_DATA_DIR": str(data),
            "SKILLS_USERS_FILE": str(users_file),
            "SKILLS_SETTINGS_FILE": str(settings_file),
        }
        ports = [free_port() for _ in range(max(1, args.replicas))]
        for port in ports:
            log = open(tmp / f"replica-{port}.log", "wb")  # noqa: SIM115 (closed with the process)
            procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "streamlit",
                        "run",
                        "dashboard.py",
                        "--server.port",
                        str(port),
                        "--server.address",
                        "127.0.0.1",
                        "--server.headless",
                        "true",
                    ],
                    cwd=ROOT,
                    env={**env, "SKILLS_RUN_LOG": str(tmp / f"runs-{port}.jsonl")},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        for port in ports:
            wait_http(f"http://127.0.0.1:{port}/_stcore/health")
        listen = free_port()
        conf = tmp / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(tmp=tmp, user="user root;" if os.geteuid() == 0 else "", body=nginx_site(listen, ports)),
            encoding="utf-8",
        )
        procs.append(
            subprocess.Popen([nginx, "-c", str(conf), "-p", str(tmp), "-e", str(tmp / "nginx-error.log")], cwd=tmp)
        )
        base = f"http://127.0.0.1:{listen}"
        wait_http(base + "/_stcore/health", 30)
        print(f"nginx on {base} → replicas {ports}; {args.sessions} sessions for {args.duration:.0f} s", flush=True)
        peaks = {p: 0 for p in ports}
        browsers: dict[int, float] = {}
        servers = {proc.pid for proc in procs}

        async def sample() -> None:
            while True:
                for port, proc in zip(ports, procs, strict=False):
                    peaks[port] = max(peaks[port], rss_kb(proc.pid)[0])
                browser_cpu(browsers, servers)
                await asyncio.sleep(1)

        async def run_all() -> dict[str, Any]:
            sampler = asyncio.create_task(sample())
            try:
                return await drive(base, args.sessions, args.duration, int(args.timeout * 1000), args.ramp)
            finally:
                sampler.cancel()

        cpu_before = {port: cpu_seconds(proc.pid) for port, proc in zip(ports, procs, strict=False)}
        machine_before = machine_cpu_seconds()
        t0 = time.time()
        stats = asyncio.run(run_all())
        elapsed = time.time() - t0
        machine_used = machine_cpu_seconds() - machine_before
        cpu_used = {port: cpu_seconds(proc.pid) - cpu_before[port] for port, proc in zip(ports, procs, strict=False)}
        # every request of a view: sign-ins, page views and the crafted links (one each per session)
        views_served = stats["views"] + 2 * stats["sessions"]
        upstream = Counter()
        for line in (tmp / "nginx-access.log").read_text().splitlines():
            upstream[line.split(" ", 1)[0]] += 1
        settle_s = stats["settle"]
        # the servers' part of each page view: a script run from its start to its end (tracker.app.serve)
        server_runs = [
            run["wall_s"]
            for port in ports
            if (tmp / f"runs-{port}.jsonl").exists()
            for run in map(json.loads, (tmp / f"runs-{port}.jsonl").read_text(encoding="utf-8").splitlines())
            if run["at"] >= t0 and run["page"] and run["outcome"] != "error"  # not the sign-in form's runs
        ]
        audit_lines = (
            (data / "audit.jsonl").read_text(encoding="utf-8").splitlines() if (data / "audit.jsonl").exists() else []
        )
        result = {
            "sessions": args.sessions,
            "sessions_signed_in": stats["sessions"],
            "seconds": round(elapsed, 1),
            "page_views": stats["views"],
            "errors": len(stats["errors"]),
            "error_samples": stats["errors"][:10],
            "out_of_scope_seen": len(stats["out_of_scope"]),
            "out_of_scope_samples": stats["out_of_scope"][:10],
            "crafted_links_refused": len(stats["crafted_refused"]),
            "crafted_samples": stats["crafted_refused"][:3],
            "settle_p50_s": round(statistics.median(settle_s), 2) if settle_s else None,
            "settle_p95_s": round(percentile(settle_s, 0.95), 2) if settle_s else None,
            "server_runs": len(server_runs),
            "server_run_p50_s": round(statistics.median(server_runs), 2) if server_runs else None,
            "server_run_p95_s": round(percentile(server_runs, 0.95), 2) if server_runs else None,
            "sign_in_p50_s": round(statistics.median(stats["sign_in"]), 2) if stats["sign_in"] else None,
            "sign_in_p95_s": round(percentile(stats["sign_in"], 0.95), 2) if stats["sign_in"] else None,
            # open the address → the form is there; press 登录 → signed in; presses (a lost press is pressed again)
            "sign_in_form_p50_s": round(statistics.median(stats["sign_in_form"]), 2) if stats["sign_in_form"] else None,
            "sign_in_answer_p50_s": round(statistics.median(stats["sign_in_answer"]), 2)
            if stats["sign_in_answer"]
            else None,
            "sign_in_answer_p95_s": round(percentile(stats["sign_in_answer"], 0.95), 2)
            if stats["sign_in_answer"]
            else None,
            "sign_in_presses": stats["sign_in_presses"],
            "replicas": {
                str(port): {
                    "rss_mb_end": round(rss_kb(proc.pid)[0] / 1024),
                    "rss_mb_peak": round(max(peaks[port], rss_kb(proc.pid)[1]) / 1024),
                    "requests": upstream.get(f"127.0.0.1:{port}", 0),
                    "cpu_s": round(cpu_used[port], 1),
                }
                for port, proc in zip(ports, procs, strict=False)
            },
            "server_cpu_s": round(sum(cpu_used.values()), 1),
            "server_cpu_s_per_view": round(sum(cpu_used.values()) / views_served, 3) if views_served else None,
            # the machine's busy share over the run (2 cores = 100%): servers, browsers and anyone else on it
            "machine_busy_pct": round(100 * machine_used / (elapsed * (os.cpu_count() or 1)), 1),
            "machine_cpu_s": round(machine_used, 1),
            "browsers_cpu_s": round(sum(browsers.values()), 1),  # the Playwright driver and Chromium of this run
            "audit_lines": len(audit_lines),
        }
        print(json.dumps(result, ensure_ascii=False, indent=1))
        if args.json:
            Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
            if stats["errors"]:  # the servers' own account of what went wrong, kept beside the figures
                kept = Path(args.json).with_suffix(".logs")
                kept.mkdir(exist_ok=True)
                for log in [*tmp.glob("replica-*.log"), *tmp.glob("runs-*.jsonl"), tmp / "nginx-error.log"]:
                    if log.exists():
                        shutil.copy(log, kept / log.name)
                print(f"errors: replica logs and run logs kept in {kept}", flush=True)
        return result
    finally:
        for proc in reversed(procs):  # only the processes this script started, by their id
            with contextlib.suppress(ProcessLookupError, PermissionError):
                if proc.args[0] == nginx:
                    proc.terminate()
                else:
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
