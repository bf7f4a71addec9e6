"""Reference data the demo reads (regions, allocations, schools) and the county secondary schools it names."""

from __future__ import annotations

import csv
from dataclasses import dataclass

import numpy as np

from tracker import REFERENCE_DIR


@dataclass
class _Ref:
    county_codes: list[str]
    county_names: list[str]
    county_city: np.ndarray  # index into city_codes
    city_codes: list[str]
    city_names: list[str]
    alloc23: np.ndarray  # sx-train-2023 county allocations
    alloc21: np.ndarray  # sx-skills-2021 county allocations
    schools: list[dict[str, str]]


def _read_csv(name: str) -> list[dict[str, str]]:
    with open(REFERENCE_DIR / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _load_reference() -> _Ref:
    regions = _read_csv("regions.csv")
    cities = [r for r in regions if r["level"] == "city"]
    city_codes = [r["code"] for r in cities]
    counties = [r for r in regions if r["level"] == "county"]
    county_codes = [r["code"] for r in counties]
    pos = {c: i for i, c in enumerate(county_codes)}
    alloc23 = np.zeros(len(counties))
    alloc21 = np.zeros(len(counties))
    for t in _read_csv("targets.csv"):
        if t["unit_type"] == "county" and t["unit_code"] in pos:
            if t["plan_id"] == "sx-train-2023" and t["metric"] == "subsidised_trainees":
                alloc23[pos[t["unit_code"]]] = float(t["target"])
            elif t["plan_id"] == "sx-skills-2021" and t["metric"] == "trained_certified":
                alloc21[pos[t["unit_code"]]] = float(t["target"])
    alloc23[alloc23 == 0] = alloc23[alloc23 > 0].mean() if (alloc23 > 0).any() else 1.0
    alloc21[alloc21 == 0] = alloc21[alloc21 > 0].mean() if (alloc21 > 0).any() else 1.0
    return _Ref(
        county_codes=county_codes,
        county_names=[r["name"] for r in counties],
        county_city=np.array([city_codes.index(r["parent_code"]) for r in counties], dtype=np.int16),
        city_codes=city_codes,
        city_names=[r["name"] for r in cities],
        alloc23=alloc23,
        alloc21=alloc21,
        schools=_read_csv("schools.csv"),
    )


def county_school_names() -> dict[str, str]:
    """The county secondary schools (县属中职) the demo names, ``name → county_code``.

    Not units of schools.csv: their graduating students count for their city's education bureau.
    A district's school carries the city's name in front (阳泉市城区职业中学), a county's its own (柳林县职业中学).
    """
    ref = _load_reference()
    out: dict[str, str] = {}
    for second in (False, True):
        out.update(zip(_county_school_list(ref, second=second), ref.county_codes))
    return out


def _county_school_list(ref: _Ref, second: bool = False) -> list[str]:
    out = []
    for name, city in zip(ref.county_names, ref.county_city):
        prefix = name if name.endswith(("县", "市")) else ref.city_names[city] + name
        out.append(prefix + ("职业技术学校" if second else "职业中学"))
    return out
