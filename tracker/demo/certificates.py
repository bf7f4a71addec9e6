"""The certificate stage of the demo generator: certificates of trainings, earlier certificates of some
trainees, and certificate levels claimed twice.
"""

from __future__ import annotations

import numpy as np

from tracker.demo.arrays import (
    SEG_EXTRA,
    SEG_LIULIN,
    Frame,
    _choice,
    _take,
    _year_of,
)
from tracker.demo.params import (
    _CERT_TYPE_P,
    _P_CERT,
    CARE,
    CATS,
    COMPL,
    COMPLETED,
    CTS,
    D_EXTRACT,
    ENTRE,
    EQUIP,
    KEY,
    OPER,
    QUAL,
    SKILL,
    TT,
    _day,
)


class _Certificates:
    """Certificates of trainees (a mixin of ``_Generator``: uses its rng, reference, institutions and evaluators)."""

    # -- certificates -----------------------------------------------------------------------------
    def _training_certs(self, t: Frame) -> Frame:
        rng = self.rng
        n = len(t["person"])
        p = np.array([_P_CERT[k] for k in range(len(TT))])[t["ttype"]]
        sel = np.flatnonzero((t["status"] == COMPLETED) & (t["passed"] == 1) & (rng.random(n) < p))
        tt = t["ttype"][sel]
        m = len(sel)
        ctype = np.zeros(m, dtype=np.int8)
        for k in range(len(TT)):
            idx = np.flatnonzero(tt == k)
            ctype[idx] = _choice(rng, np.arange(len(CTS), dtype=np.int8), _CERT_TYPE_P[k], len(idx))
        year = t["year"][sel]
        ctype[(year == 2021) & (ctype == SKILL) & (rng.random(m) < 0.15)] = QUAL  # older 职业资格证书
        occ = t["occ"][sel]
        special = self.occ_special[occ]
        u = rng.random(m)
        ctype[(special == 1) & (u < 0.5)] = OPER
        ctype[(special == 2) & (u < 0.6)] = EQUIP
        level = t["level"][sel].copy()
        ctype[(level == 0) & ((ctype == QUAL) | (ctype == SKILL))] = COMPL
        level[(ctype != QUAL) & (ctype != SKILL)] = 0
        end = t["end"][sel].astype(np.int64)
        # a class sits its assessment together: one issue date per institution, type and end date, 1–8 weeks
        # after the end (mostly 2–4); a few of its members pass at a later sitting, 1–3 weeks on (within 8 weeks)
        sitting_key = (t["inst"][sel].astype(np.int64) * len(TT) + tt) * 100_000 + end
        sitting = np.unique(sitting_key, return_inverse=True)[1].ravel()
        lag = 7 + np.floor(rng.beta(1.8, 3.5, sitting.max(initial=-1) + 1) * 50).astype(np.int64)[sitting]
        lag = np.minimum(lag + np.where(rng.random(m) < 0.08, rng.integers(7, 22, m), 0), 56)
        issue = end + lag
        y_end = _day(2021, 12, 31)
        # 2021 certificates that would fall in 2022: half are pushed out before the year ends, half are
        # outside the extract; 2023 certificates after the extract date are not issued yet
        late21 = (year == 2021) & (issue > y_end)
        issue[late21] = end[late21] + np.floor(rng.random(late21.sum()) * (y_end - end[late21] + 1)).astype(np.int64)
        keep = ~((year == 2023) & (issue > D_EXTRACT)) & ~(late21 & (rng.random(m) < 0.5))
        ev = self._training_evaluators(t, sel, ctype)
        out = {
            "person": t["person"][sel],
            "county": t["county"][sel],
            "ctype": ctype,
            "level": level,
            "occ": occ,
            "issue": issue.astype(np.int32),
            "evaluator": ev,
            "school": np.full(m, -1, dtype=np.int16),
            "grad": np.zeros(m, dtype=bool),
            "major": np.full(m, -1, dtype=np.int16),
            "train": sel.astype(np.int64),
        }
        return _take(out, np.flatnonzero(keep))

    def _training_evaluators(self, t: Frame, sel: np.ndarray, ctype: np.ndarray) -> np.ndarray:
        rng = self.rng
        m = len(sel)
        city = self.ref.county_city[t["county"][sel]].astype(np.int64)
        ev = self.ev_third + city * 12 + rng.integers(0, 12, m)
        inst = t["inst"][sel].astype(np.int64)
        own = (
            (self.inst_kind[np.minimum(inst, self.inst_yx0 - 1)] == 1) & (inst < self.inst_yx0) & (rng.random(m) < 0.4)
        )
        ev = np.where(own, self.ev_qy + inst, ev)
        directed = inst >= self.inst_yx0
        if directed.any():
            names = [u["unit_code"] for u in self.directed_units]
            unit_ev = np.array([self.ev_unit + self.unit_codes.index(c) for c in names], dtype=np.int64)
            ev = np.where(directed, unit_ev[np.where(directed, inst - self.inst_yx0, 0)], ev)
        ev = np.where(ctype == OPER, self.ev_oper + city, ev)
        ev = np.where(ctype == EQUIP, self.ev_equip + city, ev)
        return ev.astype(np.int32)

    def _prior_certs(self, t: Frame) -> Frame:
        """Earlier certificates (2019–2021) of some trainees: 'first certificate' rules matter."""
        rng = self.rng
        n = len(t["person"])
        employee = t["cat"] == CATS.index("enterprise_employee")
        p = np.where(employee, 0.35, 0.05)
        p = np.where(t["ttype"] == CARE, 0.03, p)
        # Liulin's plan counts few new skilled talents (400): many of its trainees already hold one
        p = np.where(t["seg"] == SEG_LIULIN, np.where(employee, 0.75, 0.3), p)
        p = np.where(t["seg"] == SEG_EXTRA, 0.0, p)
        cand = np.flatnonzero(rng.random(n) < p)
        _, first = np.unique(t["person"][cand], return_index=True)
        sel = cand[np.sort(first)]
        m = len(sel)
        same = rng.random(m) < 0.65
        occ = t["occ"][sel].copy()
        alt = _choice(rng, *self.occ_table[KEY], m)
        occ = np.where(same & (t["ttype"][sel] != ENTRE), occ, alt).astype(np.int16)
        # one level below the training's (a beginner's level 5 was earlier a level 4 in another occupation)
        tl = t["level"][sel]
        same &= (tl > 0) & (tl < 5)
        occ = np.where(same, occ, alt).astype(np.int16)
        rand_level = _choice(rng, np.array([5, 4, 3], dtype=np.int8), [0.6, 0.3, 0.1], m)
        level = np.where(tl > 0, np.where(tl < 5, tl + 1, 4), rand_level).astype(np.int8)
        ctype = np.where(rng.random(m) < 0.45, QUAL, SKILL).astype(np.int8)
        lo = _day(2019, 1, 1)
        hi = np.where(
            t["year"][sel] == 2021, np.minimum(t["start"][sel] - 60, _day(2020, 12, 31)), _day(2021, 12, 31)
        ).astype(np.int64)
        hi = np.maximum(hi, lo)
        issue = lo + np.floor(rng.random(m) * (hi - lo + 1)).astype(np.int64)
        city = self.ref.county_city[t["county"][sel]].astype(np.int64)
        return {
            "person": t["person"][sel],
            "county": t["county"][sel],
            "ctype": ctype,
            "level": level,
            "occ": occ,
            "issue": issue.astype(np.int32),
            "evaluator": (self.ev_third + city * 12 + rng.integers(0, 12, m)).astype(np.int32),
            "school": np.full(m, -1, dtype=np.int16),
            "grad": np.zeros(m, dtype=bool),
            "major": np.full(m, -1, dtype=np.int16),
            "train": np.full(m, -1, dtype=np.int64),
        }

    def _duplicate_levels(self, c: Frame) -> Frame:
        """A certificate level claimed twice: a second certificate, same person, occupation and level."""
        rng = self.rng
        cand = np.flatnonzero((c["ctype"] == SKILL) & (c["train"] >= 0))
        k = min(len(cand), max(1, round(0.003 * len(cand)))) if len(cand) else 0
        if not k:
            return {}
        sel = rng.choice(cand, size=k, replace=False)
        d = _take(c, sel)
        issue = d["issue"].astype(np.int64) + rng.integers(30, 200, k)
        year = _year_of(d["issue"].astype(np.int64))
        cap = np.where(year == 2021, _day(2021, 12, 31), D_EXTRACT)
        over = issue > cap
        issue[over] = d["issue"][over] + np.floor(rng.random(over.sum()) * (cap[over] - d["issue"][over] + 1))
        d["issue"] = issue.astype(np.int32)
        d["train"] = np.full(k, -1, dtype=np.int64)
        city = self.ref.county_city[d["county"]].astype(np.int64)
        d["evaluator"] = (self.ev_third + city * 12 + rng.integers(0, 12, k)).astype(np.int32)
        return d
