"""Importing real extracts safely: read, validate against the contract, pseudonymise, version, switch.

Reading
    Parquet, CSV (UTF-8 with or without BOM, else GB18030; anything else is refused with a clear message) and
    .xlsx (first worksheet, via openpyxl). The table is recognised by its columns (``record_id`` → training,
    ``cert_id`` → certificates; the Chinese column labels of ``contract.COLUMN_LABELS`` are accepted too), else
    by the file name. Codes may be given as the contract code or its Chinese label (``结业`` → ``completed``).

Validation (vectorised: pyarrow compute and numpy over whole columns, no per-row Python)
    columns present; types (dates ``YYYY-MM-DD``, ``YYYY/M/D``, ``YYYYMMDD``, Excel date cells and Excel serial
    numbers; integers; booleans 是/否/true/false/1/0); required values; codes known to the contract and to
    ``data/reference/regions.csv``; dates between 2015-01-01 and today (a planned end date of a training still
    in progress may lie ahead), end ≥ start, entered ≥ start; skill levels 1–5; duplicate ids within a file
    and across the files of one import; raw ID numbers (see :mod:`tracker.pii`). Each problem is reported as
    file / row / column / value / reason. **Row numbers**: for CSV and Excel the row as the clerk sees it in the
    spreadsheet (the header is row 1, the first record row 2); for Parquet the record number (first record 1).
    Columns outside the contract are *not* imported: each is reported once as a warning and dropped (the stored
    tables are exactly the contract's; the project adds columns in its own code, never from an extract).

Versions (all or nothing)
    An import writes ``versions/<id>/`` (training.parquet, certificates.parquet — the merged full tables —
    and manifest.json) into a hidden temp folder first, fsyncs it, renames it into place, then switches
    ``CURRENT`` with ``os.replace``. A kill at any point leaves the previous version serving; leftovers (temp
    folders and complete versions that never became current) are removed by the next import.
    Re-imported records replace older ones by record_id / cert_id, so nothing counts twice.
    If the data being served is demo data (DEMO marker), the import does NOT merge into it: the new version
    holds only the imported rows and carries no DEMO marker (the data page says so before importing).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import hashlib
import io
import json
import os
import re
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from tracker import REFERENCE_DIR, pii
from tracker.contract import (
    CERT_TYPES,
    COLUMN_LABELS,
    ID_COLUMN,
    NULLABLE,
    PERSON_CATEGORIES,
    SKILL_LEVELS,
    STATUSES,
    TABLE_LABELS,
    TABLES,
    TRAINING_TYPES,
)
from tracker.store import (
    CURRENT_FILE,
    VERSIONS_DIR,
    DataError,
    active_dir,
    current_version,
    is_demo,
    table_source,
)

MIN_DATE = dt.date(2015, 1, 1)
DETAIL_CAP = 1000  # problems listed per (file, column, reason); the count is always exact
STDERR_LINES = 50
PAUSE_ENV = "SKILLS_INGEST_PAUSE_AFTER_WRITE"  # test hook: seconds to sleep between writing and switching
LOCK_FILE = ".ingest.lock"
LOG_FILE = "LOG.jsonl"  # versions/LOG.jsonl: one line per version that became current
TMP_PREFIX = ".tmp-"
ROW_GROUP_SIZE = 120_000
SUPPORTED = (".parquet", ".csv", ".xlsx")

ROW_NOTE = "行号说明：CSV / Excel 文件为表格中的行号（表头为第1行，第一条记录为第2行）；Parquet 文件为第几条记录（第一条为第1行）。"

ERROR, WARNING = "error", "warning"
SEVERITY_LABELS = {ERROR: "错误", WARNING: "警告"}

_VERSION_RE = re.compile(r"^v(\d{4,})-\d{8}T\d{6}$")


class IngestError(Exception):
    """The import was refused as a whole (message shown as is; nothing was written)."""


# ---------------------------------------------------------------- problems


@dataclass
class Problems:
    """Problems found in one batch: exact counts, details capped per (file, column, reason)."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)

    def add(
        self, file: str, row: int | None, column: str | None, value: Any, reason: str, severity: str = ERROR
    ) -> None:
        key = (severity, file, column, reason)
        self.counts[key] += 1
        if self.counts[key] <= DETAIL_CAP:
            self.rows.append(
                {
                    "file": file,
                    "row": row,
                    "column": column,
                    "value": _show(column, value),
                    "reason": reason,
                    "severity": severity,
                }
            )

    def add_many(
        self, file: str, rows: np.ndarray, column: str | None, values: list | None, reason: str, severity: str = ERROR
    ) -> None:
        """Many rows with the same reason; ``rows`` are display row numbers, ``values`` aligned with them."""
        n = len(rows)
        if n == 0:
            return
        key = (severity, file, column, reason)
        room = max(0, DETAIL_CAP - self.counts[key])
        self.counts[key] += n
        shown = rows[:room]
        vals = values[:room] if values is not None else [None] * len(shown)
        for r, v in zip(shown.tolist(), vals):
            self.rows.append(
                {
                    "file": file,
                    "row": int(r),
                    "column": column,
                    "value": _show(column, v),
                    "reason": reason,
                    "severity": severity,
                }
            )

    @property
    def errors(self) -> int:
        return sum(n for (sev, *_), n in self.counts.items() if sev == ERROR)

    @property
    def warnings(self) -> int:
        return sum(n for (sev, *_), n in self.counts.items() if sev == WARNING)

    def frame(self) -> pd.DataFrame:
        """Problems as a table (errors first, then by file and row) with English column names."""
        df = pd.DataFrame(self.rows, columns=["file", "row", "column", "value", "reason", "severity"])
        if df.empty:
            return df
        df["row"] = df["row"].astype("Int64")
        df["_sev"] = (df["severity"] != ERROR).astype(int)
        df = df.sort_values(["_sev", "file", "row", "column"], kind="stable", na_position="first")
        return df.drop(columns="_sev").reset_index(drop=True)

    def summary(self) -> list[dict[str, Any]]:
        """Counts per (severity, file, column, reason)."""
        return [
            {"severity": s, "file": f, "column": c, "reason": r, "count": n}
            for (s, f, c, r), n in sorted(self.counts.items(), key=lambda kv: (kv[0][0] != ERROR, -kv[1]))
        ]


def _show(column: str | None, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and np.isnan(value):
        return ""
    text = str(value)
    if column is not None and pii.is_raw_id_column(column):
        return pii.mask_id(text)
    text = pii.scrub_text(text)
    return text if len(text) <= 60 else text[:57] + "…"


def column_label(column: str | None) -> str:
    if not column:
        return ""
    label = COLUMN_LABELS.get(column)
    return f"{column}（{label}）" if label else column


# ---------------------------------------------------------------- reading files


@dataclass
class Source:
    """One file to import: its name (as the user knows it) and its bytes."""

    name: str
    data: bytes

    @classmethod
    def from_path(cls, path: str | os.PathLike) -> Source:
        p = Path(path)
        try:
            return cls(p.name, p.read_bytes())
        except FileNotFoundError:
            raise IngestError(f"文件不存在：{p}") from None
        except IsADirectoryError:
            raise IngestError(f"不是文件：{p}") from None
        except OSError as exc:
            raise IngestError(f"无法读取文件 {p}：{exc.strerror or exc}") from None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class RawFile:
    table: pa.Table  # columns as read (strings for CSV / Excel, typed for Parquet), header names deduplicated
    fmt: str  # parquet | csv | xlsx
    row_numbers: np.ndarray  # display row number of each record
    encoding: str | None = None
    header: list[str] | None = None  # header names as given (None: the table's column names)
    bad_rows: list[tuple[int | None, int, int]] = field(default_factory=list)  # (row, expected, actual) columns


class FileRefused(Exception):
    """The file cannot be read at all (one problem without a row)."""


def read_source(src: Source) -> RawFile:
    suffix = Path(src.name).suffix.lower()
    if suffix not in SUPPORTED:
        hint = "；旧版 .xls 请在 Excel / WPS 中另存为 .xlsx" if suffix == ".xls" else ""
        raise FileRefused(f"不支持的文件类型“{suffix or '无扩展名'}”（支持 .parquet、.csv、.xlsx{hint}）")
    if len(src.data) == 0:
        raise FileRefused("文件为空（0 字节）")
    if suffix == ".parquet":
        return _read_parquet(src.data)
    if suffix == ".csv":
        return _read_csv(src.data)
    return _read_xlsx(src.data)


def _read_parquet(data: bytes) -> RawFile:
    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError, ValueError):
        raise FileRefused("Parquet 文件已损坏或不完整（可能传输中断），无法读取") from None
    return RawFile(table, "parquet", np.arange(1, table.num_rows + 1, dtype=np.int64))


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 (BOM optional), else GB18030; anything else raises :class:`FileRefused`."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise FileRefused("文件为 UTF-16 编码，无法识别。请在 Excel / WPS 中另存为“CSV UTF-8（逗号分隔）”后再导入")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    refused = FileRefused(
        "文件编码无法识别：既不是 UTF-8 也不是 GB18030（可能是 Big5、Latin-1 等编码）。"
        "请在 Excel / WPS 中另存为“CSV UTF-8（逗号分隔）”后再导入"
    )
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise refused from None
    # Big5 (and some Latin-1) bytes also decode as GB18030, into rare characters outside GB2312. Real GB18030
    # extracts are almost entirely GB2312 characters, so a text where many are not is refused.
    sample = [c for c in text[:200_000] if ord(c) > 127]
    if sample:
        outside = 0
        for c in sample:
            try:
                c.encode("gb2312")
            except UnicodeEncodeError:
                outside += 1
        if outside >= 3 and outside > 0.1 * len(sample):
            raise refused
    return text, "gb18030"


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _read_csv(data: bytes) -> RawFile:
    text, encoding = decode_text(data)
    if not text.strip():
        raise FileRefused("文件为空（没有表头和数据）")
    first_line = text.split("\n", 1)[0].rstrip("\r")
    delimiter = _sniff_delimiter(first_line)
    header = next(csv.reader([first_line], delimiter=delimiter), [])
    names = [h.strip() for h in header]
    unique = _dedupe(names)
    skipped: list[int] = []
    reported: list[tuple[int | None, int, int]] = []

    def on_invalid(row: Any) -> str:
        skipped.append(row.number)
        if (row.text or "").strip():
            reported.append((row.number, row.expected_columns, row.actual_columns))
        return "skip"

    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=unique, skip_rows=1, use_threads=False, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, invalid_row_handler=on_invalid, newlines_in_values=False
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in unique},
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                null_values=[""],
            ),
        )
    except pa.ArrowException as exc:
        raise FileRefused(f"CSV 文件无法解析：{pii.scrub_text(str(exc).splitlines()[0])}") from None
    # pyarrow numbers rows from 1 (the header), not counting empty lines; map back to spreadsheet rows
    total = table.num_rows + len(skipped) + 1
    kept = np.arange(2, total + 1, dtype=np.int64)
    if skipped:
        kept = np.setdiff1d(kept, np.array(skipped, dtype=np.int64))
    physical = _nonblank_line_numbers(text)
    if physical is not None:
        kept = physical[kept - 1]
        reported = [(int(physical[n - 1]) if n else n, e, a) for n, e, a in reported]
    return RawFile(table, "csv", kept, encoding, header=names, bad_rows=reported)


def _nonblank_line_numbers(text: str) -> np.ndarray | None:
    """Physical line numbers of the non-empty lines, or None when the text has no empty line inside it."""
    end = len(text.rstrip("\r\n")) if text.endswith(("\n", "\r")) else len(text)
    if text.find("\n\n", 0, end) < 0 and text.find("\n\r\n", 0, end) < 0:
        return None
    lines = text[:end].split("\n")
    return np.array([i + 1 for i, line in enumerate(lines) if line not in ("", "\r")], dtype=np.int64)


def _dedupe(names: list[str]) -> list[str]:
    seen: Counter = Counter()
    out = []
    for n in names:
        seen[n] += 1
        out.append(n if seen[n] == 1 else f"{n}#{seen[n]}")
    return out


def _cell_text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def _read_xlsx(data: bytes) -> RawFile:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise FileRefused("Excel 文件已损坏或不是 .xlsx 格式，无法读取") from None
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise FileRefused("文件为空（第一个工作表没有表头和数据）")
        names = [("" if h is None else str(h)).strip() for h in header]
        while names and names[-1] == "":
            names.pop()
        width = len(names)
        columns: list[list[str | None]] = [[] for _ in range(width)]
        numbers: list[int] = []
        for r, cells in enumerate(rows, start=2):
            texts = [_cell_text(c) for c in cells[:width]]
            if not any(t is not None and t.strip() for t in texts):
                continue  # blank spreadsheet row
            texts += [None] * (width - len(texts))
            numbers.append(r)
            for col, t in zip(columns, texts):
                col.append(t)
    finally:
        wb.close()
    unique = _dedupe(names)
    table = pa.table({n: pa.array(c, pa.string()) for n, c in zip(unique, columns)}) if width else pa.table({})
    return RawFile(table, "xlsx", np.array(numbers, dtype=np.int64), header=names)


# ---------------------------------------------------------------- columns and table detection

_FULLWIDTH = str.maketrans({"（": "(", "）": ")", "　": " "})
_BY_NAME = {name: name for schema in TABLES.values() for name in schema.names}
_BY_LABEL = {label: name for name, label in COLUMN_LABELS.items()}


def canonical_column(header: str) -> str | None:
    """The contract column a header names (English name or Chinese label), else None."""
    h = str(header).strip().lstrip("\ufeff").translate(_FULLWIDTH).strip()
    key = h.lower().replace(" ", "_")
    if key in _BY_NAME:
        return _BY_NAME[key]
    return _BY_LABEL.get(h)


def detect_table(columns: Iterable[str], file_name: str) -> str | None:
    cols = set(columns)
    if "record_id" in cols and "cert_id" not in cols:
        return "training"
    if "cert_id" in cols and "record_id" not in cols:
        return "certificates"
    name = file_name.lower()
    is_training = any(k in name for k in ("training", "train", "培训"))
    is_cert = any(k in name for k in ("certificate", "cert", "证书", "取证"))
    if is_training != is_cert:
        return "training" if is_training else "certificates"
    return None


# ---------------------------------------------------------------- vectorised coercion


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
        integral = pc.equal(pc.floor(arr), arr)
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


# ---------------------------------------------------------------- validating one file

CODE_LISTS = {
    "training_type": TRAINING_TYPES,
    "person_category": PERSON_CATEGORIES,
    "cert_type": CERT_TYPES,
    "status": STATUSES,
}
LEVEL_LABELS = {label: level for level, label in SKILL_LEVELS.items()} | {
    "五级": 5,
    "四级": 4,
    "三级": 3,
    "二级": 2,
    "一级": 1,
}

REASONS = {
    "missing_column": "缺少必需的列",
    "extra_column": "多余的列，已忽略（不导入）",
    "duplicate_column": "列名重复",
    "no_rows": "文件中没有数据记录",
    "bad_row": "列数与表头不符",
    "required": "必填项为空",
    "date": "不是有效日期（应为 YYYY-MM-DD）",
    "int": "不是整数",
    "bool": "不是有效的是/否值（应为 是/否、true/false、1/0）",
    "code": "不是有效的代码",
    "county": "不是山西省的县级区划代码（见 data/reference/regions.csv）",
    "level": "技能等级应为1–5（5 初级工 … 1 高级技师）",
    "hours": "课时应为正整数（不超过32767）",
    "too_early": "日期早于2015年1月1日",
    "future": "日期晚于今天",
    "end_before_start": "结业日期早于开班日期",
    "entered_before_start": "录入日期早于开班日期",
    "duplicate_id": "编号在本文件中重复",
    "duplicate_across": "编号与同批导入的另一文件重复",
    "raw_id_in_person": "人员标识疑似原始身份证号（请放在“身份证号”列，导入时会脱敏）",
    "no_salt": "文件含身份证号列，但未配置盐值（环境变量 SKILLS_ID_SALT 或 SKILLS_ID_SALT_FILE），拒绝导入以免原始身份证号落盘",
    "cert_level_missing": "职业资格证书 / 职业技能等级证书须填写技能等级",
    "cert_level_unexpected": "该类证书通常不分等级，但填写了技能等级",
    "undetected": "无法判断是培训记录还是取证记录：缺少 record_id（记录编号）或 cert_id（证书编号）列，文件名中也没有 training / certificates",
}


@dataclass
class FileResult:
    name: str
    sha256: str
    size: int
    table: str | None = None  # training | certificates
    fmt: str | None = None
    encoding: str | None = None
    rows: int = 0
    data: pa.Table | None = None  # contract-typed table, set when the file has no errors
    row_numbers: np.ndarray | None = None
    raw_id_column: str | None = None
    errors: int = 0
    warnings: int = 0


@functools.cache
def _counties(reference_dir: Path = REFERENCE_DIR) -> pa.Array:
    regions = pacsv.read_csv(
        reference_dir / "regions.csv", convert_options=pacsv.ConvertOptions(column_types={"code": pa.string()})
    )
    return pc.filter(regions["code"], pc.equal(regions["level"], "county")).combine_chunks()


def check_file(
    src: Source,
    problems: Problems,
    *,
    salt: bytes | None = None,
    today: dt.date | None = None,
) -> FileResult:
    """Read and validate one file; problems go into ``problems``; ``result.data`` is set when it is clean."""
    result = FileResult(src.name, src.sha256, len(src.data))
    try:
        raw = read_source(src)
    except FileRefused as exc:
        problems.add(src.name, None, None, None, str(exc))
        result.errors = 1
        return result
    result.fmt, result.encoding = raw.fmt, raw.encoding
    return _check(raw, result, problems, salt, today)


def check_table(
    table: pa.Table,
    problems: Problems,
    *,
    name: str = "extract.parquet",
    fmt: str = "parquet",
    salt: bytes | None = None,
    today: dt.date | None = None,
) -> FileResult:
    """Validate an in-memory table as if read from a file (row numbers as for ``fmt``)."""
    first = 1 if fmt == "parquet" else 2
    raw = RawFile(table, fmt, np.arange(first, first + table.num_rows, dtype=np.int64))
    return _check(raw, FileResult(name, "", 0, fmt=fmt), problems, salt, today)


def _check(
    raw: RawFile, result: FileResult, problems: Problems, salt: bytes | None, today: dt.date | None
) -> FileResult:
    errors, warnings = problems.errors, problems.warnings
    _check_raw(raw, result, problems, salt=salt, today=today or dt.date.today(), counties=_counties())
    result.errors = problems.errors - errors
    result.warnings = problems.warnings - warnings
    if result.errors:
        result.data = None
    return result


def _check_raw(
    raw: RawFile, result: FileResult, problems: Problems, *, salt: bytes | None, today: dt.date, counties: pa.Array
) -> None:
    f = result.name
    errors_before = problems.errors
    for number, expected, actual in raw.bad_rows:
        problems.add(f, number, None, None, f"{REASONS['bad_row']}（应为{expected}列，实为{actual}列）")
    headers = raw.header or list(raw.table.column_names)
    # map headers to contract columns
    mapping: dict[str, str] = {}  # contract column -> table column
    raw_id_col: str | None = None
    extras: list[str] = []
    for given, actual_name in zip(headers, raw.table.column_names):
        canon = canonical_column(given)
        if canon is None and pii.is_raw_id_column(given):
            if raw_id_col is not None:
                problems.add(f, None, given, None, REASONS["duplicate_column"])
            raw_id_col = actual_name
            continue
        if canon is None:
            if given:
                extras.append(given)
            continue
        if canon in mapping:
            problems.add(f, None, canon, given, REASONS["duplicate_column"])
            continue
        mapping[canon] = actual_name
    table = detect_table(mapping, f)
    if table is None:
        problems.add(f, None, None, None, REASONS["undetected"])
        return
    result.table = table
    schema = TABLES[table]
    for given in extras:
        problems.add(f, None, given, None, REASONS["extra_column"], WARNING)
    for canon in [c for c in mapping if c not in schema.names]:
        problems.add(
            f,
            None,
            canon,
            None,
            f"{REASONS['extra_column']}（属于{TABLE_LABELS['certificates' if table == 'training' else 'training']}）",
            WARNING,
        )
        del mapping[canon]
    missing = [c for c in schema.names if c not in mapping and not (c == "person_id" and raw_id_col)]
    for c in missing:
        problems.add(f, None, c, None, f"{REASONS['missing_column']} {column_label(c)}")
    n = raw.table.num_rows
    result.rows = n
    if n == 0:
        problems.add(f, None, None, None, REASONS["no_rows"])
    if missing or n == 0:
        return
    rows = raw.row_numbers
    if raw_id_col is not None:
        result.raw_id_column = raw_id_col
        if salt is None:
            problems.add(f, None, raw_id_col, None, REASONS["no_salt"])

    def col(c: str) -> pa.Array:
        return _chunk(raw.table.column(mapping[c]))

    def report(
        mask: np.ndarray,
        column: str,
        reason: str,
        values: pa.Array | None = None,
        severity: str = ERROR,
        suffix: Callable[[np.ndarray], list[str]] | None = None,
    ) -> None:
        idx = np.flatnonzero(mask)
        if len(idx) == 0:
            return
        shown = idx[:DETAIL_CAP]
        vals = None
        if values is not None:
            vals = pc.take(values, pa.array(shown)).to_pylist()
            vals = [None if v is None else (v.isoformat() if isinstance(v, dt.date) else v) for v in vals]
            if suffix is not None:
                vals = [f"{v}{s}" for v, s in zip(vals, suffix(shown))]
        problems.add_many(f, rows[idx], column, vals, reason, severity)

    typed: dict[str, pa.Array] = {}
    bad_any: dict[str, np.ndarray] = {}
    for field_ in schema:
        c = field_.name
        if c == "person_id" and c not in mapping:
            continue
        source = col(c)
        if pa.types.is_date32(field_.type):
            out, bad = to_date(source)
            report(bad, c, REASONS["date"], to_text(source))
        elif pa.types.is_integer(field_.type):
            out, bad = to_int(source, LEVEL_LABELS if c == "skill_level" else None)
            report(bad, c, REASONS["int"], to_text(source))
        elif pa.types.is_boolean(field_.type):
            out, bad = to_bool(source)
            report(bad, c, REASONS["bool"], to_text(source))
        elif c in CODE_LISTS:
            out, bad = to_code(source, CODE_LISTS[c])
            codes = "、".join(CODE_LISTS[c])
            report(bad, c, f"{REASONS['code']}（可用：{codes} 或其中文名称）", to_text(source))
        else:
            out, bad = to_text(source), np.zeros(n, dtype=bool)
        typed[c], bad_any[c] = out, bad

    # raw ID numbers → checked, then hashed into person_id (only if the file is otherwise clean)
    raw_ids = None
    if raw_id_col is not None:
        raw_ids = pii.normalise_ids(to_text(_chunk(raw.table.column(raw_id_col))))
        reasons = pii.check_ids(raw_ids, today=today)
        for reason in (pii.REASON_LENGTH, pii.REASON_FORMAT, pii.REASON_CHECK, pii.REASON_BIRTH, pii.REASON_AREA):
            report(reasons == reason, raw_id_col, reason, raw_ids)
        if "person_id" not in mapping:
            report(_np(pc.is_null(raw_ids)), raw_id_col, REASONS["required"])

    # required values
    for c in schema.names:
        if c in typed and c not in NULLABLE[table]:
            report(_np(pc.is_null(typed[c])) & ~bad_any[c], c, REASONS["required"])

    if "person_id" in typed and raw_id_col is None:
        report(pii.looks_like_raw_ids(typed["person_id"]), "person_id", REASONS["raw_id_in_person"], typed["person_id"])

    # codes known to the reference data
    county = typed["county_code"]
    report(
        _np(pc.and_(pc.is_valid(county), pc.invert(pc.is_in(county, value_set=counties)))),
        "county_code",
        REASONS["county"],
        county,
    )

    level = typed["skill_level"]
    report(_np(pc.or_(pc.less(level, 1), pc.greater(level, 5))), "skill_level", REASONS["level"], level)

    today_s = pa.scalar(today, pa.date32())
    min_s = pa.scalar(MIN_DATE, pa.date32())
    date_cols = [c.name for c in schema if pa.types.is_date32(c.type)]
    for c in date_cols:
        d = typed[c]
        report(_np(pc.less(d, min_s)), c, REASONS["too_early"], d)
        future = _np(pc.greater(d, today_s))
        if c == "end_date":  # a training still in progress has a planned end date
            future &= ~_np(pc.equal(typed["status"], "enrolled"))
        report(future, c, f"{REASONS['future']}（{today.isoformat()}）", d)

    if table == "training":
        start = typed["start_date"]

        def with_start(idx: np.ndarray) -> list[str]:
            return [f"（开班日期 {v.isoformat()}）" for v in pc.take(start, pa.array(idx)).to_pylist()]

        report(
            _np(pc.less(typed["end_date"], start)),
            "end_date",
            REASONS["end_before_start"],
            typed["end_date"],
            suffix=with_start,
        )
        report(
            _np(pc.less(typed["entered_on"], start)),
            "entered_on",
            REASONS["entered_before_start"],
            typed["entered_on"],
            suffix=with_start,
        )
        hours = typed["hours"]
        report(_np(pc.or_(pc.less(hours, 1), pc.greater(hours, 32767))), "hours", REASONS["hours"], hours)
    else:
        ctype = typed["cert_type"]
        levelled = pc.is_in(ctype, value_set=pa.array(["qualification", "skill_level"]))
        report(
            _np(pc.and_(levelled, pc.is_null(level))) & ~bad_any["skill_level"],
            "skill_level",
            REASONS["cert_level_missing"],
            ctype,
        )
        unlevelled = pc.is_in(ctype, value_set=pa.array(["special_ability", "training_completion"]))
        report(
            _np(pc.and_(unlevelled, pc.is_valid(level))),
            "skill_level",
            REASONS["cert_level_unexpected"],
            level,
            WARNING,
        )

    # duplicate ids within the file
    id_col = ID_COLUMN[table]
    ids = typed[id_col]
    dup_mask, first_idx = duplicate_rows(ids)
    if dup_mask.any():
        first_rows = rows[first_idx]
        report(
            dup_mask,
            id_col,
            REASONS["duplicate_id"],
            ids,
            suffix=lambda idx: [f"（首次出现在第{r}行）" for r in first_rows[idx].tolist()],
        )

    result.row_numbers = rows
    if problems.errors > errors_before:
        return
    if raw_ids is not None:
        typed["person_id"] = pii.hash_ids(raw_ids, salt) if salt else typed.get("person_id")
    result.data = pa.table({c.name: pc.cast(typed[c.name], c.type) for c in schema}, schema=schema)


def duplicate_rows(ids: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(mask of rows whose id occurred on an earlier row, index of that id's first row for every row)."""
    ids = _chunk(ids)
    n = len(ids)
    if n == 0:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64)
    enc = pc.dictionary_encode(ids)
    codes = np.asarray(pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
    valid_idx = np.flatnonzero(codes >= 0)
    first_of = np.zeros(len(enc.dictionary), dtype=np.int64)
    uniq, first_pos = np.unique(codes[valid_idx], return_index=True)
    first_of[uniq] = valid_idx[first_pos]
    rows = np.arange(n, dtype=np.int64)
    first_idx = np.where(codes >= 0, first_of[np.maximum(codes, 0)], rows)
    return first_idx != rows, first_idx


# ---------------------------------------------------------------- a batch of files


@dataclass
class Batch:
    """Validated files of one import (all or nothing)."""

    files: list[FileResult]
    problems: Problems
    salt: bytes | None = None

    @property
    def ok(self) -> bool:
        return self.problems.errors == 0 and bool(self.files)

    def tables(self) -> dict[str, pa.Table]:
        out: dict[str, list[pa.Table]] = {}
        for fr in self.files:
            if fr.data is not None and fr.table:
                out.setdefault(fr.table, []).append(fr.data)
        return {t: pa.concat_tables(parts) for t, parts in out.items()}


def validate(sources: list[Source], *, salt: bytes | None = None, today: dt.date | None = None) -> Batch:
    """Read and validate every file, then look for ids repeated across the files of one import."""
    problems = Problems()
    files = [check_file(s, problems, salt=salt, today=today) for s in sources]
    seen_sha: dict[str, str] = {}
    for fr in files:
        if fr.sha256 in seen_sha:
            problems.add(fr.name, None, None, None, f"与同批文件 {seen_sha[fr.sha256]} 内容完全相同")
            fr.data = None
        seen_sha.setdefault(fr.sha256, fr.name)
    for table in TABLES:
        clean = [fr for fr in files if fr.table == table and fr.data is not None]
        if len(clean) < 2:
            continue
        ids = pa.concat_arrays([_chunk(fr.data.column(ID_COLUMN[table])) for fr in clean])
        owner = np.concatenate([np.full(fr.data.num_rows, i) for i, fr in enumerate(clean)])
        local = np.concatenate([fr.row_numbers for fr in clean])
        mask, first_idx = duplicate_rows(ids)
        cross = mask & (owner[first_idx] != owner)
        for i, fr in enumerate(clean):
            idx = np.flatnonzero(cross & (owner == i))
            if len(idx):
                shown = idx[:DETAIL_CAP]
                vals = [
                    f"{v}（{clean[owner[j]].name} 第{local[j]}行）"
                    for v, j in zip(pc.take(ids, pa.array(shown)).to_pylist(), first_idx[shown].tolist())
                ]
                problems.add_many(fr.name, local[idx], ID_COLUMN[table], vals, REASONS["duplicate_across"])
                fr.data = None
    return Batch(files, problems, salt)


# ---------------------------------------------------------------- versions on disk


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _write_text_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


@contextlib.contextmanager
def _lock(data_dir: Path):
    import fcntl

    with open(data_dir / LOCK_FILE, "a+") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IngestError(f"数据目录 {data_dir} 正在进行另一次导入或回退，请稍后再试") from None
        yield


def _log_path(data_dir: Path) -> Path:
    return data_dir / VERSIONS_DIR / LOG_FILE


def _activated(data_dir: Path) -> set[str]:
    """Versions that were ever served: logged ones plus the current one."""
    current = current_version(data_dir)
    return _logged(data_dir) | ({current} if current else set())


def _log(data_dir: Path, version: str, action: str) -> None:
    path = _log_path(data_dir)
    path.parent.mkdir(exist_ok=True)
    line = json.dumps(
        {"version": version, "action": action, "at": _now().isoformat(timespec="seconds")}, ensure_ascii=False
    )
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def _now() -> dt.datetime:
    return dt.datetime.now().astimezone()


def _version_dirs(data_dir: Path) -> list[Path]:
    root = data_dir / VERSIONS_DIR
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and _VERSION_RE.match(p.name))


def cleanup(data_dir: Path) -> list[str]:
    """Remove what interrupted imports left behind: temp folders, and versions that never became current."""
    root = data_dir / VERSIONS_DIR
    removed: list[str] = []
    if not root.is_dir():
        return removed
    activated = _activated(data_dir)
    current = current_version(data_dir)
    if current and current not in _logged(data_dir):
        _log(data_dir, current, "seen")
    for p in root.iterdir():
        if p.is_dir() and (p.name.startswith(TMP_PREFIX) or (_VERSION_RE.match(p.name) and p.name not in activated)):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p.name)
    for stray in (data_dir / (CURRENT_FILE + ".tmp"),):
        with contextlib.suppress(FileNotFoundError):
            stray.unlink()
    return removed


def _logged(data_dir: Path) -> set[str]:
    path = _log_path(data_dir)
    if not path.is_file():
        return set()
    out = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        with contextlib.suppress(ValueError, KeyError, TypeError):
            out.add(json.loads(line)["version"])
    return out


def _next_version_id(data_dir: Path, now: dt.datetime) -> str:
    numbers = [int(_VERSION_RE.match(p.name)[1]) for p in _version_dirs(data_dir)]
    return f"v{(max(numbers) if numbers else 0) + 1:04d}-{now.strftime('%Y%m%dT%H%M%S')}"


def read_manifest(folder: Path) -> dict[str, Any] | None:
    path = folder / "manifest.json"
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def read_contract_table(folder: Path, table: str) -> pa.Table:
    """A table of a served folder (single file or hive folder) with exactly the contract's columns and types."""
    schema = TABLES[table]
    source = table_source(folder, table)
    if source is None:
        return schema.empty_table()
    parts = []
    for path in source.files:
        pf = pq.ParquetFile(path)
        present = [c for c in schema.names if c in pf.schema_arrow.names]
        t = pf.read(columns=present)
        cols = [
            t.column(c).cast(schema.field(c).type) if c in present else pa.nulls(t.num_rows, schema.field(c).type)
            for c in schema.names
        ]
        parts.append(pa.table(cols, schema=schema))
    return pa.concat_tables(parts) if parts else schema.empty_table()


# ---------------------------------------------------------------- committing an import


@dataclass
class IngestResult:
    version: str
    manifest: dict[str, Any]
    batch: Batch
    removed_leftovers: list[str]


def ingest(
    sources: list[Source],
    data_dir: Path,
    *,
    salt: bytes | None = None,
    today: dt.date | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> IngestResult | Batch:
    """Validate and, when clean, commit. Returns the rejected :class:`Batch` when there are errors."""
    batch = validate(sources, salt=salt, today=today)
    if not batch.ok:
        return batch
    return commit(batch, data_dir, progress=progress)


def commit(batch: Batch, data_dir: Path, *, progress: Callable[[float, str], None] | None = None) -> IngestResult:
    """Write a validated batch as a new version and make it current (all or nothing)."""
    if not batch.ok:
        raise IngestError("数据校验未通过，不能导入")
    say = progress or (lambda _f, _m: None)
    data_dir.mkdir(parents=True, exist_ok=True)
    with _lock(data_dir):
        removed = cleanup(data_dir)
        previous = current_version(data_dir)
        try:
            base_dir = active_dir(data_dir)
        except DataError as exc:  # never build on nothing when the served version is missing: data would be lost
            raise IngestError(f"{exc}；请先用 python -m tracker versions --rollback 选择一个存在的版本") from None
        base_demo = is_demo(data_dir)
        prev_manifest = read_manifest(base_dir) if previous else None
        hashed = batch.salt is not None and any(fr.raw_id_column for fr in batch.files)
        previous_salt = (prev_manifest or {}).get("salt_fingerprint")
        salt_used = pii.salt_fingerprint(batch.salt) if hashed else previous_salt
        if hashed and previous_salt not in (None, salt_used):
            raise IngestError(
                "本次使用的盐值与之前导入所用的不同：同一人会得到不同的人员标识，合规核查与人数统计将出错。"
                "请使用原来的盐值（SKILLS_ID_SALT / SKILLS_ID_SALT_FILE）"
            )
        now = _now()
        version = _next_version_id(data_dir, now)
        root = data_dir / VERSIONS_DIR
        root.mkdir(exist_ok=True)
        tmp = root / f"{TMP_PREFIX}{version}-{os.getpid()}"
        tmp.mkdir()
        try:
            new_tables = batch.tables()
            table_stats: dict[str, dict[str, int]] = {}
            latest_entered = None
            for i, table in enumerate(TABLES):
                say(0.1 + 0.5 * i / len(TABLES), f"正在合并{TABLE_LABELS[table]}…")
                path = tmp / f"{table}.parquet"
                new = new_tables.get(table, TABLES[table].empty_table())
                unchanged = base_dir / f"{table}.parquet"
                if not new.num_rows and previous and not base_demo and unchanged.is_file():
                    # nothing imported for this table: share the previous version's file (versions are immutable)
                    _link_or_copy(unchanged, path)
                    rows = pq.ParquetFile(path).metadata.num_rows
                    table_stats[table] = {"rows": rows, "imported": 0, "added": 0, "replaced": 0, "carried": rows}
                    if table == "training":
                        latest_entered = _max_from_stats(tmp, "training", "entered_on")
                    continue
                base = read_contract_table(base_dir, table) if not base_demo else TABLES[table].empty_table()
                id_col = ID_COLUMN[table]
                if base.num_rows and new.num_rows:
                    keep = pc.invert(pc.is_in(base.column(id_col), value_set=_chunk(new.column(id_col))))
                    kept = base.filter(keep)
                else:
                    kept = base
                merged = pa.concat_tables([kept, new]) if new.num_rows else kept
                replaced = base.num_rows - kept.num_rows
                table_stats[table] = {
                    "rows": merged.num_rows,
                    "imported": new.num_rows,
                    "added": new.num_rows - replaced,
                    "replaced": replaced,
                    "carried": kept.num_rows,
                }
                pq.write_table(merged, path, compression="zstd", row_group_size=ROW_GROUP_SIZE)
                _fsync_file(path)
                if table == "training":
                    latest_entered = pc.max(merged.column("entered_on")).as_py() if merged.num_rows else None
            say(0.7, "正在进行合规核查…")
            from tracker import compliance

            checks = compliance.summary_for_folder(tmp)
            manifest = {
                "version": version,
                "imported_at": now.isoformat(timespec="seconds"),
                "previous_version": previous or ("base" if _has_tables(base_dir) else None),
                "replaced_demo": base_demo,
                "files": [
                    {
                        "name": fr.name,
                        "sha256": fr.sha256,
                        "bytes": fr.size,
                        "table": fr.table,
                        "format": fr.fmt,
                        "encoding": fr.encoding,
                        "rows": fr.rows,
                        "raw_id_column_hashed": fr.raw_id_column is not None,
                    }
                    for fr in batch.files
                ],
                "tables": table_stats,
                "validation": {
                    "errors": 0,
                    "warnings": batch.problems.warnings,
                    "warning_counts": [s for s in batch.problems.summary() if s["severity"] == WARNING],
                },
                "latest_entered_on": latest_entered.isoformat() if latest_entered else None,
                "compliance": checks,
                "salt_fingerprint": salt_used,
            }
            mpath = tmp / "manifest.json"
            mpath.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
            _fsync_file(mpath)
            _fsync_dir(tmp)
            final = root / version
            os.rename(tmp, final)
            _fsync_dir(root)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        say(0.9, "正在切换到新版本…")
        pause = os.environ.get(PAUSE_ENV)
        if pause:
            print(f"[test hook] 新版本 {version} 已写入，{pause} 秒后切换 CURRENT", file=sys.stderr, flush=True)
            time.sleep(float(pause))
        switch_current(data_dir, version)
        _log(data_dir, version, "import")
        say(1.0, "完成")
        return IngestResult(version, manifest, batch, removed)


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
        _fsync_file(dst)


def _has_tables(folder: Path) -> bool:
    return all(table_source(folder, t) is not None for t in TABLES)


def switch_current(data_dir: Path, version: str | None) -> None:
    """Point CURRENT at ``version`` atomically (None: serve the plain tables in the folder itself)."""
    if version is None:
        with contextlib.suppress(FileNotFoundError):
            os.remove(data_dir / CURRENT_FILE)
        _fsync_dir(data_dir)
        return
    _write_text_atomic(data_dir / CURRENT_FILE, version + "\n")


# ---------------------------------------------------------------- listing and rollback


def list_versions(data_dir: Path) -> list[dict[str, Any]]:
    """Every version (oldest first) plus ``base`` for plain tables in the folder itself."""
    out: list[dict[str, Any]] = []
    current = current_version(data_dir)
    if _has_tables(data_dir):
        rows = {t: _row_count(data_dir, t) for t in TABLES}
        out.append(
            {
                "version": "base",
                "imported_at": None,
                "training_rows": rows["training"],
                "certificate_rows": rows["certificates"],
                "files": "（数据目录中的原始表）",
                "demo": (data_dir / "DEMO").is_file(),
                "current": current is None,
                "state": "ok",
            }
        )
    activated = _activated(data_dir)
    for p in _version_dirs(data_dir):
        m = read_manifest(p) or {}
        tables = m.get("tables", {})
        complete = bool(m) and _has_tables(p)
        out.append(
            {
                "version": p.name,
                "imported_at": m.get("imported_at"),
                "training_rows": tables.get("training", {}).get("rows"),
                "certificate_rows": tables.get("certificates", {}).get("rows"),
                "files": "、".join(f["name"] for f in m.get("files", [])),
                "demo": (p / "DEMO").is_file(),
                "current": p.name == current,
                "state": "ok" if complete and p.name in activated else "interrupted",
            }
        )
    return out


def _row_count(folder: Path, table: str) -> int:
    source = table_source(folder, table)
    return sum(pq.ParquetFile(f).metadata.num_rows for f in source.files) if source else 0


def rollback_version(data_dir: Path, version: str) -> None:
    known = {v["version"]: v for v in list_versions(data_dir)}
    if version not in known:
        raise IngestError(f"没有版本 {version}（python -m tracker versions --data {data_dir} 列出全部版本）")
    if known[version]["state"] != "ok":
        raise IngestError(f"版本 {version} 是一次未完成的导入，不能启用")
    with _lock(data_dir):
        current = current_version(data_dir)
        if current and current not in _logged(data_dir):
            _log(data_dir, current, "seen")
        if version == "base":
            switch_current(data_dir, None)
        else:
            switch_current(data_dir, version)
            _log(data_dir, version, "rollback")


def version_info(data_dir: Path) -> dict[str, Any]:
    """What the sidebar shows about the data being served.

    Keys: ``version`` (id, or None for a plain folder), ``imported_at`` (datetime or None), ``latest_entered_on``
    (date or None: the newest 录入日期 in the training table), ``demo`` (bool), ``versioned`` (bool),
    ``training_rows`` / ``certificate_rows`` (int), ``age_days`` (days from latest_entered_on to today or None).
    """
    info: dict[str, Any] = {
        "version": None,
        "imported_at": None,
        "latest_entered_on": None,
        "demo": False,
        "versioned": False,
        "training_rows": 0,
        "certificate_rows": 0,
        "age_days": None,
    }
    try:
        folder = active_dir(data_dir)
    except DataError:
        return info
    info["version"] = current_version(data_dir)
    info["versioned"] = info["version"] is not None
    info["demo"] = is_demo(data_dir)
    manifest = read_manifest(folder) if info["versioned"] else None
    if manifest:
        with contextlib.suppress(ValueError, TypeError):
            info["imported_at"] = dt.datetime.fromisoformat(manifest["imported_at"])
        if manifest.get("latest_entered_on"):
            info["latest_entered_on"] = dt.date.fromisoformat(manifest["latest_entered_on"])
        tables = manifest.get("tables", {})
        info["training_rows"] = tables.get("training", {}).get("rows", 0)
        info["certificate_rows"] = tables.get("certificates", {}).get("rows", 0)
    else:
        info["training_rows"] = _row_count(folder, "training")
        info["certificate_rows"] = _row_count(folder, "certificates")
        info["latest_entered_on"] = _max_from_stats(folder, "training", "entered_on")
    if info["latest_entered_on"]:
        info["age_days"] = (dt.date.today() - info["latest_entered_on"]).days
    return info


def _max_from_stats(folder: Path, table: str, column: str) -> dt.date | None:
    """The column's maximum from Parquet row-group statistics (no data read)."""
    source = table_source(folder, table)
    best = None
    for path in source.files if source else ():
        meta = pq.ParquetFile(path).metadata
        try:
            idx = meta.schema.to_arrow_schema().get_field_index(column)
        except (KeyError, ValueError):
            return None
        if idx < 0:
            return None
        for g in range(meta.num_row_groups):
            stats = meta.row_group(g).column(idx).statistics
            if stats is None or not stats.has_min_max:
                if meta.row_group(g).num_rows:
                    return None
                continue
            value = stats.max
            if isinstance(value, dt.datetime):
                value = value.date()
            if isinstance(value, dt.date):
                best = value if best is None or value > best else best
    return best


# ---------------------------------------------------------------- CLI


def problem_line(p: dict[str, Any]) -> str:
    where = p["file"] + (f" 第{p['row']}行" if p.get("row") is not None and not pd.isna(p["row"]) else "")
    col = f" [{column_label(p['column'])}]" if p.get("column") else ""
    value = f" 值“{p['value']}”" if p.get("value") else ""
    label = "" if p["severity"] == ERROR else "（警告）"
    return f"{where}{col}{value}：{p['reason']}{label}"


def _print_problems(batch: Batch, severity: str, limit: int = STDERR_LINES) -> None:
    df = batch.problems.frame()
    df = df[df["severity"] == severity] if not df.empty else df
    total = batch.problems.errors if severity == ERROR else batch.problems.warnings
    for rec in df.head(limit).to_dict("records"):
        print(problem_line(rec), file=sys.stderr)
    if total > min(limit, len(df)):
        print(f"……另有 {total - min(limit, len(df)):,} 个{SEVERITY_LABELS[severity]}未列出", file=sys.stderr)


def ingest_cli(files: list[str], data_dir: Path) -> int:
    """``python -m tracker ingest FILE... --data DIR``: 0 imported, 2 rejected (one line per problem on stderr)."""
    try:
        sources = [Source.from_path(f) for f in files]
        salt = pii.load_salt()
    except (IngestError, pii.SaltError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    if data_dir.exists() and not data_dir.is_dir():
        print(f"错误：数据目录不是文件夹：{data_dir}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    batch = validate(sources, salt=salt)
    took = time.perf_counter() - t0
    if not batch.ok:
        print(
            f"导入被拒绝：{len(sources)} 个文件中发现 {batch.problems.errors:,} 个错误，数据未作任何改动。{ROW_NOTE}",
            file=sys.stderr,
        )
        _print_problems(batch, ERROR)
        return 2
    if batch.problems.warnings:
        _print_problems(batch, WARNING, limit=10)
    demo_before = is_demo(data_dir) if data_dir.is_dir() else False
    try:
        result = commit(batch, data_dir)
    except IngestError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    m = result.manifest
    print(f"已导入为新版本 {result.version}（已设为当前版本；校验 {took:.1f} 秒）")
    if demo_before:
        print("  原数据为演示数据：新版本只含本次导入的数据，演示数据未并入。")
    for table, s in m["tables"].items():
        print(
            f"  {TABLE_LABELS[table]}：本次 {s['imported']:,} 行（新增 {s['added']:,}，替换 {s['replaced']:,}），"
            f"合计 {s['rows']:,} 行"
        )
    if m.get("latest_entered_on"):
        print(f"  最新录入日期：{m['latest_entered_on']}")
    from tracker import compliance

    print("合规核查（全部年度）：")
    for line in compliance.summary_lines(m["compliance"]):
        print(f"  {line}")
    if result.removed_leftovers:
        print(f"  已清理中断导入留下的文件夹：{'、'.join(result.removed_leftovers)}")
    return 0


def versions_cli(data_dir: Path, rollback: str | None) -> int:
    """``python -m tracker versions --data DIR [--rollback ID]``."""
    if not data_dir.is_dir():
        print(f"错误：数据目录不存在：{data_dir}", file=sys.stderr)
        return 2
    if rollback:
        try:
            rollback_version(data_dir, rollback)
        except IngestError as exc:
            print(f"错误：{exc}", file=sys.stderr)
            return 2
        print(f"已回退：当前版本为 {rollback}")
    rows = list_versions(data_dir)
    if not rows:
        print(f"{data_dir} 中没有数据版本")
        return 0
    print(f"{'':2}{'版本':<24}{'导入时间':<27}{'培训记录':>12}{'取证记录':>12}  文件")
    for v in rows:
        mark = "* " if v["current"] else "  "
        state = "" if v["state"] == "ok" else "  （未完成的导入，下次导入时清理）"
        demo = "  （演示数据）" if v["demo"] else ""
        rows_t = "" if v["training_rows"] is None else f"{v['training_rows']:,}"
        rows_c = "" if v["certificate_rows"] is None else f"{v['certificate_rows']:,}"
        print(
            f"{mark}{v['version']:<24}{(v['imported_at'] or '—'):<27}{rows_t:>12}{rows_c:>12}  "
            f"{v['files']}{demo}{state}"
        )
    print("（* 为当前版本）")
    return 0


__all__ = [
    "REASONS",
    "ROW_NOTE",
    "Batch",
    "FileResult",
    "IngestError",
    "IngestResult",
    "Problems",
    "Source",
    "check_file",
    "check_table",
    "commit",
    "ingest",
    "ingest_cli",
    "list_versions",
    "read_contract_table",
    "rollback_version",
    "switch_current",
    "validate",
    "version_info",
    "versions_cli",
]
