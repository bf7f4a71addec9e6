"""#13 sign-in: the users file (argon2 only, plain passwords refused), the CLI, the Chinese sign-in form, slowing
down repeated failures, session time-out, the open demo mode, and what each role's pages show (AppTest)."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tracker import auth, cli, demo, users
from tracker.store import mark_demo

DASHBOARD = str(Path(__file__).resolve().parent.parent / "dashboard.py")
PASSWORDS = {
    "liulin": ("县", "141125", "liulin-pass-1"),
    "lvliang": ("市", "141100", "lvliang-pass-1"),
    "ty-edu": ("市教育局", "140100", "ty-edu-pass-1"),
    "sxu": ("院校", "U01", "sxu-pass-123"),
    "checker": ("核查员", "141100", "checker-pass-1"),
    "office": ("数据管理员", None, "office-pass-1"),
    "analyst": ("分析员", None, "analyst-pass-1"),
}


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("auth-data")
    demo.write_demo(folder, rows=20_000)
    mark_demo(folder)
    return folder


@pytest.fixture(scope="module")
def users_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("auth-users") / "users.json"
    for name, (role, unit, password) in PASSWORDS.items():
        users.add(name, role, unit, password, None, path)
    return path


@pytest.fixture
def signed(data, users_file, monkeypatch):
    monkeypatch.setenv("SKILLS_DATA_DIR", str(data))
    monkeypatch.setenv("SKILLS_USERS_FILE", str(users_file))
    auth.BACKOFF._by_key.clear()
    return AppTest.from_file(DASHBOARD, default_timeout=120)


def sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="sign_in_name").input(name)
    at.text_input(key="sign_in_password").input(password)
    return at.button[0].click().run()


# ---------------------------------------------------------------- the users file


def test_passwords_are_stored_as_argon2_hashes_only(users_file):
    text = users_file.read_text(encoding="utf-8")
    for _, _, password in PASSWORDS.values():
        assert password not in text
    entries = json.loads(text)["users"]
    assert all(e["hash"].startswith("$argon2id$") for e in entries.values())
    assert users.authenticate("liulin", "liulin-pass-1", users_file).unit == "141125"
    assert users.authenticate("liulin", "wrong-pass-1", users_file) is None
    assert users.authenticate("nobody", "liulin-pass-1", users_file) is None


def test_hashes_are_argon2id_at_the_owasp_minimum_and_old_ones_are_renewed_on_sign_in(tmp_path):
    """#12: argon2id at m = 19 MiB, t = 2, p = 1 (OWASP); a hash made with argon2-cffi's defaults (64 MiB, t = 3,
    4 lanes) still signs in and is rewritten with the current parameters; a wrong password rewrites nothing."""
    from argon2 import PasswordHasher

    path = tmp_path / "users.json"
    users.add("liulin", "county", "141125", "liulin-pass-1", None, path)
    users.add("lvliang", "city", "141100", "lvliang-pass-1", None, path)
    assert "$m=19456,t=2,p=1$" in json.loads(path.read_text(encoding="utf-8"))["users"]["liulin"]["hash"]
    raw = json.loads(path.read_text(encoding="utf-8"))
    raw["users"]["liulin"]["hash"] = PasswordHasher().hash("liulin-pass-1")  # the old defaults
    path.write_text(json.dumps(raw), encoding="utf-8")
    old = raw["users"]["liulin"]["hash"]
    assert "$m=65536,t=3,p=4$" in old
    assert users.authenticate("liulin", "wrong-pass-1", path) is None
    assert json.loads(path.read_text(encoding="utf-8"))["users"]["liulin"]["hash"] == old
    assert users.authenticate("liulin", "liulin-pass-1", path).unit == "141125"
    after = json.loads(path.read_text(encoding="utf-8"))["users"]
    assert "$m=19456,t=2,p=1$" in after["liulin"]["hash"] and after["liulin"]["hash"] != old
    assert after["lvliang"]["hash"] == raw["users"]["lvliang"]["hash"]  # the others are left as they were
    assert users.authenticate("liulin", "liulin-pass-1", path).role == "county"
    assert users.authenticate("lvliang", "lvliang-pass-1", path).unit == "141100"


@pytest.mark.parametrize(
    "entry",
    [
        {"role": "county", "unit": "141125", "password": "liulin123"},
        {"role": "county", "unit": "141125", "hash": "liulin123"},
    ],
)
def test_a_users_file_with_a_plain_password_is_refused(tmp_path, entry):
    path = tmp_path / "users.json"
    path.write_text(json.dumps({"users": {"liulin": entry}}), encoding="utf-8")
    with pytest.raises(users.UsersError, match="明文"):
        users.load(path)


def test_a_users_file_with_a_plain_password_stops_the_dashboard_with_a_message(data, tmp_path, monkeypatch):
    path = tmp_path / "users.json"
    path.write_text(json.dumps({"users": {"liulin": {"role": "county", "unit": "141125", "password": "x"}}}))
    monkeypatch.setenv("SKILLS_DATA_DIR", str(data))
    monkeypatch.setenv("SKILLS_USERS_FILE", str(path))
    at = AppTest.from_file(DASHBOARD, default_timeout=60).run()
    assert not at.exception
    assert "明文" in at.error[0].value and not at.title


def test_users_cli_add_list_remove(tmp_path, monkeypatch, capsys):
    path = tmp_path / "u.json"
    monkeypatch.setenv("SKILLS_USERS_FILE", str(path))
    monkeypatch.setattr("sys.stdin", io.StringIO("a-good-password\n"))
    assert cli.main(["users", "add", "pingding", "--role", "县", "--unit", "140321", "--password-stdin"]) == 0
    assert cli.main(["users", "add", "sso-user", "--role", "analyst", "--oidc", "ana@example.org"]) == 0
    assert cli.main(["users", "list"]) == 0
    out = capsys.readouterr().out
    assert "pingding\t县\t140321\t密码" in out and "a-good-password" not in out and "$argon2" not in out
    assert "统一身份认证 ana@example.org" in out
    # a county role needs a county code; a wrong role is named in Chinese
    monkeypatch.setattr("sys.stdin", io.StringIO("a-good-password\n"))
    assert cli.main(["users", "add", "x", "--role", "县", "--unit", "141100", "--password-stdin"]) == 2
    assert "县区代码" in capsys.readouterr().err
    assert cli.main(["users", "add", "x", "--role", "boss", "--password-stdin"]) == 2
    assert cli.main(["users", "remove", "pingding"]) == 0
    assert "pingding" not in users.load(path)
    assert users.by_identity({"email": "ANA@example.org", "sub": "123"}, path).role == "analyst"


def test_repeated_failures_are_slowed_down_per_user_and_address():
    backoff = auth.Backoff(free=3, cap=60)
    keys = ("user:liulin", "ip:10.0.0.1")
    for _ in range(3):
        assert backoff.failed(*keys, now=100.0) == 0
    assert backoff.failed(*keys, now=100.0) == 2.0
    assert backoff.wait_left("user:liulin", now=101.0) == pytest.approx(1.0)
    assert backoff.wait_left("ip:10.0.0.1", "user:other", now=101.0) == pytest.approx(1.0)
    assert backoff.failed(*keys, now=103.0) == 4.0
    assert backoff.wait_left("user:other", now=103.0) == 0
    backoff.succeeded(*keys)
    assert backoff.wait_left(*keys, now=103.0) == 0


# ---------------------------------------------------------------- the dashboard


def test_open_mode_says_so_on_every_page(data, monkeypatch):
    monkeypatch.setenv("SKILLS_DATA_DIR", str(data))
    monkeypatch.delenv("SKILLS_USERS_FILE", raising=False)
    at = AppTest.from_file(DASHBOARD, default_timeout=120).run()
    assert not at.exception and at.title[0].value == "总览"
    assert any(auth.OPEN_BANNER in m.value for m in at.markdown)
    for page in ("pages/drilldown.py", "pages/data.py"):
        at.switch_page(page).run()
        assert not at.exception
        assert any(auth.OPEN_BANNER in m.value for m in at.markdown), page


def test_sign_in_form_and_wrong_password_message(signed):
    at = signed.run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    assert at.button[0].label == "登录"
    assert not any(t.value == "总览" for t in at.title)
    sign_in(at, "liulin", "not-the-password")
    assert at.error[0].value == auth.WRONG_PASSWORD
    assert not any(t.value == "总览" for t in at.title)
    sign_in(at, "liulin", "liulin-pass-1")
    assert not at.exception
    assert at.title[0].value == "总览"
    assert any("liulin（县 · 吕梁市·柳林县）" in c.value for c in at.sidebar.caption)


def test_repeated_wrong_passwords_lock_the_form_for_a_while(signed):
    at = signed.run()
    for _ in range(auth.BACKOFF.free):
        sign_in(at, "lvliang", "wrong-password")
    sign_in(at, "lvliang", "wrong-password")
    assert "秒后再试" in at.error[0].value
    sign_in(at, "lvliang", "lvliang-pass-1")  # even the right password waits until the delay is over
    assert "尝试次数过多" in at.error[0].value
    assert not any(t.value == "总览" for t in at.title)


def test_a_session_times_out(signed, tmp_path, monkeypatch):
    settings_file = tmp_path / "settings.toml"
    settings_file.write_text("[auth]\nsession_minutes = 0.01\n", encoding="utf-8")
    monkeypatch.setenv("SKILLS_SETTINGS_FILE", str(settings_file))
    at = sign_in(signed.run(), "analyst", "analyst-pass-1")
    assert at.title[0].value == "总览"
    time.sleep(0.7)
    at.run()
    assert "登录已超时" in at.warning[0].value
    assert [t.label for t in at.text_input] == ["用户名", "密码"]


def test_a_county_user_opening_another_county_sees_no_permission_and_no_figures(signed):
    at = sign_in(signed.run(), "liulin", "liulin-pass-1")
    at.switch_page("pages/drilldown.py")
    at.query_params["unit"] = "140105"
    at.run()
    assert not at.exception
    assert "无权限" in at.error[0].value
    assert not at.metric and not at.dataframe and not at.get("plotly_chart") and not at.title


def unit_names_shown(at: AppTest) -> set[str]:
    text = " ".join(str(v) for df in at.dataframe for v in df.value.to_numpy().ravel())
    text += " ".join(str(m.label) + str(m.value) for m in at.metric)
    return {text}


@pytest.mark.parametrize(
    "name,pages,foreign",
    [
        (
            "liulin",
            ["pages/overview.py", "pages/biweekly.py", "pages/drilldown.py", "pages/subsidy.py"],
            ["石楼县", "小店区", "太原市"],
        ),
        ("ty-edu", ["pages/overview.py", "pages/schools.py"], ["山西农业大学", "大同市教育局"]),
        ("sxu", ["pages/overview.py", "pages/schools.py"], ["太原理工大学", "山西医科大学"]),
        ("checker", ["pages/compliance.py", "pages/drilldown.py"], ["小店区", "太原市", "长治市"]),
    ],
)
def test_each_role_s_pages_show_nothing_outside_its_scope(signed, name, pages, foreign):
    at = sign_in(signed.run(), name, PASSWORDS[name][2])
    for page in pages:
        at.switch_page(page).run()
        assert not at.exception, (name, page, at.exception)
        assert at.title, (name, page, [e.value for e in at.error])
        shown = " ".join(unit_names_shown(at))
        for other in foreign:
            assert other not in shown, f"{name} sees {other} on {page}"


def test_pages_a_role_may_not_open_are_not_in_its_navigation(signed):
    at = sign_in(signed.run(), "analyst", "analyst-pass-1")
    for page in ("pages/compliance.py", "pages/data.py"):  # person-level records; imports and rollbacks
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)
    at = sign_in(AppTest.from_file(DASHBOARD, default_timeout=120).run(), "office", "office-pass-1")
    at.switch_page("pages/data.py").run()
    assert not at.exception and at.title[0].value == "数据管理"
    assert any(s.value == "审计日志" for s in at.subheader)


def test_a_configured_users_file_that_is_missing_does_not_open_the_dashboard(data, tmp_path, monkeypatch):
    monkeypatch.setenv("SKILLS_DATA_DIR", str(data))
    monkeypatch.setenv("SKILLS_USERS_FILE", str(tmp_path / "typo.json"))
    at = AppTest.from_file(DASHBOARD, default_timeout=60).run()
    assert not at.exception and "不存在" in at.error[0].value and not at.title
