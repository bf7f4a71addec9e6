"""Personal data: raw 身份证号 (GB 11643 resident ID numbers) are checked, hashed and never shown.

- :func:`check_ids` validates a whole column at once (vectorised): length and digits, the ISO 7064 MOD 11-2
  check digit, the birth date, and the area code (the first six digits) against python-stdnum's table of
  GB/T 2260 codes (``stdnum.cn.ric``; looked up once per distinct area code, not per row).
- :func:`hash_ids` turns each ID into the pseudonymous ``person_id`` = ``"P"`` + the first 20 hex digits of
  HMAC-SHA256(salt, ID). The salt comes from the environment (``SKILLS_ID_SALT`` or a file named by
  ``SKILLS_ID_SALT_FILE``) or, in the dashboard only, from ``st.secrets["id_salt"]`` — never from git.
- :func:`mask_id` / :func:`mask_person` are the only ways an identifier is shown to a person.

One deliberate difference from ``stdnum.cn.ric.validate``: stdnum also requires the area code to have been
in force in the *birth* year. ID numbers are issued with the code in force at *registration*, so someone born
in 1995 and registered in 柳林县 in 2011 rightly holds 141125… although 141125 dates from 2003
(python-stdnum issue #442 discusses codes like these). We accept any code stdnum knows, in any period.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import os
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SALT_ENV = "SKILLS_ID_SALT"
SALT_FILE_ENV = "SKILLS_ID_SALT_FILE"
MIN_SALT_CHARS = 16

# header names under which extracts carry the raw ID number (compared case-insensitively, spaces removed)
RAW_ID_COLUMNS = (
    "id_number",
    "idnumber",
    "id_no",
    "id_card",
    "idcard",
    "sfzh",
    "sfzhm",
    "身份证号",
    "身份证号码",
    "公民身份号码",
    "证件号码",
)

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK_CHARS = np.frombuffer(b"10X98765432", dtype=np.uint8)  # check character for (weighted sum mod 11)

# reasons, in the order they are tested (each ID gets the first that applies)
REASON_LENGTH = "身份证号应为18位"
REASON_FORMAT = "身份证号前17位应为数字、末位为数字或X"
REASON_CHECK = "身份证号校验位错误"
REASON_BIRTH = "身份证号中的出生日期无效"
REASON_AREA = "身份证号中的地区码无效"


class SaltError(Exception):
    """No usable salt: raw ID numbers cannot be pseudonymised (message shown as is)."""


# ---------------------------------------------------------------- masking


def mask_id(text: object) -> str:
    """An ID number as people may see it: first 6 and last 4 characters kept, ``141125********1234``.

    Never reveals more than 10 characters; shorter strings (< 14 characters) are masked entirely.
    """
    if text is None:
        return ""
    s = str(text).strip()
    if len(s) >= 14:
        return s[:6] + "*" * (len(s) - 10) + s[-4:]
    return "*" * len(s)


def mask_person(person_id: object) -> str:
    """A pseudonymous person key shortened for tables: ``P1a2b****9f0e`` (enough to tell rows apart)."""
    if person_id is None:
        return ""
    s = str(person_id)
    if len(s) > 9:
        return s[:5] + "****" + s[-4:]
    if len(s) > 3:
        return s[:1] + "****" + s[-2:]
    return "****"


def mask_person_array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """:func:`mask_person` for a whole column (vectorised)."""
    values = pc.cast(values, pa.string())
    n = pc.utf8_length(values)
    long_ = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(values, 0, 5), "****", pc.utf8_slice_codeunits(values, -4), ""
    )
    mid = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(values, 0, 1), "****", pc.utf8_slice_codeunits(values, -2), ""
    )
    return pc.if_else(pc.greater(n, 9), long_, pc.if_else(pc.greater(n, 3), mid, pa.scalar("****")))


_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{4,8})(\d{3}[0-9Xx])(?![0-9A-Za-z])")


# an ID number written with spaces or dashes between its digits (141125 19900101 123X, 141125-1990…)
_SEPARATED_ID = re.compile(r"(?<![0-9A-Za-z])(?:\d[\s\-\u00a0\u3000]*){14,17}[0-9Xx](?![0-9A-Za-z])")


def _mask_separated(m: re.Match) -> str:
    text = m[0]
    positions = [i for i, c in enumerate(text) if c.isalnum()]
    keep = set(positions[:6] + positions[-4:])
    return "".join(c if (i in keep or not c.isalnum()) else "*" for i, c in enumerate(text))


def scrub_text(text: str) -> str:
    """Mask anything in free text that looks like a 14–18 character ID number (used on error messages).

    Full-width digits (１４１１２５…) are read as digits first, so an ID typed with a Chinese IME is masked too.
    """
    if any("\uff10" <= c <= "\uff19" or c in "Ｘｘ" for c in text):
        text = text.translate(_FULLWIDTH_DIGITS)
    text = _ID_IN_TEXT.sub(lambda m: m[1] + "*" * len(m[2]) + m[3], text)
    return _SEPARATED_ID.sub(_mask_separated, text)


# ---------------------------------------------------------------- salt


def load_salt(secret: str | None = None) -> bytes | None:
    """The salt for hashing ID numbers: ``SKILLS_ID_SALT``, else the file ``SKILLS_ID_SALT_FILE``, else ``secret``
    (the page passes ``st.secrets["id_salt"]``). None when none is configured; :class:`SaltError` when the one
    configured is unusable."""
    value: str | None = os.environ.get(SALT_ENV) or None
    where = SALT_ENV
    if value is None and os.environ.get(SALT_FILE_ENV):
        path = Path(os.environ[SALT_FILE_ENV]).expanduser()
        where = f"{SALT_FILE_ENV}（{path}）"
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SaltError(f"无法读取盐值文件 {path}：{exc.strerror or exc}") from None
    if value is None and secret:
        value, where = str(secret), 'st.secrets["id_salt"]'
    if value is None:
        return None
    if len(value) < MIN_SALT_CHARS:
        raise SaltError(f"{where} 中的盐值太短（至少 {MIN_SALT_CHARS} 个字符），无法安全地对身份证号脱敏")
    return value.encode("utf-8")


def salt_fingerprint(salt: bytes) -> str:
    """A short public fingerprint of the salt (recorded in manifests so a changed salt is noticed)."""
    return hmac.new(salt, b"skills-shanxi salt fingerprint", hashlib.sha256).hexdigest()[:12]


# ---------------------------------------------------------------- ID numbers


_SEPARATORS_RE2 = r"[\s\-\x{00A0}\x{3000}]+"


def normalise_ids(values: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray | pa.Array:
    """Trim, drop inner spaces and dashes and upper-case (a trailing lower-case x is common)."""
    values = pc.cast(values, pa.string())
    values = pc.replace_substring_regex(values, _SEPARATORS_RE2, "")
    return pc.utf8_upper(values)


@functools.cache
def _known_area(code: str) -> bool:
    from stdnum import numdb

    results = numdb.get("cn/loc").info(code)
    return any("county" in props for _part, props in results[1:]) if len(results) > 1 else False


def check_ids(values: pa.Array | pa.ChunkedArray, today: dt.date | None = None) -> np.ndarray:
    """One reason per value (None where the ID is valid or the value is null), all rows at once.

    ``values`` should already be :func:`normalise_ids`-ed. Returns an object array of reason strings.
    """
    today = today or dt.date.today()
    values = pc.cast(values, pa.string())
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks else pa.array([], pa.string())
    n = len(values)
    reasons = np.full(n, None, dtype=object)
    if n == 0:
        return reasons
    present = ~np.asarray(pc.is_null(values).to_numpy(zero_copy_only=False), dtype=bool)
    length_ok = np.asarray(pc.equal(pc.utf8_length(values), 18).fill_null(False).to_numpy(zero_copy_only=False))
    fmt_ok = np.asarray(
        pc.match_substring_regex(values, r"^\d{17}[\dX]$").fill_null(False).to_numpy(zero_copy_only=False)
    )
    reasons[present & ~length_ok] = REASON_LENGTH
    reasons[present & length_ok & ~fmt_ok] = REASON_FORMAT
    ok = present & fmt_ok
    if not ok.any():
        return reasons
    idx = np.flatnonzero(ok)
    well_formed = pc.take(values, pa.array(idx)).to_numpy(zero_copy_only=False).astype("S18")
    digits = well_formed.view(np.uint8).reshape(-1, 18)
    total = ((digits[:, :17].astype(np.int64) - 48) * _WEIGHTS).sum(axis=1)
    expected = _CHECK_CHARS[total % 11]
    bad_check = digits[:, 17] != expected
    reasons[idx[bad_check]] = REASON_CHECK
    good = idx[~bad_check]
    if len(good) == 0:
        return reasons
    sub = pc.take(values, pa.array(good))
    birth = strict_dates(pc.utf8_slice_codeunits(sub, 6, 14), "%Y%m%d")
    birth_ok = pc.and_(pc.is_valid(birth), pc.less_equal(birth, pa.scalar(today, pa.date32())))
    birth_ok = pc.and_(birth_ok, pc.greater_equal(birth, pa.scalar(dt.date(1900, 1, 1), pa.date32())))
    birth_ok = np.asarray(birth_ok.fill_null(False).to_numpy(zero_copy_only=False))
    reasons[good[~birth_ok]] = REASON_BIRTH
    good = good[birth_ok]
    if len(good) == 0:
        return reasons
    areas = pc.utf8_slice_codeunits(pc.take(values, pa.array(good)), 0, 6)
    distinct = pc.unique(areas).to_pylist()
    unknown = [a for a in distinct if not _known_area(a)]
    if unknown:
        bad_area = np.asarray(pc.is_in(areas, value_set=pa.array(unknown, pa.string())).to_numpy(zero_copy_only=False))
        reasons[good[bad_area]] = REASON_AREA
    return reasons


def strict_dates(text: pa.Array | pa.ChunkedArray, fmt: str) -> pa.Array:
    """Parse dates; impossible ones (2005-02-31, which strptime rolls over to March) become null."""
    parsed = pc.strptime(text, format=fmt, unit="s", error_is_null=True)
    same = pc.equal(pc.strftime(parsed, format=fmt), text)
    return pc.cast(pc.if_else(same, parsed, None), pa.date32())


def hash_ids(values: pa.Array | pa.ChunkedArray, salt: bytes) -> pa.Array:
    """``"P"`` + first 20 hex digits of HMAC-SHA256(salt, ID) for each (normalised) ID; nulls stay null."""
    base = hmac.new(salt, digestmod=hashlib.sha256)
    out: list[str | None] = []
    append = out.append
    for v in pc.cast(values, pa.string()).to_pylist():
        if v is None:
            append(None)
            continue
        h = base.copy()
        h.update(v.encode("ascii", "replace"))
        append("P" + h.hexdigest()[:20])
    return pa.array(out, pa.string())


def person_id_for(id_number: str, salt: bytes) -> str:
    """The person_id of one ID number (for tests and look-ups)."""
    normalised = re.sub(r"\s+", "", id_number).upper()
    return "P" + hmac.new(salt, normalised.encode("ascii", "replace"), hashlib.sha256).hexdigest()[:20]


def is_raw_id_column(name: str) -> bool:
    key = re.sub(r"[\s_\-]+", "", str(name)).lower()
    return key in {re.sub(r"[\s_\-]+", "", c).lower() for c in RAW_ID_COLUMNS}


def looks_like_raw_ids(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Rows whose value has the shape of an 18-character ID number (a raw ID put where a pseudonym belongs),
    spaces and dashes between the digits allowed."""
    stripped = normalise_ids(values)
    match = pc.match_substring_regex(stripped, r"^\d{17}[\dX]$").fill_null(False)
    return np.asarray(match.to_numpy(zero_copy_only=False), dtype=bool)


# ---------------------------------------------------------------- ID numbers anywhere in a column

# RE2 (pyarrow) prefilters: 18 or 15 digits (the 18th may be X), spaces / dashes between them allowed, not part
# of a longer run of letters and digits
_SEP = r"[\s\-\x{00A0}\x{3000}]*"
_ID18_RE2 = r"(?:^|[^0-9A-Za-z])(?:\d" + _SEP + r"){17}[0-9Xx](?:$|[^0-9A-Za-z])"
_ID15_RE2 = r"(?:^|[^0-9A-Za-z])(?:\d" + _SEP + r"){14}\d(?:$|[^0-9A-Za-z])"
_PY_SEP = r"[\s\-\u00a0\u3000]*"
_ID_CANDIDATE = re.compile(
    r"(?<![0-9A-Za-z])((?:\d" + _PY_SEP + r"){17}[0-9Xx]|(?:\d" + _PY_SEP + r"){14}\d)(?![0-9A-Za-z])"
)
_FULLWIDTH_DIGITS = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)} | {"Ｘ": "X", "ｘ": "x", "－": "-"})
OLD_ID_BIRTH_YEARS = (1930, 1999)  # see tracker.ingest.limits


def _valid_old_ids(values: pa.Array) -> np.ndarray:
    """15-digit ID numbers (before 1999): a known area code and a birth date 19YYMMDD in a working lifetime."""
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=bool)
    shape = np.asarray(pc.match_substring_regex(values, r"^\d{15}$").fill_null(False).to_numpy(zero_copy_only=False))
    birth = strict_dates(pc.binary_join_element_wise("19", pc.utf8_slice_codeunits(values, 6, 12), ""), "%Y%m%d")
    lo, hi = OLD_ID_BIRTH_YEARS
    year = pc.year(birth)
    ok = pc.and_(pc.greater_equal(year, lo), pc.less_equal(year, hi))
    ok = shape & np.asarray(ok.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
    if ok.any():
        areas = pc.utf8_slice_codeunits(values, 0, 6).to_pylist()
        ok &= np.array([bool(a) and _known_area(a) for a in areas])
    return ok


def upgrade_old_id(id15: str) -> str:
    """The 18-digit form of a 15-digit ID number (century 19 inserted, check character computed)."""
    body = id15[:6] + "19" + id15[6:]
    total = sum(int(c) * w for c, w in zip(body, _WEIGHTS.tolist()))
    return body + chr(_CHECK_CHARS[total % 11])


def _valid_ids(values: pa.Array, today: dt.date | None) -> tuple[np.ndarray, pa.Array]:
    """(valid, 18-digit form) for normalised candidate strings (18-digit GB 11643 or 15-digit old numbers)."""
    valid18 = np.array([r is None for r in check_ids(values, today)], dtype=bool)
    valid18 &= np.asarray(pc.is_valid(values).to_numpy(zero_copy_only=False), dtype=bool)
    valid15 = _valid_old_ids(values)
    ids = values.to_pylist()
    out = [
        v if ok18 else (upgrade_old_id(v) if ok15 else None)
        for v, ok18, ok15 in zip(ids, valid18.tolist(), valid15.tolist())
    ]
    return valid18 | valid15, pa.array(out, pa.string())


def raw_id_cells(
    values: pa.Array | pa.ChunkedArray, today: dt.date | None = None
) -> tuple[np.ndarray, np.ndarray, pa.Array]:
    """Find valid ID numbers (GB 11643 18-digit, or 15-digit old numbers) anywhere in a text column.

    Returns ``(has_id, whole, ids)``: cells holding a valid ID number anywhere, cells that ARE one (spaces and
    dashes aside), and for whole cells the ID in its 18-digit form (else null). Vectorised prefilter; only the
    rare cells with an ID inside other text are looked at one by one.
    """
    s = pc.cast(values, pa.string())
    if isinstance(s, pa.ChunkedArray):
        s = s.combine_chunks() if s.num_chunks else pa.array([], pa.string())
    n = len(s)
    has_id = np.zeros(n, dtype=bool)
    whole = np.zeros(n, dtype=bool)
    ids = pa.nulls(n, pa.string())
    if n == 0:
        return has_id, whole, ids
    wide = np.asarray(pc.match_substring_regex(s, r"[\x{FF10}-\x{FF19}]").fill_null(False).to_numpy(False))
    if wide.any():
        s = pa.array([v.translate(_FULLWIDTH_DIGITS) if v and w else v for v, w in zip(s.to_pylist(), wide)])
    cand = pc.or_(pc.match_substring_regex(s, _ID18_RE2), pc.match_substring_regex(s, _ID15_RE2))
    idx = np.flatnonzero(np.asarray(cand.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool))
    if len(idx) == 0:
        return has_id, whole, ids
    sub = pc.take(s, pa.array(idx))
    ok, upgraded = _valid_ids(normalise_ids(sub), today)
    whole[idx[ok]] = True
    has_id[idx[ok]] = True
    full = np.full(n, None, dtype=object)
    full[idx] = upgraded.to_pylist()
    ids = pa.array(full.tolist(), pa.string())
    for i, text in zip(idx[~ok].tolist(), pc.take(sub, pa.array(np.flatnonzero(~ok))).to_pylist()):
        found = [re.sub(r"[\s\-\u00a0\u3000]", "", m).upper() for m in _ID_CANDIDATE.findall(text or "")]
        if found and _valid_ids(pa.array(found, pa.string()), today)[0].any():
            has_id[i] = True
    return has_id, whole, ids
