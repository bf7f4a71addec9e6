"""Illustrative names for the demo's training institutions and evaluators (CONTRACT §4 "Names, not codes").

Deterministic from the codes, so a seed always gives the same names; they read like the real thing
(柳林县启航职业培训学校, 柳林县恒达建材有限公司) but belong to demo data only, which every page marks 演示数据.
"""

from __future__ import annotations

import hashlib

_WORDS = [
    "启航", "恒达", "华信", "众诚", "鑫源", "德馨", "晋才", "博学", "新程", "技成", "正阳", "宏远",
    "金桥", "育才", "明德", "汇智", "泰安", "同心", "兴晋", "卓越", "龙城", "汾河", "太行", "吕梁山",
]  # fmt: skip
_TRADES = ["煤业", "焦化", "建材", "物流", "食品", "能源", "机械", "纺织", "电力", "化工", "商贸", "农业科技"]


def _pick(code: str, options: list[str], salt: str = "") -> str:
    digest = hashlib.blake2b(f"{salt}{code}".encode(), digest_size=4).digest()
    return options[int.from_bytes(digest, "big") % len(options)]


def _unique(names: list[str]) -> list[str]:
    """One name per institution: a repeated name becomes a branch (…第2分校), as registrations would have it."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}第{seen[name]}分校")
    return out


def institution_names(inst_ids: list[str], county_name: dict[str, str], school_name: dict[str, str]) -> list[str]:
    """JG… training institutions, QY… enterprises (by county), YX… schools (by their unit code); all distinct."""
    names = []
    for code in inst_ids:
        prefix, rest = code[:2], code[2:]
        if prefix == "YX":
            names.append(school_name.get(rest, rest))
            continue
        county = county_name.get(rest[:6], "")
        serial = int(rest[6:] or 0)
        word = _pick(code, _WORDS)
        if prefix == "QY":
            names.append(f"{county}{word}{_pick(code, _TRADES, 't')}有限公司")
        else:
            kind = "职业培训学校" if serial % 3 else "职业技能培训中心"
            names.append(f"{county}{word}{kind}")
    return _unique(names)


def evaluator_names(
    evaluators: list[str],
    city_name: dict[str, str],
    county_name: dict[str, str],
    institution_name: dict[str, str],
    school_name: dict[str, str],
) -> list[str]:
    """PJ{city}{k} third-party evaluators, AJ/TS city authorities, PJ+institution / school self-evaluation."""
    names = []
    for code in evaluators:
        prefix, rest = code[:2], code[2:]
        if prefix == "AJ":
            names.append(f"{city_name.get(rest, rest)}应急管理局")
        elif prefix == "TS":
            names.append(f"{city_name.get(rest, rest)}市场监督管理局")
        elif rest in institution_name:
            names.append(f"{institution_name[rest]}（自主评价）")
        elif rest in school_name:
            names.append(f"{school_name[rest]}（自主评价）")
        elif rest.endswith("ZZ"):
            names.append(f"{county_name.get(rest[:6], rest[:6])}职业中学（自主评价）")
        elif rest[:6] in city_name:
            names.append(f"{city_name[rest[:6]]}{_pick(code, _WORDS)}职业技能等级认定中心")
        else:
            names.append(code)
    return _unique(names)
