"""Compliance checks and 录入及时率 read version aggregates (issue #12): identical answers to the raw-row definitions.

Each rewritten named query (queries/compliance_*.sql, queries/timeliness_*.sql over queries/aggregates/2x_*.sql)
is run against the definition it replaces (tests/reference_queries/: the same queries as they scanned the raw rows,
kept for this comparison only) over many as-of dates, years, regions and limits, on the 30,000-row demo and on a
hand-made extract with the awkward cases (same-day starts, a missing level or occupation, a record never entered,
certificates issued the same day), with the aggregates built (Parquet) and not yet built (views over their SELECT).
"""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
from pathlib import Path

import pandas as pd
import pytest
from extracts import LISHI, LIULIN, TAIYUAN_XIAODIAN, certificate_row, training_row, write_extracts

from tracker import QUERIES_DIR, compliance, demo
from tracker.query import QueryError, Runner

REFERENCE = Path(__file__).resolve().parent / "reference_queries"
CHECKS = ("compliance_over_three", "compliance_repeat_level", "compliance_cert_twice", "compliance_late_entry")
CHECKS += ("compliance_no_outcome",)
LEAGUES = ("timeliness_county", "timeliness_institution")
REGIONS = (None, LIULIN, "141100", TAIYUAN_XIAODIAN, "149999")


def reference_queries(tmp: Path) -> Path:
    """Today's models (and the aggregates some of them read) plus the raw-scan definitions the aggregates replace."""
    folder = tmp / "queries"
    shutil.copytree(QUERIES_DIR / "models", folder / "models")
    shutil.copytree(QUERIES_DIR / "aggregates", folder / "aggregates")
    for f in (REFERENCE / "models").glob("*.sql"):
        shutil.copy(f, folder / "models" / f.name)
    for f in REFERENCE.glob("*.sql"):
        shutil.copy(f, folder / f.name)
    return folder


def same(new: pd.DataFrame, old: pd.DataFrame, what: str) -> None:
    assert list(new.columns) == list(old.columns), what
    assert len(new) == len(old), what
    # the order of rows is part of the answer where the query orders them fully; compare sorted, then as given
    key = list(old.columns)
    a = new.sort_values(key, kind="stable", na_position="first").reset_index(drop=True)
    b = old.sort_values(key, kind="stable", na_position="first").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_dtype=True, obj=what)


def hand_made(folder: Path) -> Path:
    """The awkward cases, in two counties of 吕梁 and one of 太原."""
    rows, certs = [], []
    n = 0

    def tr(person: str, start: str, days: int = 9, lag: int | None = 2, **over) -> None:
        nonlocal n
        n += 1
        s = dt.date.fromisoformat(start)
        end = s + dt.timedelta(days=days)
        entered = None if lag is None else end + dt.timedelta(days=lag)
        rows.append(training_row(n, person_id=person, start_date=s, end_date=end, entered_on=entered, **over))

    def cert(person: str, issued: str, **over) -> None:
        nonlocal n
        n += 1
        certs.append(certificate_row(n, person_id=person, issue_date=issued, **over))

    # over_three: A starts 5 in 2023, two of them the same day (the 4th and 5th); one dropped one does not count
    for start in ("2023-01-10", "2023-03-01", "2023-05-01", "2023-07-01", "2023-07-01"):
        tr("A", start, occupation=f"职业{start}")
    tr("A", "2023-02-01", status="dropped", occupation="焊工")
    # B: 4 in 2022 across two counties, the 4th started at the year's end; 4 in 2023 still enrolled
    for k, start in enumerate(("2022-02-01", "2022-06-01", "2022-09-01", "2022-12-31")):
        tr("B", start, county_code=LISHI if k % 2 else LIULIN, occupation=f"工种{k}", lag=200 + k)
    for start in ("2023-01-05", "2023-01-06", "2023-01-07", "2023-01-08"):
        tr("B", start, status="enrolled", occupation="育婴员", skill_level=None)
    # repeat_level: C twice 电工 level 5 the same day; D twice with no level; E twice with no occupation
    tr("C", "2023-04-01", county_code=TAIYUAN_XIAODIAN)
    tr("C", "2023-04-01", county_code=TAIYUAN_XIAODIAN, lag=-3)
    tr("D", "2023-04-01", skill_level=None, occupation="创业")
    tr("D", "2023-08-01", skill_level=None, occupation="创业", passed=None)
    tr("E", "2023-04-01", occupation=None, passed=False)
    tr("E", "2023-05-01", occupation=None, passed=False, lag=None)
    # late entry and timeliness: lags 0, 30, 31, 90, 91, never entered; negative lag; a record in the year's last days
    for lag in (0, 30, 31, 90, 91, None, -5, 365):
        tr(f"L{lag}", "2023-02-01", lag=lag, institution_id="JG009")
    tr("L-end", "2023-12-20", lag=15, institution_id="JG009", county_code=LISHI)
    # no_outcome: F not passed, certified later in the occupation; G not passed, certificate names the record
    tr("F", "2023-03-01", passed=False)
    cert("F", "2023-09-01")
    tr("G", "2023-03-01", passed=None, occupation="焊工")
    cert("G", "2023-06-01", occupation="其他", training_record_id=f"T{n:06d}")
    cert("G", "2022-06-01", occupation="焊工")  # before the training started: does not clear it
    # cert_twice: H three skill-level certificates at level 4, two on the same day; I qualification + skill-level
    for issued in ("2022-05-01", "2023-05-01", "2023-05-01"):
        cert("H", issued, skill_level=4, county_code=LISHI)
    cert("I", "2021-03-01", cert_type="qualification", skill_level=3)
    cert("I", "2023-11-30", skill_level=3, county_code=TAIYUAN_XIAODIAN)
    cert("J", "2023-01-01", cert_type="special_operation", skill_level=4)
    cert("J", "2023-02-01", skill_level=4)
    cert("K", "2023-03-01", skill_level=None)
    cert("K", "2023-04-01", skill_level=None)
    return write_extracts(folder, rows, certs)


@pytest.fixture(scope="module", params=["demo", "hand_made"])
def extract(request, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp(f"agg_{request.param}")
    if request.param == "demo":
        demo.write_demo(folder, rows=30_000)
        return folder
    return hand_made(folder)


@pytest.fixture(scope="module")
def reference(extract, tmp_path_factory) -> Runner:
    return Runner(extract, queries_dir=reference_queries(tmp_path_factory.mktemp("reference")))


@pytest.fixture(scope="module", params=["built", "not_built"])
def runner(request, extract) -> Runner:
    runner = Runner(extract)
    if request.param == "built":
        for agg in runner.aggregates:
            if agg.name in AGGREGATES:
                runner.build_aggregate(agg.name)
        assert runner._built[runner.version()] >= AGGREGATES
    return runner


AGGREGATES = {
    "compliance_enrolment_flags",
    "compliance_cert_flags",
    "compliance_no_outcome_flags",
    "late_entries",
    "entry_lags",
    "data_years",
}


def as_of_dates(runner: Runner) -> list[dt.date]:
    latest = runner.latest_date()
    if not runner._built.get(runner.version()):  # the views over their SELECT: a few dates suffice
        return [dt.date(2023, 1, 7), dt.date(2023, 5, 1), latest]
    return [
        dt.date(2021, 6, 30),
        dt.date(2022, 12, 31),
        dt.date(2023, 1, 7),
        dt.date(2023, 5, 1),
        dt.date(2023, 9, 15),
        latest - dt.timedelta(days=20),
        latest,
        latest + dt.timedelta(days=400),
    ]


def test_the_aggregates_of_this_area_are_all_compared():
    assert {p.stem.split("_", 1)[1] for p in (QUERIES_DIR / "aggregates").glob("2?_*.sql")} == AGGREGATES


def test_compliance_checks_001_003_same_records_as_the_raw_rows(runner, reference):
    """001 (≤ 3 subsidised trainings a year, no repeat of occupation and level), 003 (one certificate subsidy per
    level), 不录不补 (002 · 003) and 001's certificate duty: the same records for every as-of date, year and region."""
    years = [None, 2022, 2023]
    for as_of, year, county in itertools.product(as_of_dates(runner), years, REGIONS):
        for name in CHECKS:
            params = {"as_of": as_of, "year": year, "county": county}
            same(runner.run(name, **params), reference.run(name, **params), f"{name} {params}")


def test_late_entry_limit_002_003_any_limit_of_zero_days_or_more(runner, reference):
    for as_of, max_days, county in itertools.product(as_of_dates(runner)[-4:], (0, 1, 30, 31, 90, 91, 400), REGIONS):
        params = {"as_of": as_of, "county": county, "max_days": max_days}
        new, old = runner.run("compliance_late_entry", **params), reference.run("compliance_late_entry", **params)
        same(new, old, f"late_entry {params}")
        # the order is the check's own (longest lag first)
        assert list(new["record_id"]) == list(old["record_id"])
    with pytest.raises(QueryError, match="不能为负数"):
        runner.run("compliance_late_entry", max_days=-1)


def test_year_picker_same_years(runner, reference):
    for as_of in as_of_dates(runner):
        same(runner.run("compliance_years", as_of=as_of), reference.run("compliance_years", as_of=as_of), str(as_of))
    same(runner.run("compliance_years"), reference.run("compliance_years"), "default as-of")


def test_timeliness_league_002_003_same_figures_and_ranks(runner, reference):
    """录入及时率: share entered within N days, median lag, late entries and the rank, per county, institution and
    region unit, for every as-of date, year, region, window N and late-entry limit."""
    combos = itertools.product(as_of_dates(runner), (None, 2023), (None, LIULIN, "141100"))
    for as_of, year, unit in combos:
        for days, max_days in ((30, 90), (1, 0)):
            base = {"as_of": as_of, "year": year, "unit": unit, "days": days, "max_days": max_days}
            for name in LEAGUES:
                same(runner.run(name, **base), reference.run(name, **base), f"{name} {base}")
            inst = {**base, "min_completed": 3}
            same(
                runner.run("timeliness_institution", **inst),
                reference.run("timeliness_institution", **inst),
                f"institution {inst}",
            )
            for one in ("140000", "141100", LIULIN, LISHI, "149999") if days == 30 else ():
                params = {**base, "unit": one}
                same(runner.run("timeliness_unit", **params), reference.run("timeliness_unit", **params), str(params))


def test_the_pages_queries_read_no_raw_rows():
    """Issue #12: no rewritten query names training, completed_training or certificates."""
    import re

    for name in (*CHECKS, "compliance_years", *LEAGUES, "timeliness_unit"):
        sql = (QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8")
        body = "\n".join(line.split("--")[0] for line in sql.splitlines())
        assert not re.search(r"\b(training|completed_training|certificates)\b", body), name


def test_summary_sums_the_same_findings_as_the_lists(runner):
    """The page's counts per check, county and institution (compliance_summary) are those of the full lists."""
    declared = {name: {p.name for p in q.params} for name, q in runner.queries.items()}
    for as_of, year, county, max_days in itertools.product(
        as_of_dates(runner)[-3:], (None, 2023), (None, "141100", TAIYUAN_XIAODIAN), (90, 0)
    ):
        params = {"as_of": as_of, "year": year, "county": county, "max_days": max_days}
        findings = compliance.run_checks(runner.run, declared.__getitem__, **params)
        summary = runner.run(compliance.SUMMARY_QUERY, **params)
        assert compliance.summary_counts(summary) == compliance.counts(findings), params
        for cid, df in findings.items():
            for unit in ("county", "institution"):
                expected = compliance.by_unit(df, unit)
                got = compliance.summary_by_unit(summary, cid, unit)
                pd.testing.assert_frame_equal(got, expected.astype(got.dtypes.to_dict()), obj=f"{cid} {unit} {params}")
        matrix = compliance.county_matrix(findings)
        got = compliance.summary_county_matrix(summary)
        assert got.set_index("county_code").astype("int64", errors="ignore").to_dict() == (
            matrix.set_index("county_code").astype("int64", errors="ignore").to_dict()
        ), params


def test_records_are_read_one_page_at_a_time(runner):
    """The screen shows one page of a check's records (limit / offset in SQL); the pages make up the whole list."""
    for cid, check in compliance.CHECKS.items():
        whole = runner.run(check.query, year=2023)
        rows = max(7, len(whole) // 9)
        pages = [runner.run(check.query, year=2023, **compliance.page_params(k, rows=rows)) for k in range(1, 12)]
        assert all(len(p) <= rows for p in pages) and pages[-1].empty
        pages = [p for p in pages if len(p)]
        pd.testing.assert_frame_equal(pd.concat(pages, ignore_index=True), whole, obj=cid)
