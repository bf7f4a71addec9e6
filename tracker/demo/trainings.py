"""The training stage of the demo generator: enrolments of 2021 and 2023 (generic, school-directed,
compliance-check material) and Liulin 柳林县's 2023 trainings by its own plan (seed 002).
"""

from __future__ import annotations

import numpy as np

from tracker.demo.arrays import (
    _T_COLS,
    SEG_DIRECTED,
    SEG_EXTRA,
    SEG_GENERIC,
    SEG_LIULIN,
    Frame,
    _choice,
    _concat,
    _sample_weighted,
    _take,
)
from tracker.demo.params import (
    _CAT_P,
    _CLASS_SIZE,
    _HOURS,
    _INDUSTRY_P,
    _LEVEL_P,
    _LIULIN_COMPLETED,
    _LIULIN_ENT_LEVEL_P,
    _P_DROPPED,
    _P_ENROLLED_2023,
    APP,
    CARE,
    CATS,
    COMPLETED,
    D_EXTRACT,
    DIR,
    DROPPED,
    ENROLLED,
    ENT,
    ENTRE,
    KEY,
    LEVELS,
    ONL,
    ORD,
    TT,
    _day,
)


class _Trainings:
    """Enrolments (a mixin of ``_Generator``: uses its rng, reference, factors, institutions and seasons)."""

    # -- trainings --------------------------------------------------------------------------------
    def _attributes(self, county: np.ndarray, ttype: np.ndarray, level_p: dict | None = None) -> Frame:
        """Everything about an enrolment that does not depend on time."""
        rng = self.rng
        n = len(county)
        occ = np.zeros(n, dtype=np.int16)
        level = np.zeros(n, dtype=np.int8)
        cat = np.zeros(n, dtype=np.int8)
        hours = np.zeros(n, dtype=np.int16)
        days = np.zeros(n, dtype=np.int32)
        industry = np.full(n, -1, dtype=np.int8)
        for t in range(len(TT)):
            idx = np.flatnonzero(ttype == t)
            m = len(idx)
            if not m:
                continue
            ids, p = self.occ_table[t]
            occ[idx] = _choice(rng, ids, p, m)
            lp = (level_p or {}).get(t, _LEVEL_P[t])
            level[idx] = _choice(rng, LEVELS, lp, m)
            cat[idx] = _choice(rng, np.arange(len(CATS), dtype=np.int8), _CAT_P[t], m)
            hv, hp = _HOURS[t]
            h = _choice(rng, np.array(hv, dtype=np.int16), hp, m)
            hours[idx] = h
            if t in (APP,):
                d = rng.integers(150, 331, m)
            elif t == DIR:
                d = rng.integers(90, 181, m)
            elif t == ONL:
                d = rng.integers(7, 61, m)
            else:
                d = np.ceil(h / 8 * 7 / 5 * rng.uniform(0.9, 1.3, m))
            days[idx] = np.maximum(d, 1)
            hit = rng.random(m) < _INDUSTRY_P[t]
            o = occ[idx]
            cnt = self.occ_ind_n[o]
            j = (rng.random(m) * np.maximum(cnt, 1)).astype(np.int64)
            ind = self.occ_ind[o, np.minimum(j, self.occ_ind.shape[1] - 1)]
            industry[idx] = np.where(hit & (cnt > 0), ind, -1)
        kind = np.where((ttype == ENT) | (ttype == APP), 1, 0)
        inst = self._pick_institution(county.astype(np.int64), kind)
        return {
            "county": county.astype(np.int16),
            "ttype": ttype.astype(np.int8),
            "cat": cat,
            "inst": inst,
            "school": np.full(n, -1, dtype=np.int16),
            "occ": occ,
            "level": level,
            "industry": industry,
            "hours": hours,
            "days": days,
        }

    def _statuses(self, ttype: np.ndarray, year: int) -> np.ndarray:
        n = len(ttype)
        u = self.rng.random(n)
        status = np.where(u < _P_DROPPED, DROPPED, COMPLETED).astype(np.int8)
        if year == 2023:
            p_enr = np.array([_P_ENROLLED_2023[t] for t in range(len(TT))])[ttype]
            status[(u >= _P_DROPPED) & (u < _P_DROPPED + p_enr)] = ENROLLED
        return status

    def _form_classes(self, f: Frame) -> None:
        """培训班: the enrolments of one county, institution and training type (still running on the extract date
        or not) in classes of about ``_CLASS_SIZE`` members, split evenly; a class teaches one occupation at one
        level for its hours (its first member's), and :meth:`_schedule` gives it one start, end and roster entry.
        Sets ``f["cls"]`` (each row's class) and ``f["lead"]`` (each class's first row)."""
        n = len(f["ttype"])
        if not n:
            return
        running = (f["status"] == ENROLLED).astype(np.int8)
        keys = (f["county"], f["inst"], f["ttype"], running)
        shuffled = self.rng.permutation(n)  # who joins which class of a course: at random
        order = shuffled[np.lexsort(tuple(k[shuffled] for k in reversed(keys)))]
        new_course = np.zeros(n, dtype=bool)
        new_course[0] = True
        for k in keys:
            sk = k[order]
            new_course[1:] |= sk[1:] != sk[:-1]
        course = np.cumsum(new_course) - 1
        course_start = np.flatnonzero(new_course)
        course_size = np.diff(np.r_[course_start, n])[course]
        rank = np.arange(n) - course_start[course]
        size = np.array([_CLASS_SIZE[t] for t in range(len(TT))])[f["ttype"][order]]
        classes = -(-course_size // size)
        in_course = rank * classes // course_size
        new_class = new_course.copy()
        new_class[1:] |= in_course[1:] != in_course[:-1]
        cls = np.empty(n, dtype=np.int64)
        cls[order] = np.cumsum(new_class) - 1
        lead = order[np.flatnonzero(new_class)]
        for col in ("occ", "level", "industry", "hours", "days"):
            f[col] = f[col][lead][cls]
        f["cls"], f["lead"] = cls, lead

    def _schedule(self, f: Frame, year: int, end_override: np.ndarray | None = None) -> None:
        """start / end / entered_on for the enrolments of one programme year (status already set). Enrolments in
        classes (:meth:`_form_classes`) share their class's dates and its roster's entry date (a few entered a day
        or three later); the others have their own."""
        rng = self.rng
        status, days = f["status"], f["days"].astype(np.int64)
        n = len(status)
        cls, lead = f.pop("cls", None), f.pop("lead", None)
        if cls is None or lead is None or end_override is not None:
            cls = lead = np.arange(n)
        m = len(lead)
        first, w = self.seasons[year]
        if year == 2023:
            w = w[: D_EXTRACT - first + 1]
        days = np.minimum(days, len(w))
        planned = first + _sample_weighted(rng, w, m)[cls]
        if end_override is not None:
            planned = end_override.astype(np.int64)
        # an enrolment of the programme year starts in that year: long courses end later
        planned = np.maximum(planned, first + days - 1)
        start = planned - days + 1
        end = planned.copy()
        drop = status == DROPPED
        end[drop] = start[drop] + np.floor(rng.random(drop.sum()) * (planned[drop] - start[drop] + 1))
        enr = status == ENROLLED
        if enr.any():
            started = D_EXTRACT - np.floor(rng.random(m)[cls] * days).astype(np.int64)
            start[enr] = started[enr]
            end[enr] = D_EXTRACT
        lag = np.floor(rng.exponential(3.5, m)).astype(np.int64)[cls]
        if m < n:  # a class's roster is entered at once; a few of its records a day or three later
            lag += np.where(rng.random(n) < 0.15, rng.integers(1, 4, n), 0)
        comp = status == COMPLETED
        after_end = comp & (rng.random(m) < 0.45)[cls]
        entered = np.where(after_end, end + lag, start + lag)
        late = comp & (rng.random(n) < 0.028)
        entered[late] = end[late] + 91 + np.floor(rng.random(late.sum()) * 150).astype(np.int64)
        over = entered > D_EXTRACT
        entered[over] = np.minimum(start[over] + lag[over], D_EXTRACT)
        f["start"] = start.astype(np.int32)
        f["end"] = end.astype(np.int32)
        f["entered"] = entered.astype(np.int32)
        f["year"] = np.full(n, year, dtype=np.int16)

    def _outcomes(self, f: Frame) -> None:
        rng = self.rng
        status, ttype, inst, end = f["status"], f["ttype"], f["inst"], f["end"]
        n = len(status)
        comp = status == COMPLETED
        p_pass = np.where(ttype == CARE, 0.4 * self.inst_pass[inst] + 0.6 * 0.97, self.inst_pass[inst])
        passed = np.where(comp, (rng.random(n) < p_pass).astype(np.int8), np.int8(0))
        passed[status == ENROLLED] = -1
        passed[comp & (rng.random(n) < 0.003)] = -1  # completion entered without an assessment result
        p_emp = self.inst_emp[inst].copy()
        p_emp = np.where(ttype == ORD, self.inst_order_emp[inst], p_emp)
        p_emp = np.where(ttype == CARE, np.minimum(p_emp * 1.15, 0.93), p_emp)
        p_emp = np.where(ttype == ENTRE, p_emp * 0.9, p_emp)
        p_emp = np.where(ttype == ONL, p_emp * 0.8, p_emp)
        p_emp = np.where((passed == 1) | (ttype == ORD), p_emp, p_emp * 0.6)
        employed = (rng.random(n) < p_emp).astype(np.int8)
        # employment is known 4–10 weeks after completion (order projects hire at once: 4–7 weeks)
        known_after = D_EXTRACT - np.where(ttype == ORD, rng.integers(28, 50, n), rng.integers(28, 71, n))
        unknown = ~comp | (end > known_after) | (rng.random(n) < 0.006)
        employed[unknown] = -1
        f["passed"] = passed
        f["employed"] = employed

    def _generic_year(self, year: int, counts: np.ndarray) -> Frame:
        """counts: (counties, types) enrolments to generate."""
        T = len(TT)
        cell = np.repeat(np.arange(counts.size), counts.ravel())
        county, ttype = cell // T, (cell % T).astype(np.int8)
        f = self._attributes(county, ttype)
        f["status"] = self._statuses(ttype, year)
        self._form_classes(f)
        self._schedule(f, year)
        self._outcomes(f)
        f["person"] = self._new_persons(len(county))
        f["seg"] = np.full(len(county), SEG_GENERIC, dtype=np.int8)
        return f

    def _cells(self, volume: np.ndarray, total: int) -> np.ndarray:
        """Split ``total`` enrolments over (county, type) cells by county volume and the type mix."""
        T = len(TT)
        share = np.zeros((len(self.ref.city_codes), T))
        base = {ENT: 0.31, APP: 0.04, ORD: 0.06, ENTRE: 0.08, KEY: 0.41, ONL: 0.10}
        for t, v in base.items():
            share[:, t] = v
        share[:, ENT] *= self.city_ent_tilt
        share[:, APP] *= self.city_ent_tilt
        share /= share.sum(axis=1, keepdims=True)
        cg = np.where(self.is_luliang, 0.38, 0.004)
        p = volume[:, None] * (1 - cg[:, None]) * share[self.ref.county_city]
        p[:, CARE] = volume * cg
        p = p.ravel() / p.sum()
        return self.rng.multinomial(total, p).reshape(self.C, T)

    def _repeat_persons(self, f: Frame, share: float) -> None:
        """Some persons train twice in a year: reuse the person of another enrolment in the same county."""
        pick = self.rng.random(len(f["person"])) < share
        src = _same_county_source(self.rng, f["county"], f["county"][pick], self.C)
        ok = src >= 0
        rows = np.flatnonzero(pick)[ok]
        _reuse_person(f, rows, f, src[ok])

    @staticmethod
    def _extra_counts(n: int) -> tuple[int, int, int]:
        """Compliance material for n generic enrolments: repeats, anchors with > 3 trainings, of which with 5."""
        if n < 1000:
            return 0, 0, 0
        m = max(1, round(0.0012 * n))
        return max(1, round(0.004 * n)), m, round(0.3 * m)

    @classmethod
    def _extra_rows(cls, n: int) -> int:
        k, m, m5 = cls._extra_counts(n)
        return k + 3 * m + m5

    def _extras(self, f: Frame, year: int) -> Frame:
        """Compliance-check material for one year's generic enrolments."""
        rng = self.rng
        comp = np.flatnonzero(f["status"] == COMPLETED)
        k, m, m5 = self._extra_counts(len(f["person"]))
        if not k or len(comp) < k + m:
            return {}
        # the same person, occupation and level trained twice in the year
        a = rng.choice(comp, size=k, replace=False)
        dup = _take(f, a)
        dup["status"] = np.full(len(a), COMPLETED, dtype=np.int8)
        self._schedule(dup, year)
        self._outcomes(dup)
        # persons with more than three subsidised trainings in the year
        b = rng.choice(comp, size=m, replace=False)
        reps = 3 + (np.arange(m) < m5)
        anchor = np.repeat(b, reps)
        ttype = _choice(rng, np.array([KEY, ONL, ORD, ENTRE], dtype=np.int8), [0.5, 0.25, 0.15, 0.1], len(anchor))
        many = self._attributes(f["county"][anchor].astype(np.int64), ttype)
        many["status"] = np.full(len(anchor), COMPLETED, dtype=np.int8)
        self._schedule(many, year)
        self._outcomes(many)
        many["person"] = f["person"][anchor]
        out = _concat([dup, many], tuple(c for c in _T_COLS if c != "seg"))
        out["seg"] = np.full(len(out["person"]), SEG_EXTRA, dtype=np.int8)
        return out

    def _directed(self, n_rows: int) -> Frame:
        """Seed 004: school-directed trainings of 2021 (3–6 months, senior levels), by milestone."""
        rng = self.rng
        units = self.directed_units
        if not units or n_rows <= 0:
            return {}
        quota = np.array([float(u["quota"]) for u in units])
        wt = quota * rng.uniform(0.5, 1.5, len(units))
        unit = _sample_weighted(rng, wt, n_rows)
        home = self._home_counties(units)
        county = home[unit]
        f = self._attributes(county, np.full(n_rows, DIR, dtype=np.int8))
        f["inst"] = (self.inst_yx0 + unit).astype(np.int32)
        f["school"] = np.array([self.school_names.index(u["name"]) for u in units], dtype=np.int16)[unit]
        status = np.where(rng.random(n_rows) < _P_DROPPED, DROPPED, COMPLETED).astype(np.int8)
        f["status"] = status
        # completed persons by 06-30 / 09-30 / 11-30 / 12-31 relative to the 30,000: 36.5 / 79 / 101.5 / 105 %
        bounds = [
            (_day(2021, 4, 6), _day(2021, 6, 30)),
            (_day(2021, 7, 1), _day(2021, 9, 30)),
            (_day(2021, 10, 1), _day(2021, 11, 30)),
            (_day(2021, 12, 1), _day(2021, 12, 31)),
        ]
        piece = _choice(rng, np.arange(4), np.diff([0, 36.5, 79, 101.5, 105]), n_rows)
        first, w = self.seasons[2021]
        end = np.zeros(n_rows, dtype=np.int64)
        for k, (lo, hi) in enumerate(bounds):
            idx = np.flatnonzero(piece == k)
            ww = w[lo - first : hi - first + 1].copy()
            if k == 0:
                ww *= np.linspace(0.3, 1.6, len(ww))
            end[idx] = lo + _sample_weighted(rng, ww, len(idx))
        start_floor = _day(2021, 1, 4)
        f["days"] = np.minimum(f["days"], (end - start_floor + 1)).astype(np.int32)
        self._schedule(f, 2021, end_override=end)
        self._outcomes(f)
        f["person"] = self._new_persons(n_rows)
        f["seg"] = np.full(n_rows, SEG_DIRECTED, dtype=np.int8)
        return f

    # -- Liulin 柳林县 2023 (seed 002) --------------------------------------------------------------
    def _liulin_counts(self) -> dict[int, tuple[int, int, int]]:
        """Liulin's 2023 enrolments per training type: completed by 10-20, still enrolled, dropped."""
        out = {}
        for t, done in _LIULIN_COMPLETED.items():
            nc = round(done * self.lscale)
            rest = 1 - _P_ENROLLED_2023[t] - _P_DROPPED
            out[t] = (nc, round(nc * _P_ENROLLED_2023[t] / rest), round(nc * _P_DROPPED / rest))
        return out

    def _liulin_2023(self, pool_2021: np.ndarray) -> Frame:
        """Liulin 柳林县 2023 by its plan (seed 002), absolute numbers."""
        rng = self.rng
        types, statuses = [], []
        for t, (nc, ne, nd) in self._liulin_counts().items():
            types.append(np.full(nc + ne + nd, t, dtype=np.int8))
            statuses.append(np.r_[np.full(nc, COMPLETED), np.full(ne, ENROLLED), np.full(nd, DROPPED)])
        ttype = np.concatenate(types)
        n = len(ttype)
        if not n:
            return {}
        f = self._attributes(np.full(n, self.liulin), ttype, level_p={ENT: _LIULIN_ENT_LEVEL_P})
        f["status"] = np.concatenate(statuses).astype(np.int8)
        self._form_classes(f)
        self._schedule(f, 2023)
        self._outcomes(f)
        f["person"] = self._new_persons(n)
        pool = np.unique(pool_2021)
        k = min(round(0.15 * n), len(pool))
        if k:
            rows = rng.choice(n, size=k, replace=False)
            f["person"][rows] = rng.choice(pool, size=k, replace=False)
        f["seg"] = np.full(n, SEG_LIULIN, dtype=np.int8)
        return f


def _reuse_person(dst: Frame, rows: np.ndarray, src: Frame, src_rows: np.ndarray) -> None:
    """Rows ``rows`` of ``dst`` become further enrolments of the persons of ``src_rows``: a person trains
    on one level higher than before (a later certificate at the same level would be claimed twice)."""
    dst["person"][rows] = src["person"][src_rows]
    before = src["level"][src_rows]
    now = dst["level"][rows]
    dst["level"][rows] = np.where((now > 0) & (before > 1), before - 1, now)


def _same_county_source(
    rng: np.random.Generator, src_county: np.ndarray, dst_county: np.ndarray, n_counties: int
) -> np.ndarray:
    """For each destination county, a random row of the source in the same county (-1 if none)."""
    src_county = src_county.astype(np.int64)
    dst = dst_county.astype(np.int64)
    order = np.argsort(src_county, kind="stable")
    cnt = np.bincount(src_county, minlength=n_counties)
    starts = np.concatenate([[0], np.cumsum(cnt)[:-1]])
    has = cnt[dst] > 0
    if not len(order):
        return np.full(len(dst), -1, dtype=np.int64)
    pick = starts[dst] + (rng.random(len(dst)) * cnt[dst]).astype(np.int64)
    return np.where(has, order[np.minimum(pick, len(order) - 1)], -1)
