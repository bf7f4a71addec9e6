"""Turning text as clerks and Excel write it into the contract's values, vectorised (pyarrow compute, numpy).

:func:`normalise_text` undoes Excel's and paste's habits on a whole column and says how many cells it
changed, per kind, so the import can warn: 141125.0 → 141125, full-width digits and punctuation → half-width
(codes, ids and dates only; free text such as 职业(工种) keeps its Chinese punctuation), NBSP and full-width
spaces around a value trimmed. The ``to_*`` functions then type a column and mark the values that are not
what the column holds (dates ``YYYY-MM-DD``, ``YYYY/M/D``, ``YYYYMMDD``, ``2023年6月30日``, Excel date cells and
serial numbers; integers; 是/否 booleans; contract codes or their Chinese labels).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tracker import pii
from tracker.ingest import limits as lim


def _np(mask: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)


def _chunk(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray):
        return arr.combine_chunks() if arr.num_chunks else pa.array([], arr.type)
    return arr


def to_text(arr: pa.Array) -> pa.Array:
    """Any column as trimmed strings; empty → null."""
    t = arr.type
    if pa.types.is_dictionary(t):
        arr = arr.dictionary_decode()
        t = arr.type
    if pa.types.is_floating(t):
        # integral floats print as integers, but not past Excel's 15 digits: those lost their last digits and
        # keep their scientific notation so that validation refuses them
        integral = pc.and_(pc.equal(pc.floor(arr), arr), pc.less(pc.abs(arr), float(10**lim.EXCEL_DIGITS)))
        as_int = pc.cast(pc.if_else(integral, arr, None), pa.int64(), safe=False)
        arr = pc.if_else(integral, pc.cast(as_int, pa.string()), pc.cast(arr, pa.string()))
    elif pa.types.is_boolean(t):
        arr = pc.if_else(arr, "true", "false")
    elif pa.types.is_timestamp(t):
        arr = pc.cast(pc.cast(arr, pa.date32()), pa.string())
    elif not pa.types.is_string(t):
        arr = pc.cast(arr, pa.string())
    # ASCII trim is ~15× faster than the Unicode one; code columns also drop full-width spaces (see to_code)
    arr = pc.ascii_trim_whitespace(arr)
    if pc.any(pc.equal(arr, "")).as_py():
        arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
    return arr


def _by_distinct(s: pa.Array, fn: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """Apply ``fn`` to the distinct values only (code columns hold a handful of values in a million rows)."""
    enc = pc.dictionary_encode(s)
    return pc.take(fn(enc.dictionary), enc.indices)


_SEP_DATE = r"^(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
_COMPACT_DATE = r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"
_EXCEL_SERIAL = r"^\d{5}(?:\.0+)?$"
_EXCEL_EPOCH_OFFSET = 25569  # days from 1899-12-30 (Excel's day 0) to 1970-01-01


def _serial_to_date(numbers: pa.Array) -> pa.Array:
    """Excel serial day numbers (20000–80000 ≈ 1954–2119) → date32; others null."""
    ok = pc.and_(pc.greater_equal(numbers, 20000), pc.less_equal(numbers, 80000))
    ok = pc.and_(ok, pc.equal(pc.floor(pc.cast(numbers, pa.float64())), pc.cast(numbers, pa.float64())))
    days = pc.subtract(pc.cast(pc.if_else(ok, numbers, None), pa.int64(), safe=False), _EXCEL_EPOCH_OFFSET)
    return pc.cast(pc.cast(days, pa.int32()), pa.date32())


def to_date(arr: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """(date32, bad): bad marks values present but not a date."""
    t = arr.type
    if pa.types.is_date32(t):
        return arr, np.zeros(len(arr), dtype=bool)
    if pa.types.is_date64(t) or pa.types.is_timestamp(t):
        return pc.cast(arr, pa.date32()), np.zeros(len(arr), dtype=bool)
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        out = _serial_to_date(arr)
    else:
        s = to_text(arr)
        try:  # fast path: every value is a strict ISO date (Arrow's own parser refuses 2023-02-30)
            return pc.cast(s, pa.date32()), np.zeros(len(arr), dtype=bool)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        parts = pc.extract_regex(s, _SEP_DATE)
        compact = pc.extract_regex(s, _COMPACT_DATE)
        y, m, d = (pc.coalesce(pc.struct_field(parts, k), pc.struct_field(compact, k)) for k in ("y", "m", "d"))
        iso = pc.binary_join_element_wise(y, pc.utf8_lpad(m, 2, "0"), pc.utf8_lpad(d, 2, "0"), "-")
        parsed = pii.strict_dates(iso, "%Y-%m-%d")
        serial_text = pc.if_else(pc.match_substring_regex(s, _EXCEL_SERIAL), s, None)
        serial = _serial_to_date(pc.cast(pc.cast(serial_text, pa.float64()), pa.int64(), safe=False))
        out = pc.coalesce(parsed, serial)
        arr = s
    bad = _np(pc.and_(pc.is_valid(arr), pc.is_null(out)))
    return out, bad


_INT_TEXT = r"^[+-]?\d+(?:\.0+)?$"


def to_int(arr: pa.Array, labels: dict[str, int] | None = None) -> tuple[pa.Array, np.ndarray]:
    """(int64, bad): integers given as numbers, integral text ('3', '3.0') or a label ('高级工')."""
    t = arr.type
    if pa.types.is_integer(t):
        return pc.cast(arr, pa.int64()), np.zeros(len(arr), dtype=bool)
    if pa.types.is_floating(t):
        integral = pc.equal(pc.floor(arr), arr)
        out = pc.cast(pc.if_else(integral, arr, None), pa.int64(), safe=False)
    else:
        s = to_text(arr)
        numeric = pc.if_else(pc.match_substring_regex(s, _INT_TEXT), s, None)
        out = pc.cast(pc.cast(numeric, pa.float64()), pa.int64(), safe=False)
        if labels:
            keys = pa.array(list(labels), pa.string())
            vals = pa.array(list(labels.values()), pa.int64())
            out = pc.coalesce(out, pc.take(vals, pc.index_in(s, value_set=keys)))
        arr = s
    return out, _np(pc.and_(pc.is_valid(arr), pc.is_null(out)))


_TRUE = ("true", "t", "1", "1.0", "是", "y", "yes", "合格", "√")
_FALSE = ("false", "f", "0", "0.0", "否", "n", "no", "不合格", "×")


def to_bool(arr: pa.Array) -> tuple[pa.Array, np.ndarray]:
    t = arr.type
    if pa.types.is_boolean(t):
        return arr, np.zeros(len(arr), dtype=bool)
    s = to_text(arr)
    keys = pa.array(_TRUE + _FALSE, pa.string())
    vals = pa.array([True] * len(_TRUE) + [False] * len(_FALSE), pa.bool_())
    out = _by_distinct(
        s, lambda d: pc.take(vals, pc.index_in(pc.utf8_trim_whitespace(pc.utf8_lower(d)), value_set=keys))
    )
    return out, _np(pc.and_(pc.is_valid(s), pc.is_null(out)))


def to_code(arr: pa.Array, codes: dict[str, str]) -> tuple[pa.Array, np.ndarray]:
    """(code, bad): the contract code, given as the code (any case) or its Chinese label."""
    s = to_text(arr)
    keys = pa.array(list(codes) + [label.lower() for label in codes.values()], pa.string())
    vals = pa.array(list(codes) * 2, pa.string())

    def lookup(d: pa.Array) -> pa.Array:
        d = pc.utf8_trim_whitespace(pc.utf8_lower(d))
        d = pc.replace_substring(pc.replace_substring(d, "（", "("), "）", ")")
        return pc.take(vals, pc.index_in(d, value_set=keys))

    out = _by_distinct(s, lookup)
    return out, _np(pc.and_(pc.is_valid(s), pc.is_null(out)))


# ---------------------------------------------------------------- Excel's and paste's habits

# spaces a paste leaves around a value: NBSP, full-width (ideographic) space, en/em/thin spaces, zero-width
# space and BOM
UNICODE_SPACES = "\u00a0\u3000\u2002\u2003\u2009\u200b\ufeff \t\r\n"
_FULLWIDTH_RE = r"[\x{FF01}-\x{FF5E}\x{3000}]"
_FOLD = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_EXCEL_NUMBER_RE = r"^(\d+)\.0+$"

NORMALISED = {
    "space": "已去除值前后的不间断空格（NBSP）/ 全角空格",
    "fullwidth": "全角数字和标点已转为半角（如 １４１１２５ → 141125）",
    "excel_number": "Excel 数字格式的“.0”已去除（如 141125.0 → 141125）",
}


def fold_fullwidth(text: str) -> str:
    """Full-width ASCII (１４１１２５, ＪＧ００１, －) and the ideographic space → half-width."""
    return text.translate(_FOLD)


def normalise_text(arr: pa.Array, free_text: bool) -> tuple[pa.Array, dict[str, np.ndarray]]:
    """(normalised strings, {kind: mask of changed cells}) for a column read as text; empty → null.

    Free text only loses the spaces around it; codes, ids and dates are also folded to half-width and lose an
    Excel ``.0``.
    """
    s = pc.ascii_trim_whitespace(_chunk(arr))
    changes: dict[str, np.ndarray] = {}
    trimmed = pc.utf8_trim(s, UNICODE_SPACES)
    changed = _np(pc.not_equal(trimmed, s))
    if changed.any():
        changes["space"] = changed
        s = trimmed
    if not free_text:
        wide = _np(pc.match_substring_regex(s, _FULLWIDTH_RE))
        if wide.any():
            folded = _by_distinct(
                s, lambda d: pa.array([None if v is None else fold_fullwidth(v) for v in d.to_pylist()], pa.string())
            )
            s = pc.utf8_trim(folded, UNICODE_SPACES)
            changes["fullwidth"] = wide
        excel = _np(pc.match_substring_regex(s, _EXCEL_NUMBER_RE))
        if excel.any():
            s = pc.replace_substring_regex(s, _EXCEL_NUMBER_RE, r"\1")
            changes["excel_number"] = excel
    if pc.any(pc.equal(s, "")).as_py():
        s = pc.if_else(pc.equal(s, ""), pa.scalar(None, pa.string()), s)
    return s, changes


# ---------------------------------------------------------------- what cannot be true in any text cell

SCIENTIFIC_RE = r"^[+-]?\d(?:\.\d+)?[Ee][+-]?\d+$"


def control_chars(s: pa.Array, free_text: bool) -> np.ndarray:
    """Cells holding control characters (and, outside free text, tabs or line breaks)."""
    pattern = lim.CONTROL_CHARS if free_text else f"(?:{lim.CONTROL_CHARS}|{lim.LINE_CHARS})"
    return _np(pc.match_substring_regex(s, pattern))


def too_long(s: pa.Array, max_chars: int) -> np.ndarray:
    return _np(pc.greater(pc.utf8_length(s), max_chars))


def scientific(s: pa.Array) -> np.ndarray:
    """Cells in scientific notation (1.41125E+17): an Excel number that lost its last digits."""
    return _np(pc.match_substring_regex(s, SCIENTIFIC_RE))


__all__ = [
    "NORMALISED",
    "fold_fullwidth",
    "normalise_text",
    "to_bool",
    "to_code",
    "to_date",
    "to_int",
    "to_text",
]
