"""#11 item 4: no developer chrome in front of officials — viewer toolbar, no traceback (a Chinese sentence, the
detail in the log), plotly without its English modebar."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from extracts import training_row, write_extracts
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = str(ROOT / "dashboard.py")


def test_streamlit_config_hides_the_developer_tools():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["toolbarMode"] == "viewer"
    assert config["client"]["showErrorDetails"] == "none"
    assert config["browser"]["gatherUsageStats"] is False


def test_a_failing_page_shows_a_chinese_sentence_and_logs_the_detail(tmp_path, monkeypatch, caplog):
    from tracker import app

    class Broken:
        def run(self) -> None:
            raise RuntimeError("/srv/secret/path SKILLS_DATA_DIR boom")

    monkeypatch.setattr(app, "start", lambda: Broken())
    with caplog.at_level("ERROR", logger="tracker"):
        at = AppTest.from_file(DASHBOARD, default_timeout=60).run()
    assert not at.exception, "no traceback on the page"
    assert [e.value for e in at.error] == [
        "页面暂时无法显示，请稍后刷新重试；如仍有问题，请联系系统管理员（详细信息已记入服务日志）。"
    ]
    assert "boom" in caplog.text and "Traceback" in caplog.text


def test_every_chart_hides_the_plotly_modebar(tmp_path, monkeypatch):
    rows = [training_row(i, end_date="2023-05-10") for i in range(50)]
    monkeypatch.setenv("SKILLS_DATA_DIR", str(write_extracts(tmp_path / "d", rows, [])))
    at = AppTest.from_file(DASHBOARD, default_timeout=90)
    at.query_params["plan"] = "liulin-2023"
    at.query_params["as_of"] = "2023-06-30"
    at.run()
    for page in ("pages/overview.py", "pages/biweekly.py"):
        at.switch_page(page).run()
        assert not at.exception
        charts = at.get("plotly_chart")
        assert charts, page
        for chart in charts:
            config = json.loads(chart.proto.config)
            assert config["displayModeBar"] is False and config["locale"] == "zh-CN", page


def test_error_messages_on_pages_name_no_server_path():
    from tracker.app import user_message

    text = user_message(
        Exception("无法读取 training 数据（/srv/skills/data/v3）：IO Error: bad file '/srv/skills/x.parquet'")
    )
    assert "/srv" not in text and text.startswith("无法读取 training 数据")
    assert user_message(Exception("数据目录 /srv/data 中没有 training.parquet")) == "数据目录中没有 training.parquet"
