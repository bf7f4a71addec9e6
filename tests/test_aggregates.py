"""Issue #12: aggregates are built when data arrives (demo, import, first start), keyed by the tables' content so
that a version's folder built before the switch serves its aggregates after it."""

from __future__ import annotations

import shutil

from extracts import LISHI, certificate_row, training_row, write_extracts

from tracker import aggregates, first_counts, query
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
    assert set(built) == set(runner.plans) | {a.name for a in runner.aggregates}
    # each plan's daily first counts and their biweekly period sums
    assert len(list((folder / ".cache").glob("first_counts-*[0-9a-f].parquet"))) == len(runner.plans)
    assert len(list((folder / ".cache").glob("first_counts-*-periods.parquet"))) == len(runner.plans)
    # one file per aggregate, a folder of pieces per split one (subsidy_segments: parts of the persons)
    assert len(list((folder / ".cache").glob("agg-*"))) == len(runner.aggregates)
    assert list((folder / ".cache").glob("agg-subsidy_segments-*/part-0000-of-0001.parquet"))
    assert runner.aggregates_missing() == []


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
    config = duckdb_config()
    assert {k: config[k] for k in ("memory_limit", "threads")} == {"memory_limit": "700MB", "threads": 1}
    assert not config["temp_directory"].startswith(".")  # spills never land in the checkout
    runner = Runner(small_extract(tmp_path / "x"))
    limit = runner.cursor().execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    assert limit.replace(" ", "").upper().startswith(("667", "700"))  # DuckDB reports MiB


def test_a_query_larger_than_the_memory_limit_spills_on_a_fresh_machine(tmp_path, monkeypatch):
    """Each process spills into its own folder under the system's temporary folder, which a fresh machine does not
    have yet: DuckDB makes only the last folder of the path, so the runner makes the ones above it."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "fresh-tmp"))
    (tmp_path / "fresh-tmp").mkdir()
    settings = tmp_path / "settings.toml"
    settings.write_text('[duckdb]\nmemory_limit = "64MB"\nthreads = 1\n', encoding="utf-8")
    monkeypatch.setenv("SKILLS_SETTINGS_FILE", str(settings))
    runner = Runner(small_extract(tmp_path / "x"))
    sorted_rows = runner.cursor().execute(
        "SELECT count(*) FROM (SELECT i, md5(i::VARCHAR) AS m FROM range(2000000) AS t(i) ORDER BY m)"
    )
    assert sorted_rows.fetchall() == [(2_000_000,)]


# ---------------------------------------------------------------- version aggregates (queries/aggregates/*.sql)


def queries_with(tmp_path, name: str, sql: str):
    """A copy of the named queries with one more version aggregate and a named query reading it."""
    from tracker import QUERIES_DIR

    queries = tmp_path / "queries"
    shutil.copytree(QUERIES_DIR, queries)
    (queries / "aggregates").mkdir(exist_ok=True)
    (queries / "aggregates" / f"99_{name}.sql").write_text(f"-- persons per county\n{sql}\n", encoding="utf-8")
    (queries / "persons_by_county.sql").write_text(f"-- test\nSELECT * FROM {name} ORDER BY county_code\n")
    return queries


def county_persons_queries(tmp_path):
    """The named queries with one more aggregate, county_persons (distinct persons per county)."""
    return queries_with(
        tmp_path,
        "county_persons",
        "SELECT county_code, count(DISTINCT person_id) AS persons FROM training GROUP BY county_code",
    )


def read(runner: Runner, sql: str):
    """A view read as it stands (a named query would build the aggregates it reads first)."""
    return runner.cursor().execute(sql).df()


def test_a_query_on_a_folder_nobody_built_builds_only_the_aggregates_it_reads_first(tmp_path):
    folder = small_extract(tmp_path / "x")
    queries = county_persons_queries(tmp_path)
    (queries / "aggregates" / "98_county_rows.sql").write_text(
        "-- rows per county\nSELECT county_code, count(*) AS n FROM training GROUP BY ALL\n", encoding="utf-8"
    )
    (queries / "county_share.sql").write_text(  # reads county_persons through a macro of the models
        "-- test\nSELECT * FROM persons_of_county('141125')\n", encoding="utf-8"
    )
    (queries / "models" / "99_test.sql").write_text(
        "CREATE OR REPLACE MACRO persons_of_county(c) AS TABLE SELECT * FROM county_persons WHERE county_code = c;\n",
        encoding="utf-8",
    )
    runner = Runner(folder, queries_dir=queries)
    runner.run("persons_by_county")
    assert len(list((folder / ".cache").glob("agg-county_persons-*.parquet"))) == 1
    assert not list((folder / ".cache").glob("agg-county_rows-*"))  # not read by that query: not built
    assert not list((folder / ".cache").glob("agg-subsidy_*"))
    fresh = Runner(folder, queries_dir=queries)
    plan = fresh.cursor().execute("EXPLAIN SELECT * FROM county_persons").fetchall()[0][1]
    assert "READ_PARQUET" in plan.upper() or "PARQUET_SCAN" in plan.upper()
    # through a model's macro: found and built as well (here already on disk, so only the view is pointed at it)
    assert fresh.run("county_share")["persons"].sum() > 0
    assert "county_persons" not in fresh.aggregates_missing()


def test_a_version_aggregate_answers_the_same_before_and_after_it_is_built(tmp_path):
    folder = small_extract(tmp_path / "x")
    queries = county_persons_queries(tmp_path)
    live = Runner(folder, queries_dir=queries)
    assert "county_persons" in live.aggregates_missing()
    before = read(live, "SELECT * FROM county_persons ORDER BY county_code")  # not built: the view is the SELECT
    aggregates_built = aggregates.build(folder, queries_dir=queries)
    assert "county_persons" in aggregates_built
    assert len(list((folder / ".cache").glob("agg-county_persons-*.parquet"))) == 1
    fresh = Runner(folder, queries_dir=queries)
    assert fresh.aggregates_missing() == []
    plan = fresh.cursor().execute("EXPLAIN SELECT * FROM county_persons").fetchall()[0][1]
    assert "READ_PARQUET" in plan.upper() or "PARQUET_SCAN" in plan.upper()  # read from disk, not the raw rows
    after = fresh.run("persons_by_county")
    assert before.to_dict("records") == after.to_dict("records")
    assert after["persons"].sum() == 35
    # the serving runner that was open during the build points its view at the file when it next looks
    assert live.aggregates_missing() == []
    assert live.run("persons_by_county").to_dict("records") == before.to_dict("records")


def plan_persons_in_pieces(tmp_path, monkeypatch):
    """Queries with the aggregate plan_persons (persons per plan and county), built plan by plan: parts of 10 rows."""
    settings = tmp_path / "settings.toml"
    settings.write_text("[duckdb]\nrows_per_part = 10\n", encoding="utf-8")
    monkeypatch.setenv("SKILLS_SETTINGS_FILE", str(settings))
    return queries_with(
        tmp_path,
        "plan_persons",
        "SELECT $plan AS plan_id, f.county_code, count(DISTINCT f.person_key) AS persons\n"
        "FROM metric_facts AS f WHERE f.plan_id = $plan GROUP BY ALL",
    )


def test_an_aggregate_split_by_plan_is_built_plan_by_plan_and_answers_the_same(tmp_path, monkeypatch):
    folder = small_extract(tmp_path / "x")
    small = queries_with(
        tmp_path / "small", "plan_persons", "SELECT $plan AS plan_id, count(*) AS facts FROM metric_facts"
    )
    assert Runner(folder, queries_dir=small).aggregate_pieces("plan_persons") == ["*"]  # a small extract: one piece
    queries = plan_persons_in_pieces(tmp_path, monkeypatch)
    (queries / "persons_by_county.sql").write_text(
        "-- test\nSELECT * FROM plan_persons ORDER BY plan_id, county_code\n"
    )
    live = Runner(folder, queries_dir=queries)
    before = read(live, "SELECT * FROM plan_persons ORDER BY plan_id, county_code")  # every plan through its SELECT
    assert before["plan_id"].nunique() > 1 and before["persons"].sum() > 0
    steps = []
    aggregates.build(folder, progress=lambda f, m: steps.append(m), queries_dir=queries)
    assert sum("plan_persons（" in m for m in steps) == len(live.plans)  # one build step per plan
    files = list((folder / ".cache").glob("agg-plan_persons-*/*.parquet"))
    assert sorted(f.stem for f in files) == sorted(live.plans)
    # a half-built aggregate (one plan's file gone) reads that plan through its SELECT: same answers
    files[0].unlink()
    half = Runner(folder, queries_dir=queries)
    assert "plan_persons" in half.aggregates_missing()
    assert read(half, "SELECT * FROM plan_persons ORDER BY plan_id, county_code").equals(before)
    aggregates.build(folder, queries_dir=queries)
    fresh = Runner(folder, queries_dir=queries)
    assert fresh.aggregates_missing() == []
    assert fresh.run("persons_by_county").to_dict("records") == before.to_dict("records")


def test_an_aggregate_built_piece_by_piece_is_pointed_at_its_files_once_when_the_last_piece_is_on_disk_12(
    tmp_path, monkeypatch
):
    """At 100M the pricing is 446 pieces: re-binding the aggregate's view (every piece, most still SELECTs) after each
    one cost 3.1 s a piece. The view is bound once, when every piece is on disk, and then reads the files only."""
    folder = small_extract(tmp_path / "x")
    queries = plan_persons_in_pieces(tmp_path, monkeypatch)
    runner = Runner(folder, queries_dir=queries, building=True)
    expected = read(runner, "SELECT * FROM plan_persons ORDER BY plan_id, county_code")
    bound = []
    install = Runner._install_aggregate
    monkeypatch.setattr(
        Runner, "_install_aggregate", lambda self, con, agg, *a: (bound.append(agg.name), install(self, con, agg, *a))
    )
    pieces = runner.aggregate_pieces("plan_persons")
    assert len(pieces) == len(runner.plans) > 1
    for piece in pieces:
        runner.build_aggregate("plan_persons", piece)
    assert bound == ["plan_persons"]
    view = runner.cursor().execute("SELECT sql FROM duckdb_views() WHERE view_name = 'plan_persons'").fetchone()[0]
    assert "read_parquet" in view and "metric_facts" not in view
    assert read(runner, "SELECT * FROM plan_persons ORDER BY plan_id, county_code").equals(expected)


def demo_split(tmp_path, monkeypatch, whole_view: str, setting: str):
    """A 3,000-row demo and ``whole_view`` computed over it at once; then the [duckdb] ``setting`` that splits the
    aggregate written from that view into pieces."""
    from tracker.demo import write_demo

    folder = tmp_path / "demo"
    write_demo(folder, rows=3_000)
    expected = Runner(folder).cursor().execute(f"SELECT * FROM {whole_view} ORDER BY ALL").df()
    settings = tmp_path / "settings.toml"
    settings.write_text(f"[duckdb]\n{setting}\n", encoding="utf-8")
    monkeypatch.setenv("SKILLS_SETTINGS_FILE", str(settings))
    return folder, expected


def test_subsidy_segments_built_in_parts_of_the_persons_equal_the_whole(tmp_path, monkeypatch):
    """003 pricing depends on a person's own records and certificates, a class (over everyone) and a platform's
    share: segments priced part by part of the persons are the segments priced at once."""
    folder, expected = demo_split(tmp_path, monkeypatch, "subsidy_segment_series", "rows_per_part = 700")
    parted = Runner(folder, building=True)
    pieces = parted.aggregate_pieces("subsidy_segments")
    assert len(pieces) >= 4
    parted.build_aggregate("subsidy_platform_shares")
    parted.build_aggregate("subsidy_class_timeline")
    parted.build_aggregate("subsidy_segments", pieces[0])
    assert "subsidy_segments" in parted.aggregates_missing()  # one part on disk, the others live
    half = parted.cursor().execute("SELECT * FROM subsidy_segments ORDER BY ALL").df()
    parted.build_aggregate("subsidy_segments")
    got = parted.cursor().execute("SELECT * FROM subsidy_segments ORDER BY ALL").df()
    assert len(list((folder / ".cache").glob("agg-subsidy_segments-*/part-*.parquet"))) == len(pieces)
    for frame in (half, got):
        assert len(frame) == len(expected) > 0
        assert frame.astype(str).equals(expected.astype(str))


def test_subsidy_totals_built_in_slices_of_the_dates_equal_the_whole_12(tmp_path, monkeypatch):
    """At 100M summing the priced segments at once ran out of the 6 GB build memory; summed slice by slice of the
    dates (a date is a group key, so a slice's groups are its own) they are the same sums."""
    folder, expected = demo_split(tmp_path, monkeypatch, "subsidy_segment_total_series", "rows_per_slice = 700")
    sliced = Runner(folder, building=True)
    pieces = sliced.aggregate_pieces("subsidy_segment_totals")
    assert len(pieces) >= 4 and pieces[0].startswith("..") and pieces[-1].endswith("..")
    aggregates.build(folder)
    files = sorted((folder / ".cache").glob("agg-subsidy_segment_totals-*/dates-*.parquet"))
    assert len(files) == len(pieces)
    fresh = Runner(folder)
    got = fresh.cursor().execute("SELECT * FROM subsidy_segment_totals ORDER BY ALL").df()
    assert len(got) == len(expected) > 0
    assert got.astype(str).equals(expected.astype(str))
    per_slice = [fresh.cursor().execute(f"SELECT count(*) FROM '{f}'").fetchone()[0] for f in files]
    assert sum(per_slice) == len(expected) and sum(n > 0 for n in per_slice) >= 3  # the rows are spread, not in one


def test_each_plans_first_counts_counted_part_by_part_of_the_persons_equal_the_whole_12(tmp_path, monkeypatch):
    """At 100M the 2021 skills plan's first counts (000: trained and certified, a join of a year's certificates with
    its completed trainings) spilled past 28 GB at once. Counted part by part of the persons they are the same
    counts: every fact of a person (their trainings, certificates, first certificates) falls in their part."""
    folder, _ = demo_split(tmp_path, monkeypatch, "plans", "rows_per_count_part = 700")
    whole = Runner(folder).cursor()
    plans = [p for (p,) in whole.execute("SELECT plan_id FROM plans ORDER BY ALL").fetchall()]
    expected = {
        plan: whole.execute("SELECT * FROM unit_first_counts_of($plan) ORDER BY ALL", {"plan": plan}).df()
        for plan in plans
    }
    for kept in (folder / ".cache").glob("first_counts-*"):
        kept.unlink()  # (the demo kept the counts made at once)
    counted_in = []
    count_firsts = first_counts.count_firsts
    monkeypatch.setattr(
        query, "count_firsts", lambda cur, plan, parts: counted_in.append(parts) or count_firsts(cur, plan, parts)
    )
    parted = Runner(folder)
    for plan in plans:
        parted.materialize(plan)
        got = (
            parted.cursor()
            .execute("SELECT * FROM unit_first_counts WHERE plan_id = $plan ORDER BY ALL", {"plan": plan})
            .df()
        )
        assert len(got) == len(expected[plan]), plan
        assert got.astype(str).equals(expected[plan].astype(str)), plan
    # the parts are sized by the rows within each plan's windows: the 2018 plan's year holds none of the demo's rows
    assert max(counted_in) >= 4 and counted_in[plans.index("sx-skills-2018")] == 1
    trained_certified = [
        parted.cursor()
        .execute(
            "SELECT coalesce(sum(persons), 0) FROM unit_first_counts_of('sx-skills-2021', $k, 4) "
            "WHERE unit_type = 'province' AND metric LIKE 'trained_certified%'",
            {"k": k},
        )
        .fetchone()[0]
        for k in range(4)
    ]
    assert sum(n > 0 for n in trained_certified) == 4  # the persons are spread over the parts, not in one


def test_a_large_plans_breakdown_attribution_built_part_by_part_of_the_persons_sums_to_the_whole_12(
    tmp_path, monkeypatch
):
    """The breakdown's attribution reads a plan's value facts as the first counts do (at 100M the 2021 skills plan's
    at once spills past the disk): a large plan's piece is built part by part of its persons, and the persons of every
    group (institution, occupation, line, category; per unit and date) add up to those attributed at once."""
    sums = (
        "SELECT plan_id, metric, span, unit_type, unit_code, institution_id, occupation, training_type, "
        "person_category, first_date, sum(persons) AS persons FROM breakdown_attributed_firsts GROUP BY ALL ORDER BY ALL"
    )
    folder, groups = demo_split(
        tmp_path, monkeypatch, "breakdown_group_firsts", "rows_per_count_part = 700\nrows_per_part = 700"
    )
    attributed = Runner(folder).cursor().execute(sums).df()
    parted = Runner(folder, building=True)
    pieces = parted.aggregate_pieces("breakdown_attributed_firsts")
    assert "sx-skills-2021@2/3" in pieces and "sx-skills-2018" in pieces  # sized by the rows in each plan's windows
    aggregates.build(folder)
    assert (
        next((folder / ".cache").glob("agg-breakdown_attributed_firsts-*")) / "sx-skills-2021-part-0002-of-0003.parquet"
    ).is_file()
    fresh = Runner(folder).cursor()
    got = fresh.execute(sums).df()
    assert len(got) == len(attributed) > 0 and got.astype(str).equals(attributed.astype(str))
    got_groups = fresh.execute("SELECT * FROM breakdown_group_firsts ORDER BY ALL").df()
    assert got_groups.astype(str).equals(groups.astype(str))


def test_date_slices_take_every_date_once():
    import datetime as dt
    import itertools

    first, last = dt.date(2018, 1, 1), dt.date(2024, 12, 31)
    assert aggregates.date_pieces(first, last, rows=4_000_000, rows_per_slice=5_000_000) == [".."]
    pieces = aggregates.date_pieces(first, last, rows=111_000_000, rows_per_slice=5_000_000)
    assert len(pieces) == 23 and pieces[0].startswith("..") and pieces[-1].endswith("..")
    cuts = [p.split("..") for p in pieces]
    assert all(a[1] == b[0] for a, b in itertools.pairwise(cuts))  # each slice ends where the next begins
    assert [c[1] for c in cuts[:-1]] == sorted(c[1] for c in cuts[:-1])
    assert aggregates.date_pieces(first, first, rows=111_000_000, rows_per_slice=5_000_000) == [".."]
    agg = aggregates.Aggregate("t", "", "SELECT 1 WHERE d >= $from_day AND d < $until_day")
    assert agg.split_by == "dates"
    assert "DATE '2019-03-01'" in agg.piece_sql("2019-03-01..") and "CAST(NULL AS DATE)" in agg.piece_sql(
        "2019-03-01.."
    )
    assert aggregates.piece_file("..2019-03-01") == "dates-start-to-2019-03-01.parquet"


def test_the_result_cache_is_bounded_by_memory_as_well_as_entries(tmp_path, monkeypatch):
    runner = Runner(small_extract(tmp_path / "x"))
    runner.cache_bytes_limit = 1  # every new answer pushes the older ones out
    runner.run("progress", plan="liulin-2023", as_of="2023-09-01")
    runner.run("progress", plan="sx-train-2023", as_of="2023-09-01")
    assert len(runner._cache) == 1  # only the newest answer is kept
    runner.cache_bytes_limit = 1 << 30
    runner.run("progress", plan="liulin-2023", as_of="2023-09-01")
    assert len(runner._cache) == 2


def test_sessions_asking_the_same_question_at_once_compute_it_once(tmp_path, monkeypatch):
    import threading
    import time

    runner = Runner(small_extract(tmp_path / "x"))
    runner.run("progress", plan="liulin-2023", as_of="2023-09-01")  # open the connection, build what it reads
    runner.clear_cache()
    computed = []
    execute = runner.execute

    def slow_execute(query, bound):
        computed.append(query.name)
        time.sleep(0.3)  # long enough for every other session to ask meanwhile
        return execute(query, bound)

    monkeypatch.setattr(runner, "execute", slow_execute)
    answers = []
    sessions = [
        threading.Thread(target=lambda: answers.append(runner.run("progress", plan="liulin-2023", as_of="2023-09-01")))
        for _ in range(6)
    ]
    for s in sessions:
        s.start()
    for s in sessions:
        s.join()
    assert computed == ["progress"]
    assert len(answers) == 6 and all(a.equals(answers[0]) for a in answers)
    runner.run("progress", plan="liulin-2023", as_of="2023-09-02")  # another question is computed on its own
    assert computed == ["progress", "progress"]


def test_two_sessions_opening_a_folder_without_aggregates_build_them_once(tmp_path, monkeypatch):
    """12: a hand-copied extract gets its aggregates built once before the first page answers — a second official
    who opens a page meanwhile waits for that build instead of running another beside it."""
    import threading

    from tracker import app

    folder = small_extract(tmp_path / "x")
    builds = []
    build = aggregates.build

    def counted_build(*args, **kwargs):
        builds.append(args[0])
        return build(*args, **kwargs)

    monkeypatch.setattr(aggregates, "build", counted_build)
    sessions = [threading.Thread(target=app.build_missing_aggregates, args=(folder,)) for _ in range(2)]
    for s in sessions:
        s.start()
    for s in sessions:
        s.join()
    assert builds == [folder]
    assert aggregates.missing(folder) == []


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
    assert len(list((served / ".cache").glob("first_counts-*[0-9a-f].parquet"))) == len(Runner(folder).plans)
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


def test_first_counts_rolled_up_per_person_equal_the_definition_for_every_plan(tmp_path):
    """CONTRACT §3: a person counts once per metric and unit, from their first event there. The first counts the
    pages sum (one grouping per person; only persons counted in several counties grouped again) equal
    unit_person_first counted by first date, for every plan, unit and date — persons in several counties included."""
    from extracts import LIULIN, TAIYUAN_XIAODIAN

    training = [training_row(i, end_date=f"2023-0{1 + i % 9}-10") for i in range(40)]
    # the same persons again in another county of the same city (离石区), and in another city (小店区)
    training += [
        training_row(100 + i, person_id=f"P{i:06d}", county_code=LISHI, end_date="2023-02-01") for i in range(12)
    ]
    training += [
        training_row(200 + i, person_id=f"P{i:06d}", county_code=TAIYUAN_XIAODIAN, end_date="2023-03-05")
        for i in range(6, 18)
    ]
    training += [training_row(300 + i, county_code=LIULIN, training_type="caregiver_brand") for i in range(5)]
    certificates = [certificate_row(i, person_id=f"P{i:06d}", issue_date="2023-06-28") for i in range(20)]
    cur = Runner(write_extracts(tmp_path / "x", training, certificates)).cursor()
    several = cur.execute(
        "SELECT count(*) FROM (SELECT plan_id, metric, person_key FROM metric_facts "
        "GROUP BY ALL HAVING count(DISTINCT county_code) > 1)"
    ).fetchall()[0][0]
    assert several > 0  # the roll-up's harder case is in the data
    for (plan,) in cur.execute("SELECT plan_id FROM plans").fetchall():
        rolled = cur.execute("SELECT * FROM unit_first_counts_of($plan) ORDER BY ALL", {"plan": plan}).df()
        expected = cur.execute(
            "SELECT plan_id, metric, part, unit_type, unit_code, first_date, count(*) AS persons "
            "FROM unit_person_first WHERE plan_id = $plan GROUP BY ALL ORDER BY ALL",
            {"plan": plan},
        ).df()
        assert rolled.astype(str).equals(expected.astype(str)), plan


def test_a_build_removes_the_files_earlier_keys_left_and_keeps_the_current_ones(tmp_path):
    folder = small_extract(tmp_path / "x")
    aggregates.build(folder)
    cache = folder / ".cache"
    current = sorted(p.name for p in cache.iterdir())
    left_over = [cache / "agg-entry_lags-0123456789abcdef.parquet", cache / "first_counts-0123456789abcdef.parquet"]
    for path in left_over:
        path.write_bytes(b"PAR1")
    (cache / "agg-subsidy_segments-0123456789abcdef").mkdir()
    (cache / "agg-subsidy_segments-0123456789abcdef" / "part-0000-of-0001.parquet").write_bytes(b"PAR1")
    building = cache / ".agg-entry_lags-fedcba9876543210.parquet.123.456.tmp"  # another build's file in progress
    building.write_bytes(b"PAR1")
    aggregates.build(folder)
    assert sorted(p.name for p in cache.iterdir() if not p.name.startswith(".")) == current
    assert building.exists()
    assert Runner(folder).aggregates_missing() == []


def test_a_new_aggregate_is_built_alone_and_a_changed_model_rebuilds_only_what_reads_it(tmp_path):
    """A software update that changes a serving macro must not make the first official after it wait for every
    aggregate again (10M: 8 minutes): a kept file is keyed by the text of what it reads."""
    folder = small_extract(tmp_path / "x")
    aggregates.build(folder)
    queries = queries_with(
        tmp_path,
        "county_persons",
        "SELECT county_code, count(DISTINCT person_id) AS persons FROM training GROUP BY ALL",
    )
    assert Runner(folder, queries_dir=queries).aggregates_missing() == ["county_persons"]
    aggregates.build(folder, queries_dir=queries)

    def change(model: str, old: str, new: str) -> Runner:
        path = queries / "models" / model
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")
        return Runner(folder, queries_dir=queries)

    # nothing reads a new view; comments and whitespace are not changes
    runner = change("30_unit_progress.sql", "-- unit_person_first:", "CREATE OR REPLACE VIEW unused AS SELECT 1;\n-- ")
    assert runner.aggregates_missing() == []
    # the completion percentage is read by named queries only
    runner = change(
        "30_unit_progress.sql", "ELSE 100.0 * p_actual / p_target END;", "ELSE 100.00 * p_actual / p_target END;"
    )
    assert runner.aggregates_missing() == []
    # the periods: only the period sums are summed again (they are not an aggregate of the build)
    before = runner._first_counts_cache(runner.version(), "liulin-2023", periods=True)
    runner = change(
        "30_unit_progress.sql", "date_diff('day', p_start, p_date) // 14;", "(date_diff('day', p_start, p_date)) // 14;"
    )
    assert runner.aggregates_missing() == []
    assert runner._first_counts_cache(runner.version(), "liulin-2023", periods=True) != before
    # a person's value facts: every plan's first counts and the breakdown that reads them, not the compliance flags
    runner = change("20_metric_facts.sql", "\ntraining_lines AS (", "\ntraining_lines AS NOT MATERIALIZED (")
    missing = set(runner.aggregates_missing())
    assert set(runner.plans) <= missing
    assert "breakdown_attributed_firsts" in missing and "breakdown_group_firsts" in missing
    assert "compliance_enrolment_flags" not in missing and "county_persons" not in missing
    # a changed model rebuilds what reads it, and the figures are those of a fresh build
    aggregates.build(folder, queries_dir=queries)
    assert Runner(folder, queries_dir=queries).aggregates_missing() == []


def test_a_connection_reads_each_extract_files_footer_once_issue_12(tmp_path):
    """Views over the extract are bound inside other views many times; with the footers read again each time, opening
    a hive-partitioned 100M extract took 42 s and 8.7 GB before its build could start (2.3 s and 0.3 GB with them
    cached)."""
    runner = Runner(small_extract(tmp_path / "x"))
    assert runner.cursor().sql("SELECT current_setting('parquet_metadata_cache')").fetchall() == [(True,)]


def test_a_plans_period_sums_are_kept_beside_its_daily_counts_in_date_order_issue_12(tmp_path):
    """A restarted server reads both files instead of summing again; a missing or unreadable periods file is summed
    again and rewritten, with the same figures."""
    import duckdb

    folder = small_extract(tmp_path / "x")
    aggregates.build(folder)
    runner = Runner(folder)
    daily = runner._first_counts_cache(runner.version(), "liulin-2023")
    periods = runner._first_counts_cache(runner.version(), "liulin-2023", periods=True)
    dates = duckdb.sql(f"SELECT first_date FROM read_parquet('{daily}')").fetchnumpy()["first_date"].tolist()
    assert len(dates) > 1 and dates == sorted(dates)
    expected = runner.run("biweekly", plan="liulin-2023", as_of="2023-09-01")
    for damage in ("missing", "unreadable"):
        if damage == "missing":
            periods.unlink()
        else:
            periods.write_bytes(b"PAR1 not a parquet file")
        got = Runner(folder).run("biweekly", plan="liulin-2023", as_of="2023-09-01")
        assert got.equals(expected), damage
        assert duckdb.sql(f"SELECT count(*) FROM read_parquet('{periods}')").fetchall()[0][0] > 0, damage


def test_plans_whose_windows_hold_the_same_trainings_share_one_computed_piece_of_the_outcome_firsts_12(
    tmp_path, monkeypatch
):
    """The outcome first dates (causes, the watch list) read a plan only through the completed trainings ending in its
    window. 000's and 001's tasks of 2021 and their multi-year plans hold the same trainings in the demo (2021 and
    2023 only): one piece is computed, the others are copies under their own plan id, equal to their own SELECT; the
    Jan–Aug window of seed 004 holds other trainings and is computed."""
    whole = "(SELECT * FROM unit_outcome_firsts UNION ALL BY NAME SELECT * FROM institution_outcome_firsts)"
    folder, expected = demo_split(tmp_path, monkeypatch, whole, "rows_per_part = 700")
    runner = Runner(folder, building=True)
    copies = aggregates.same_window_pieces(
        aggregates.window_spans(runner), runner.aggregate_pieces("unit_outcome_firsts")
    )
    shared = {
        copies.get(p, p) for p in ("sx-skills-2021", "sx-action-2021", "sx-action-2019-2021", "sx-skills-2018-2022")
    }
    assert len(shared) == 1
    assert "sx-edu-2021" not in copies and "sx-edu-2021" not in copies.values()
    assert copies.get("sx-train-2023", "sx-train-2023") != copies.get("sx-skills-2021", "sx-skills-2021")
    copied = []
    copy = aggregates.copy_plan_piece
    monkeypatch.setattr(aggregates, "copy_plan_piece", lambda r, agg, p, s: (copied.append(p), copy(r, agg, p, s)))
    aggregates.build(folder)
    assert sorted(copied) == sorted(list(copies) * 2)  # both aggregates
    got = Runner(folder).cursor().execute(f"SELECT * FROM {whole} ORDER BY ALL").df()
    assert len(got) == len(expected) > 0 and got.astype(str).equals(expected.astype(str))
    files = {f.stem for f in (folder / ".cache").glob("agg-unit_outcome_firsts-*/*.parquet")}
    assert files == set(runner.plans)
