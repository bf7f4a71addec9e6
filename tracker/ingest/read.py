"""Reading the files clerks send: Parquet, CSV (UTF-8 / GB18030) and .xlsx (every sheet, streamed).

A file becomes one or more :class:`RawFile` (one per sheet whose header names a table). Values stay text as
written (Parquet keeps its types); nothing is judged here except what makes a file unreadable or too large
to read safely (:class:`FileRefused`, one sentence naming the limit). The header row is looked for in the
first rows of a sheet (a 花名册 starts with a merged title, a unit and a date), and a two-level header (group
labels above column names) is read as one. What was skipped or found elsewhere is said in ``notes``.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
import os
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from tracker import pii
from tracker.contract import COLUMN_LABELS, TABLES
from tracker.ingest import limits as lim
from tracker.store import VersionError as IngestError

SUPPORTED = (".parquet", ".csv", ".xlsx")
CHUNK_ROWS = 65_536  # .xlsx rows are turned into Arrow arrays this many at a time (bounded Python memory)


@dataclass
class Source:
    """One file to import: its name (as the user knows it) and its bytes."""

    name: str
    data: bytes

    @classmethod
    def from_path(cls, path: str | os.PathLike, limits: lim.Limits | None = None) -> Source:
        p = Path(path)
        limits = limits or lim.current()
        try:
            size = p.stat().st_size
            if p.is_dir():
                raise IsADirectoryError
            if size > limits.max_file_bytes:
                raise IngestError(too_large(p.name, size, limits))
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


def too_large(name: str, size: int, limits: lim.Limits) -> str:
    return (
        f"{name}：文件大小 {size / 1048576:,.1f} MB 超过上限 {limits.max_file_mb:,} MB（设置 [import] max_file_mb），"
        "未读取。请按年度或地区拆分，或导出为 Parquet"
    )


@dataclass
class RawFile:
    table: pa.Table  # columns as read (strings for CSV / Excel, typed for Parquet), header names deduplicated
    fmt: str  # parquet | csv | xlsx
    row_numbers: np.ndarray  # display row number of each record
    encoding: str | None = None
    header: list[str] | None = None  # header names as given (None: the table's column names)
    bad_rows: list[tuple[int | None, int, int]] = field(default_factory=list)  # (row, expected, actual) columns
    sheet: str | None = None  # worksheet name (.xlsx)
    label: str | None = None  # how problems name this part of the file (file name, plus sheet when several)
    notes: list[str] = field(default_factory=list)  # what the reader did that the clerk should know (warnings)


class FileRefused(Exception):
    """The file cannot be read at all (one problem without a row)."""


Progress = Callable[[float, str], None]


def read_source(src: Source, limits: lim.Limits | None = None, progress: Progress | None = None) -> list[RawFile]:
    """Every readable part of a file (one per matching sheet for .xlsx); :class:`FileRefused` if none.

    ``progress(fraction of this file, message)`` is called while a workbook is streamed.
    """
    limits = limits or lim.current()
    suffix = Path(src.name).suffix.lower()
    if suffix not in SUPPORTED:
        hint = "；旧版 .xls 请在 Excel / WPS 中另存为 .xlsx" if suffix == ".xls" else ""
        raise FileRefused(f"不支持的文件类型“{suffix or '无扩展名'}”（支持 .parquet、.csv、.xlsx{hint}）")
    if len(src.data) == 0:
        raise FileRefused("文件为空（0 字节）")
    if len(src.data) > limits.max_file_bytes:
        raise FileRefused(too_large(src.name, len(src.data), limits).split("：", 1)[1])
    if suffix == ".parquet":
        return [_read_parquet(src.data, limits)]
    if suffix == ".csv":
        return [_read_csv(src.data, limits)]
    return _read_xlsx(src.data, src.name, limits, progress)


def _too_many_rows(limits: lim.Limits) -> FileRefused:
    return FileRefused(
        f"记录超过 {limits.max_rows:,} 行的上限（设置 [import] max_rows），未导入。请按年度或地区拆分后分批导入"
    )


def _read_parquet(data: bytes, limits: lim.Limits) -> RawFile:
    try:
        pf = pq.ParquetFile(pa.BufferReader(data))
        if pf.metadata.num_rows > limits.max_rows:
            raise _too_many_rows(limits)
        table = pf.read()
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


def _read_csv(data: bytes, limits: lim.Limits) -> RawFile:
    if data.count(b"\n") > limits.max_rows + lim.HEADER_SCAN_ROWS:
        raise _too_many_rows(limits)
    text, encoding = decode_text(data)
    if not text.strip():
        raise FileRefused("文件为空（没有表头和数据）")
    # a title line (or several) above the header, as Excel writes a 花名册 saved as CSV
    head_lines = text.split("\n", lim.HEADER_SCAN_ROWS)[: lim.HEADER_SCAN_ROWS]
    head_lines = [line[:20_000].rstrip("\r") for line in head_lines]  # a header is short; a probe may not be
    parsed = [next(csv.reader([line], delimiter=_sniff_delimiter(line)), []) for line in head_lines]
    found = find_header(parsed)
    offset = 0
    notes: list[str] = []
    if found is not None and found[0] > 0 and found[2] == 1:
        offset = found[0]
        text = text.split("\n", offset)[offset]
        notes.append(f"表头在第{offset + 1}行，上方的{offset}行标题已跳过")
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
    if offset:
        kept = kept + offset
        reported = [(n + offset if n else n, e, a) for n, e, a in reported]
    return RawFile(table, "csv", kept, encoding, header=names, bad_rows=reported, notes=notes)


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


# ---------------------------------------------------------------- headers


_FULLWIDTH = str.maketrans({"（": "(", "）": ")", "　": " "})
_BY_NAME = {name: name for schema in TABLES.values() for name in schema.names}
_BY_LABEL = {label: name for name, label in COLUMN_LABELS.items()}


def canonical_column(header: str) -> str | None:
    """The contract column a header names (English name or Chinese label), else None."""
    h = str(header).strip().lstrip("\ufeff").translate(_FULLWIDTH).strip()
    h = "".join(h.split())  # a label wrapped onto two lines in its cell (记录\n编号)
    key = h.lower().replace(" ", "_")
    if key in _BY_NAME:
        return _BY_NAME[key]
    return _BY_LABEL.get(h)


def _known(cell: Any) -> bool:
    if cell is None:
        return False
    text = str(cell).strip()
    return bool(text) and (canonical_column(text) is not None or pii.is_raw_id_column(text))


def find_header(rows: list[Iterable[Any]]) -> tuple[int, list[str], int] | None:
    """(index of the header row, column names, header rows 1 or 2) among the first rows, or None.

    The header is the first row where at least ``HEADER_MIN_MATCHES`` cells name contract columns. When the next
    row names further columns (a two-level header: group labels such as 基本信息 merged across the columns
    above the names, or names merged down over both rows), each column takes the name that is recognised.
    """
    rows = [list(r) for r in rows]
    for i, row in enumerate(rows):
        score = sum(_known(c) for c in row)
        if score < lim.HEADER_MIN_MATCHES:
            continue
        upper = ["" if c is None else str(c).strip() for c in row]
        if i + 1 < len(rows):
            below = ["" if c is None else str(c).strip() for c in rows[i + 1]]
            width = max(len(upper), len(below))
            upper += [""] * (width - len(upper))
            below += [""] * (width - len(below))
            combined = [u if _known(u) else (b if _known(b) else (u or b)) for u, b in zip(upper, below)]
            if sum(_known(b) for b in below) and sum(_known(c) for c in combined) > score:
                return i, combined, 2
        return i, upper, 1
    return None


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


# ---------------------------------------------------------------- Excel


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
        # Excel keeps 15 significant digits: a longer number (an ID typed as a number) has already lost its last
        # digits; keep it in scientific notation so validation refuses it instead of storing a wrong id
        if v.is_integer() and abs(v) < 10**lim.EXCEL_DIGITS:
            return str(int(v))
        return repr(v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def _check_zip(data: bytes, limits: lim.Limits) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise FileRefused("Excel 文件已损坏或不是 .xlsx 格式，无法读取") from None
    if unpacked > limits.max_xlsx_unzipped_mb * 1048576:
        raise FileRefused(
            f"Excel 文件解压后达 {unpacked / 1048576:,.0f} MB，超过上限 {limits.max_xlsx_unzipped_mb:,} MB"
            "（设置 [import] max_xlsx_unzipped_mb），未读取。请删去多余的工作表或格式，或另存为 CSV"
        )


def _read_xlsx(data: bytes, name: str, limits: lim.Limits, progress: Progress | None = None) -> list[RawFile]:
    import openpyxl

    _check_zip(data, limits)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise FileRefused("Excel 文件已损坏或不是 .xlsx 格式，无法读取") from None
    try:
        plans: list[tuple[Any, int, list[str], int]] = []
        skipped: list[str] = []
        for ws in wb.worksheets:
            if ws.max_row and ws.max_row > limits.max_rows + lim.HEADER_SCAN_ROWS:
                raise FileRefused(f"工作表“{ws.title}”有 {ws.max_row:,} 行，" + str(_too_many_rows(limits)))
            head = list(itertools.islice(ws.iter_rows(values_only=True), lim.HEADER_SCAN_ROWS))
            found = find_header(head)
            if found is None:
                skipped.append(ws.title)
                continue
            plans.append((ws, *found))
        if not plans:
            # nothing recognisable anywhere: read the first sheet's first row as the header, so the clerk is told
            # which columns are missing
            ws = wb.worksheets[0]
            first = next(ws.iter_rows(values_only=True, max_row=1), None)
            if first is None:
                raise FileRefused("文件为空（第一个工作表没有表头和数据）")
            plans = [(ws, 0, ["" if h is None else str(h).strip() for h in first], 1)]
            skipped = [w.title for w in wb.worksheets[1:]]
        several = len(wb.worksheets) > 1
        out = [
            _read_sheet(ws, idx, names, depth, limits, f"{name}［{ws.title}］" if several else name, progress)
            for ws, idx, names, depth in plans
        ]
    finally:
        wb.close()
    if several:
        read = "、".join(f"“{r.sheet}”" for r in out)
        note = f"已读取工作表 {read}" + (
            f"；已跳过 {'、'.join(f'“{s}”' for s in skipped)}（没有可识别的表头）" if skipped else ""
        )
        out[0].notes.insert(0, note)
    return out


def _read_sheet(
    ws: Any, idx: int, names: list[str], depth: int, limits: lim.Limits, label: str, progress: Progress | None
) -> RawFile:
    names = list(names)
    while names and names[-1] == "":
        names.pop()
    width = len(names)
    notes = []
    if idx or depth == 2:
        where = f"第{idx + 1}行" if depth == 1 else f"第{idx + 1}–{idx + 2}行（两级表头）"
        notes.append(f"表头在{where}" + (f"，上方的{idx}行标题已跳过" if idx else ""))
    unique = _dedupe(names)
    chunks: list[list[pa.Array]] = [[] for _ in range(width)]
    columns: list[list[str | None]] = [[] for _ in range(width)]
    numbers: list[int] = []

    def flush() -> None:
        for chunk, col in zip(chunks, columns):
            chunk.append(pa.array(col, pa.string()))
            col.clear()

    first_data = idx + depth + 1  # spreadsheet row number of the first record
    rows: Iterator = ws.iter_rows(values_only=True, min_row=first_data)
    count = 0
    for r, cells in enumerate(rows, start=first_data):
        texts = [_cell_text(c) for c in cells[:width]]
        if not any(t is not None and t.strip() for t in texts):
            continue  # blank spreadsheet row
        count += 1
        if count > limits.max_rows:
            raise _too_many_rows(limits)
        texts += [None] * (width - len(texts))
        numbers.append(r)
        for col, t in zip(columns, texts):
            col.append(t)
        if width and len(columns[0]) >= CHUNK_ROWS:
            flush()
            if progress is not None:
                total = ws.max_row or 0
                share = min(r / total, 1.0) if total else 0.5
                progress(share, f"正在读取 {label}：已读 {count:,} 行" + (f" / 约 {total:,} 行" if total else ""))
    if width:
        flush()
    table = pa.table({n: pa.chunked_array(c, pa.string()) for n, c in zip(unique, chunks)}) if width else pa.table({})
    return RawFile(
        table, "xlsx", np.array(numbers, dtype=np.int64), header=names, sheet=ws.title, label=label, notes=notes
    )
