"""#13 audit trail: sign-ins (success and failure), imports, rollbacks, exports, views of person-level records and
refused links are appended to audit.jsonl in the data folder (who, when, what, scope, how many records); the
data office reads it on 数据管理; nothing in the dashboard writes anything else to it."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest
from extracts import certificate_row, training_row, write_extracts
from streamlit.testing.v1 import AppTest

from tracker import ROOT, audit, auth, cli, users
from tracker.query import Runner
from tracker.scope import ScopedRunner, for_user

DASHBOARD = str(ROOT / "dashboard.py")


def events(folder: Path) -> list[dict]:
    path = folder / audit.LOG_NAME
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


@pytest.fixture
def served(tmp_path, capsys) -> Path:
    """A versioned data folder with two imports (so there is something to roll back to)."""
    data = tmp_path / "data"
    for k, county in enumerate(("141125", "140105")):
        src = write_extracts(
            tmp_path / f"src{k}",
            [
                training_row(100 * k + i, county_code=county, end_date="2023-05-10", passed=i % 2 == 0)
                for i in range(30)
            ],
            [certificate_row(100 * k + i, issue_date="2023-06-01") for i in range(10)],
        )
        files = [str(p) for p in sorted(src.glob("*.parquet"))]
        assert cli.main(["ingest", *files, "--data", str(data), "--create"]) == 0, capsys.readouterr().err
    return data


@pytest.fixture
def users_file(tmp_path) -> Path:
    path = tmp_path / "users.json"
    users.add("office", "数据管理员", None, "office-pass-1", None, path)
    users.add("checker", "核查员", "141100", "checker-pass-1", None, path)
    users.add("liulin", "县", "141125", "liulin-pass-1", None, path)
    return path


def test_cli_imports_and_rollbacks_are_recorded(served, capsys):
    lines = events(served)
    assert [e["event"] for e in lines] == ["import", "import"]
    assert lines[0]["user"].startswith("命令行:") and "training.parquet" in lines[0]["what"]
    versions = sorted(p.name for p in (served / "versions").iterdir() if p.is_dir())
    assert cli.main(["versions", "--data", str(served), "--rollback", versions[0]]) == 0
    last = events(served)[-1]
    assert last["event"] == "rollback" and last["what"] == versions[0]
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", last["at"])


def test_person_level_views_are_recorded_with_scope_and_count_once_per_request(served):
    runner = ScopedRunner(Runner(served), for_user(users.User("checker", "auditor", "141100")))
    rows = runner.run("compliance_no_outcome", year=2023)
    runner.run("compliance_no_outcome", year=2023)  # the same view again in the same session: one line
    views = [e for e in events(served) if e["event"] == "view_records"]
    assert len(views) == 1
    view = views[0]
    assert view["user"] == "checker" and view["role"] == "auditor" and view["scope"] == "核查员 · 吕梁市"
    assert view["what"] == "compliance_no_outcome" and view["records"] == len(rows) > 0
    assert view["detail"] == {"year": "2023"}


def test_cli_report_as_a_user_is_an_export(served, users_file, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("SKILLS_USERS_FILE", str(users_file))
    out = tmp_path / "r.xlsx"
    args = ["report", "--plan", "liulin-2023", "--data", str(served), "--out", str(out), "--user", "liulin"]
    assert cli.main(args) == 0
    last = events(served)[-1]
    assert last["event"] == "export" and last["user"] == "liulin" and "report liulin-2023" in last["what"]


def test_dashboard_sign_ins_rollback_views_refusals_and_the_log_page(served, users_file, monkeypatch):
    monkeypatch.setenv("SKILLS_DATA_DIR", str(served))
    monkeypatch.setenv("SKILLS_USERS_FILE", str(users_file))
    auth.BACKOFF._by_key.clear()
    at = AppTest.from_file(DASHBOARD, default_timeout=120).run()
    at.text_input(key="sign_in_name").input("office")
    at.text_input(key="sign_in_password").input("bad-password")
    at.button[0].click().run()
    at.text_input(key="sign_in_name").input("office")
    at.text_input(key="sign_in_password").input("office-pass-1")
    at.button[0].click().run()
    kinds = [e["event"] for e in events(served)]
    assert kinds[-2:] == ["sign_in_failed", "sign_in"]
    assert events(served)[-2]["user"] == "office" and "ip" in events(served)[-2]["detail"]
    # rollback from 数据管理
    at.switch_page("pages/data.py").run()
    target = at.selectbox(key="rollback_target").value
    at.button(key="rollback_confirm").click().run()
    assert not at.exception
    last = events(served)[-1]
    assert last["event"] == "rollback" and last["what"] == target and last["user"] == "office"
    # the log on 数据管理: read-only, newest first
    log = next(df.value for df in at.dataframe if "事件" in df.value.columns)
    assert log.iloc[0]["事件"] == "版本回退" and "登录失败" in set(log["事件"])
    assert not at.get("arrow_data_editor")

    # a county user's refused link and an auditor's view of records
    at = AppTest.from_file(DASHBOARD, default_timeout=120).run()
    at.text_input(key="sign_in_name").input("liulin")
    at.text_input(key="sign_in_password").input("liulin-pass-1")
    at.button[0].click().run()
    at.switch_page("pages/drilldown.py")
    at.query_params["unit"] = "140105"
    at.run()
    last = events(served)[-1]
    assert last["event"] == "denied" and last["what"] == "unit=140105" and last["scope"] == "县 · 吕梁市·柳林县"


def test_pages_export_only_through_the_audited_helper():
    """Every download button on a page writes an export line (audit.download_button, or its csv_button /
    xlsx_button), none bypasses it."""
    for page in sorted((ROOT / "pages").glob("*.py")):
        assert "st.download_button(" not in page.read_text(encoding="utf-8"), page.name
    assert "audit.csv_button(" in (ROOT / "pages" / "compliance.py").read_text(encoding="utf-8")
    helpers = (ROOT / "tracker" / "audit.py").read_text(encoding="utf-8")
    assert helpers.count("return download_button(") == 2  # csv_button and xlsx_button go through the logged one


def test_concurrent_appends_stay_whole_lines(tmp_path):
    scope = for_user(users.User("a", "analyst"))

    def write(k: int) -> None:
        for i in range(40):
            audit.record(tmp_path, "export", scope, what=f"t{k}-{i}" + "长" * 300, records=i)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = events(tmp_path)
    assert len(lines) == 320 and {e["what"][:6] for e in lines if e["what"].startswith("t7-39")}
    assert all(e["event"] == "export" and e["role"] == "analyst" for e in lines)


def test_a_version_switch_reaches_every_replica(served):
    """Two runners on one data folder stand for two replicas: a rollback by either is seen by both on the next query."""
    from tracker import ingest
    from tracker.store import current_version

    first, second = Runner(served), Runner(served)
    before = first.run("progress", plan="liulin-2023", as_of="2023-06-30")
    assert second.run("progress", plan="liulin-2023", as_of="2023-06-30").equals(before)
    versions = sorted(p.name for p in (served / "versions").iterdir() if p.is_dir())
    older = next(v for v in versions if v != current_version(served))
    ingest.rollback_version(served, older)
    for replica in (first, second):
        assert replica.version().startswith(older)
        after = replica.run("progress", plan="liulin-2023", as_of="2023-06-30")
        assert not after.equals(before)
