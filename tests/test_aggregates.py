"""Issue #12: aggregates are built when data arrives (demo, import, first start), keyed by the tables' content so
that a version's folder built before the switch serves its aggregates after it."""

from __future__ import annotations

import shutil

from extracts import LISHI, certificate_row, training_row, write_extracts

from tracker import aggregates
from tracker.query import Runner, duckdb_config


def small_extract(folder):
    rows = [training_row(i, end_date="2023-05-10") for i in range(30)] + [
        training_row(100 + i, county_code=LISHI, end_date="2023-09-01") for i in range(5)
    ]
    return write_extracts(folder, rows, [certificate_row(1, issue_date="2023-06-28")])


def test_build_writes_every_plans_aggregates_and_a_fresh_runner_needs_none(tmp_path):
    folder = small_extract(tmp_path / "x")
    assert Runner(folder).aggregates_missing()  # nothing built yet
    built = aggregates.build(folder)
    runner = Runner(folder)
    assert built == runner.plans + [a.name for a in runner.aggregates]  # every plan's first counts, then the rest
    assert len(list((folder / ".cache").glob("first_counts-*.parquet"))) == len(runner.plans)
    assert len(list((folder / ".cache").glob("agg-*.parquet"))) == len(runner.aggregates)
    assert Runner(folder).aggregates_missing() == []


def test_aggregates_built_in_a_folder_serve_it_after_a_rename(tmp_path):
    folder = small_extract(tmp_path / "incoming")
    aggregates.build(folder)
    expected = Runner(folder).run("progress", plan="liulin-2023", as_of="2023-09-01")
    served = tmp_path / "versions" / "v1"
    served.parent.mkdir()
    shutil.move(folder, served)  # what an import does when it switches to the new version
    runner = Runner(served)
    assert runner.aggregates_missing() == []
    got = runner.run("progress", plan="liulin-2023", as_of="2023-09-01")
    assert got["actual"].fillna(-1).tolist() == expected["actual"].fillna(-1).tolist()


def test_changed_tables_need_new_aggregates(tmp_path):
    folder = small_extract(tmp_path / "x")
    aggregates.build(folder)
    write_extracts(folder, [training_row(1, end_date="2023-05-10")], [])
    runner = Runner(folder)
    assert set(runner.aggregates_missing()) == set(runner.plans) | {a.name for a in runner.aggregates}


def test_duckdb_resources_come_from_the_settings_file(tmp_path, monkeypatch):
    settings = tmp_path / "settings.toml"
    settings.write_text('[duckdb]\nmemory_limit = "700MB"\nthreads = 1\n', encoding="utf-8")
    monkeypatch.setenv("SKILLS_SETTINGS_FILE", str(settings))
    assert duckdb_config() == {"memory_limit": "700MB", "threads": 1}
    runner = Runner(small_extract(tmp_path / "x"))
    limit = runner.cursor().execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    assert limit.replace(" ", "").upper().startswith(("667", "700"))  # DuckDB reports MiB


# ---------------------------------------------------------------- an import builds them before the version switch


def _served(tmp_path):
    from tracker import ingest

    folder = tmp_path / "served"  # the callers set SKILLS_ID_SALT with monkeypatch
    csv = tmp_path / "training.csv"
    from tracker.contract import TRAINING_SCHEMA

    rows = [training_row(i, end_date="2023-05-10", entered_on="2023-05-12") for i in range(20)]
    import pyarrow as pa
    import pyarrow.csv as pacsv

    pacsv.write_csv(pa.Table.from_pylist(rows, schema=TRAINING_SCHEMA), csv)
    batch = ingest.validate([ingest.Source.from_path(csv)])
    ingest.commit(batch, folder)
    return folder, csv


def test_an_import_builds_every_plans_aggregates_before_the_switch_12(tmp_path, monkeypatch):
    from tracker.store import active_dir, current_version

    monkeypatch.setenv("SKILLS_ID_SALT", "test-salt-aggregates")
    folder, _ = _served(tmp_path)
    assert current_version(folder)
    served = active_dir(folder)
    assert len(list((served / ".cache").glob("first_counts-*.parquet"))) == len(Runner(folder).plans)
    assert Runner(folder).aggregates_missing() == []


def test_a_kill_while_the_aggregates_are_built_leaves_the_previous_version_serving_12(tmp_path, monkeypatch):
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from tracker.store import PAUSE_BUILD_ENV, current_version, data_version

    monkeypatch.setenv("SKILLS_ID_SALT", "test-salt-aggregates")
    folder, csv = _served(tmp_path)
    before = (current_version(folder), data_version(folder))
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen(
        [sys.executable, "-m", "tracker", "ingest", str(csv), "--data", str(folder)],
        cwd=root,
        env={**os.environ, PAUSE_BUILD_ENV: "120", "PYTHONPATH": str(root)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        seen = ""
        for line in proc.stderr:  # blocks until the import reaches the build (or ends)
            seen += line
            if "正在为" in line and "计算汇总数据" in line:
                break
        assert "计算汇总数据" in seen, seen
        assert proc.poll() is None
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    assert (current_version(folder), data_version(folder)) == before
    assert Runner(folder).aggregates_missing() == []  # the previous version still has its aggregates
