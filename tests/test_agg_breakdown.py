"""Issue #12: 区域分析's breakdown, causes and watch list and a school's certificates read version aggregates
(queries/aggregates/3x_*.sql) instead of raw rows — with answers identical to their definitions.

The definitions are the queries as they read the raw rows (tests/agg_definitions/*.sql, used by this test only): each
rewritten query is compared with its definition over many plans, metrics, units, groupings, institutions and as-of
dates on a generated demo extract, as sorted frames with the same columns and values."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tracker import QUERIES_DIR, aggregates
from tracker.demo import write_demo
from tracker.query import Runner

DEFINITIONS = Path(__file__).parent / "agg_definitions"
LIULIN, LVLIANG, PROVINCE, TAIYUAN = "141125", "141100", "140000", "140100"
AS_OFS = ["2018-06-30", "2019-12-31", "2020-03-31", "2021-07-02", "2021-08-31", "2022-05-01", "2023-04-01",
          "2023-07-02", "2023-10-20", "2024-03-01"]


@pytest.fixture(scope="module")
def runners(tmp_path_factory) -> tuple[Runner, Runner]:
    """(the rewritten queries over built aggregates, the definitions over the raw rows) on one demo extract."""
    folder = tmp_path_factory.mktemp("demo")
    write_demo(folder, rows=30_000)
    aggregates.build(folder)
    definitions = tmp_path_factory.mktemp("definitions")
    shutil.copytree(QUERIES_DIR / "models", definitions / "models")
    for sql in DEFINITIONS.glob("*.sql"):
        shutil.copy(sql, definitions / sql.name)
    new = Runner(folder)
    assert not new.aggregates_missing()
    return new, Runner(folder, queries_dir=definitions)


def same(new: Runner, old: Runner, name: str, **params) -> pd.DataFrame:
    got, want = new.run(name, **params), old.run(name, **params)
    assert list(got.columns) == list(want.columns), (name, params)
    keys = list(want.columns)
    got = got.sort_values(keys, na_position="first").reset_index(drop=True)
    want = want.sort_values(keys, na_position="first").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False, obj=f"{name} {params}")
    return want


def test_school_detail_certs_equal_definition(runners):
    """004: a school's graduates counted once, by the certificate that first made them count, up to the as-of date."""
    new, old = runners
    units = old.cursor().execute("SELECT DISTINCT unit_code FROM targets WHERE unit_type = 'school'").fetchall()
    plans = ["sx-edu-2021", "liulin-2023"]
    seen = 0
    for plan in plans:
        for (unit,) in units[::7] + [("U01",), ("NOPE",)]:
            for as_of in ["2021-03-15", "2021-06-30", "2021-08-31", "2023-10-20"]:
                seen += len(same(new, old, "school_detail_certs", plan=plan, unit=unit, as_of=as_of))
    assert seen > 0


def test_causes_rates_equal_definition(runners):
    """000 pass ≥ 80 % / employment ≥ 30 %, 001 ≥ 25 %, 002/003 order/project ≥ 80 %, 002 持证率 ≥ 90 % and 540 at
    柳林县 — over the due cohort (CONTRACT §4), for every plan, at county, city and province."""
    new, old = runners
    seen = 0
    for plan in new.plans:
        for unit in [LIULIN, LVLIANG, PROVINCE, "140105", "999999"]:
            for as_of in AS_OFS:
                seen += same(new, old, "causes_rates", plan=plan, unit=unit, as_of=as_of)["persons"].sum()
    assert seen > 0
