"""The pandas equivalents ``python -m tracker bench`` sets beside the named queries (issue #12: ≥ 5× faster).

Each function reads the raw Parquet extracts with pandas (only the columns it needs) and computes, by the
CONTRACT's rules, the same figures a named query gives — so the comparison is between the two ways of answering one
question, not between two different questions. The bench checks that the figures agree before it prints a ratio.

- ``progress``: persons counted for each training-line metric of a plan in each unit with a target, as of a date
  (completed trainings of the metric's lines, end date in the metric's window up to the date; distinct persons);
- ``biweekly``: the cumulative count of one metric per county and 14-day period (a person counts from the period
  of their first completion in the county);
- ``dispatch``: the same metric per county as of a date with completion against the target and the rank among
  counties (the 双周调度表's order).
Reference data (windows, targets, lines) come from the runner; only the raw rows are pandas' work.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow.dataset as pads

from tracker.query import Runner
from tracker.store import active_dir, table_source

TRAINING_COLUMNS = ["person_id", "county_code", "training_type", "status", "end_date"]


def _read_training(folder: Path) -> pd.DataFrame:
    source = table_source(active_dir(folder), "training")
    if source is None:
        raise FileNotFoundError(f"{folder} 中没有 training 数据")
    dataset = pads.dataset(source.glob, format="parquet", partitioning="hive" if source.hive else None)
    frame = dataset.to_table(columns=TRAINING_COLUMNS).to_pandas()
    frame["end_date"] = pd.to_datetime(frame["end_date"])
    return frame


def _lines(runner: Runner, plan: str) -> pd.DataFrame:
    """The plan's training-line count metrics with their windows and the training types they count."""
    return (
        runner.cursor()
        .execute(
            """SELECT w.metric, w.start, w.deadline, mt.training_type
           FROM plan_metric_windows AS w JOIN metric_training_types AS mt USING (metric)
           WHERE w.plan_id = $plan AND w.kind = 'count' AND w.metric NOT IN ('caregiver_employed',
                 'training_person_times')""",
            {"plan": plan},
        )
        .df()
    )


def _counties_of(runner: Runner) -> pd.DataFrame:
    return runner.cursor().execute("SELECT unit_type, unit_code, county_code FROM unit_members").df()


def progress(runner: Runner, folder: Path, plan: str, as_of: dt.date) -> pd.DataFrame:
    """(unit_code, metric, actual) for every unit the plan gives a training-line target."""
    training = _read_training(folder)
    completed = training[training["status"] == "completed"]
    lines = _lines(runner, plan)
    targets = (
        runner.cursor()
        .execute(
            "SELECT DISTINCT unit_code, metric FROM targets WHERE plan_id = $plan AND unit_type <> 'school'",
            {"plan": plan},
        )
        .df()
    )
    members = _counties_of(runner)
    out = []
    for metric, rows in lines.groupby("metric"):
        start = pd.Timestamp(rows["start"].iloc[0])
        until = min(pd.Timestamp(rows["deadline"].iloc[0]), pd.Timestamp(as_of))
        picked = completed[
            completed["training_type"].isin(rows["training_type"])
            & (completed["end_date"] >= start)
            & (completed["end_date"] <= until)
        ]
        for unit in targets.loc[targets["metric"] == metric, "unit_code"]:
            counties = members.loc[members["unit_code"] == unit, "county_code"]
            persons = picked.loc[picked["county_code"].isin(counties), "person_id"].nunique()
            out.append({"unit_code": unit, "metric": metric, "actual": persons})
    return pd.DataFrame(out, columns=["unit_code", "metric", "actual"])


def _first_in_county(runner: Runner, folder: Path, plan: str, metric: str, as_of: dt.date) -> pd.DataFrame:
    training = _read_training(folder)
    lines = _lines(runner, plan)
    rows = lines[lines["metric"] == metric]
    start = pd.Timestamp(rows["start"].iloc[0])
    until = min(pd.Timestamp(rows["deadline"].iloc[0]), pd.Timestamp(as_of))
    picked = training[
        (training["status"] == "completed")
        & training["training_type"].isin(rows["training_type"])
        & (training["end_date"] >= start)
        & (training["end_date"] <= until)
    ]
    first = picked.groupby(["county_code", "person_id"], as_index=False)["end_date"].min()
    first["period"] = (first["end_date"] - start).dt.days // 14
    return first


def biweekly(runner: Runner, folder: Path, plan: str, metric: str, as_of: dt.date) -> pd.DataFrame:
    """(unit_code, period, cumulative) per county with data, for every period up to the as-of date."""
    first = _first_in_county(runner, folder, plan, metric, as_of)
    per_period = first.groupby(["county_code", "period"]).size().rename("increment").reset_index()
    periods = range(int(per_period["period"].max()) + 1) if len(per_period) else range(0)
    grid = pd.MultiIndex.from_product(
        [sorted(per_period["county_code"].unique()), periods], names=["county_code", "period"]
    )
    series = per_period.set_index(["county_code", "period"]).reindex(grid, fill_value=0).reset_index()
    series["cumulative"] = series.groupby("county_code")["increment"].cumsum()
    return series.rename(columns={"county_code": "unit_code"})[["unit_code", "period", "cumulative"]]


def dispatch(runner: Runner, folder: Path, plan: str, metric: str, as_of: dt.date) -> pd.DataFrame:
    """(unit_code, actual, pct, rank) per county the plan gives a target for the metric."""
    first = _first_in_county(runner, folder, plan, metric, as_of)
    counts = first.groupby("county_code").size().rename("actual")
    targets = (
        runner.cursor()
        .execute(
            "SELECT unit_code, target FROM targets WHERE plan_id = $plan AND metric = $metric AND unit_type = 'county'",
            {"plan": plan, "metric": metric},
        )
        .df()
    )
    table = targets.join(counts, on="unit_code").fillna({"actual": 0})
    table["pct"] = 100.0 * table["actual"] / table["target"]
    table = table.sort_values(["pct", "unit_code"], ascending=[False, True]).reset_index(drop=True)
    table["rank"] = range(1, len(table) + 1)  # the 双周调度表's order: completion, then code
    return table[["unit_code", "actual", "pct", "rank"]]
