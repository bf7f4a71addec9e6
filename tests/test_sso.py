"""#13 single sign-on: ``st.login`` against a real OpenID Connect provider on loopback (tests/oidc_provider.py), the
identity's e-mail mapped to a users-file entry for role and unit; an identity not in the file sees nothing."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from oidc_provider import Provider

from tracker import demo, users
from tracker.store import mark_demo

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sso")
    data = tmp / "data"
    demo.write_demo(data, rows=20_000)
    mark_demo(data)
    users_file = tmp / "users.json"
    users.add("zhang", "县", "141125", None, "zhang@rst.example.cn", users_file)
    provider = Provider("tracker", "tracker-secret", {"sub": "u-1", "email": "zhang@rst.example.cn", "name": "张"})
    provider.start()
    port = free_port()
    secrets_file = tmp / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        'cookie_secret = "a-cookie-secret-for-the-test-only-0123456789"\n'
        'client_id = "tracker"\n'
        'client_secret = "tracker-secret"\n'
        f'server_metadata_url = "{provider.metadata_url}"\n',
        encoding="utf-8",
    )
    env = {**os.environ, "SKILLS_DATA_DIR": str(data), "SKILLS_USERS_FILE": str(users_file)}
    log = open(tmp / "streamlit.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port)),
            *("--server.address", "127.0.0.1", "--server.headless", "true", "--secrets.files", str(secrets_file)),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            urllib.request.urlopen(base + "/_stcore/health", timeout=3)
            break
        except OSError:
            time.sleep(0.5)
    yield base, provider, tmp
    proc.terminate()
    proc.wait(timeout=20)
    provider.stop()


def settled(page) -> None:
    page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=120_000)
    page.wait_for_timeout(300)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000)


def test_sso_sign_in_maps_the_identity_to_its_role_and_unit(server):
    from playwright.sync_api import sync_playwright

    base, provider, tmp = server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page()
        page.goto(base + "/")
        settled(page)
        page.get_by_role("button", name="使用统一身份认证登录").click()
        # back from the provider, signed in: the sidebar names the users-file entry the e-mail maps to
        page.wait_for_selector("text=zhang（县 · 吕梁市·柳林县）", timeout=120_000)
        settled(page)
        assert {"/authorize", "/token", "/jwks"} <= set(provider.requests)
        # the identity is the users file's county user: another county's link is refused
        page.goto(base + "/drilldown?unit=140105")  # a new session: the st.login cookie signs it in again
        page.wait_for_selector("text=无权限", timeout=120_000)
        assert not page.locator('[data-testid="stMetric"]').count()
        # an identity the users file does not know sees nothing but the message
        provider.identity = {"sub": "u-2", "email": "stranger@example.cn"}
        context = browser.new_context()
        other = context.new_page()
        other.goto(base + "/")
        settled(other)
        other.get_by_role("button", name="使用统一身份认证登录").click()
        other.wait_for_selector("text=尚未在用户文件中登记", timeout=120_000)
        assert not other.locator('[data-testid="stMetric"]').count()
        browser.close()
    log = (tmp / "data" / "audit.jsonl").read_text(encoding="utf-8")
    assert '"what": "sso"' in log and "stranger@example.cn" in log
