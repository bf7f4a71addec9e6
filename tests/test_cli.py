"""python -m tracker: output with a header, and one clear line with exit code 2 for every user error."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from extracts import certificate_row, training_row, write_extracts

ROOT = Path(__file__).resolve().parent.parent


def tracker(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tracker", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    rows = [training_row(i) for i in range(3)] + [training_row(10, training_type="caregiver_brand")]
    return write_extracts(folder, rows, [certificate_row(1)])


def test_query_progress_prints_every_liulin_metric_as_csv_with_a_header_002(data):
    out = tracker("query", "progress", "--data", str(data), "--as-of", "2023-06-30", "--param", "plan=liulin-2023")
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    header = out.stdout.splitlines()[0].split(",")
    assert header[:10] == [
        "plan_id",
        "unit_type",
        "unit_code",
        "unit_name",
        "metric",
        "target",
        "actual",
        "pct",
        "expected_pct",
        "status",
    ]
    by_metric = {r["metric"]: r for r in rows}
    assert float(by_metric["training_total"]["actual"]) == 3
    assert float(by_metric["training_total"]["target"]) == 1500
    assert by_metric["training_total"]["status"] == "lagging"
    assert float(by_metric["training_caregiver"]["actual"]) == 1
    assert {"new_skilled", "new_high_skilled", "caregiver_cert_rate", "secondary_intermediate_certs"} <= set(by_metric)


def test_query_json_format(data):
    out = tracker(
        "query",
        "progress",
        "--data",
        str(data),
        "--as-of",
        "2023-06-30",
        "--param",
        "plan=liulin-2023",
        "--format",
        "json",
    )
    assert out.returncode == 0, out.stderr
    records = json.loads(out.stdout)
    assert records[0]["unit_name"] == "吕梁市·柳林县"  # CONTRACT §4: a county row carries its city


def test_query_list_describes_every_named_query():
    out = tracker("query", "--list")
    assert out.returncode == 0
    names = [line.split()[0] for line in out.stdout.splitlines()]
    assert {"progress", "biweekly", "dispatch"} <= set(names)
    assert all(len(line.split(maxsplit=1)) == 2 for line in out.stdout.splitlines())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["query", "nope"], "未知查询 nope"),
        (["query", "progress", "--param", "plan=nope"], "未知计划 nope"),
        (["query", "progress", "--param", "plan=liulin-2023", "--as-of", "2023-02-30"], "不是有效日期"),
        (["query", "progress", "--param", "plan"], "KEY=VALUE"),
        (["query", "progress", "--param", "plan=liulin-2023", "--param", "colour=red"], "没有参数 colour"),
    ],
)
def test_user_errors_are_one_line_on_stderr_with_exit_code_2(data, args, message):
    out = tracker(*args[:2], "--data", str(data), *args[2:]) if args[0] == "query" else tracker(*args)
    assert out.returncode == 2
    assert message in out.stderr
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert out.stdout == ""


def test_missing_data_folder_is_a_clear_error(tmp_path):
    out = tracker("query", "progress", "--data", str(tmp_path / "absent"), "--param", "plan=liulin-2023")
    assert out.returncode == 2
    assert "数据目录不存在" in out.stderr and "Traceback" not in out.stderr


def test_unreadable_extract_is_a_clear_error(tmp_path):
    (tmp_path / "training.parquet").write_bytes(b"PAR1 this is not parquet")
    (tmp_path / "certificates.parquet").write_bytes(b"")
    out = tracker("query", "progress", "--data", str(tmp_path), "--param", "plan=liulin-2023")
    assert out.returncode == 2
    assert "无法读取" in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_folder_without_extracts_is_a_clear_error(tmp_path):
    out = tracker("query", "progress", "--data", str(tmp_path), "--param", "plan=liulin-2023")
    assert out.returncode == 2
    assert "training.parquet" in out.stderr


def test_hive_partitioned_extract_folders_are_read(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from tracker.contract import CERTIFICATE_SCHEMA, TRAINING_SCHEMA

    for year, n in ((2022, 2), (2023, 3)):
        part = tmp_path / "training" / f"year={year}"
        part.mkdir(parents=True)
        rows = [training_row(100 * year + i, end_date=f"{year}-03-10", start_date=f"{year}-03-01") for i in range(n)]
        pq.write_table(pa.Table.from_pylist(rows, schema=TRAINING_SCHEMA), part / "part-0.parquet")
    (tmp_path / "certificates").mkdir()
    pq.write_table(
        pa.Table.from_pylist([certificate_row(1)], schema=CERTIFICATE_SCHEMA), tmp_path / "certificates" / "c.parquet"
    )
    out = tracker("query", "progress", "--data", str(tmp_path), "--as-of", "2023-06-30", "--param", "plan=liulin-2023")
    assert out.returncode == 0, out.stderr
    by_metric = {r["metric"]: r for r in csv.DictReader(io.StringIO(out.stdout))}
    assert float(by_metric["training_total"]["actual"]) == 3  # 2022's trainings are before the plan


def test_data_folder_from_environment_variable(data):
    import os

    env = {**os.environ, "SKILLS_DATA_DIR": str(data)}
    out = subprocess.run(
        [sys.executable, "-m", "tracker", "query", "progress", "--as-of", "2023-06-30", "--param", "plan=liulin-2023"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    assert "柳林县" in out.stdout


def test_a_plan_added_to_the_reference_data_is_tracked_without_code_changes(data, tmp_path):
    import os
    import shutil

    ref = tmp_path / "reference"
    shutil.copytree(ROOT / "data" / "reference", ref)
    with (ref / "plans.csv").open("a", encoding="utf-8") as f:
        f.write("liulin-2024,2024年柳林县示例计划,示例,002,2024-01-01,2024-11-30\n")
    with (ref / "targets.csv").open("a", encoding="utf-8") as f:
        f.write("liulin-2024,county,141125,柳林县,training_total,1600,人,2024-01-01,2024-11-30,demo\n")
    env = {**os.environ, "SKILLS_REFERENCE_DIR": str(ref)}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "tracker",
            "query",
            "progress",
            "--data",
            str(data),
            "--as-of",
            "2024-06-30",
            "--param",
            "plan=liulin-2024",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [(r["metric"], float(r["target"])) for r in rows] == [("training_total", 1600.0)]


def test_bench_times_every_named_query_cold_and_warm_and_can_leave_out_pandas_and_pages(data, tmp_path):
    """Issue #12: `tracker bench` measures every named query in one run; at 100M the pandas equivalents (the raw
    rows in memory) are left out with --no-pandas."""
    out_json = tmp_path / "bench.json"
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "tracker",
            "bench",
            "--data",
            str(data),
            "--repeat",
            "1",
            "--no-pages",
            "--no-pandas",
            "--json",
            str(out_json),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert out.returncode == 0, out.stderr
    run = json.loads(out_json.read_text(encoding="utf-8"))["runs"][0]
    named = {p.stem for p in (ROOT / "queries").glob("*.sql")}
    assert {q["query"] for q in run["queries"]} == named
    assert all(q["cold_ms"] > 0 and q["warm_ms"] > 0 for q in run["queries"])
    assert run["pandas"] == [] and "pages" not in run
    assert run["baseline"]["persons"] == 4
    table = out_json.with_suffix(".md").read_text(encoding="utf-8")
    assert "| `progress` |" in table and "pandas" not in table
