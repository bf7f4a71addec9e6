"""Where the reader of 区域分析 (pages/drilldown.py) is: unit, level and institution in the session state and the URL,
moved by breadcrumbs, table rows, the 进入下级 box and map clicks.

Callbacks run before the rerun, so bound widgets can be set here. Streamlit is not imported: the page passes
st.session_state as ``state``, st.query_params as ``query_params`` and the unit types of the plan's regions
(code → province / city / county) as ``unit_types``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

import pandas as pd

# what a unit of each type can be broken down into, the first being the default
LEVELS = {"province": ["city", "county"], "city": ["county", "institution"], "county": ["institution", "occupation"]}
NEXT_LEVEL = {"city": "county", "county": "institution", "institution": "occupation"}


def move_to(
    state: MutableMapping,
    unit_types: Mapping[str, str],
    unit: str | None = None,
    level: str | None = None,
    institution: str = "",
) -> None:
    """Move to a unit / level; the nonce gives the tables and map new keys (no stale selection)."""
    if unit:
        state["drill_unit"] = unit
        state["drill_level"] = level or LEVELS[unit_types[unit]][0]
    elif level:
        state["drill_level"] = level
    state["drill_institution"] = institution
    state["drill_nonce"] = state.get("drill_nonce", 0) + 1


def drill_to(state: MutableMapping, unit_types: Mapping[str, str], code: str, child_level: str) -> None:
    if child_level in ("city", "county"):
        move_to(state, unit_types, unit=code)
    elif child_level == "institution":
        move_to(state, unit_types, level="occupation", institution=code)


def on_table_select(
    state: MutableMapping, unit_types: Mapping[str, str], key: str, codes: list, child_level: str
) -> None:
    rows = state[key].selection.rows
    if rows and child_level in NEXT_LEVEL and rows[0] < len(codes) and codes[rows[0]] is not None:
        drill_to(state, unit_types, codes[rows[0]], child_level)


def on_pick(state: MutableMapping, unit_types: Mapping[str, str], key: str, child_level: str) -> None:
    code = state.get(key)
    if code:
        drill_to(state, unit_types, code, child_level)


def on_unit_change(state: MutableMapping, unit_types: Mapping[str, str]) -> None:
    move_to(state, unit_types, unit=state["drill_unit"])


def on_map_select(
    state: MutableMapping, unit_types: Mapping[str, str], key: str, selected: Callable[[Any], str | None]
) -> None:
    """``selected`` is tracker.geo.selected_unit (the unit code a map click names)."""
    code = selected(state[key])
    if code and code in unit_types:
        move_to(state, unit_types, unit=code)


def reset_for_plan(state: MutableMapping, plan: str) -> None:
    """Another plan opens on its own unit (e.g. 柳林县): forget the drill position of the previous plan."""
    if state.get("drill_plan") != plan:
        for key in ("drill_unit", "drill_level", "drill_institution"):
            state.pop(key, None)
        state["drill_plan"] = plan


def start(state: MutableMapping, query_params: Any, param: str, options: list, default: Any) -> None:
    """Take a value someone put in the URL (a shared link: ?unit=141125); else keep the choice if still offered.

    The URL holds codes (?metric=subsidised_trainees&unit=141125&level=institution), written by :func:`publish`
    after the widgets, as the sidebar does for plan and as_of.
    """
    key = f"drill_{param}"
    raw = query_params.get(param)
    fresh = key not in state or raw != state.get(f"_url_{key}")
    if raw is not None and fresh and raw in options:
        state[key] = raw
    if state.get(key) not in options:
        state[key] = default


def publish(state: MutableMapping, query_params: Any, **values: str) -> None:
    """Write the drill state to the URL in one update, so that one drill step is one browser-history entry
    (Streamlit pushes an entry per URL change: Back then undoes the whole step)."""
    current = query_params.to_dict()
    wanted = {k: v for k, v in current.items() if k not in values}
    wanted.update({k: v for k, v in values.items() if v})
    if wanted != current:
        query_params.from_dict(wanted)
    for param, value in values.items():
        state[f"_url_drill_{param}"] = value


def crumb_path(units: pd.DataFrame, unit: str) -> list[str]:
    """Province › city › the unit (codes), for the breadcrumbs."""
    parents = (units.loc[unit, "province_code"], units.loc[unit, "city_code"])
    return [c for c in parents if isinstance(c, str)] + [unit]
