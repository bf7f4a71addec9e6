"""Vectorised helpers of the demo generator: keyed person ids, serial numbers, Arrow arrays from numpy codes,
weighted sampling, seasons, and the numpy frames (one array per column) the stages pass around.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from tracker.demo.params import _SPRING_FESTIVAL, _day


def _mix64(x: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser (a bijection; uint64 arithmetic wraps)."""
    x = x.copy()
    x ^= x >> np.uint64(33)
    x *= np.uint64(0xFF51AFD7ED558CCD)
    x ^= x >> np.uint64(33)
    x *= np.uint64(0xC4CEB9FE1A85EC53)
    x ^= x >> np.uint64(33)
    return x


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
# every 16-bit number as four hex digits, every number below 10,000 as four decimal digits, each packed
# in a uint32 whose bytes (in memory order) are the ASCII digits
_HEX4 = (
    np.ascontiguousarray(np.stack([_HEX[(np.arange(65536) >> s) & 15] for s in (12, 8, 4, 0)], axis=1))
    .view(np.uint32)
    .ravel()
)
_DEC4 = (
    np.ascontiguousarray(
        np.stack([48 + (np.arange(10_000) // 10**k) % 10 for k in (3, 2, 1, 0)], axis=1).astype(np.uint8)
    )
    .view(np.uint32)
    .ravel()
)


def _fixed_width(mat: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """An (n, w) uint8 matrix of ASCII bytes → a pyarrow string array of n strings of width w."""
    n, w = mat.shape
    data = np.ascontiguousarray(mat).reshape(-1)
    offsets = np.arange(0, (n + 1) * w, w, dtype=np.int32)
    nulls = 0
    bitmap = None
    if valid is not None and not valid.all():
        bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
        nulls = int(n - valid.sum())
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data), bitmap, nulls)


def _person_ids(index: np.ndarray, key: tuple[int, int]) -> pa.Array:
    """'P' + 20 hex digits of a keyed 80-bit hash of the synthetic person index."""
    idx = index.astype(np.uint64)
    h1 = _mix64(idx ^ np.uint64(key[0]))
    h2 = _mix64((idx + np.uint64(0x9E3779B97F4A7C15)) ^ np.uint64(key[1]))
    n = len(idx)
    hexes = np.empty((n, 5), dtype=np.uint32)
    q1 = h1.view(np.uint16).reshape(n, 4)  # 16-bit pieces, least significant first (little-endian)
    q2 = h2.view(np.uint16).reshape(n, 4)
    if not np.little_endian:  # pragma: no cover - big-endian hosts
        q1, q2 = q1[:, ::-1], q2[:, ::-1]
    for k in range(4):
        hexes[:, k] = _HEX4[q1[:, 3 - k]]
    hexes[:, 4] = _HEX4[q2[:, 3]]
    mat = np.empty((n, 21), dtype=np.uint8)
    mat[:, 0] = ord("P")
    mat[:, 1:] = hexes.view(np.uint8)
    return _fixed_width(mat)


def _serial_ids(letter: str, year: np.ndarray, serial: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """letter + year (2010–2029) + 11-digit serial: 16 ASCII bytes, e.g. T202300000012345.

    Built as four uint32 words a row, so the buffer needs no strided copy.
    """
    n = len(serial)
    v = serial.astype(np.uint32 if n == 0 or int(serial.max()) < 2**32 else np.int64)
    heads = np.frombuffer((letter + "201" + letter + "202").encode("ascii"), dtype=np.uint32)
    words = np.empty((n, 4), dtype=np.uint32)
    words[:, 0] = heads[(year >= 2020).astype(np.intp)]
    words[:, 1] = _DEC4[(year.astype(np.int64) % 10) * 1000 + (v // 10**8).astype(np.int64) % 1000]
    words[:, 2] = _DEC4[(v // 10**4) % 10_000]
    words[:, 3] = _DEC4[v % 10_000]
    return _fixed_width(words.view(np.uint8), valid)


def _vocab(values: list[str], idx: np.ndarray) -> pa.Array:
    """Strings by index into a vocabulary (a negative index is null), dictionary-encoded.

    Parquet stores strings either way; handing the writer the dictionary saves building the strings and
    hashing them again (the files are written without the Arrow schema, so they read back as plain string).
    """
    voc = pa.array(values, type=pa.string())
    idx32 = idx.astype(np.int32)
    mask = idx32 < 0
    indices = pa.array(idx32, mask=mask) if mask.any() else pa.array(idx32)
    return pa.DictionaryArray.from_arrays(indices, voc)


def _encoded_schema(schema: pa.Schema, arrays: list[pa.Array]) -> pa.Schema:
    """The contract schema with the dictionary-encoded string columns as dictionaries."""
    return pa.schema(
        [pa.field(f.name, a.type) if pa.types.is_dictionary(a.type) else f for f, a in zip(schema, arrays)]
    )


def _dates(days: np.ndarray) -> pa.Array:
    return pa.Array.from_buffers(pa.date32(), len(days), [None, pa.py_buffer(days.astype(np.int32))])


def _nullable_bool(v: np.ndarray) -> pa.Array:
    """int8 -1 / 0 / 1 → null / false / true."""
    mask = v < 0
    return pa.array(v > 0, type=pa.bool_(), mask=mask if mask.any() else None)


def _level_array(v: np.ndarray) -> pa.Array:
    mask = v == 0
    return pa.array(v.astype(np.int8), type=pa.int8(), mask=mask if mask.any() else None)


_QUANTILE_BITS = 18


def _sample_weighted(rng: np.random.Generator, w: np.ndarray, n: int) -> np.ndarray:
    """n indices drawn with probability ∝ w (inverse CDF; for large n through a 2^18-step quantile table)."""
    cdf = np.cumsum(w, dtype=np.float64)
    cdf /= cdf[-1]
    if n < 200_000:
        return np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(w) - 1)
    steps = 1 << _QUANTILE_BITS
    table = np.minimum(np.searchsorted(cdf, (np.arange(steps) + 0.5) / steps, side="right"), len(w) - 1)
    table = table.astype(np.int32)
    return table[(rng.random(n) * steps).astype(np.int64)]


def _choice(rng: np.random.Generator, values, p, n: int) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    return np.asarray(values)[_sample_weighted(rng, p, n)]


def _year_of(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def _season(year: int, month_w: np.ndarray, kind: str) -> tuple[int, np.ndarray]:
    """Daily weights over a calendar year: first day and weights."""
    first, last = _day(year, 1, 1), _day(year, 12, 31)
    days = np.arange(first, last + 1)
    dt = days.astype("datetime64[D]")
    month = dt.astype("datetime64[M]").astype(np.int64) % 12
    dom = (dt - dt.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    w = month_w[month].astype(np.float64)
    dow = (days + 3) % 7  # 0 = Monday (1970-01-01 was a Thursday)
    w *= np.where(dow >= 5, 0.45, 1.0)
    sf = _SPRING_FESTIVAL.get(year)
    if sf is not None:
        dist = np.abs(days - sf)
        w *= np.where(dist <= 7, 0.2, np.where(dist <= 14, 0.6, 1.0))
    w *= np.where((month == 9) & (dom <= 7), 0.3, 1.0)  # National Day
    if kind == "train":
        w *= np.where((month == 5) & (dom >= 20), 1.9, 1.0)  # before 06-30
        w *= np.where((month == 10) & (dom >= 15), 1.5, 1.0)  # before the 11-30 deadlines
        w *= np.where((month == 9) & (dom >= 20), 1.3, 1.0)
        w *= np.where((month == 11) & (dom >= 15), 1.25, 1.0)
    else:  # students: graduation in June, deadline 08-31
        w *= np.where((month == 5) & (dom >= 15), 1.8, 1.0)
        w *= np.where((month == 7) & (dom >= 15), 2.2, 1.0)
    return first, w


# ---------------------------------------------------------------------------------------------------
# Frames: the generator's enrolments and certificates as numpy columns
# ---------------------------------------------------------------------------------------------------
Frame = dict[str, np.ndarray]

_T_COLS = (
    "person",
    "county",
    "ttype",
    "cat",
    "inst",
    "school",
    "occ",
    "level",
    "industry",
    "start",
    "end",
    "entered",
    "hours",
    "status",
    "passed",
    "employed",
    "year",
    "days",
    "seg",
)
_C_COLS = ("person", "county", "ctype", "level", "occ", "issue", "evaluator", "school", "grad", "major", "train")

SEG_GENERIC, SEG_DIRECTED, SEG_LIULIN, SEG_EXTRA = 0, 1, 2, 3


_DTYPES = {
    "person": np.int64,
    "county": np.int16,
    "ttype": np.int8,
    "cat": np.int8,
    "inst": np.int32,
    "school": np.int16,
    "occ": np.int16,
    "level": np.int8,
    "industry": np.int8,
    "start": np.int32,
    "end": np.int32,
    "entered": np.int32,
    "hours": np.int16,
    "status": np.int8,
    "passed": np.int8,
    "employed": np.int8,
    "year": np.int16,
    "days": np.int32,
    "seg": np.int8,
    "ctype": np.int8,
    "issue": np.int32,
    "evaluator": np.int32,
    "grad": np.bool_,
    "major": np.int16,
    "train": np.int64,
}


def _concat(frames: list[Frame], cols: tuple[str, ...]) -> Frame:
    frames = [f for f in frames if f and len(f[cols[0]])]
    return {
        c: np.concatenate([np.zeros(0, dtype=_DTYPES[c])] + [f[c].astype(_DTYPES[c], copy=False) for f in frames])
        for c in cols
    }


def _take(frame: Frame, idx: np.ndarray) -> Frame:
    return {k: v[idx] for k, v in frame.items()}
