"""The student stage of the demo generator: graduating students' certificates of every unit of schools.csv
in 2021 (seed 004) and of the county secondary schools in 2023.
"""

from __future__ import annotations

import re

import numpy as np

from tracker.demo.arrays import (
    _C_COLS,
    Frame,
    _choice,
    _concat,
    _sample_weighted,
    _take,
)
from tracker.demo.params import (
    _HIGHER_POOLS,
    _LIULIN_STUDENTS,
    _MAJOR,
    _MAJOR_CT,
    _MAJOR_OCC,
    _SECONDARY_ALL,
    _SECONDARY_POOLS,
    D_EXTRACT,
    QUAL,
    SKILL,
    _day,
)


class _Students:
    """Students' certificates (a mixin of ``_Generator``: uses its rng, reference, factors, school names and
    evaluators)."""

    def _student_dates(self, year: int, n: int, lo: int, hi: int) -> np.ndarray:
        first, w = self.student_seasons[year]
        ww = w[lo - first : hi - first + 1]
        return (lo + _sample_weighted(self.rng, ww, n)).astype(np.int32)

    def _majors_for(self, names: list[str], pools: list[tuple[str, list[str]]]) -> tuple[np.ndarray, np.ndarray]:
        table = np.full((len(names), 16), -1, dtype=np.int16)
        sizes = np.zeros(len(names), dtype=np.int64)
        for i, name in enumerate(names):
            for pattern, majors in pools:
                if pattern == "" or re.search(pattern, name):
                    table[i, : len(majors)] = [_MAJOR[m] for m in majors]
                    sizes[i] = len(majors)
                    break
        return table, sizes

    def _pick_major(self, table: np.ndarray, sizes: np.ndarray, unit: np.ndarray) -> np.ndarray:
        # earlier majors of a pool are bigger: square the uniform towards the front
        j = np.minimum((self.rng.random(len(unit)) ** 1.4 * sizes[unit]).astype(np.int64), sizes[unit] - 1)
        return table[unit, j]

    def _students_2021(self) -> Frame:
        """Seed 004: graduating students' certificates of every unit of schools.csv (deadline 08-31)."""
        rng, ref = self.rng, self.ref
        units = ref.schools
        U = len(units)
        quota = np.array([float(u["quota"]) for u in units])
        senior = np.array([u["quota_metric"] == "senior_certs" for u in units])
        bureau = np.array([u["group"] == "city_education_bureau" for u in units])
        jx = np.array([u["name"] == "技工院校" for u in units])
        u = rng.random(U)
        factor = np.where(
            u < 0.08,
            rng.uniform(0.40, 0.70, U),
            np.where(u > 0.87, rng.uniform(1.20, 1.35, U), rng.uniform(0.85, 1.10, U)),
        )
        factor[jx | bureau] = np.clip(factor[jx | bureau], 0.75, 1.15)
        # about 97.5 % of each province-wide quota by the deadline (seed 004: 100,000 each)
        for group in (senior, ~senior):
            factor[group] *= 0.975 * quota[group].sum() / (quota[group] * factor[group]).sum()
        n_dl = np.round(quota * factor * self.s).astype(np.int64)
        n_late = np.round(quota * self.s * rng.uniform(0.01, 0.05, U)).astype(np.int64)
        n_non = np.round(quota * self.s * rng.uniform(0.05, 0.10, U)).astype(np.int64)
        home = self._home_counties(units)
        ev_unit = np.array([self.ev_unit + i for i in range(U)], dtype=np.int64)
        name_idx = np.array([self.school_names.index(x["name"]) for x in units], dtype=np.int64)
        names = [x["name"] for x in units]
        hi_tab, hi_n = self._majors_for(names, _HIGHER_POOLS)
        se_tab, se_n = self._majors_for(names, _SECONDARY_POOLS)
        out = []
        for kind, counts in (("dl", n_dl), ("late", n_late), ("non", n_non)):
            unit = np.repeat(np.arange(U), counts)
            m = len(unit)
            if not m:
                continue
            if kind == "dl":
                issue = self._student_dates(2021, m, _day(2021, 1, 4), _day(2021, 8, 31))
            elif kind == "late":
                issue = self._student_dates(2021, m, _day(2021, 9, 1), _day(2021, 12, 31))
            else:
                issue = self._student_dates(2021, m, _day(2021, 1, 4), _day(2021, 12, 31))
            county = self._student_counties(unit, home, bureau, jx, units)
            school = name_idx[unit].copy()
            b = bureau[unit]
            second = rng.random(m) < 0.3
            school[b] = self.first_county_school + county[b] + np.where(second[b], self.C, 0)
            sen = senior[unit]
            major = np.where(sen, self._pick_major(hi_tab, hi_n, unit), self._pick_major(se_tab, se_n, unit))
            occ = _MAJOR_OCC[major]
            ctype = np.where(sen, _MAJOR_CT[major], SKILL).astype(np.int8)
            if kind == "non":
                level = np.where(sen, 4, 5).astype(np.int8)
                ctype[:] = SKILL
            else:
                level = np.where(sen, _choice(rng, np.array([3, 2, 1], dtype=np.int8), [0.85, 0.14, 0.01], m), 4)
                level = np.where(ctype == QUAL, 3, level).astype(np.int8)
            ev = np.where(b, self.ev_county_school + county, ev_unit[unit])
            out.append(
                {
                    "person": self._new_persons(m),
                    "county": county.astype(np.int16),
                    "ctype": ctype,
                    "level": level,
                    "occ": occ.astype(np.int16),
                    "issue": issue,
                    "evaluator": ev.astype(np.int32),
                    "school": school.astype(np.int16),
                    "grad": np.full(m, kind != "non"),
                    "major": major.astype(np.int16),
                    "train": np.full(m, -1, dtype=np.int64),
                }
            )
        return _concat(out, _C_COLS)

    def _student_counties(self, unit, home, bureau, jx, units) -> np.ndarray:
        """County of a student: the school's home county; a bureau's students any county of its city."""
        rng, ref = self.rng, self.ref
        county = home[unit].copy()
        members = [np.flatnonzero(ref.county_city == ci) for ci in range(len(ref.city_codes))]
        table = np.full((len(members), max(len(x) for x in members)), -1, dtype=np.int64)
        for ci, mem in enumerate(members):
            table[ci, : len(mem)] = mem
        sizes = np.array([len(x) for x in members])
        unit_city = np.array(
            [ref.city_codes.index(x["city_code"]) if x["city_code"] in ref.city_codes else -1 for x in units]
        )
        b = bureau[unit]
        ci = unit_city[unit[b]]
        j = (rng.random(b.sum()) * sizes[ci]).astype(np.int64)
        county[b] = table[ci, j]
        j_any = jx[unit]
        w = ref.alloc23 * self.county_factor
        county[j_any] = _sample_weighted(rng, w, j_any.sum())
        return county

    def _students_2023(self) -> Frame:
        """Graduating students of county secondary schools in 2023 (level 4), some with a 2021 level-5."""
        rng, ref = self.rng, self.ref
        bureau_quota = np.zeros(len(ref.city_codes))
        for s in ref.schools:
            if s["group"] == "city_education_bureau" and s["city_code"] in ref.city_codes:
                bureau_quota[ref.city_codes.index(s["city_code"])] = float(s["quota"])
        per_county = bureau_quota[ref.county_city] / np.bincount(ref.county_city)[ref.county_city]
        n = np.round(per_county * self.county_factor * self.s * 0.93).astype(np.int64)
        n[self.liulin] = round(_LIULIN_STUDENTS * self.lscale)
        county = np.repeat(np.arange(self.C), n)
        m = len(county)
        if not m:
            return {}
        second = rng.random(m) < np.where(county == self.liulin, 0.25, 0.3)
        school = self.first_county_school + county + np.where(second, self.C, 0)
        major = np.array([_MAJOR[x] for x in _SECONDARY_ALL])[
            np.minimum((rng.random(m) ** 1.3 * len(_SECONDARY_ALL)).astype(np.int64), len(_SECONDARY_ALL) - 1)
        ]
        issue = self._student_dates(2023, m, _day(2023, 1, 3), D_EXTRACT)
        persons = self._new_persons(m)
        ev = (self.ev_county_school + county).astype(np.int32)
        grads = {
            "person": persons,
            "county": county.astype(np.int16),
            "ctype": np.full(m, SKILL, dtype=np.int8),
            "level": np.full(m, 4, dtype=np.int8),
            "occ": _MAJOR_OCC[major],
            "issue": issue,
            "evaluator": ev,
            "school": school.astype(np.int16),
            "grad": np.ones(m, dtype=bool),
            "major": major.astype(np.int16),
            "train": np.full(m, -1, dtype=np.int64),
        }
        early = np.flatnonzero(
            rng.random(m) < np.where(county == self.liulin, 0.72, 0.55)
        )  # a level-5 certificate in their first year (2021)
        prior = _take(grads, early)
        prior["level"] = np.full(len(early), 5, dtype=np.int8)
        prior["grad"] = np.zeros(len(early), dtype=bool)
        prior["issue"] = self._student_dates(2021, len(early), _day(2021, 3, 1), _day(2021, 12, 31))
        return _concat([grads, prior], _C_COLS)
