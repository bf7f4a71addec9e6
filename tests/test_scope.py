"""#13 roles and scopes: every named query, crafted parameters and downloads answer only within the user's scope.

Scopes are checked against the unit tree read here from data/reference (regions.csv parent_code, schools.csv
city_code), independently of tracker/scope.py: a user may see their unit, what lies beneath it, and the totals of
the units above it — never a sibling's rows.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from tracker import REFERENCE_DIR, bench, demo, report
from tracker.query import Runner
from tracker.scope import ROW_RULES, ScopedRunner, ScopeError, for_user
from tracker.users import User

# ---------------------------------------------------------------- the unit tree, read independently

with (REFERENCE_DIR / "regions.csv").open(encoding="utf-8") as f:
    REGIONS = {r["code"]: r for r in csv.DictReader(f)}
with (REFERENCE_DIR / "schools.csv").open(encoding="utf-8") as f:
    SCHOOLS = {r["unit_code"]: r for r in csv.DictReader(f)}
PROVINCE = "140000"
COUNTIES = {c for c, r in REGIONS.items() if r["level"] == "county"}


def parent(code: str) -> str:
    return SCHOOLS[code]["city_code"] if code in SCHOOLS else REGIONS[code]["parent_code"]


def chain(code: str) -> set[str]:
    """The unit and every unit above it."""
    out = {code}
    while parent(code):
        code = parent(code)
        out.add(code)
    return out


def beneath(code: str) -> set[str]:
    """The region unit and every region unit beneath it."""
    return {c for c in REGIONS if code in chain(c)}


USERS = {
    "省级": User("p", "province"),
    "市": User("c", "city", "141100"),
    "县": User("x", "county", "141125"),
    "教育厅": User("e", "edu_dept"),
    "市教育局": User("ec", "edu_city", "140100"),
    "院校": User("s", "school", "U01"),
    "分析员": User("a", "analyst"),
    "数据管理员": User("d", "data_admin"),
    "核查员": User("k", "auditor", "141100"),
}


def allowed_units(user: User) -> set[str] | None:
    """Units whose rows the user may see (None = all): own unit and below, plus the totals above it."""
    if user.role in ("province", "analyst", "data_admin"):
        return None
    if user.role in ("city", "county", "auditor"):
        return beneath(user.unit) | chain(user.unit)
    if user.role == "edu_dept":
        return set(SCHOOLS) | {PROVINCE}
    if user.role == "edu_city":
        return {s for s, r in SCHOOLS.items() if r["city_code"] == user.unit} | {user.unit, PROVINCE}
    if user.role == "school":
        return chain(user.unit)
    raise AssertionError(user.role)


def own_counties(user: User) -> set[str] | None:
    if user.role in ("province", "analyst", "data_admin"):
        return None
    if user.role in ("city", "county", "auditor"):
        return beneath(user.unit) & COUNTIES
    return set()


def may_see_records(user: User) -> bool:
    return user.role in ("province", "auditor")


@pytest.fixture(scope="module")
def runner(tmp_path_factory) -> Runner:
    folder = tmp_path_factory.mktemp("scope")
    demo.write_demo(folder, rows=20_000)
    return Runner(folder)


def cases(runner: Runner, user: User) -> list[tuple[str, dict]]:
    """The benchmark's representative parameters for every query, plus each unit-taking query on the user's unit."""
    out = list(bench.cases(runner))
    for name, q in runner.queries.items():
        names = {p.name for p in q.params}
        if "unit" in names and user.unit:
            params = dict(bench.BENCH_PARAMS.get(name, [{"plan": "sx-train-2023"}])[0])
            params["unit"] = user.unit
            if "metric" in names:
                params.setdefault("metric", "subsidised_trainees")
            if "by" in names:
                params.setdefault("by", "occupation")
            if "level" in names and q.params[[p.name for p in q.params].index("level")].required:
                params.setdefault("level", "county")
            out.append((name, {k: v for k, v in params.items() if k in names}))
    return out


def assert_within(user: User, name: str, df: pd.DataFrame) -> None:
    allowed = allowed_units(user)
    rule = ROW_RULES[name]
    if rule == "records":
        counties = own_counties(user)
        if counties is not None:
            assert set(df["county_code"]) <= counties, f"{name}: records outside {user.unit}"
    if allowed is None:
        return
    if "unit_code" in df.columns:
        codes = set(df["unit_code"].dropna())
        assert codes <= allowed, f"{name} as {user.role}: {sorted(codes - allowed)[:5]} out of scope"
    if rule == "county":
        assert set(df["county_code"]) <= (own_counties(user) or set()), f"{name}: institutions of other counties"


def test_every_named_query_has_a_scope_rule(runner):
    assert set(runner.queries) == set(ROW_RULES)


@pytest.mark.parametrize("label", list(USERS))
def test_every_named_query_answers_only_within_the_scope(runner, label):
    user = USERS[label]
    scoped = ScopedRunner(runner, for_user(user))
    answered = 0
    for name, params in cases(runner, user):
        try:
            df = scoped.run(name, **params)
        except ScopeError as exc:
            assert "无权限" in str(exc)
            if ROW_RULES[name] == "records":
                assert not may_see_records(user)
            else:  # refused only when a parameter names a unit outside what the user may see
                allowed = allowed_units(user)
                named = {params.get("unit"), params.get("within")} - {None}
                assert allowed is not None and (
                    named - allowed
                    or name in ("drill_breakdown", "school_pace", "school_detail_certs", "timeliness_institution")
                )
            continue
        answered += 1
        assert_within(user, name, df)
        if ROW_RULES[name] == "records":
            assert may_see_records(user), f"{label} saw person-level records of {name}"
    assert answered >= 10


def test_a_county_sees_its_county_and_the_totals_above_it_not_a_sibling(runner):
    scoped = ScopedRunner(runner, for_user(USERS["县"]))
    full = runner.run("progress", plan="sx-train-2023")
    mine = scoped.run("progress", plan="sx-train-2023")
    assert set(mine["unit_code"]) == {"141125", "141100", PROVINCE}
    # nothing of its own is lost: the county's rows are the same as the unscoped answer's
    pd.testing.assert_frame_equal(
        mine[mine.unit_code == "141125"].reset_index(drop=True), full[full.unit_code == "141125"].reset_index(drop=True)
    )
    assert "141126" in set(full["unit_code"])  # the sibling exists in the data, and is not shown
    assert set(scoped.run("drill_units")["unit_code"]) == {"141125", "141100", PROVINCE}


def test_a_city_sees_all_its_counties(runner):
    scoped = ScopedRunner(runner, for_user(USERS["市"]))
    rows = scoped.run("progress", plan="sx-train-2023", level="county")
    assert set(rows["unit_code"]) == beneath("141100") & COUNTIES


@pytest.mark.parametrize(
    "name,params",
    [
        (
            "drill_children",
            {"plan": "sx-train-2023", "metric": "subsidised_trainees", "unit": "140105", "level": "county"},
        ),
        (
            "drill_breakdown",
            {"plan": "sx-train-2023", "metric": "subsidised_trainees", "unit": "140105", "by": "occupation"},
        ),
        ("causes_rates", {"plan": "sx-train-2023", "unit": "140105"}),
        ("causes_own_lines", {"plan": "liulin-2023", "unit": "141126"}),
        ("institution_watchlist", {"plan": "sx-train-2023", "unit": "140100"}),
        ("forecast", {"plan": "sx-train-2023", "level": "county", "within": "140100"}),
        ("school_pace", {"plan": "sx-edu-2021", "unit": "U02"}),
        # institutions inside the county's own city are a sibling's rows
        (
            "drill_breakdown",
            {"plan": "sx-train-2023", "metric": "subsidised_trainees", "unit": "141100", "by": "institution"},
        ),
    ],
)
def test_crafted_parameters_naming_another_unit_are_refused(runner, name, params):
    scoped = ScopedRunner(runner, for_user(USERS["县"]))
    with pytest.raises(ScopeError, match="无权限"):
        scoped.run(name, **params)


def test_person_level_records_only_for_roles_that_may_see_them_and_only_their_counties(runner):
    for label in ("分析员", "县", "教育厅", "数据管理员"):
        with pytest.raises(ScopeError, match="个人明细"):
            ScopedRunner(runner, for_user(USERS[label])).run("compliance_no_outcome", year=2023)
    auditor = ScopedRunner(runner, for_user(USERS["核查员"]))
    rows = auditor.run("compliance_no_outcome", year=2023)
    assert len(rows) and set(rows["county_code"]) <= beneath("141100")
    with pytest.raises(ScopeError):
        auditor.run("compliance_no_outcome", year=2023, county="140105")


def test_the_cache_never_serves_one_scope_s_answer_to_another(runner):
    county = ScopedRunner(runner, for_user(USERS["县"]))
    province = ScopedRunner(runner, for_user(USERS["省级"]))
    narrow = county.run("dispatch", plan="sx-train-2023", level="county")
    wide = province.run("dispatch", plan="sx-train-2023", level="county")
    again = county.run("dispatch", plan="sx-train-2023", level="county")
    assert set(narrow["unit_code"]) == {"141125"} == set(again["unit_code"])
    assert len(set(wide["unit_code"])) == len(COUNTIES)


def test_downloads_and_the_bulletin_hold_only_units_in_scope(runner, tmp_path):
    user = USERS["县"]
    scoped = ScopedRunner(runner, for_user(user))
    names_out = {r["name"] for c, r in REGIONS.items() if c not in allowed_units(user)}
    out = tmp_path / "dispatch.xlsx"
    report.write_report("sx-train-2023", None, runner.data_dir, str(out), "xlsx", "county", runner=scoped)
    book = openpyxl.load_workbook(out)
    cells = {str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value is not None}
    assert any("柳林县" in c for c in cells)
    assert not any(c.endswith(n) for c in cells for n in names_out if len(n) > 1), "another county in the workbook"
    md = tmp_path / "bulletin.md"
    report.write_report("sx-train-2023", None, runner.data_dir, str(md), "md", "county", runner=scoped)
    text = md.read_text(encoding="utf-8")
    assert "柳林县" in text
    siblings = {REGIONS[c]["name"] for c in beneath("141100") & COUNTIES} - {"柳林县"}
    assert not any(n in text for n in siblings)
    # the page's CSV export is the scoped frame itself
    buf = io.StringIO(scoped.run("school_quota", plan="sx-edu-2021", as_of="2021-08-31").to_csv(index=False))
    assert len(pd.read_csv(buf)) == 0


def test_cli_query_as_a_county_user(runner, tmp_path, monkeypatch, capsys):
    from tracker import cli, users

    path = tmp_path / "users.json"
    monkeypatch.setenv("SKILLS_USERS_FILE", str(path))
    users.add("liulin", "县", "141125", "liulin-pass-1", None, path)
    data = str(runner.data_dir)
    assert cli.main(["query", "progress", "--data", data, "--param", "plan=sx-train-2023", "--user", "liulin"]) == 0
    rows = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype={"unit_code": str})
    assert set(rows["unit_code"]) == {"141125", "141100", PROVINCE}
    crafted = ["query", "causes_rates", "--data", data, "--param", "plan=sx-train-2023", "--param", "unit=140105"]
    assert cli.main([*crafted, "--user", "liulin"]) == 2
    assert "无权限" in capsys.readouterr().err
    assert cli.main(["query", "compliance_over_three", "--data", data, "--user", "liulin"]) == 2
    assert cli.main(["query", "progress", "--data", data, "--user", "nobody", "--param", "plan=liulin-2023"]) == 2


def test_drill_opens_a_scoped_user_on_their_own_unit(runner):
    metrics = ScopedRunner(runner, for_user(USERS["县"])).run("drill_metrics", plan="sx-train-2023")
    assert set(metrics["home_unit"]) == {"141125"}


def test_reference_tree_is_what_the_scopes_are_built_on():
    assert Path(REFERENCE_DIR / "regions.csv").is_file()
    assert parent("141125") == "141100" and parent("U01") == "140100"
    assert len(COUNTIES) == 117
