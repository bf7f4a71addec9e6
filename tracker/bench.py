"""``python -m tracker bench``: how fast the dashboard answers, in one run (issue #12).

For each data folder (``--rows N`` demo extracts, several allowed, or ``--data FOLDER``):

queries   every named query: cold = first execution in a fresh process with the aggregates on disk (the connection
          opened first and timed apart as ``open``), warm = median of repeated executions bypassing the result
          cache, cached = median of answers served from the result cache (what a page rerun costs)
baseline  a raw scan: distinct persons over ``training`` (what any question costs without aggregates)
pandas    the pandas equivalents of progress, biweekly and dispatch (tracker/bench_pandas.py), checked to give the
          same figures, and how many times slower they are than the named query warm
pages     each page's first visit after the server started, a warm visit (a new browser: nothing cached) and a
          returning one (the browser's cache kept) in headless Chromium (headline and settle seconds;
          tracker/bench_pages.py) and the server's memory
growth    with two or more folders: how each figure grows from the smallest to the largest
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tracker.query import QueryError, Runner
from tracker.store import active_dir, has_extracts, mark_demo, table_source

# representative parameters per query; a query not listed runs with plan=sx-train-2023 if it takes a plan
BENCH_PARAMS: dict[str, list[dict[str, Any]]] = {
    "progress": [{"plan": "liulin-2023"}, {"plan": "sx-train-2023"}, {"plan": "sx-edu-2021", "as_of": "2021-08-31"}],
    "biweekly": [{"plan": "liulin-2023"}, {"plan": "sx-train-2023", "level": "county"}],
    "dispatch": [{"plan": "liulin-2023"}, {"plan": "sx-train-2023", "level": "county"}],
    "forecast": [{"plan": "sx-train-2023", "level": "county"}],
    "drill_children": [{"plan": "sx-train-2023", "metric": "subsidised_trainees", "unit": "140000", "level": "city"}],
    "drill_breakdown": [
        {"plan": "sx-train-2023", "metric": "subsidised_trainees", "unit": "141125", "by": "institution"},
        {"plan": "sx-train-2023", "metric": "subsidised_trainees", "unit": "140000", "by": "training_type"},
        {"plan": "sx-train-2023", "metric": "subsidised_trainees", "unit": "140000", "by": "occupation"},
    ],
    "causes_rates": [{"plan": "sx-train-2023", "unit": "140000"}],
    "causes_own_lines": [{"plan": "liulin-2023", "unit": "141125", "metric": "training_total"}],
    "institution_watchlist": [{"plan": "sx-train-2023", "unit": "140000", "min_completed": 10}],
    "school_quota": [{"plan": "sx-edu-2021", "as_of": "2021-08-31"}],
    "school_groups": [{"plan": "sx-edu-2021", "as_of": "2021-08-31"}],
    "school_pace": [{"plan": "sx-edu-2021", "unit": "U01", "as_of": "2021-08-31"}],
    "school_detail_certs": [{"plan": "sx-edu-2021", "unit": "U01", "as_of": "2021-08-31"}],
    "school_directed": [{"plan": "sx-edu-2021", "as_of": "2021-11-30"}],
    "compliance_late_entry": [{"year": 2023, "limit": 200, "offset": 0}],
    "compliance_over_three": [{"year": 2023, "limit": 200, "offset": 0}],
    "compliance_repeat_level": [{"year": 2023, "limit": 200, "offset": 0}],
    "compliance_cert_twice": [{"year": 2023, "limit": 200, "offset": 0}],
    "compliance_no_outcome": [{"year": 2023, "limit": 200, "offset": 0}, {"year": 2023}],
    "compliance_summary": [{"year": 2023}],
    "timeliness_unit": [{"unit": "141125"}],
    # 资金测算: read the records priced once per data version (subsidy_segments, subsidy_segment_totals)
    "subsidy_summary": [
        {"plan": "sx-train-2023", "by": "city"},
        {"plan": "sx-train-2023", "by": "county", "unit": "141100"},
        {"plan": "sx-train-2023", "by": "institution", "unit": "140000"},
        {"plan": "liulin-2023", "by": "county", "unit": "141125"},
    ],
    "subsidy_pace": [{"plan": "sx-train-2023", "unit": "140000"}],
    "subsidy_unpaid": [{"plan": "sx-train-2023"}, {"plan": "sx-train-2023", "unit": "141125"}],
    "subsidy_records": [
        {"plan": "sx-train-2023", "status": "short", "limit": 200, "offset": 0},
        {"plan": "sx-train-2023", "unit": "141100", "line": "order_project", "reason": "employment_below"},
    ],
    "subsidy_rules": [{"plan": "sx-train-2023"}],
}
DEFAULT_PLAN = "sx-train-2023"


def bench_data_dir(rows: int) -> Path:
    base = Path(os.environ.get("SKILLS_BENCH_DIR", Path(tempfile.gettempdir()) / "skills-tracker-bench"))
    return base / f"rows-{rows}"


def ensure_bench_data(rows: int) -> Path:
    folder = bench_data_dir(rows)
    if not has_extracts(folder):
        from tracker import demo

        print(f"生成 {rows:,} 行演示数据到 {folder} …", flush=True)
        t0 = time.perf_counter()
        demo.write_demo(folder, rows=rows)
        mark_demo(folder)
        print(f"  用时 {time.perf_counter() - t0:.1f} 秒", flush=True)
    return folder


def build_aggregates(folder: Path) -> float:
    """Build what an import builds before its version is served; seconds taken (≈ 0 when already on disk)."""
    from tracker import aggregates

    t0 = time.perf_counter()
    aggregates.build(folder)
    return time.perf_counter() - t0


def cases(runner: Runner) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for name, query in runner.queries.items():
        names = {p.name for p in query.params}
        for params in BENCH_PARAMS.get(name, [{"plan": DEFAULT_PLAN}] if "plan" in names else [{}]):
            params = {k: v for k, v in params.items() if k in names}
            missing = [p.name for p in query.params if p.required and p.name not in params and p.name != "as_of"]
            if not missing:
                out.append((name, params))
    return out


def cold_once(folder: Path, name: str, params: dict[str, Any]) -> dict[str, float]:
    """In a fresh process: open the connection (timed apart), then run the query once."""
    t0 = time.perf_counter()
    runner = Runner(folder)
    runner.cursor()
    opened = (time.perf_counter() - t0) * 1000
    _, cold = runner.timed(name, **params)
    return {"open_ms": opened, "cold_ms": cold}


def _cold_in_fresh_process(folder: Path, name: str, params: dict[str, Any]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "tracker.bench", "cold", str(folder), name, json.dumps(params)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
        check=False,
    )
    if out.returncode != 0:
        raise QueryError(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "cold run failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


def query_table(folder: Path, repeat: int = 5) -> list[dict[str, Any]]:
    runner = Runner(folder)
    results = []
    print(f"{'query':<26}{'params':<48}{'rows':>7}{'open':>7}{'cold':>8}{'warm':>8}{'cached':>8}  (ms)")
    for name, params in cases(runner):
        try:
            cold = _cold_in_fresh_process(folder, name, params)
            runner.timed(name, **params)  # this process's first run is not the warm figure
            warm = statistics.median(runner.timed(name, **params)[1] for _ in range(repeat))
            df = runner.run(name, **params)
            cached = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                runner.run(name, **params)
                cached.append((time.perf_counter() - t0) * 1000)
        except QueryError as exc:
            print(f"{name:<26}{exc}")
            continue
        label = ",".join(f"{k}={v}" for k, v in params.items())
        row = {"query": name, "params": label, "rows": len(df), **cold, "warm_ms": warm}
        row["cached_ms"] = statistics.median(cached)
        results.append(row)
        print(
            f"{name:<26}{label[:47]:<48}{len(df):>7}{row['open_ms']:>7.0f}{row['cold_ms']:>8.0f}{warm:>8.1f}"
            f"{row['cached_ms']:>8.2f}",
            flush=True,
        )
    return results


def raw_scan_baseline(folder: Path, repeat: int = 3) -> dict[str, float]:
    """Distinct persons over every enrolment: what a question costs that reads the raw rows."""
    runner = Runner(folder)
    cur = runner.cursor()
    sql = "SELECT count(DISTINCT person_id) FROM training"
    t0 = time.perf_counter()
    persons = cur.execute(sql).fetchone()[0]
    cold = (time.perf_counter() - t0) * 1000
    warm = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        cur.execute(sql).fetchone()
        warm.append((time.perf_counter() - t0) * 1000)
    return {"persons": persons, "cold_ms": cold, "warm_ms": statistics.median(warm)}


PANDAS_CASES = [
    ("progress", {"plan": "liulin-2023"}),
    ("biweekly", {"plan": "sx-train-2023", "level": "county"}),
    ("dispatch", {"plan": "sx-train-2023", "level": "county"}),
]


def pandas_table(folder: Path, repeat: int = 3) -> list[dict[str, Any]]:
    """The pandas equivalents beside the named queries (warm), with a check that their figures agree."""
    from tracker import bench_pandas

    runner = Runner(folder)
    as_of = runner.latest_date()
    metric = "subsidised_trainees"
    out = []
    for name, params in PANDAS_CASES:
        sql_result = runner.run(name, **params, as_of=as_of)
        sql_ms = statistics.median(runner.timed(name, **params, as_of=as_of)[1] for _ in range(repeat))
        t0 = time.perf_counter()
        if name == "progress":
            frame = bench_pandas.progress(runner, folder, params["plan"], as_of)
            mine = sql_result.merge(frame, on=["unit_code", "metric"], suffixes=("", "_pandas"))
            agree = len(mine) == len(frame) and bool((mine["actual"] == mine["actual_pandas"]).all())
        elif name == "biweekly":
            frame = bench_pandas.biweekly(runner, folder, params["plan"], metric, as_of)
            series = sql_result[(sql_result["metric"] == metric) & (sql_result["unit_type"] == "county")]
            mine = series.merge(frame, on=["unit_code", "period"], suffixes=("", "_pandas"))
            agree = len(mine) == len(frame) and bool((mine["cumulative"] == mine["cumulative_pandas"]).all())
        else:
            frame = bench_pandas.dispatch(runner, folder, params["plan"], metric, as_of)
            table = sql_result[sql_result["metric"] == metric]
            mine = table.merge(frame, on="unit_code", suffixes=("", "_pandas"))
            agree = (
                len(mine) == len(frame)
                and bool((mine["cumulative"] == mine["actual"]).all())
                and bool((mine["rank"] == mine["rank_pandas"]).all())
            )
        pandas_ms = (time.perf_counter() - t0) * 1000
        row = {"query": name, "params": params, "sql_warm_ms": sql_ms, "pandas_ms": pandas_ms, "same_figures": agree}
        row["times_faster"] = pandas_ms / sql_ms if sql_ms else None
        out.append(row)
        print(
            f"{name:<12}{','.join(f'{k}={v}' for k, v in params.items()):<40}SQL {sql_ms:8.1f} ms   "
            f"pandas {pandas_ms:9.0f} ms   {row['times_faster']:6.0f}×   {'一致' if agree else '不一致'}",
            flush=True,
        )
    return out


def _rows_of(folder: Path) -> int:
    import pyarrow.parquet as pq

    source = table_source(active_dir(folder), "training")
    return sum(pq.ParquetFile(f).metadata.num_rows for f in source.files) if source else 0


def run_bench(
    rows: list[int] | int | None = None,
    data: list[str] | str | None = None,
    repeat: int = 5,
    pages: bool = True,
    json_out: str | None = None,
    pandas: bool = True,
) -> dict[str, Any]:
    """Measure every folder (``data``, else demo extracts of ``rows``) and print the growth between them. Without
    ``pandas`` the pandas equivalents are left out: they read the raw rows into memory (at 100M more than the
    machine has)."""
    if data:
        folders = [Path(d) for d in ([data] if isinstance(data, str) else data)]
    else:
        sizes = [rows] if isinstance(rows, int) else (rows or [1_000_000])
        folders = [ensure_bench_data(n) for n in sizes]
    report: dict[str, Any] = {"measured_on": dt.datetime.now().isoformat(timespec="seconds"), "runs": []}
    for folder in folders:
        n = _rows_of(folder)
        print(f"\n== {folder}（training {n:,} 行）", flush=True)
        built = build_aggregates(folder)
        print(f"汇总数据：{built:.1f} 秒（已在磁盘上则≈0）", flush=True)
        run: dict[str, Any] = {"folder": str(folder), "training_rows": n, "aggregates_s": built}
        run["queries"] = query_table(folder, repeat)
        run["baseline"] = raw_scan_baseline(folder)
        b = run["baseline"]
        print(f"raw scan (distinct persons over training): cold {b['cold_ms']:.0f} ms, warm {b['warm_ms']:.0f} ms")
        run["pandas"] = pandas_table(folder) if pandas else []
        if pages:
            from tracker.bench_pages import page_settle

            run["pages"] = page_settle(folder)
            for row in run["pages"].get("pages", []):
                head = f"{row['headline_s']:.2f}" if row["headline_s"] is not None else "—"
                done = f"{row['settle_s']:.2f}" if row["settle_s"] is not None else "超时"
                print(f"page {row['page']:<6}{row['visit']:<6} headline {head:>6} s   settle {done:>6} s")
            if run["pages"]:
                print(f"server memory: {run['pages']['rss_mb']} MB now, {run['pages']['rss_peak_mb']} MB peak")
        report["runs"].append(run)
    if len(report["runs"]) > 1:
        report["growth"] = growth(report["runs"][0], report["runs"][-1])
    if json_out:
        Path(json_out).write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        Path(json_out).with_suffix(".md").write_text(to_markdown(report), encoding="utf-8")
    return report


def growth(small: dict[str, Any], large: dict[str, Any]) -> dict[str, Any]:
    """How the figures grow from the smallest folder to the largest (ratios large ÷ small)."""
    factor = large["training_rows"] / max(1, small["training_rows"])
    print(f"\n== growth {small['training_rows']:,} → {large['training_rows']:,} rows ({factor:.0f}×)")
    key = {(q["query"], q["params"]): q for q in small["queries"]}
    queries = []
    for q in large["queries"]:
        s = key.get((q["query"], q["params"]))
        if s:
            queries.append(
                {
                    "query": q["query"],
                    "params": q["params"],
                    "cold": q["cold_ms"] / max(s["cold_ms"], 0.01),
                    "warm": q["warm_ms"] / max(s["warm_ms"], 0.01),
                }
            )
    for q in queries:
        print(f"{q['query']:<26}{q['params'][:47]:<48}cold ×{q['cold']:5.1f}   warm ×{q['warm']:5.1f}")
    out: dict[str, Any] = {"rows_factor": factor, "queries": queries}
    sp, lp = small.get("pages", {}).get("pages", []), large.get("pages", {}).get("pages", [])
    if sp and lp:
        out["first_visits_total_s"] = {
            "small": sum(r["settle_s"] or 0 for r in sp if r["visit"] == "first"),
            "large": sum(r["settle_s"] or 0 for r in lp if r["visit"] == "first"),
        }
        t = out["first_visits_total_s"]
        print(f"all pages, first visits: {t['small']:.1f} s → {t['large']:.1f} s (×{t['large'] / t['small']:.2f})")
    base_s, base_l = small["baseline"]["warm_ms"], large["baseline"]["warm_ms"]
    out["baseline"] = base_l / max(base_s, 0.01)
    print(f"raw scan baseline ×{out['baseline']:.1f}")
    return out


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "cold":
        print(json.dumps(cold_once(Path(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4]))))


def to_markdown(report: dict[str, Any]) -> str:
    """The README's tables from one bench run: queries cold / warm per folder, pandas, pages."""
    runs = report["runs"]
    sizes = [f"{r['training_rows'] / 1e6:g}M" if r["training_rows"] >= 1e6 else f"{r['training_rows']:,}" for r in runs]
    head = "| query | parameters | " + " | ".join(f"{s} cold | {s} warm" for s in sizes) + " |"
    lines = [head, "|---|---|" + "---:|---:|" * len(runs)]
    keyed = [{(q["query"], q["params"]): q for q in r["queries"]} for r in runs]
    for q in runs[-1]["queries"]:
        cells = []
        for k in keyed:
            got = k.get((q["query"], q["params"]))
            cells += [f"{got['cold_ms']:.0f}", f"{got['warm_ms']:.0f}"] if got else ["—", "—"]
        lines.append(f"| `{q['query']}` | {q['params'].replace(',', ', ') or '—'} | " + " | ".join(cells) + " |")
    lines += ["", "| | " + " | ".join(sizes) + " |", "|---|" + "---:|" * len(runs)]
    lines.append("| aggregates build (s) | " + " | ".join(f"{r['aggregates_s']:.0f}" for r in runs) + " |")
    lines.append("| raw scan, warm (ms) | " + " | ".join(f"{r['baseline']['warm_ms']:.0f}" for r in runs) + " |")
    for k, case in enumerate(runs[-1]["pandas"]):
        cells = [
            f"{r['pandas'][k]['pandas_ms']:.0f} / {r['pandas'][k]['sql_warm_ms']:.0f}" if len(r["pandas"]) > k else "—"
            for r in runs
        ]
        lines.append(f"| pandas / SQL warm (ms): {case['query']} | " + " | ".join(cells) + " |")
    if all(r.get("pages") for r in runs):
        titles = list(dict.fromkeys(p["page"] for p in runs[-1]["pages"]["pages"]))
        kinds = {"first": "first visit", "warm": "warm server", "return": "warm server, browser cache"}
        for visit, kind in kinds.items():
            for title in titles:
                cells = []
                for r in runs:
                    got = [p for p in r["pages"]["pages"] if p["page"] == title and p["visit"] == visit]
                    settle = got[0]["settle_s"] if got else None
                    cells.append("超时" if settle is None else f"{settle:.1f}")
                lines.append(f"| {title}, {kind} (s) | " + " | ".join(cells) + " |")
        lines.append("| server memory peak (MB) | " + " | ".join(str(r["pages"]["rss_peak_mb"]) for r in runs) + " |")
    return "\n".join(lines) + "\n"
