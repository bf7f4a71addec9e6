"""A real browser (Playwright driving Debian's /usr/bin/chromium, no downloaded browser) opens every page.

Run alone with `pytest -m browser`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed (make test installs it: apt-get install chromium)")
    data = tmp_path_factory.mktemp("browser-data")
    subprocess.run(
        [sys.executable, "-m", "tracker", "demo", "--out", str(data), "--rows", "40000"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    env = {**os.environ, "SKILLS_DATA_DIR": str(data)}
    log = open(tmp_path_factory.mktemp("log") / "streamlit.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "dashboard.py",
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            urllib.request.urlopen(base + "/_stcore/health", timeout=1)
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited: {Path(log.name).read_text()[-2000:]}")
            time.sleep(0.5)
    yield base
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.requests = requests
        yield page
        browser.close()


def settle(page) -> None:
    page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=120_000)
    time.sleep(1.0)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000)
    time.sleep(1.0)


def test_every_page_opens_without_an_exception_and_no_request_leaves_the_machine(server, page):
    page.goto(server)
    settle(page)
    links = page.eval_on_selector_all('[data-testid="stSidebarNav"] a[href]', "els => els.map(e => e.href)")
    assert len(links) >= 2
    titles = {}
    for link in dict.fromkeys(links):
        page.goto(link)
        settle(page)
        assert page.locator('[data-testid="stException"]').count() == 0, f"exception on {link}"
        titles[link] = page.locator("h1").first.inner_text(timeout=30_000)
        assert "演示数据" in page.content(), f"{link} does not say it shows demo data"
    assert "总览" in titles.values() and "双周调度" in titles.values()
    outside = [u for u in page.requests if not u.startswith(("http://127.0.0.1", "data:", "blob:", "about:"))]
    assert outside == [], sorted(set(outside))


def test_a_shared_link_opens_the_same_view(server, page):
    page.goto(f"{server}/biweekly?plan=liulin-2023&as_of=2023-06-30&period=11")
    settle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    text = page.locator('[data-testid="stMain"]').inner_text()
    # the number in the URL is the number in the label (第11期: 05-21 … 06-03), measured on its last day
    assert "第11期" in text and "截至2023年6月3日" in text


def test_browser_back_undoes_one_drill_step(server, page):
    context = page.context.browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    tab = context.new_page()
    try:
        for _ in range(2):  # the first visit of a fresh server may open on the default plan
            tab.goto(f"{server}/drilldown?plan=sx-train-2023&as_of=2023-10-20")
            settle(tab)
        assert "plan=sx-train-2023" in tab.url and "unit=140000" in tab.url
        assert tab.locator("h3").first.inner_text().startswith("山西省")
        for _ in range(5):  # the box may be re-rendered under the first click while the page settles
            tab.locator('[data-testid="stSelectbox"]').filter(has_text="进入下级").first.click()
            try:
                tab.wait_for_selector('[role="option"]', timeout=6_000)
                break
            except Exception:
                tab.keyboard.press("Escape")
        tab.wait_for_selector('[role="option"]', timeout=6_000)
        heading = "(t) => document.querySelector('h3') && document.querySelector('h3').innerText.startsWith(t)"
        tab.locator('[role="option"]').filter(has_text="吕梁市").first.click()
        tab.wait_for_function(heading, arg="吕梁市", timeout=60_000)
        settle(tab)
        assert "unit=141100" in tab.url
        tab.go_back()
        tab.wait_for_function(heading, arg="山西省", timeout=60_000)
        settle(tab)
        assert "unit=140000" in tab.url and tab.locator("h3").first.inner_text().startswith("山西省")
    finally:
        context.close()


@pytest.mark.parametrize("width,height", [(1280, 720), (390, 844)])
def test_no_developer_chrome_and_whole_kpi_values(server, page, width, height):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{server}/?plan=sx-train-2023&as_of=2023-10-20")
    settle(page)
    assert page.locator('[data-testid="stAppDeployButton"]').count() == 0, "no Deploy button"
    # no ⋮ menu: in toolbarMode "viewer" it would offer only English Print / Record screen
    menu = page.locator('[data-testid="stMainMenu"]')
    assert menu.count() == 0 or not menu.first.is_visible(), "no ⋮ menu with English items"
    values = page.locator('[data-testid="stMetricValue"]')
    assert values.count() >= 2
    for i in range(values.count()):
        cut = values.nth(i).evaluate(
            "e => { const t = e.querySelector('div') || e; return t.scrollWidth > t.clientWidth + 1; }"
        )
        assert not cut, f"KPI value cut at {width}×{height}: {values.nth(i).inner_text()}"
    assert "万人" in values.first.inner_text()
    page.set_viewport_size({"width": 1440, "height": 1000})


def test_documents_are_built_when_clicked_and_open_as_documents(server, page, tmp_path):
    """#12: a page view does not build files nobody takes (deferred downloads); a click still gives the real 通报
    (.docx) and 调度表 (.xlsx) of the period shown (#11)."""
    import docx
    import openpyxl

    page.goto(f"{server}/biweekly?plan=liulin-2023&as_of=2023-09-30")
    settle(page)
    with page.expect_download(timeout=60_000) as taken:
        page.get_by_role("button", name="下载通报（Word）").click()
    path = tmp_path / taken.value.suggested_filename
    taken.value.save_as(path)
    text = "\n".join(p.text for p in docx.Document(path).paragraphs)
    shown = page.get_by_label("通报文字（可直接复制）").input_value()  # the same 通报 the page shows as text
    heading = shown.splitlines()[0]
    assert heading.startswith("关于") and heading.endswith("双周调度情况的通报")
    assert text.splitlines()[0] == heading and "截至" in text
    with page.expect_download(timeout=60_000) as taken:
        page.get_by_role("button", name="下载调度表（Excel）").click()
    path = tmp_path / taken.value.suggested_filename
    taken.value.save_as(path)
    sheet = openpyxl.load_workbook(path).active
    assert any("职业技能培训" in str(c.value) for row in sheet.iter_rows() for c in row)


@pytest.mark.parametrize("width,height", [(1440, 960), (390, 844)])
def test_the_map_names_its_units_drills_on_a_click_and_asks_no_other_host(server, page, width, height):
    """#11: county/city names on the map with no glyph or tile server; a click (a tap on a phone) on a city opens
    its counties."""
    phone = width < 500
    context = page.context.browser.new_context(
        viewport={"width": width, "height": height}, locale="zh-CN", is_mobile=phone, has_touch=phone
    )
    tab = context.new_page()
    requests: list[str] = []
    tab.on("request", lambda r: requests.append(r.url))
    try:
        for _ in range(2):  # the first visit of a fresh server may open on the default plan
            tab.goto(f"{server}/drilldown?plan=sx-train-2023&as_of=2023-10-20")
            settle(tab)
        names = tab.locator(".stPlotlyChart .textpoint text")
        assert sorted(names.all_text_contents()) == sorted(
            [
                "太原市",
                "大同市",
                "阳泉市",
                "长治市",
                "晋城市",
                "朔州市",
                "晋中市",
                "运城市",
                "忻州市",
                "临汾市",
                "吕梁市",
            ]
        )
        label = names.filter(has_text="吕梁市").first
        label.scroll_into_view_if_needed()
        box = label.bounding_box()
        x, y = box["x"] + box["width"] / 2 + 10, box["y"] + box["height"] / 2 + 10  # beside the name: still 吕梁市
        # pointing (a first tap on a phone) shows the city's figures and status
        tab.touchscreen.tap(x, y) if phone else tab.mouse.move(x, y)
        tab.wait_for_function(
            "() => [...document.querySelectorAll('.hoverlayer .hovertext')].some(e => e.textContent.includes('吕梁市'))",
            timeout=10_000,
        )
        hover = tab.locator(".hoverlayer .hovertext").first.text_content()
        assert "完成率" in hover and "状态" in hover, hover
        # a click (a second tap, not so quick that it were a double tap) enters it
        time.sleep(1.0)
        tab.touchscreen.tap(x, y) if phone else tab.mouse.click(x, y)
        heading = "(t) => document.querySelector('h3') && document.querySelector('h3').innerText.startsWith(t)"
        tab.wait_for_function(heading, arg="吕梁市", timeout=60_000)
        # the URL and the new map arrive after the heading
        tab.wait_for_function("() => location.href.includes('unit=141100')", timeout=30_000)
        tab.wait_for_function(
            "() => [...document.querySelectorAll('.stPlotlyChart .textpoint text')].some(e => e.textContent == '柳林县')",
            timeout=30_000,
        )
        settle(tab)
        # at city level its 13 counties are named
        county_names = tab.locator(".stPlotlyChart .textpoint text").all_text_contents()
        assert "柳林县" in county_names and len(county_names) == 13
        outside = [u for u in requests if not u.startswith(("http://127.0.0.1", "data:", "blob:", "about:"))]
        assert outside == [], sorted(set(outside))
    finally:
        context.close()


def test_on_a_phone_plan_and_date_are_on_the_page_and_share_the_sidebars_state(server, page):
    """#11: at 390×844 the sidebar is collapsed; 计划 and 截至日期 sit on the page and move the whole app (and the
    URL) as the sidebar's pickers do. On a desktop they take no room."""
    context = page.context.browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True
    )
    tab = context.new_page()
    try:
        for _ in range(2):  # the first visit of a fresh server may open on the default plan
            tab.goto(f"{server}/?plan=sx-train-2023&as_of=2023-10-20")
            settle(tab)
        pickers = tab.locator(".st-key-phone_pickers")
        assert pickers.is_visible()
        box = pickers.bounding_box()
        assert box["y"] + box["height"] < 844, "within the first screen"
        sidebar = tab.locator('[data-testid="stSidebar"]').bounding_box()
        assert sidebar is None or sidebar["x"] + sidebar["width"] <= 0, "the sidebar is collapsed on a phone"
        main = '[data-testid="stMain"]'
        pickers.locator('[data-testid="stSelectbox"]').click()
        tab.locator('[role="option"]').filter(has_text="柳林县").first.click()
        tab.wait_for_function(
            "(m) => document.querySelector(m).innerText.includes('柳政办发')", arg=main, timeout=60_000
        )
        settle(tab)
        assert "plan=liulin-2023" in tab.url
        # type the date into its year / month / day fields, as on a phone keyboard
        pickers.locator('[data-testid="stDateInput"] [role="spinbutton"][data-type="year"]').focus()
        tab.keyboard.type("20230630")
        tab.locator("h1").first.click()  # the field commits when it loses focus
        tab.wait_for_function(
            "(m) => document.querySelector(m).innerText.includes('截至2023年6月30日')", arg=main, timeout=60_000
        )
        settle(tab)
        assert "as_of=2023-06-30" in tab.url and "plan=liulin-2023" in tab.url
        # the sidebar, opened, shows the same choice
        tab.locator('[data-testid="stExpandSidebarButton"]').click()
        tab.wait_for_timeout(1000)
        sidebar_plan = tab.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"] input').first.input_value()
        assert "柳林县" in sidebar_plan
        # desktop: the row is hidden and leaves no gap
        tab.set_viewport_size({"width": 1440, "height": 960})
        time.sleep(1.0)
        assert not pickers.is_visible()
        assert tab.locator("[data-testid='stLayoutWrapper']:has(> .st-key-phone_pickers)").bounding_box() is None
    finally:
        context.close()
