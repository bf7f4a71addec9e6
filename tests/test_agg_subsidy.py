"""资金测算 at scale (issue #12): the subsidy queries read records priced once per data version (segments over the
as-of date, per-county/line totals) and answer exactly as the point-in-time definition they replace (the queries of
commit 684347b over the memo of ``subsidy_priced_at``) for every plan, as-of date and parameter."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pandas as pd
import pytest
from extracts import LISHI, training_row, write_extracts
from test_subsidy import extract_2023, order

from tracker.named_queries import parse_query_file
from tracker.query import Runner

REFERENCE = Path(__file__).resolve().parent / "reference" / "subsidy_684347b"
QUERIES = ("subsidy_summary", "subsidy_pace", "subsidy_unpaid", "subsidy_records")


def long_trainings() -> list[dict]:
    """Trainings over a year long: their class and repeat year began before a 2023 plan's pricing start (2022-01-01),
    so earlier completions count for the province's 2019—2021 plans and not for 2023 (subsidy_segments: priced_from)."""
    rows = []
    # a class started 2021-06-01: two ended in 2021 (not employed), three end in 2023 (employed) — 003 80 % rule
    rows += [order(900 + i, "L", start_date="2021-06-01", end_date="2021-12-20", employed=False) for i in range(2)]
    rows += [order(910 + i, "L", start_date="2021-06-01", end_date="2023-02-01", hours=400) for i in range(3)]
    # the same person pays the 5,000 cap with a short class later in 2023 (cap partition touched by the long one)
    rows.append(order(920, "M", person_id="P000910", start_date="2023-05-01", end_date="2023-05-20", hours=80))
    # 003 四(一) no repeat: started 2021 twice in the same occupation and level; the first ended in 2021
    rows.append(training_row(930, person_id="P-REP", start_date="2021-03-01", end_date="2021-03-10"))
    rows.append(training_row(931, person_id="P-REP", start_date="2021-05-01", end_date="2023-01-15", hours=400))
    rows.append(training_row(932, person_id="P-REP", start_date="2021-05-01", end_date="2023-03-15", hours=400))
    # 000's daily rate (80 % on certification, the rest once employed) with classes ending on several days
    rows += [
        training_row(
            940 + i,
            training_type="key_group",
            person_category="rural_migrant",
            county_code=LISHI,
            start_date="2021-03-01",
            end_date=f"2021-03-{10 + i:02d}",
            passed=i % 2 == 0,
            employed=i % 3 == 0,
        )
        for i in range(6)
    ]
    return rows


def built(runner: Runner) -> Runner:
    """The runner with the subsidy aggregates on disk (as after an import)."""
    for aggregate in runner.aggregates:
        runner.build_aggregate(aggregate.name)
    return runner


@pytest.fixture(scope="module")
def hand_runner(tmp_path_factory) -> Runner:
    training, certs = extract_2023()
    return built(Runner(write_extracts(tmp_path_factory.mktemp("agg_subsidy"), training + long_trainings(), certs)))


@pytest.fixture(scope="module")
def demo_runner(tmp_path_factory) -> Runner:
    from tracker import demo

    folder = tmp_path_factory.mktemp("agg_subsidy_demo")
    demo.write_demo(folder, rows=20_000)
    return built(Runner(folder))


def with_definition(runner: Runner):
    """A cursor that also has the point-in-time definition (subsidy_priced_at: tests/reference/…/definition.sql)."""
    cur = runner.cursor()
    if not getattr(runner, "_definition_loaded", False):
        cur.execute((REFERENCE / "definition.sql").read_text(encoding="utf-8"))
        runner._definition_loaded = True
    return cur


def reference(runner: Runner, name: str, params: dict) -> pd.DataFrame:
    """The query of commit 684347b, reading the memo of the point-in-time definition for (plan, as_of)."""
    query = parse_query_file(REFERENCE / f"{name}.sql")
    bound = runner.bind(query, params)
    cur = with_definition(runner)
    key = (bound["plan"], bound["as_of"])
    if getattr(runner, "_reference_memo", None) != key:
        cur.execute(
            "CREATE OR REPLACE TABLE subsidy_priced_memo AS "
            "SELECT $plan AS memo_plan, $as_of AS memo_as_of, * FROM subsidy_priced_at($plan, $as_of)",
            {"plan": key[0], "as_of": key[1]},
        )
        runner._reference_memo = key
    return cur.execute(query.sql, bound).df()


def assert_same(new: pd.DataFrame, old: pd.DataFrame, what: str) -> None:
    assert list(new.columns) == list(old.columns), what
    key = list(new.columns)
    new = (
        new.astype(object).where(new.notna(), None).sort_values(key, key=lambda s: s.astype(str)).reset_index(drop=True)
    )
    old = (
        old.astype(object).where(old.notna(), None).sort_values(key, key=lambda s: s.astype(str)).reset_index(drop=True)
    )
    pd.testing.assert_frame_equal(new, old, check_dtype=False, obj=what)


# the plans of every document and pricing start (000: 2018/2021 and the 2018—2022 span, 001, 002, 003, 004)
PLANS = ("sx-train-2023", "liulin-2023", "sx-action-2019-2021", "sx-skills-2018-2022", "sx-skills-2021", "sx-edu-2021")


def combinations(runner: Runner, dates: list[str]) -> list[tuple[str, dict]]:
    plans = [p for (p,) in runner.cursor().execute("SELECT plan_id FROM plans ORDER BY plan_id").fetchall()]
    assert set(PLANS) <= set(plans)
    plans = list(PLANS)
    out = []
    for plan, as_of in itertools.product(plans, dates):
        base = dict(plan=plan, as_of=as_of)
        for by, unit in itertools.product(("province", "city", "county", "institution"), (None, "141100", "141125")):
            out.append(("subsidy_summary", base | dict(by=by, unit=unit)))
        for unit in ("140000", "141100", "141125"):
            out.append(("subsidy_pace", base | dict(unit=unit)))
        for unit in (None, "141125"):
            out.append(("subsidy_unpaid", base | dict(unit=unit)))
        for status in ("all", "paid", "partial", "unpaid", "short"):
            out.append(("subsidy_records", base | dict(status=status, limit=100_000)))
        for line, reason in (("order_project", None), (None, "employment_below"), ("online", "offline_share_low")):
            out.append(("subsidy_records", base | dict(line=line, reason=reason, unit="141125", limit=100_000)))
        out.append(("subsidy_records", base | dict(status="short", limit=50, offset=20)))
    return out


HAND_DATES = ["2021-03-15", "2021-06-30", "2021-12-31", "2023-02-15", "2023-05-01", "2023-06-29", "2023-06-30",
              "2023-07-01", "2023-12-31", "2024-06-30"]  # fmt: skip


def test_issue_12_subsidy_queries_equal_the_point_in_time_definition_on_the_hand_cases(hand_runner):
    """003/002/000 pricing (classes judged 90 days after the last completer, 5,000 cap, repeats, tiers, 80/20 split,
    bonus year) and trainings over a year long, at dates on both sides of each change, for each document's plans."""
    for name, params in combinations(hand_runner, HAND_DATES):
        assert_same(hand_runner.run(name, **params), reference(hand_runner, name, params), f"{name} {params}")


def test_issue_12_subsidy_queries_equal_the_point_in_time_definition_on_a_demo(demo_runner):
    dates = ["2019-09-30", "2021-05-01", "2022-06-30", "2023-03-15", "2023-10-20"]
    combos = combinations(demo_runner, dates)
    assert len(combos) > 700
    for name, params in combos:
        assert_same(demo_runner.run(name, **params), reference(demo_runner, name, params), f"{name} {params}")


def test_issue_12_priced_records_equal_the_definition_day_by_day_through_the_changes(hand_runner):
    """Every record's amount, reason, class rate and offline share as of each day of 2023 (segments hold from a
    change to the next), for the province 2023 plan and Liulin's."""
    cur = with_definition(hand_runner)
    day = dt.date(2023, 1, 1)
    while day <= dt.date(2023, 12, 31):
        for plan in ("sx-train-2023", "liulin-2023"):
            new = cur.execute("SELECT * FROM subsidy_priced(?, ?)", [plan, day]).df()
            old = cur.execute("SELECT * FROM subsidy_priced_at(?, ?)", [plan, day]).df()
            assert_same(new, old, f"{plan} {day}")
        day += dt.timedelta(days=9)


def test_issue_12_short_records_read_from_the_short_segments_are_the_priced_records_short_that_day(hand_runner):
    """资金测算's 未足额 tab and the short or unpaid records read the segments that earn less than their standard (or
    nothing) alone: as of each day they are exactly subsidy_priced's records with a reason or no amount."""
    cur = hand_runner.cursor()
    day = dt.date(2021, 1, 1)
    while day <= dt.date(2024, 6, 30):
        for plan in ("sx-train-2023", "liulin-2023", "sx-skills-2018-2022"):
            short = cur.execute("SELECT * FROM subsidy_priced_short(?, ?)", [plan, day]).df()
            every = cur.execute(
                "SELECT * FROM subsidy_priced(?, ?) WHERE reason IS NOT NULL OR amount = 0", [plan, day]
            ).df()
            assert_same(short, every, f"{plan} {day}")
        day += dt.timedelta(days=23)
    # and they are fewer: the segments paid in full are not among them
    counts = cur.execute(
        "SELECT (SELECT count(*) FROM subsidy_short_segments), (SELECT count(*) FROM subsidy_segments)"
    )
    short_segments, segments = counts.fetchone()
    assert 0 < short_segments < segments


def test_issue_12_long_trainings_are_priced_from_each_plan_s_own_start(hand_runner):
    """003 四(二) class employment for a class that began in 2021: sx-train-2023 prices from 2022-01-01, so its two
    2021 completers (not employed) do not count — class L is 3 of 3 employed (paid, at the 5,000 cap); priced over
    every completion, L is 3 of 5 (employment_below). 四(一) no repeat: 931 and 932 began in 2021 (930, ended in
    2021 under 000's standard without that rule, is no first): 932 repeats 931."""
    p = hand_runner.run("subsidy_records", plan="sx-train-2023", as_of="2023-12-31", limit=10_000)
    rows = p.set_index("record_id")
    assert rows.loc["T000910", "class_rate"] == 1.0
    assert rows.loc["T000910", "reason"] == "cap_reached"
    assert float(rows.loc["T000910", "amount"]) == 5000
    assert pd.isna(rows.loc["T000931", "reason"])
    assert rows.loc["T000932", "reason"] == "repeat_training"
    every_completion = (
        hand_runner.cursor()
        .execute(
            "SELECT record_id, arg_max(reason, valid_from) FROM subsidy_segments "
            "WHERE priced_from = DATE '0001-01-01' AND record_id IN ('T000910', 'T000932') GROUP BY ALL"
        )
        .fetchall()
    )
    assert dict(every_completion) == {"T000910": "employment_below", "T000932": "repeat_training"}


def test_issue_12_subsidy_queries_keep_no_per_request_tables(hand_runner):
    """The memo of ≈ 230 MB per (plan, date) at 1M is gone: serving the page creates no table."""
    runner = Runner(hand_runner.data_dir)
    for as_of in ("2023-06-30", "2023-12-31"):
        for name in QUERIES:
            runner.run(name, plan="sx-train-2023", as_of=as_of)
    tables = runner.cursor().execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary").df()
    assert not tables["table_name"].str.contains("memo").any()


def test_issue_12_subsidy_aggregates_are_version_aggregates(demo_runner):
    subsidy = {a.name for a in demo_runner.aggregates if a.name.startswith("subsidy_")}
    assert subsidy == {
        "subsidy_training_inputs",
        "subsidy_certificate_inputs",
        "subsidy_platform_shares",
        "subsidy_platform_tier_changes",
        "subsidy_certified_dates",
        "subsidy_class_timeline",
        "subsidy_segments",
        "subsidy_segment_totals",
        "subsidy_short_segments",
        "subsidy_institution_names",
    }
    cache = demo_runner.data_dir / ".cache"
    files = {p.name.rsplit("-", 1)[0].removeprefix("agg-") for p in cache.glob("agg-subsidy_*.parquet")}
    assert files == subsidy - {"subsidy_segments", "subsidy_segment_totals", "subsidy_short_segments"}
    # the segments are priced part by part of the persons: a folder of parts (a 20,000-row demo: one part)
    assert [p.name for p in cache.glob("agg-subsidy_segments-*/*.parquet")] == ["part-0000-of-0001.parquet"]
    # their totals are summed slice by slice of the dates (a 20,000-row demo: one slice, every date)
    assert [p.name for p in cache.glob("agg-subsidy_segment_totals-*/*.parquet")] == ["dates-start-to-end.parquet"]
