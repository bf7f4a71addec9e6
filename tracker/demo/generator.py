"""The demo generator: its state (regional factors, institutions, evaluators, sampling tables), the stages
in order, and the two Arrow tables they make.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa

from tracker import demo_names
from tracker.contract import DEMO_CERTIFICATE_SCHEMA, DEMO_TRAINING_SCHEMA
from tracker.demo.arrays import (
    _C_COLS,
    _T_COLS,
    Frame,
    _concat,
    _dates,
    _encoded_schema,
    _level_array,
    _nullable_bool,
    _person_ids,
    _season,
    _serial_ids,
    _take,
    _vocab,
    _year_of,
)
from tracker.demo.certificates import _Certificates
from tracker.demo.params import (
    _MONTH_STUDENT,
    _MONTH_TRAIN,
    _OCC_WEIGHTS,
    _OCCUPATIONS,
    CATS,
    CTS,
    D_EXTRACT,
    DEFAULT_ROWS,
    DEFAULT_SEED,
    INDUSTRIES,
    LIULIN,
    LIULIN_FULL_SCALE_ROWS,
    LULIANG,
    MAJOR_NAMES,
    OCC,
    OCC_NAMES,
    STATUS,
    TT,
    _day,
)
from tracker.demo.reference import _county_school_list, _load_reference
from tracker.demo.students import _Students
from tracker.demo.trainings import _reuse_person, _same_county_source, _Trainings

Progress = Callable[[float, str], None]


class _Generator(_Trainings, _Certificates, _Students):
    """The state every stage draws on (one random stream, in a fixed order: the same rows and seed give the
    same extract), the stages' order (``frames``) and the Arrow tables. The stages are mixins: trainings,
    certificates, students."""

    def __init__(self, rows: int, seed: int):
        self.rows = max(int(rows), 0)
        self.seed = int(seed)
        self.rng = np.random.Generator(np.random.PCG64(self.seed))
        self.s = self.rows / 1_000_000
        self.lscale = 1.0 if self.rows >= LIULIN_FULL_SCALE_ROWS else self.rows / LIULIN_FULL_SCALE_ROWS
        ref = self.ref = _load_reference()
        self.C = len(ref.county_codes)
        self.liulin = ref.county_codes.index(LIULIN)
        self.luliang_city = ref.city_codes.index(LULIANG)
        self.is_luliang = ref.county_city == self.luliang_city
        key = np.random.Generator(np.random.PCG64([self.seed, 0x5EED])).integers(0, 2**63, size=2)
        self.person_key = (int(key[0]), int(key[1]))
        self.next_person = 1
        # school name vocabulary: schools.csv units (unique names) + county secondary schools
        names: list[str] = []
        for s in ref.schools:
            if s["name"] not in names:
                names.append(s["name"])
        self.school_names = names + _county_school_list(ref) + _county_school_list(ref, second=True)
        self.first_county_school = len(names)
        self.seasons = {y: _season(y, _MONTH_TRAIN, "train") for y in (2021, 2023)}
        self.student_seasons = {y: _season(y, _MONTH_STUDENT, "student") for y in (2021, 2023)}
        self._factors()
        self._institutions()
        self._evaluators()
        self._type_tables()

    # -- persistent regional performance --------------------------------------------------------
    def _factors(self) -> None:
        rng, ref = self.rng, self.ref
        city = np.array([1.19, 1.12, 1.04, 1.02, 1.00, 1.00, 0.98, 0.96, 0.94, 0.78, 0.68])
        city = city[rng.permutation(len(ref.city_codes))]
        f = city[ref.county_city] * np.exp(rng.normal(0.0, 0.06, self.C))
        pick = rng.permutation(self.C)
        n_out = max(1, round(self.C * 0.08))
        f[pick[:n_out]] *= rng.uniform(1.12, 1.22, n_out)  # clearly ahead
        f[pick[n_out : 2 * n_out]] *= rng.uniform(0.62, 0.76, n_out)  # clearly behind
        self.county_factor = np.clip(f, 0.5, 1.2)
        self.city_factor = city
        # enterprise share tilt per city (enterprise_share ≥ 1/3 is a plan metric)
        self.city_ent_tilt = rng.uniform(0.78, 1.25, len(ref.city_codes))

    # -- institutions -----------------------------------------------------------------------------
    def _institutions(self) -> None:
        rng, ref = self.rng, self.ref
        vol = (ref.alloc23 / ref.alloc23.sum() + ref.alloc21 / ref.alloc21.sum()) * self.county_factor
        vol = vol / vol.sum()
        scale = max(self.s, 0.0) ** 0.5
        n_jg = np.maximum(3, np.round(np.clip(2200 * scale, 300, 6000) * vol)).astype(np.int64)
        n_qy = np.maximum(3, np.round(np.clip(1400 * scale, 200, 4000) * vol)).astype(np.int64)
        ids: list[str] = []
        kinds, counties = [], []
        for kind, prefix, counts in ((0, "JG", n_jg), (1, "QY", n_qy)):
            for c in range(self.C):
                code = ref.county_codes[c]
                ids.extend(f"{prefix}{code}{k:03d}" for k in range(1, counts[c] + 1))
                kinds.append(np.full(counts[c], kind))
                counties.append(np.full(counts[c], c))
        kind = np.concatenate(kinds)
        county = np.concatenate(counties)
        n = len(ids)
        w = rng.lognormal(0.0, 0.9, n)
        block = kind * self.C + county  # institutions are laid out block by block
        totals = np.bincount(block, weights=w, minlength=2 * self.C)
        cum = np.cumsum(w) - np.concatenate([[0.0], np.cumsum(totals)])[block]
        upper = block + cum / totals[block]
        last = np.r_[block[1:] != block[:-1], True]
        upper[last] = block[last] + 1.0
        self.inst_upper = upper
        weak_pass = rng.random(n) < 0.045
        weak_emp = rng.random(n) < 0.06
        # order/project employment (≥ 80 % for the subsidy): weak institutions are commoner where the city lags
        city_f = self.city_factor[ref.county_city[county]]
        weak_order = rng.random(n) < np.clip(0.04 + 0.3 * (1.15 - city_f), 0.03, 0.2)
        self.inst_pass = np.where(weak_pass, rng.uniform(0.58, 0.77, n), rng.uniform(0.90, 0.995, n))
        emp = np.where(weak_emp, rng.uniform(0.12, 0.27, n), rng.uniform(0.40, 0.85, n))
        self.inst_emp = np.where(kind == 1, rng.uniform(0.95, 1.0, n), emp)
        self.inst_order_emp = np.where(weak_order, rng.uniform(0.5, 0.76, n), rng.uniform(0.93, 1.0, n))
        self.inst_kind = kind
        # schools running school_directed trainings (YX + unit code)
        self.directed_units = [
            s for s in ref.schools if s["group"] in ("undergraduate", "higher_vocational") and s["name"] != "技工院校"
        ]
        self.inst_yx0 = n
        ids.extend("YX" + s["unit_code"] for s in self.directed_units)
        k = len(self.directed_units)
        self.inst_pass = np.r_[self.inst_pass, rng.uniform(0.88, 0.98, k)]
        self.inst_emp = np.r_[self.inst_emp, rng.uniform(0.85, 0.98, k)]
        self.inst_order_emp = np.r_[self.inst_order_emp, np.full(k, 0.9)]
        self.inst_ids = ids

    def _pick_institution(self, county: np.ndarray, kind: np.ndarray) -> np.ndarray:
        key = (kind.astype(np.int64) * self.C + county) + self.rng.random(len(county))
        return np.searchsorted(self.inst_upper, key, side="right").astype(np.int32)

    # -- evaluators -------------------------------------------------------------------------------
    def _evaluators(self) -> None:
        ref = self.ref
        ev: list[str] = []
        self.ev_third = len(ev)  # 12 third-party evaluators per city
        ev.extend(f"PJ{c}{k:02d}" for c in ref.city_codes for k in range(1, 13))
        self.ev_oper = len(ev)
        ev.extend(f"AJ{c}" for c in ref.city_codes)  # 应急管理部门 (特种作业)
        self.ev_equip = len(ev)
        ev.extend(f"TS{c}" for c in ref.city_codes)  # 市场监管部门 (特种设备)
        self.ev_qy = len(ev)  # enterprises' own evaluation
        ev.extend("PJ" + i for i in self.inst_ids[: self.inst_yx0])
        self.ev_unit = len(ev)
        self.unit_codes = [s["unit_code"] for s in ref.schools]
        ev.extend("PJ" + u for u in self.unit_codes)
        self.ev_county_school = len(ev)
        ev.extend(f"PJ{c}ZZ" for c in ref.county_codes)
        self.evaluators = ev
        # CONTRACT §4: illustrative names beside the codes
        counties = dict(zip(ref.county_codes, ref.county_names, strict=True))
        cities = dict(zip(ref.city_codes, ref.city_names, strict=True))
        schools = {s["unit_code"]: s["name"] for s in ref.schools}
        self.inst_names = demo_names.institution_names(self.inst_ids, counties, schools)
        self.evaluator_names = demo_names.evaluator_names(
            ev, cities, counties, dict(zip(self.inst_ids, self.inst_names, strict=True)), schools
        )

    # -- per-type sampling tables -----------------------------------------------------------------
    def _type_tables(self) -> None:
        self.occ_table = {}
        for t, weights in _OCC_WEIGHTS.items():
            ids = np.array([OCC[o] for o in weights], dtype=np.int16)
            p = np.array(list(weights.values()), dtype=np.float64)
            self.occ_table[t] = (ids, p / p.sum())
        n_occ = len(OCC_NAMES)
        kmax = max(len(o[1]) for o in _OCCUPATIONS)
        self.occ_ind = np.full((n_occ, kmax), -1, dtype=np.int8)
        self.occ_ind_n = np.zeros(n_occ, dtype=np.int64)
        for i, (_, inds, _) in enumerate(_OCCUPATIONS):
            for j, name in enumerate(inds):
                self.occ_ind[i, j] = INDUSTRIES.index(name)
            self.occ_ind_n[i] = len(inds)
        self.occ_special = np.array([{"op": 1, "eq": 2}.get(o[2], 0) for o in _OCCUPATIONS], dtype=np.int8)

    def _new_persons(self, n: int) -> np.ndarray:
        out = np.arange(self.next_person, self.next_person + n, dtype=np.int64)
        self.next_person += n
        return out

    def _home_counties(self, units: list[dict[str, str]]) -> np.ndarray:
        """A home county per school unit: a district of its city (any county for the 技工院校 aggregate)."""
        rng, ref = self.rng, self.ref
        out = np.zeros(len(units), dtype=np.int64)
        for i, u in enumerate(units):
            if u["city_code"] in ref.city_codes:
                ci = ref.city_codes.index(u["city_code"])
                members = [c for c in range(self.C) if ref.county_city[c] == ci]
                districts = [c for c in members if ref.county_names[c].endswith("区")] or members
                out[i] = districts[int(rng.integers(len(districts)))]
            else:
                out[i] = int(rng.integers(self.C))
        return out

    # -- the whole extract ------------------------------------------------------------------------
    def run(self, progress: Progress | None = None) -> tuple[pa.Table, pa.Table]:
        t, c = self.frames(progress)
        training, order = self._training_table(t)
        return training, self._certificate_table(c, t["year"], order)

    def frames(self, progress: Progress | None = None) -> tuple[Frame, Frame]:
        """Every enrolment and every certificate, as numpy columns (codes, day numbers)."""
        say = progress or (lambda f, m: None)
        say(0.02, "读取参考数据…")
        rng, ref, s = self.rng, self.ref, self.s
        # 2023: completed distinct persons by the extract date ≈ allocation × time share × county factor
        share_2023 = (D_EXTRACT - _day(2023, 1, 1) + 1) / 365
        vol23 = ref.alloc23 * self.county_factor * share_2023 / (0.905 * 0.955 * 0.96)
        vol23[self.liulin] = 0.0
        n23 = round(float(vol23.sum()) * s)
        n_dir = round(32_470 * s)
        liulin_rows = sum(sum(v) for v in self._liulin_counts().values())
        # the generic 2021 part takes the rest, so that there are exactly `rows` enrolments
        budget21 = self.rows - n_dir - liulin_rows - n23 - self._extra_rows(n23)
        n21 = max(0, int(budget21 / (1 + 0.004 + 0.0012 * 3.3)))
        while n21 > 0 and n21 + self._extra_rows(n21) > budget21:
            n21 -= 1
        while n21 + 1 + self._extra_rows(n21 + 1) <= budget21:
            n21 += 1
        top_up = max(0, budget21 - n21 - self._extra_rows(n21))

        say(0.08, "生成2021年培训记录…")
        vol21 = ref.alloc21 * self.county_factor
        g21 = self._generic_year(2021, self._cells(vol21 / vol21.sum(), n21))
        self._repeat_persons(g21, 0.04)
        x21 = self._extras(g21, 2021)
        d21 = self._directed(n_dir)
        top = self._generic_year(2021, self._cells(vol21 / vol21.sum(), top_up)) if top_up else {}

        say(0.25, "生成2023年培训记录…")
        g23 = self._generic_year(2023, self._cells(vol23 / max(vol23.sum(), 1e-9), n23))
        # persons who trained in 2021 come back in 2023 (same county)
        back = rng.random(len(g23["person"])) < 0.15
        src = _same_county_source(rng, g21["county"], g23["county"][back], self.C)
        _reuse_person(g23, np.flatnonzero(back)[src >= 0], g21, src[src >= 0])
        self._repeat_persons(g23, 0.04)
        x23 = self._extras(g23, 2023)
        ll = self._liulin_2023(g21["person"][g21["county"] == self.liulin])
        t = _concat([g21, top, x21, d21, g23, x23, ll], _T_COLS)
        n_total = len(t["person"])
        if n_total > self.rows:  # only for tiny extracts, where the fixed parts alone exceed `rows`
            t = _take(t, np.sort(rng.choice(n_total, size=self.rows, replace=False)))
        elif n_total < self.rows:  # not expected; keeps the promise of exactly `rows` enrolments
            more = self._generic_year(2021, self._cells(vol21 / vol21.sum(), self.rows - n_total))
            t = _concat([t, more], _T_COLS)

        say(0.45, "生成取证记录…")
        tc = self._training_certs(t)
        prior = self._prior_certs(t)
        c = _concat([tc, prior], _C_COLS)
        dups = self._duplicate_levels(c)
        c = _concat([c, dups, self._students_2021(), self._students_2023()], _C_COLS)
        return t, c

    def _training_table(self, t: Frame) -> tuple[pa.Table, np.ndarray]:
        # record ids follow the programme year, then the start date (and entry date)
        # (every enrolment starts in its programme year, so the start date orders the years too;
        # a stable sort of a 16-bit key is a radix sort)
        order = np.argsort((t["start"] - _day(2021, 1, 1)).astype(np.int16), kind="stable")
        t = _take({k: t[k] for k in _T_COLS if k not in ("days", "seg")}, order)
        n = len(order)
        serial = np.arange(1, n + 1, dtype=np.int64)
        arrays = [
            _serial_ids("T", t["year"], serial),
            _person_ids(t["person"], self.person_key),
            _vocab(self.ref.county_codes, t["county"]),
            _vocab(TT, t["ttype"]),
            _vocab(CATS, t["cat"]),
            _vocab(self.inst_ids, t["inst"]),
            _vocab(self.school_names, t["school"]),
            _vocab(OCC_NAMES, t["occ"]),
            _level_array(t["level"]),
            _vocab(INDUSTRIES, t["industry"]),
            _dates(t["start"]),
            _dates(t["end"]),
            pa.array(t["hours"].astype(np.int16), type=pa.int16()),
            _vocab(STATUS, t["status"]),
            _nullable_bool(t["passed"]),
            _nullable_bool(t["employed"]),
            _dates(t["entered"]),
            _vocab(self.inst_names, t["inst"]),
        ]
        return pa.Table.from_arrays(arrays, schema=_encoded_schema(DEMO_TRAINING_SCHEMA, arrays)), order

    def _certificate_table(self, c: Frame, t_year: np.ndarray, order: np.ndarray) -> pa.Table:
        order_c = np.argsort((c["issue"] - _day(2019, 1, 1)).astype(np.int16), kind="stable")
        c = _take(c, order_c)
        m = len(order_c)
        # training row (pre-sort index) → position in the sorted training table
        inverse = np.empty(len(order), dtype=np.int64)
        inverse[order] = np.arange(len(order))
        train = c["train"]
        has = train >= 0
        pos = np.where(has, inverse[np.where(has, train, 0)], 0)
        rec = _serial_ids("T", t_year[np.where(has, train, 0)], pos + 1, valid=has)
        year = _year_of(c["issue"].astype(np.int64))
        arrays = [
            _serial_ids("C", year, np.arange(1, m + 1, dtype=np.int64)),
            _person_ids(c["person"], self.person_key),
            _vocab(self.ref.county_codes, c["county"]),
            _vocab(CTS, c["ctype"]),
            _level_array(c["level"]),
            _vocab(OCC_NAMES, c["occ"]),
            _dates(c["issue"]),
            _vocab(self.evaluators, c["evaluator"]),
            _vocab(self.school_names, c["school"]),
            pa.array(c["grad"], type=pa.bool_()),
            _vocab(MAJOR_NAMES, c["major"]),
            rec,
            _vocab(self.evaluator_names, c["evaluator"]),
        ]
        return pa.Table.from_arrays(arrays, schema=_encoded_schema(DEMO_CERTIFICATE_SCHEMA, arrays))


def generate(
    rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED, progress: Progress | None = None
) -> tuple[pa.Table, pa.Table]:
    """The demo extract as two Arrow tables (training, certificates): exactly the contract's columns and types,
    followed by the optional name columns of CONTRACT §4 (institution_name, evaluator_name)."""
    training, certificates = _Generator(rows, seed).run(progress)
    return training.cast(DEMO_TRAINING_SCHEMA), certificates.cast(DEMO_CERTIFICATE_SCHEMA)
