"""CONTRACT §4 data-range guards as a reader meets them: pages say 数据截至 / 无数据 / 未开始 in words, never show a
status the data cannot support, and a date outside what the data and plans can answer is clamped with a sentence."""

from __future__ import annotations

from pathlib import Path

import pytest
from extracts import LISHI, certificate_row, training_row, write_extracts
from streamlit.testing.v1 import AppTest

from tracker.query import Runner

DASHBOARD = str(Path(__file__).resolve().parent.parent / "dashboard.py")
PAGES = ["pages/overview.py", "pages/biweekly.py", "pages/schools.py", "pages/drilldown.py"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """Liulin trainings to 2023-09-01 (the data's latest business date L), nothing in 2022."""
    folder = tmp_path_factory.mktemp("guards")
    rows = [training_row(i, end_date="2023-05-10") for i in range(300)] + [
        training_row(1000 + i, training_type="key_group", county_code=LISHI, end_date="2023-09-01") for i in range(20)
    ]
    certs = [certificate_row(1000 + i, issue_date="2023-06-28") for i in range(50)]
    return write_extracts(folder, rows, certs)


def open_page(data, monkeypatch, page: str | None = None, **query) -> AppTest:
    monkeypatch.setenv("SKILLS_DATA_DIR", str(data))
    at = AppTest.from_file(DASHBOARD, default_timeout=90)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(page).run()
    return at


def texts(at: AppTest) -> str:
    return "\n".join([w.value for w in at.warning] + [w.value for w in at.info] + [c.value for c in at.caption])


def test_as_of_beyond_the_data_reads_figures_at_L_and_says_so_contract_v2(data, monkeypatch):
    at = open_page(data, monkeypatch, plan="liulin-2023", as_of="2023-12-31")
    assert not at.exception
    said = texts(at)
    assert "数据截至2023年9月1日" in said and "所选日期2023年12月31日" in said
    # the figures are those of L: the CLI's query at D equals the query at L
    runner = Runner(data)
    at_d = runner.run("progress", plan="liulin-2023", as_of="2023-12-31")
    at_l = runner.run("progress", plan="liulin-2023", as_of="2023-09-01")
    assert at_d["actual"].fillna(-1).tolist() == at_l["actual"].fillna(-1).tolist()
    assert at_d["status"].fillna("").tolist() == at_l["status"].fillna("").tolist()
    assert (at_d["measured_on"].astype(str).str[:10] == "2023-09-01").all()


@pytest.mark.parametrize("page", PAGES)
def test_far_future_dates_in_the_url_are_clamped_with_a_sentence_not_a_traceback(data, monkeypatch, page):
    for as_of in ("2031-01-01", "9999-12-31", "1900-01-01"):
        at = open_page(data, monkeypatch, page, plan="liulin-2023", as_of=as_of)
        assert not at.exception, (page, as_of, at.exception)


def test_a_clamped_url_date_is_named_on_the_page(data, monkeypatch):
    at = open_page(data, monkeypatch, plan="liulin-2023", as_of="9999-12-31")
    assert any("超出可查询范围" in w.value and "9999年12月31日" in w.value for w in at.warning)


def test_a_plan_whose_window_holds_no_data_shows_no_status_contract_v2(data, monkeypatch):
    at = open_page(data, monkeypatch, plan="sx-skills-2022", as_of="2022-12-31")
    assert not at.exception
    assert any(w.value.startswith("无数据") for w in at.warning)
    progress = Runner(data).run("progress", plan="sx-skills-2022", as_of="2022-12-31")
    targeted = progress[progress["target"].notna()]
    assert set(targeted["status"]) == {"no_data"}
    assert targeted["pct"].isna().all() and targeted["gap_pts"].isna().all()


def test_a_plan_not_yet_started_says_so_and_judges_nothing_contract_v2(data, monkeypatch):
    at = open_page(data, monkeypatch, plan="liulin-2023", as_of="2022-12-15")
    assert not at.exception
    assert any("尚未开始" in i.value for i in at.info)
    progress = Runner(data).run("progress", plan="liulin-2023", as_of="2022-12-15")
    assert set(progress["status"]) == {"not_started"}
    assert not progress["status"].isin(["on_track", "behind", "lagging"]).any()


def test_a_finished_plan_opens_on_its_deadline_and_counts_nothing_after_it_004(tmp_path, monkeypatch):
    g = {"graduating_student": True, "skill_level": 3, "school_name": "山西大学"}
    certs = [
        certificate_row(1, issue_date="2021-08-31", **g),  # on the deadline: counts
        certificate_row(2, issue_date="2021-09-01", **g),  # the day after: 截止后新增, never counts
    ]
    data = write_extracts(tmp_path / "edu", [training_row(9, end_date="2021-11-30")], certs)
    at = open_page(data, monkeypatch, "pages/schools.py", plan="sx-edu-2021")
    assert not at.exception
    assert "截至2021年8月31日" in at.caption[0].value  # the earlier of the deadline and the data's L (11-30)
    for as_of in ("2021-08-31", "2021-11-30"):
        senior = Runner(data).run("progress", plan="sx-edu-2021", as_of=as_of)
        row = senior[(senior.metric == "senior_certs") & (senior.unit_code == "U01")].iloc[0]
        assert row.actual == 1
        assert row.expected_pct == 100


def test_days_left_are_right_before_on_and_after_the_deadline_004(tmp_path):
    data = write_extracts(tmp_path / "d", [training_row(9, end_date="2021-11-30")], [])
    runner = Runner(data)

    def days(as_of):
        q = runner.run("school_quota", plan="sx-edu-2021", as_of=as_of).iloc[0]
        return int(q.days_left), int(q.days_open), int(q.days_past)

    assert days("2021-08-30") == (1, 2, 0)  # the 30th and the 31st remain
    assert days("2021-08-31") == (0, 1, 0)  # the deadline day itself is still open: 今天截止
    assert days("2021-11-30") == (0, 0, 91)  # three months late
