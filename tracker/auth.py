"""Sign-in for the dashboard: local accounts (tracker/users.py) or single sign-on through Streamlit's ``st.login``.

:func:`gate` runs first on every page (tracker/app.py ``start()``) and returns the session's scope:

- no users file and no ``[auth]`` in ``.streamlit/secrets.toml``: the dashboard runs open (演示模式，未启用登录),
  said on every page;
- otherwise a Chinese sign-in form (and a button for 统一身份认证 when SSO is configured); the OIDC identity's
  e-mail or subject is looked up in the users file for its role and unit;
- a session times out after ``[auth] session_minutes`` idle minutes; failed passwords are slowed down per user
  name and per client address (kept in this process, so a replica behind ip_hash sees all of a client's tries).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from tracker import audit, settings, users
from tracker.scope import OPEN, Scope, for_user

OPEN_BANNER = "演示模式，未启用登录"
WRONG_PASSWORD = "用户名或密码错误，请重试。"


# ---------------------------------------------------------------- slowing down repeated failures


@dataclass
class _Failures:
    count: int = 0
    until: float = 0.0


@dataclass
class Backoff:
    """After ``free`` failures, each further one locks the key for 2^(n−free) seconds (capped)."""

    free: int = 3
    cap: float = 300.0
    _by_key: dict[str, _Failures] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_left(self, *keys: str, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        with self._lock:
            return max([self._by_key[k].until - now for k in keys if k in self._by_key] + [0.0])

    def failed(self, *keys: str, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        longest = 0.0
        with self._lock:
            for k in keys:
                f = self._by_key.setdefault(k, _Failures())
                f.count += 1
                if f.count > self.free:
                    f.until = now + min(self.cap, 2.0 ** (f.count - self.free))
                    longest = max(longest, f.until - now)
        return longest

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for k in keys:
                self._by_key.pop(k, None)


BACKOFF = Backoff(
    free=int(settings.get("auth", "free_attempts", 3)), cap=float(settings.get("auth", "max_delay_seconds", 300))
)


# ---------------------------------------------------------------- configuration


def sso_configured() -> bool:
    """``[auth]`` with a client is present in .streamlit/secrets.toml (what ``st.login`` needs)."""
    try:
        conf = st.secrets.get("auth")
    except Exception:  # no secrets file at all (Streamlit raises its own not-found error)
        return False
    return bool(conf) and bool(
        conf.get("client_id") or any(isinstance(v, dict) and v.get("client_id") for v in conf.values())
    )


def sign_in_required() -> bool:
    return users.enabled() or sso_configured()


def session_seconds() -> float:
    return float(settings.get("auth", "session_minutes", 30)) * 60


def client_address() -> str:
    """The client's address: X-Forwarded-For's first hop when ``[auth] trust_proxy = true`` (behind nginx)."""
    if settings.get("auth", "trust_proxy", False):
        forwarded = (st.context.headers.get("X-Forwarded-For") or "").split(",")[0].strip()
        if forwarded:
            return forwarded
    return st.context.ip_address or "unknown"


# ---------------------------------------------------------------- the gate


def _data_dir() -> Any:
    from tracker.app import data_dir

    return data_dir()


def _audit(event: str, scope: Scope | None, **kwargs: Any) -> None:
    try:
        audit.record(_data_dir(), event, scope, **kwargs)
    except audit.AuditError as exc:
        st.error(str(exc))
        st.stop()


def _signed_in(scope: Scope, how: str) -> None:
    st.session_state["auth"] = {"scope": scope, "last": time.monotonic(), "how": how}
    _audit("sign_in", scope, what=how, detail={"ip": client_address()})


def sign_out() -> None:
    state = st.session_state.pop("auth", None)
    if state:
        _audit("sign_out", state["scope"], what=state.get("how", ""))
        if state.get("how") == "sso":
            st.logout()


def _from_sso() -> Scope | None:
    """The scope of a user signed in through st.login, or None (with a message) when the identity is unknown."""
    try:
        if not st.user.is_logged_in:
            return None
        identity = st.user.to_dict()
    except (AttributeError, KeyError):
        return None
    user = users.by_identity(identity)
    who = str(identity.get("email") or identity.get("sub") or "")
    if user is None:
        _audit(
            "sign_in_failed", None, what="sso", user=who, detail={"reason": "not in users file", "ip": client_address()}
        )
        st.error(f"统一身份认证账号 {who} 尚未在用户文件中登记角色和单位，请联系数据管理员。")
        st.button("退出统一身份认证", on_click=st.logout)
        st.stop()
    return for_user(user)


def _form() -> None:
    """The sign-in form; stops the run until someone has signed in."""
    # before sign-in Streamlit would list the files of pages/ in the sidebar: nothing there until someone signs in
    st.html("<style>[data-testid='stSidebar'], [data-testid='stSidebarCollapsedControl'] {display: none;}</style>")
    st.title("技能山西 目标进度")
    st.subheader("登录")
    if st.session_state.pop("_timed_out", False):
        st.warning("登录已超时，请重新登录。")
    if users.enabled():
        with st.form("sign_in"):
            name = st.text_input("用户名", key="sign_in_name")
            password = st.text_input("密码", type="password", key="sign_in_password")
            submitted = st.form_submit_button("登录", type="primary")
        if submitted:
            _try_password(name.strip(), password)
    if sso_configured():
        st.button("使用统一身份认证登录", on_click=st.login, icon=":material/key:")
    st.stop()


def _try_password(name: str, password: str) -> None:
    ip = client_address()
    keys = (f"user:{name}", f"ip:{ip}")
    wait = BACKOFF.wait_left(*keys)
    if wait > 0:
        st.error(f"尝试次数过多，请 {int(wait) + 1} 秒后再试。")
        return
    try:
        user = users.authenticate(name, password)
    except users.UsersError as exc:
        st.error(str(exc))
        return
    if user is None:
        delay = BACKOFF.failed(*keys)
        _audit("sign_in_failed", None, what="password", user=name, detail={"ip": ip})
        st.error(WRONG_PASSWORD + (f"连续失败次数过多，请 {int(delay) + 1} 秒后再试。" if delay else ""))
        return
    BACKOFF.succeeded(*keys)
    _signed_in(for_user(user), "password")
    st.rerun()


def gate() -> Scope:
    """The scope of this session; draws the sign-in form (and stops) until someone has signed in."""
    configured = users.users_path()
    if configured is not None and not configured.is_file() and not sso_configured():
        # sign-in was asked for: a mistyped path must not open every figure to everyone
        st.error(
            f"用户文件 {configured} 不存在：请检查 SKILLS_USERS_FILE 或 [auth] users_file，或用 python -m tracker users add 创建。"
        )
        st.stop()
    if not sign_in_required():
        st.session_state["scope"] = OPEN
        return OPEN
    try:
        users.load()
    except users.UsersError as exc:
        st.error(str(exc))
        st.stop()
    state = st.session_state.get("auth")
    now = time.monotonic()
    if state and now - state["last"] > session_seconds():
        st.session_state.pop("auth", None)
        _audit("sign_out", state["scope"], what="timeout")
        st.session_state["_timed_out"] = True
        state = None
    if state is None and sso_configured():
        scope = _from_sso()
        if scope is not None:
            _signed_in(scope, "sso")
            state = st.session_state["auth"]
    if state is None:
        _form()
    state["last"] = now
    st.session_state["scope"] = state["scope"]
    return state["scope"]


def sidebar_badge(scope: Scope) -> None:
    """Who is signed in and the sign-out button (or the open-mode note) in the sidebar."""
    with st.sidebar:
        if scope is OPEN:
            st.caption(f":material/lock_open: {OPEN_BANNER}")
            return
        st.caption(f":material/person: {scope.user}（{scope.describe()}）")
        st.button("退出登录", on_click=sign_out, key="sign_out", icon=":material/logout:")
