"""Streamlit glue shared by dashboard.py and the pages: data bootstrap, sidebar selection, running queries."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import threading
import time
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from tracker import ROOT, auth, ui
from tracker.audit import AuditError
from tracker.query import QueryError, Runner, get_runner
from tracker.scope import OPEN, Scope, ScopedRunner, ScopeError
from tracker.shared import collector, shared
from tracker.store import DataError, has_extracts, is_demo, mark_demo, resolve_data_dir

DEFAULT_PLAN = "liulin-2023"


_PATH = re.compile(r"""['"]?(?:[A-Za-z]:)?(?:[/\\][\w.\-]+)+[/\\]?['"]?""")


def user_message(exc: Exception) -> str:
    """The message of a data or query error for a page: server paths left out (the full text goes to the log)."""
    logging.getLogger("tracker").warning("shown to the user: %s", exc)
    text = _PATH.sub("", str(exc))
    text = re.sub(r"[（(]\s*[）)]", "", text)
    return re.sub(r"\s{2,}", " ", text).replace(" 中", "中").strip()


def data_dir() -> Path:
    return resolve_data_dir(None)


def ensure_data() -> Path:
    """The data folder to serve; on first start with no extract, generate the demo extract (with progress)."""
    folder = data_dir()
    if has_extracts(folder):
        build_missing_aggregates(folder)
        return folder
    if os.environ.get("SKILLS_DATA_DIR"):
        logging.getLogger("tracker").error("no extracts in the data folder %s (SKILLS_DATA_DIR)", folder)
        st.error("数据目录中没有可用的培训和取证数据。请联系系统管理员检查数据目录设置，或在“数据管理”页导入数据。")
        st.stop()
    from tracker import demo

    bar = st.progress(0.0, text="首次启动：正在生成演示数据…")
    folder.mkdir(parents=True, exist_ok=True)
    demo.write_demo(folder, progress=lambda f, msg: bar.progress(min(max(f, 0.0), 1.0), text=msg))
    mark_demo(folder)
    bar.empty()
    build_missing_aggregates(folder)
    return folder


_BUILDING = threading.Lock()


def build_missing_aggregates(folder: Path) -> None:
    """A folder of extracts without aggregates (a hand-copied extract) gets them built once, with a progress bar,
    before the first page answers (issue #12: aggregates are built when data arrives, never when someone looks)."""
    from tracker import aggregates
    from tracker.store import active_dir

    try:
        if not aggregates.missing(folder):
            return
        # one build per server: a session that arrives meanwhile waits for it (then finds nothing missing)
        # instead of building the same files beside it
        if not _BUILDING.acquire(blocking=False):
            note = st.info("新数据：另一位用户打开时已开始计算汇总数据，请稍候…", icon=":material/hourglass_top:")
            _BUILDING.acquire()
            note.empty()
        try:
            if not aggregates.missing(folder):
                return
            bar = st.progress(0.0, text="新数据：正在计算汇总数据…")
            aggregates.build(active_dir(folder), progress=lambda f, m: bar.progress(min(max(f, 0.0), 1.0), text=m))
            aggregates.missing(folder)  # the serving runner's views now read the files just built
            bar.empty()
        finally:
            _BUILDING.release()
    except (DataError, QueryError):
        return  # the sidebar reports an unreadable folder in words


@st.cache_resource(show_spinner=False)
def _runner(folder: str) -> Runner:
    return get_runner(folder)


def current_scope() -> Scope:
    """The signed-in user's scope (OPEN when the dashboard runs without sign-in)."""
    scope = st.session_state.get("scope")
    return scope if isinstance(scope, Scope) else auth.gate()


def runner() -> Runner | ScopedRunner:
    """The shared runner as this session's user sees it (tracker/scope.py): pages, exports and the map use it."""
    base = _runner(str(data_dir()))
    scope = current_scope()
    if scope is OPEN:
        return base
    held = st.session_state.get("_scoped_runner")
    if not isinstance(held, ScopedRunner) or held.base is not base or held.scope != scope:
        held = ScopedRunner(base, scope)
        st.session_state["_scoped_runner"] = held
    return held


def plan_options() -> list[str]:
    """Plans with at least one measurable target (the rest are listed on the overview as tracked by hand)."""
    measurable = {m["metric"] for m in ui._rows("metrics") if m["computable"] == "true"}
    with_targets = {t["plan_id"] for t in ui._rows("targets") if t["metric"] in measurable}
    return [p["plan_id"] for p in ui.plans() if p["plan_id"] in with_targets]


def default_as_of(plan: str, latest: dt.date) -> dt.date:
    """The date a plan opens on (tracker.coverage.default_as_of)."""
    from tracker import coverage

    return coverage.default_as_of(plan, latest)


def date_bounds(latest: dt.date) -> tuple[dt.date, dt.date]:
    """The as-of dates the plans and the data can answer: from the first plan's start to the later of the last
    deadline and the data's latest business date. Anything outside is clamped with a sentence, never a traceback."""
    plans = ui.plans()
    first = min(dt.date.fromisoformat(p["start"]) for p in plans)
    last = max([dt.date.fromisoformat(t["deadline"]) for t in ui._rows("targets")] + [latest])
    return first - dt.timedelta(days=1), last


def _reset_as_of() -> None:
    latest = runner().latest_date()
    st.session_state["as_of"] = default_as_of(st.session_state["plan"], latest)


def _from_url(key: str, parse: Any) -> Any:
    """A value someone put in the URL (a shared link), ignoring the one this app wrote there itself."""
    raw = st.query_params.get(key)
    if raw is None or raw == st.session_state.get(f"_url_{key}"):
        return None
    try:
        return parse(raw)
    except ValueError:
        return None


def _to_url(key: str, value: str) -> None:
    st.query_params[key] = value
    st.session_state[f"_url_{key}"] = value


def data_freshness(folder: Path, latest: dt.date, version: str | None = None) -> str:
    """数据版本、导入时间、最新录入日期 — shown on every page (``version``, the runner's data version, keys it when
    shared: the folder's active version and its row counts are read once per version, not on every page view)."""
    from tracker.ingest import version_info

    info = version_info(folder)
    lines = [f"数据版本：{info['version'] or '未分版本（直接读取文件夹）'}"]
    if info.get("imported_at"):
        lines.append(
            f"导入于：{ui.fmt_date(info['imported_at'].astimezone().date())} {info['imported_at'].astimezone():%H:%M}"
        )
    if info.get("latest_entered_on"):
        lines.append(f"最新录入：{ui.fmt_date(info['latest_entered_on'])}")
    lines.append(f"最新业务日期：{ui.fmt_date(latest)}")
    lines.append(f"培训 {info['training_rows']:,} 条 · 取证 {info['certificate_rows']:,} 条")
    if info.get("demo"):
        lines.append("**演示数据**")
    return "\n\n".join(lines)


def sidebar() -> ui.Selection:
    """Plan picker and as-of date, both kept in the URL (?plan=liulin-2023&as_of=2023-06-30)."""
    r = runner()
    try:
        latest = r.latest_date()
        version = r.version()
    except (DataError, QueryError) as exc:
        st.error(f"无法读取数据：{user_message(exc)}")
        st.stop()
    options = plan_options()
    url_plan = _from_url("plan", lambda v: v if v in options else None)
    if url_plan:
        st.session_state["plan"] = url_plan
    st.session_state.setdefault("plan", DEFAULT_PLAN)
    url_date = _from_url("as_of", dt.date.fromisoformat)
    lowest, highest = date_bounds(latest)
    if url_date:
        clamped = min(max(url_date, lowest), highest)
        if clamped != url_date:
            st.session_state["_date_notice"] = (
                f"链接中的截至日期{ui.fmt_date(url_date)}超出可查询范围（{ui.fmt_date(lowest)}至"
                f"{ui.fmt_date(highest)}），已改为{ui.fmt_date(clamped)}。"
            )
        st.session_state["as_of"] = clamped
    elif url_plan or "as_of" not in st.session_state:
        st.session_state["as_of"] = default_as_of(st.session_state["plan"], latest)
    with st.sidebar:
        plan = st.selectbox(
            "计划", options, key="plan", format_func=lambda p: ui.plan_info(p)["name"], on_change=_reset_as_of
        )
        as_of = st.date_input(
            "截至日期",
            key="as_of",
            min_value=lowest,
            max_value=highest,
            format="YYYY-MM-DD",
            help="默认为计划截止日与数据最新业务日期中较早的一天；晚于数据的日期按数据截至日计算",
        )
        info = ui.plan_info(plan)
        st.caption(f"{info['document']}\n\n计划期：{ui.fmt_date(info['start'])} 至 {ui.fmt_date(info['deadline'])}")
        st.divider()
        st.caption(shared(data_freshness, r.data_dir, latest, version=version))
        demo = is_demo(r.data_dir)
    if isinstance(as_of, tuple):  # date_input may return a tuple while the user is editing
        as_of = as_of[0] if as_of else latest
    as_of = as_of or latest
    _to_url("plan", plan)
    _to_url("as_of", as_of.isoformat())
    return ui.Selection(plan=plan, as_of=as_of, latest=latest, data_version=version, demo=demo)


# pages a role may open (others are not in its navigation); roles not listed under a page may open it
PAGE_ROLES = {
    "pages/overview.py": {
        "province",
        "city",
        "county",
        "edu_dept",
        "edu_city",
        "school",
        "analyst",
        "data_admin",
        "auditor",
    },
    "pages/biweekly.py": {"province", "city", "county", "analyst", "data_admin", "auditor"},
    "pages/schools.py": {"province", "edu_dept", "edu_city", "school", "analyst", "data_admin"},
    "pages/drilldown.py": {"province", "city", "county", "analyst", "data_admin", "auditor"},
    "pages/compliance.py": {"province", "auditor"},
    "pages/subsidy.py": {"province", "city", "county", "analyst", "data_admin", "auditor"},
    "pages/archive.py": {"province", "analyst", "data_admin"},  # published files hold every unit: not scoped
    "pages/data.py": {"data_admin"},
}
# URL parameters that name a unit: a link naming one outside the user's scope answers 无权限 before any page runs
UNIT_PARAMS = ("unit", "within", "county")

PAGE_FILES = [
    ("pages/overview.py", "总览", ":material/dashboard:"),
    ("pages/biweekly.py", "双周调度", ":material/event_repeat:"),
    ("pages/schools.py", "院校取证", ":material/school:"),
    ("pages/drilldown.py", "区域分析", ":material/travel_explore:"),
    ("pages/compliance.py", "合规核查", ":material/policy:"),
    ("pages/subsidy.py", "资金测算", ":material/payments:"),
    ("pages/archive.py", "报告归档", ":material/inventory_2:"),
    ("pages/data.py", "数据管理", ":material/database:"),
]


def hide_main_menu() -> None:
    """No ⋮ menu: with toolbarMode "viewer" it holds only English "Print" / "Record screen" (README, Chinese UI);
    no English "Stop" beside the running indicator. The indicator itself stays: it shows a page still computes."""
    st.html("<style>[data-testid='stMainMenu'], [data-testid='stStatusWidget'] button { display: none; }</style>")


def start() -> Any:
    """Page config, demo-data bootstrap, the sidebar selection and the navigation (returns the page to run)."""
    st.set_page_config(page_title="技能山西 目标进度", page_icon=str(ROOT / "assets" / "icon.png"), layout="wide")
    hide_main_menu()
    collector()
    scope = auth.gate()
    ensure_data()
    st.session_state["selection"] = sidebar()
    auth.sidebar_badge(scope)
    allowed = [
        (path, title, icon) for path, title, icon in PAGE_FILES if scope is OPEN or scope.role in PAGE_ROLES[path]
    ]
    pages = [
        st.Page(str(ROOT / path), title=title, icon=icon, default=(k == 0))
        for k, (path, title, icon) in enumerate(allowed)
    ]
    denied = None if scope is OPEN else _out_of_scope_link(scope)  # read before navigation clears the URL
    navigation = st.navigation(pages)
    if denied:
        _refuse(scope, *denied)
    return navigation


_RUN_LOG_LOCK = threading.Lock()


def serve() -> None:
    """One script run: :func:`start`, then the page. With ``SKILLS_RUN_LOG`` set (scripts/load_test.py sets it), the
    run's server time — wall seconds from the script's start to its end, and this thread's CPU seconds — is appended
    to that file as a JSON line, so a load test tells the server's part of a page view from the browser's. A page
    may end its run with st.stop (outcome "stopped"), as 院校取证 and 报告归档 do after drawing."""
    log = os.environ.get("SKILLS_RUN_LOG")
    wall, cpu = time.perf_counter(), time.thread_time()
    page = None
    outcome = "running"
    try:
        page = start()
        page.run()
        outcome = "done"
    except BaseException as exc:  # st.stop / st.rerun (not Exceptions): the run ends early on purpose
        outcome = "error" if isinstance(exc, Exception) else "stopped"
        raise
    finally:
        if log:
            record = {
                "page": getattr(page, "title", None) or "",  # "" when no page was reached (the sign-in form)
                "wall_s": round(time.perf_counter() - wall, 4),
                "cpu_s": round(time.thread_time() - cpu, 4),
                "outcome": outcome,
                "at": round(time.time(), 3),
            }
            with _RUN_LOG_LOCK, open(log, "a", encoding="utf-8") as out:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")


def guard_page() -> Scope:
    """Every page, however it was opened: signed in (not timed out), allowed to open this page, no link naming a
    unit out of scope; in open mode the 演示模式 banner."""
    scope = auth.gate()
    if scope is OPEN:
        st.markdown(f":orange-badge[:material/lock_open: {auth.OPEN_BANNER}]")
        return scope
    page = _current_page()
    if page and scope.role not in PAGE_ROLES.get(page, set()):
        st.error(f"无权限：{scope.describe()} 不能打开此页面。", icon=":material/block:")
        st.stop()
    denied = _out_of_scope_link(scope)
    if denied:
        _refuse(scope, *denied)
    return scope


def _current_page() -> str | None:
    """The pages/… file being run (found on the call stack, so it holds however Streamlit started the page)."""
    import inspect

    pages_dir = (ROOT / "pages").resolve()
    for frame in inspect.stack(context=0):
        path = Path(frame.filename).resolve()
        if path.parent == pages_dir:
            return f"pages/{path.name}"
    return None


def _out_of_scope_link(scope: Scope) -> tuple[str, str] | None:
    """The URL parameter naming a unit outside the scope (?unit=140105 for 柳林县), if any."""
    for key in UNIT_PARAMS:
        code = st.query_params.get(key)
        if not code or code == "all" or scope.everything:  # all: the page's own word for "no unit chosen"
            continue
        allowed = code in scope.own if key == "county" else scope.visible(code)
        if not allowed:
            return key, code
    return None


def _refuse(scope: Scope, key: str, code: str) -> None:
    """无权限 and nothing else: no figures of the unit are drawn."""
    import contextlib

    from tracker import audit

    with contextlib.suppress(AuditError):
        audit.record(data_dir(), "denied", scope, what=f"{key}={code}")
    st.error(f"无权限：单位 {code} 不在您的数据范围（{scope.describe()}）内。", icon=":material/block:")
    st.stop()


def selection() -> ui.Selection:
    """The sidebar selection of this run. A page opened directly on a fresh server (before dashboard.py ran
    in this session, so Streamlit ran the file from pages/ on its own) sets everything up first."""
    if "selection" not in st.session_state:
        start()
    return st.session_state["selection"]


def run(name: str, **params: Any) -> pd.DataFrame:
    """Run a named query for the current selection; a problem is shown on the page, never a traceback."""
    sel = selection()
    accepted = {p.name for p in runner().queries[name].params} if name in runner().queries else set()
    if "as_of" in accepted:
        params.setdefault("as_of", sel.as_of)
    if "plan" in accepted:
        params.setdefault("plan", sel.plan)
    r = runner()
    try:
        return r.run(name, **params)
    except ScopeError as exc:
        st.error(str(exc), icon=":material/block:")
        st.stop()
    except (QueryError, DataError, AuditError) as exc:
        st.error(user_message(exc))
        st.stop()


def page_header(title: str, subtitle: str | None = None) -> ui.Selection:
    sel = selection()
    guard_page()
    info = ui.plan_info(sel.plan)
    st.title(title)
    st.caption(
        f"{info['name']}（{info['document']}）· 截至{ui.fmt_date(sel.as_of)}" + (f" · {subtitle}" if subtitle else "")
    )
    phone_pickers(sel)
    if sel.demo:
        st.info(ui.DEMO_NOTE, icon=":material/science:")
    coverage_notes(sel)
    return sel


# Streamlit collapses the sidebar on screens narrower than this: the page then carries its own plan / date row
PHONE_MAX_WIDTH = 767
PHONE_KEY = "phone_pickers"


def _from_phone_plan() -> None:
    st.session_state["plan"] = st.session_state[f"{PHONE_KEY}_plan"]
    _reset_as_of()


def _from_phone_date() -> None:
    value = st.session_state[f"{PHONE_KEY}_as_of"]
    if isinstance(value, tuple):  # date_input may return a tuple while the user is editing
        value = value[0] if value else None
    if value:
        st.session_state["as_of"] = value


def phone_pickers(sel: ui.Selection) -> None:
    """Plan and as-of date on the page itself for phones (their sidebar is collapsed), shown only on narrow screens.

    One state: the sidebar's ``plan`` / ``as_of`` (and so the URL). These two widgets show it and write their
    changes back to it, as if the sidebar had been used; on wider screens CSS hides them (the keyed container has
    the class ``st-key-phone_pickers``).
    """
    hidden = f".st-key-{PHONE_KEY}, [data-testid='stLayoutWrapper']:has(> .st-key-{PHONE_KEY})"  # no gap left either
    st.html(f"<style>@media (min-width: {PHONE_MAX_WIDTH + 1}px) {{ {hidden} {{ display: none; }} }}</style>")
    lowest, highest = date_bounds(sel.latest)
    st.session_state[f"{PHONE_KEY}_plan"] = sel.plan
    st.session_state[f"{PHONE_KEY}_as_of"] = min(max(sel.as_of, lowest), highest)
    with st.container(key=PHONE_KEY, horizontal=True, gap="small", vertical_alignment="bottom"):
        st.selectbox(
            "计划",
            plan_options(),
            key=f"{PHONE_KEY}_plan",
            format_func=lambda p: ui.plan_info(p)["name"],
            on_change=_from_phone_plan,
            width="stretch",
        )
        st.date_input(
            "截至日期",
            key=f"{PHONE_KEY}_as_of",
            min_value=lowest,
            max_value=highest,
            format="YYYY-MM-DD",
            on_change=_from_phone_date,
            width=132,
        )


def coverage_notes(sel: ui.Selection) -> None:
    """CONTRACT §4 data-range guards, said in words above every page's figures."""
    from tracker import coverage

    notice = st.session_state.pop("_date_notice", None)
    if notice:
        st.warning(notice, icon=":material/event_busy:")
    try:
        found = coverage.for_plan(runner(), sel.plan, sel.as_of)
    except (QueryError, DataError) as exc:
        st.error(str(exc))
        st.stop()
    for note in found:
        if note.kind == "info":
            st.info(note.text, icon=":material/hourglass_empty:")
        elif note.kind == "warning":
            st.warning(note.text, icon=":material/event_busy:")
        else:
            st.caption(note.text)


def progress_column_config() -> dict[str, Any]:
    """Column config for tables shaped by ui.league_table: progress bars and percentage formats."""
    return {
        "进度": st.column_config.ImageColumn("进度", width=130, help="条长为完成率，颜色为状态，黑线为时序进度"),
        "完成率": st.column_config.NumberColumn("完成率", format="%.1f%%"),
        "时序进度": st.column_config.NumberColumn("时序进度", format="%.1f%%"),
        "差距(百分点)": st.column_config.NumberColumn(
            "差距(百分点)", format="%+.1f", help="完成率−时序进度；负数为落后的百分点"
        ),
    }


def url_choice(
    label: str,
    options: list[Any],
    key: str,
    *,
    default: Any = None,
    format_func: Any = str,
    widget: str = "selectbox",
    **kwargs: Any,
) -> Any:
    """A selectbox / segmented control / radio whose raw value (an id, not its label) lives in the URL as ?key=…"""
    options = list(options)
    if not options:
        return None
    by_text = {str(o): o for o in options}
    url_value = _from_url(key, lambda v: by_text.get(v))
    if url_value is not None:
        st.session_state[key] = url_value
    if st.session_state.get(key) not in options:
        st.session_state[key] = default if default in options else options[0]
    draw = {"selectbox": st.selectbox, "segmented": st.segmented_control, "radio": st.radio}[widget]
    value = draw(label, options, key=key, format_func=format_func, **kwargs)
    if value is None:  # a segmented control can be clicked off
        value = default if default in options else options[0]
    _to_url(key, str(value))
    return value
