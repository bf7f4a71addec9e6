"""AppTest of the overview (总览) and the biweekly dispatch (双周调度) pages (#3, #4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from extracts import certificate_row, training_row, write_extracts
from streamlit.testing.v1 import AppTest

from tracker import ui
from tracker.query import Runner

DASHBOARD = str(Path(__file__).resolve().parent.parent / "dashboard.py")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("app")
    rows = (
        [training_row(i, end_date="2023-05-10") for i in range(400)]
        + [training_row(1000 + i, training_type="caregiver_brand", end_date="2023-06-20") for i in range(300)]
        + [
            training_row(2000 + i, training_type="key_group", county_code="141102", end_date="2023-09-01")
            for i in range(50)
        ]
    )
    certs = [certificate_row(1000 + i, issue_date="2023-06-28") for i in range(280)]
    return write_extracts(folder, rows, certs)


@pytest.fixture
def app(data, monkeypatch):
    monkeypatch.setenv("SKILLS_DATA_DIR", str(data))
    return AppTest.from_file(DASHBOARD, default_timeout=90)


def test_overview_opens_on_the_default_plan_with_cards_and_table(app, data):
    at = app.run()
    assert not at.exception
    assert at.title[0].value == "总览"
    assert "柳政办发〔2023〕19号" in at.caption[0].value
    # the default as-of date is the latest date in the data (2023-09-01), before the plan's deadline
    assert "2023年9月1日" in at.caption[0].value
    progress = Runner(data).run("progress", plan="liulin-2023", as_of="2023-09-01")
    total = progress.set_index("metric").loc["training_total"]
    values = [m.value for m in at.metric]
    assert ui.fmt_int(total.actual) in values
    assert len(at.dataframe) >= 1
    assert at.get("plotly_chart")


def test_overview_follows_the_plan_and_date_in_the_url(app):
    app.query_params["plan"] = "sx-train-2023"
    app.query_params["as_of"] = "2023-06-30"
    at = app.run()
    assert not at.exception
    assert "2023年6月30日" in at.caption[0].value
    assert "晋人社厅函〔2023〕786号" in at.caption[0].value


def test_overview_trajectory_chart_has_actual_and_expected_lines(app):
    at = app.run()
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = {trace.get("name") for trace in spec["data"]}
    assert {"累计完成", "时序进度", "按近期速度预计"} <= names


def test_biweekly_page_shows_the_dispatch_table_and_downloads(app, data):
    at = app.run()
    at.switch_page("pages/biweekly.py").run()
    assert not at.exception
    assert at.title[0].value == "双周调度"
    table = at.dataframe[0].value
    assert "每期需完成" in table.columns  # one county: no ranks among units
    dispatch = Runner(data).run("dispatch", plan="liulin-2023", as_of="2023-09-01", period=17)
    shown = table.set_index("指标")
    assert shown.loc["职业技能培训(四类合计)", "累计完成"] == ui.fmt_int(
        dispatch.set_index("metric").loc["training_total", "cumulative"]
    )
    assert any(t.value.startswith("关于") and "双周调度情况的通报" in t.value for t in at.text_area)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["下载调度表（Excel）", "下载通报（Word）", "下载通报（文本）"]


def test_biweekly_defaults_to_the_latest_complete_period(app):
    at = app.run()
    at.switch_page("pages/biweekly.py").run()
    # 2023-09-01 lies in the 18th period (08-27 … 09-09): the latest complete one is the 17th (08-13 … 08-26);
    # the URL says 17, as the label does (第17期 ↔ ?period=17)
    assert at.selectbox(key="period").value == 17
    assert at.query_params["period"] in ("17", ["17"])
    assert "第17期" in at.markdown[0].value or any("第17期" in m.value for m in at.markdown)


def test_a_malformed_extract_gives_a_clear_message_not_a_crash(tmp_path, monkeypatch):
    (tmp_path / "training.parquet").write_bytes(b"PAR1 truncated")
    write_extracts(tmp_path / "ok", [], [certificate_row(1)])
    (tmp_path / "certificates.parquet").write_bytes((tmp_path / "ok" / "certificates.parquet").read_bytes())
    monkeypatch.setenv("SKILLS_DATA_DIR", str(tmp_path))
    at = AppTest.from_file(DASHBOARD, default_timeout=90).run()
    assert not at.exception
    assert any("training" in e.value and "无法读取" in e.value for e in at.error)


def test_each_script_run_logs_its_server_time_when_asked_issue_12(app, tmp_path, monkeypatch):
    """SKILLS_RUN_LOG (scripts/load_test.py): one JSON line per script run — the page, its wall and CPU seconds."""
    log = tmp_path / "runs.jsonl"
    monkeypatch.setenv("SKILLS_RUN_LOG", str(log))
    at = app.run()
    assert not at.exception
    runs = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert len(runs) == 1
    assert runs[0]["outcome"] == "done" and runs[0]["page"] == "总览"
    assert runs[0]["cpu_s"] > 0
    assert 0 < runs[0]["wall_s"] < 90


def test_no_run_log_is_written_unless_asked(app, tmp_path, monkeypatch):
    monkeypatch.delenv("SKILLS_RUN_LOG", raising=False)
    monkeypatch.chdir(tmp_path)
    assert not app.run().exception
    assert not list(tmp_path.iterdir())
