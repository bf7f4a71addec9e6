"""``python -m tracker bench``: cold and warm median milliseconds of every named query on demo extracts.

cold   first execution on a fresh connection (Parquet read, models planned)
warm   median of repeated executions on the same connection, bypassing the result cache
cached median of answers served from the result cache (what a page rerun costs)
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from tracker.query import QueryError, Runner
from tracker.store import has_extracts, mark_demo

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
    ],
    "causes_rates": [{"plan": "sx-train-2023", "unit": "140000"}],
    "institution_watchlist": [{"plan": "sx-train-2023", "unit": "140000", "min_completed": 10}],
    "school_quota": [{"plan": "sx-edu-2021", "as_of": "2021-08-31"}],
    "school_groups": [{"plan": "sx-edu-2021", "as_of": "2021-08-31"}],
    "school_pace": [{"plan": "sx-edu-2021", "unit": "U01", "as_of": "2021-08-31"}],
    "school_detail_certs": [{"plan": "sx-edu-2021", "unit": "U01", "as_of": "2021-08-31"}],
    "school_directed": [{"plan": "sx-edu-2021", "as_of": "2021-11-30"}],
    "compliance_late_entry": [{"year": 2023}],
    "compliance_over_three": [{"year": 2023}],
    "compliance_repeat_level": [{"year": 2023}],
    "compliance_cert_twice": [{"year": 2023}],
    "compliance_no_outcome": [{"year": 2023}],
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


def run_bench(rows: int = 1_000_000, data: str | None = None, repeat: int = 5) -> list[dict[str, Any]]:
    folder = Path(data) if data else ensure_bench_data(rows)
    probe = Runner(folder)
    results = []
    print(f"{'query':<28}{'params':<44}{'rows':>7}{'cold ms':>10}{'warm ms':>10}{'cached ms':>11}")
    for name, params in cases(probe):
        try:
            fresh = Runner(folder)  # a new connection: cold
            _, cold = fresh.timed(name, **params)
            warm = statistics.median(fresh.timed(name, **params)[1] for _ in range(repeat))
            fresh.run(name, **params)
            cached = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                df = fresh.run(name, **params)
                cached.append((time.perf_counter() - t0) * 1000)
        except QueryError as exc:
            print(f"{name:<28}{exc}")
            continue
        label = ",".join(f"{k}={v}" for k, v in params.items())
        results.append(
            {
                "query": name,
                "params": label,
                "rows": len(df),
                "cold_ms": cold,
                "warm_ms": warm,
                "cached_ms": statistics.median(cached),
            }
        )
        print(
            f"{name:<28}{label:<44}{len(df):>7}{cold:>10.0f}{warm:>10.0f}{statistics.median(cached):>11.1f}", flush=True
        )
    return results
