"""Who sees what: a user's scope over the unit tree, applied where data leaves the query layer.

A scoped user sees their own unit and everything beneath it (``own``), the totals of the units above it for
comparison (``above``), never a sibling's rows. Person-level records (the ``compliance_*`` queries) only for
roles that may see records, and only in the counties of the scope. :meth:`Scope.check` refuses parameters that
name a unit out of scope (``unit=140105`` for 柳林县) and :meth:`Scope.filter` keeps only rows in scope;
the runner calls both for every named query (tracker/query.py), so pages, exports, the map and the CLI all
get the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from tracker.users import ROLES, User, unit_tree

PROVINCE = "140000"

# how each named query's rows are tied to units; every query must be listed (unknown queries are refused)
#   unit     rows carry unit_code: kept when in own ∪ above
#   records  person-level rows carry county_code: only roles with records, counties in scope
#   county   aggregated rows per institution carry county_code: kept when the county is in own
#   meta     no unit in the rows (plan metadata, year lists, trajectories): as is, after the parameter check
#   inside   rows inside the unit parameter that carry no unit (institutions): the unit must be the user's own
ROW_RULES: dict[str, str] = {
    "biweekly": "unit",
    "causes_own_lines": "unit",
    "causes_rates": "unit",
    "compliance_cert_twice": "records",
    "compliance_late_entry": "records",
    "compliance_no_outcome": "records",
    "compliance_over_three": "records",
    "compliance_repeat_level": "records",
    # the checks' findings summed up (cards, county chart, tables): drawn from person-level records, so the same
    # roles as the records; county rows of a county-scoped role keep to its counties
    "compliance_summary": "records",
    "compliance_years": "meta",
    "dispatch": "unit",
    "drill_breakdown": "unit",
    "drill_children": "unit",
    "drill_metrics": "meta",
    "drill_units": "unit",
    "expected_trajectory": "meta",
    "forecast": "unit",
    "institution_watchlist": "county",
    "manual_targets": "unit",
    "plan_coverage": "meta",
    "progress": "unit",
    "school_detail_certs": "meta",
    "school_directed": "meta",
    "school_groups": "unit",
    "school_pace": "meta",
    "school_plans": "meta",
    "school_quota": "unit",
    "subsidy_pace": "meta",
    "subsidy_records": "records",
    "subsidy_rules": "meta",
    "subsidy_summary": "unit",
    "subsidy_unpaid": "meta",
    "timeliness_county": "county",
    "timeliness_institution": "inside",
    "timeliness_unit": "unit",
}
# queries whose unit parameter opens the inside of a unit (its institutions, its graduates): own units only
INSIDE_QUERIES = {"school_detail_certs", "school_pace", "timeliness_institution"}
# rows without a unit that are totals over all units (group totals of the school units): kept
TOTAL_ROWS_OK = {"school_groups"}
RECORD_QUERIES = {name for name, rule in ROW_RULES.items() if rule == "records"}
# roles that may open person-level records
RECORD_ROLES = {"province", "auditor"}


class ScopeError(Exception):
    """A request outside the user's scope: pages show 无权限 and no figures."""


@dataclass(frozen=True)
class Scope:
    user: str
    role: str
    unit: str | None = None
    own: frozenset[str] | None = None  # None: every unit
    above: frozenset[str] = frozenset()
    records: bool = False
    counties: frozenset[str] | None = None  # None: every county (person-level records)
    home: str | None = None

    @property
    def key(self) -> tuple:
        """What distinguishes this scope from another (part of every cache key built on scoped results)."""
        return (self.role, self.unit, self.records)

    @property
    def everything(self) -> bool:
        return self.own is None

    @property
    def role_label(self) -> str:
        return ROLES[self.role][0] if self.role in ROLES else self.role

    def describe(self) -> str:
        """范围 in words: 县 吕梁市·柳林县 / 省级 全省."""
        if self.unit is None:
            return f"{self.role_label} · 全省"
        tree = unit_tree()
        node = tree.get(self.unit, {})
        parent = tree.get(node.get("parent", ""), {})
        name = node.get("name", self.unit)
        if node.get("level") == "county" and parent:
            name = f"{parent['name']}·{name}"
        return f"{self.role_label} · {name}"

    def visible(self, code: Any) -> bool:
        return self.own is None or (isinstance(code, str) and (code in self.own or code in self.above))

    # -- the two calls the runner makes ---------------------------------------------------------------------
    def check(self, query_name: str, params: dict[str, Any]) -> None:
        """Refuse a request naming a unit out of scope, person-level records the role may not see, or a query
        whose rows this module does not know how to scope."""
        rule = ROW_RULES.get(query_name)
        if rule is None and not self.everything:
            raise ScopeError(f"无权限：查询 {query_name} 未定义数据范围")
        if rule == "records" and not self.records:
            raise ScopeError(f"无权限：{self.role_label}不能查看个人明细记录")
        if rule == "inside" and not self.everything and not params.get("unit"):
            raise ScopeError(f"无权限：请选择您的单位（{self.describe()}）")
        for key in ("unit", "within"):
            code = params.get(key)
            if code in (None, ""):
                continue
            allowed = self.own is None or code in self.own
            if key == "unit" and query_name in INSIDE_QUERIES:
                pass
            elif query_name == "drill_breakdown" and (params.get("by") == "institution" or params.get("institution")):
                pass  # institutions inside an ancestor are a sibling's rows
            else:
                allowed = self.visible(code)
            if not allowed:
                raise ScopeError(f"无权限：单位 {code} 不在您的数据范围（{self.describe()}）内")
        county = params.get("county")  # a county or a city code (compliance checks)
        if county not in (None, "") and not self._own(county):
            raise ScopeError(f"无权限：地区 {county} 不在您的数据范围（{self.describe()}）内")

    def filter(self, query_name: str, df: pd.DataFrame) -> pd.DataFrame:
        """Only the rows this scope may see."""
        rule = ROW_RULES.get(query_name)
        if self.everything and (rule != "records" or self.counties is None):
            return df
        if rule in ("meta", "inside"):
            if query_name == "drill_metrics" and self.home and "home_unit" in df:
                df = df.copy()
                df.loc[~df["home_unit"].map(self._own).astype(bool), "home_unit"] = self.home
            return df
        if rule == "unit":
            keep = df["unit_code"].map(self.visible)
            if query_name in TOTAL_ROWS_OK:
                keep |= df["unit_code"].isna()
            return df[keep.astype(bool)].reset_index(drop=True)
        if rule == "records":
            if self.counties is None:
                return df
            return df[df["county_code"].isin(self.counties)].reset_index(drop=True)
        if rule == "county":
            return df[df["county_code"].map(self._own_county).astype(bool)].reset_index(drop=True)
        raise ScopeError(f"无权限：查询 {query_name} 未定义数据范围")

    def _own(self, code: Any) -> bool:
        return self.own is None or (isinstance(code, str) and code in self.own)

    def _own_county(self, code: Any) -> bool:
        return self.own is None or (isinstance(code, str) and code in self.own)


OPEN = Scope(user="", role="province", records=True)


def for_user(user: User) -> Scope:
    """The scope of a users-file entry (role and unit)."""
    tree = unit_tree()
    children: dict[str, list[str]] = {}
    for code, node in tree.items():
        children.setdefault(node["parent"], []).append(code)

    def regions_below(code: str) -> set[str]:
        out = {code}
        for child in children.get(code, []):
            if tree[child]["level"] in ("city", "county"):
                out |= regions_below(child)
        return out

    def ancestors(code: str) -> set[str]:
        out: set[str] = set()
        parent = tree.get(code, {}).get("parent")
        while parent:
            out.add(parent)
            parent = tree.get(parent, {}).get("parent")
        return out

    schools = {c for c, n in tree.items() if n["level"] in ("school", "bureau")}
    role, unit = user.role, user.unit
    records = role in RECORD_ROLES
    if role in ("province", "analyst", "data_admin") or (role == "auditor" and unit in (None, PROVINCE)):
        return Scope(user.name, role, unit, None, frozenset(), records, None, None)
    if role in ("city", "county", "auditor"):
        own = regions_below(unit)
        counties = {c for c in own if tree[c]["level"] == "county"}
        return Scope(
            user.name, role, unit, frozenset(own), frozenset(ancestors(unit)), records, frozenset(counties), unit
        )
    if role == "edu_dept":
        return Scope(user.name, role, None, frozenset(schools), frozenset({PROVINCE}), False, frozenset(), None)
    if role == "edu_city":
        own = {c for c in schools if tree[c]["parent"] == unit}
        return Scope(user.name, role, unit, frozenset(own), frozenset({unit, PROVINCE}), False, frozenset(), None)
    if role == "school":
        return Scope(user.name, role, unit, frozenset({unit}), frozenset(ancestors(unit)), False, frozenset(), unit)
    raise ScopeError(f"无权限：未知角色 {role}")


class ScopedRunner:
    """A runner as one user sees it: every named query goes through the scope (pages, exports, map, CLI).

    Everything else (versions, latest date, the query list) is the shared runner's; person-level records
    viewed are written to the audit log once per query, parameters and data version.
    """

    def __init__(self, base: Any, scope: Scope) -> None:
        self.base = base
        self.scope = scope
        self._audited: set[tuple] = set()

    def run(self, name: str, **params: Any) -> pd.DataFrame:
        if ROW_RULES.get(name) == "inside" and not params.get("unit") and self.scope.home:
            params = {**params, "unit": self.scope.home}  # no unit chosen: the user's own, not the province's
        df = self.base.run(name, scope=self.scope, **params)
        if name in RECORD_QUERIES:
            key = (name, tuple(sorted((k, str(v)) for k, v in params.items())), self.base.version())
            if key not in self._audited:
                from tracker import audit

                audit.record(
                    self.base.data_dir,
                    "view_records",
                    self.scope,
                    what=name,
                    records=len(df),
                    detail={k: str(v) for k, v in params.items() if v not in (None, "")},
                )
                self._audited.add(key)
        return df

    def __getattr__(self, attr: str) -> Any:
        return getattr(self.base, attr)
