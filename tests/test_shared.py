"""#12 a page view is cheap when someone else already asked: what pages build from query results (tables, figures,
texts) is shared across sessions by what it is built from — never across what a user may not see."""

from __future__ import annotations

import datetime as dt
import os

import numpy as np
import pandas as pd
import pytest

from tracker import demo, shared, ui
from tracker.query import Runner
from tracker.scope import ScopedRunner, for_user
from tracker.users import User


def frame(rows: int = 3) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_name": [f"县{i}" for i in range(rows)],
            "actual": np.arange(rows, dtype="int64"),
            "pct": np.linspace(0, 100, rows),
            "on": pd.to_datetime(["2023-06-30"] * rows),
            "deadline": [dt.date(2023, 11, 30)] * rows,
        }
    )


def test_equal_content_gives_the_same_key_and_any_changed_cell_another():
    big = frame(100_000)  # larger than any sample: every row counts
    assert shared.shared_key(big) == shared.shared_key(big.copy(deep=True))
    for column, value in (
        ("unit_name", "柳林县"),
        ("actual", -1),
        ("pct", 0.5),
        ("on", pd.Timestamp("2024-01-01")),
        ("deadline", dt.date(2020, 1, 1)),
    ):
        changed = big.copy()
        changed.loc[73_456, column] = value
        assert shared.shared_key(changed) != shared.shared_key(big), column
    assert shared.shared_key(big.iloc[1:]) != shared.shared_key(big.iloc[:-1])  # same length, other rows
    assert shared.shared_key(big.rename(columns={"pct": "rate"})) != shared.shared_key(big)
    assert shared.shared_key(big, "county") != shared.shared_key(big, "city")
    assert shared.shared_key(big, by="county") != shared.shared_key(big, by="city")


@pytest.fixture(scope="module")
def runner(tmp_path_factory) -> Runner:
    folder = tmp_path_factory.mktemp("shared-data")
    demo.write_demo(folder, rows=5_000)
    return Runner(folder)


def test_a_runner_argument_keys_on_data_version_and_scope(runner):
    liulin = ScopedRunner(runner, for_user(User("a", "county", "141125")))
    liulin_again = ScopedRunner(runner, for_user(User("a", "county", "141125")))
    xiaodian = ScopedRunner(runner, for_user(User("b", "county", "140105")))
    assert shared.shared_key(liulin, "2023-06-30") == shared.shared_key(liulin_again, "2023-06-30")
    assert shared.shared_key(liulin, "2023-06-30") != shared.shared_key(xiaodian, "2023-06-30")
    assert shared.shared_key(liulin, "2023-06-30") != shared.shared_key(runner, "2023-06-30")
    before = shared.shared_key(runner, "2023-06-30")
    extract = next(runner.data_dir.glob("training*.parquet"))
    stat = extract.stat()
    os.utime(extract, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # new data arrived
    assert shared.shared_key(runner, "2023-06-30") != before


def test_shared_builds_once_for_equal_content_and_again_for_other_content():
    calls = []

    def table(df: pd.DataFrame, label: str) -> pd.DataFrame:
        calls.append(label)
        return df.assign(label=label)

    first = shared.shared(table, frame(), "县")
    second = shared.shared(table, frame(), "县")  # another session: its own copy of the same answer
    assert second is first and calls == ["县"]
    other = frame()
    other.loc[1, "actual"] = 99
    assert shared.shared(table, other, "县") is not first and len(calls) == 2


@pytest.mark.parametrize("rows, shown, note", [(12, 12, None), (300, 300, None), (5_270, 300, True)])
def test_long_tables_ship_their_first_rows_and_say_so(rows, shown, note):
    head, text = ui.first_rows(frame(rows), "个机构")
    assert len(head) == shown
    assert (text is not None) == bool(note)
    if note:
        assert text == f"表中为前300个机构（共{rows:,}个机构）；下载可得全部。"
        assert head.equals(frame(rows).head(300))


def test_a_shared_figure_draws_exactly_what_its_figure_draws():
    """The shared cache keeps a figure's finished dictionary only (no deep copy per view, less memory): the chart
    a browser gets is the same."""
    import plotly.io as pio
    from plotly.basedatatypes import BaseFigure

    from tracker import charts

    series = pd.DataFrame({"period": [0, 1, 2], "increment": [120, 80, 15_000], "cumulative": [120, 200, 15_200]})
    figure = charts.increments(series, "人", 1, "柳林县 · 培训人数")
    frozen = shared.SharedFigure(figure)
    assert isinstance(frozen, BaseFigure)  # st.plotly_chart takes it as a figure
    assert pio.to_json(frozen.to_dict(), validate=False) == pio.to_json(figure.to_dict(), validate=False)
    drawn = shared.shared(charts.increments, series, "人", 1, "柳林县 · 培训人数")
    assert isinstance(drawn, shared.SharedFigure) and drawn.to_dict() == frozen.to_dict()
