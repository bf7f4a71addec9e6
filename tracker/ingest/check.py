"""Validating one import: every file against the contract, all rows at once, each problem named by file, row,
column and (masked) value.

What is checked: columns present; types; required values; codes known to the contract and to
``data/reference/regions.csv``; dates between the programme's start and the import day (a planned end date
of a training still in progress may lie ahead), end ≥ start, entered ≥ start; skill levels 1–5; hours a
training can have; duplicate ids within a file and across the files of one import; what cannot be true in any
text cell (control characters, cells past a sane length, ids in scientific notation); and raw ID numbers
anywhere (:mod:`tracker.pii`): in ``person_id`` or a 身份证号 column they are checked and hashed, in any other
column the file is refused. The limits and their reasons are in :mod:`tracker.ingest.limits`.
**Row numbers**: for CSV and Excel the row as the clerk sees it in the spreadsheet (the header is row 1 when
it stands in the first row, the first record row 2); for Parquet the record number (first record 1).
Columns outside the contract are *not* imported: each is reported once as a warning and dropped.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from tracker import REFERENCE_DIR, pii
from tracker.contract import (
    CERT_TYPES,
    ID_COLUMN,
    NULLABLE,
    PERSON_CATEGORIES,
    SKILL_LEVELS,
    STATUSES,
    TABLE_LABELS,
    TABLES,
    TRAINING_TYPES,
)
from tracker.ingest import limits as lim
from tracker.ingest.normalise import (
    NORMALISED,
    _chunk,
    _np,
    control_chars,
    normalise_text,
    scientific,
    to_bool,
    to_code,
    to_date,
    to_int,
    to_text,
    too_long,
)
from tracker.ingest.problems import DETAIL_CAP, ERROR, WARNING, Problems, column_label
from tracker.ingest.read import FileRefused, RawFile, Source, canonical_column, detect_table, read_source

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
    "hours": "课时应为正整数",
    "hours_max": "课时超过一次培训可能的上限",
    "hours_per_day": "课时超过培训天数所能容纳的课时",
    "too_early": "日期早于",
    "future": "日期晚于今天",
    "end_before_start": "结业日期早于开班日期",
    "entered_before_start": "录入日期早于开班日期",
    "duplicate_id": "编号在本文件中重复",
    "duplicate_across": "编号与同批导入的另一文件重复",
    "raw_id_in_person": "人员标识疑似原始身份证号（请放在“身份证号”列，导入时会脱敏）",
    "no_salt": "文件含身份证号列，但未配置盐值（环境变量 SKILLS_ID_SALT 或 SKILLS_ID_SALT_FILE），拒绝导入以免原始身份证号落盘",
    "cert_level_missing": "职业资格证书 / 职业技能等级证书须填写技能等级",
    "cert_level_unexpected": "该类证书通常不分等级，但填写了技能等级",
    "raw_id_elsewhere": "含疑似身份证号（已遮盖）：身份证号只能放在“身份证号”列（导入时脱敏），不得出现在此列",
    "raw_id_hashed": "人员标识中的原始身份证号已按“身份证号”列同样校验并脱敏，原始号码不落盘",
    "no_salt_person": "人员标识中含原始身份证号，但未配置盐值（环境变量 SKILLS_ID_SALT 或 SKILLS_ID_SALT_FILE），"
    "拒绝导入以免原始身份证号落盘",
    "scientific": "疑似被 Excel 改成科学计数法的编号（如 1.41125E+17），末尾数字已丢失，不同的人会被并成同一人。"
    "请把该列设为“文本”格式后重新导出",
    "control": "含控制字符（如 NUL），不是人录入的内容，可能是导出损坏",
    "too_long": "内容过长",
    "undetected": "无法判断是培训记录还是取证记录：缺少 record_id（记录编号）或 cert_id（证书编号）列，文件名中也没有 training / certificates",
}


@dataclass
class FileResult:
    name: str  # the file, or "file［sheet］" for a workbook read from several sheets
    sha256: str
    size: int
    source: str | None = None  # the file name the clerk chose
    sheet: str | None = None
    table: str | None = None  # training | certificates
    fmt: str | None = None
    encoding: str | None = None
    rows: int = 0
    data: pa.Table | None = None  # contract-typed table, set when the file has no errors
    row_numbers: np.ndarray | None = None
    raw_id_column: str | None = None
    hashed_person_ids: int = 0  # raw ID numbers found in person_id and hashed
    errors: int = 0
    warnings: int = 0


@functools.cache
def _counties(reference_dir: Path = REFERENCE_DIR) -> pa.Array:
    regions = pacsv.read_csv(
        reference_dir / "regions.csv", convert_options=pacsv.ConvertOptions(column_types={"code": pa.string()})
    )
    return pc.filter(regions["code"], pc.equal(regions["level"], "county")).combine_chunks()


def check_source(
    src: Source,
    problems: Problems,
    *,
    salt: bytes | None = None,
    today: dt.date | None = None,
    limits: lim.Limits | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> list[FileResult]:
    """Read and validate one file (each sheet read from a workbook is one result)."""
    limits = limits or lim.current()
    sha = src.sha256
    shown = pii.scrub_text(src.name)  # a file named after a person's ID number is not written down either
    try:
        raws = read_source(src, limits, progress)
    except FileRefused as exc:
        problems.add(shown, None, None, None, str(exc))
        return [FileResult(shown, sha, len(src.data), source=shown, errors=1)]
    out = []
    for raw in raws:
        name = pii.scrub_text(raw.label or src.name)
        result = FileResult(name, sha, len(src.data), source=shown, sheet=raw.sheet)
        result.fmt, result.encoding = raw.fmt, raw.encoding
        for note in raw.notes:
            problems.add(name, None, None, None, note, WARNING)
        out.append(_check(raw, result, problems, salt, today, limits))
    return out


def check_file(
    src: Source,
    problems: Problems,
    *,
    salt: bytes | None = None,
    today: dt.date | None = None,
) -> FileResult:
    """Read and validate one file; problems go into ``problems``; ``result.data`` is set when it is clean.

    (The first part of a workbook read from several sheets; :func:`check_source` gives every part.)
    """
    return check_source(src, problems, salt=salt, today=today)[0]


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
    return _check(raw, FileResult(name, "", 0, source=name, fmt=fmt), problems, salt, today, lim.current())


def _check(
    raw: RawFile,
    result: FileResult,
    problems: Problems,
    salt: bytes | None,
    today: dt.date | None,
    limits: lim.Limits,
) -> FileResult:
    errors, warnings = problems.errors, problems.warnings
    _check_raw(raw, result, problems, salt=salt, today=today or dt.date.today(), counties=_counties(), limits=limits)
    result.errors = problems.errors - errors
    result.warnings = problems.warnings - warnings
    if result.errors:
        result.data = None
    return result


def _check_raw(
    raw: RawFile,
    result: FileResult,
    problems: Problems,
    *,
    salt: bytes | None,
    today: dt.date,
    counties: pa.Array,
    limits: lim.Limits,
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

    cleaned: dict[str, pa.Array] = {}

    def col(c: str) -> pa.Array:
        return cleaned[c] if c in cleaned else _chunk(raw.table.column(mapping[c]))

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

    # text as clerks and Excel write it: normalised (one warning per kind and column), then what cannot be true
    too_long_reason = f"{REASONS['too_long']}（超过{limits.max_cell_chars:,}个字符；设置 [import] max_cell_chars）"
    text_columns = [(c, mapping[c]) for c in schema.names if c in mapping]
    text_columns += [(raw_id_col, raw_id_col)] if raw_id_col else []
    for c, actual in text_columns:
        given = _chunk(raw.table.column(actual))
        if not pa.types.is_string(given.type):
            continue  # a typed Parquet column
        free = c in lim.FREE_TEXT_COLUMNS
        s, changes = normalise_text(given, free)
        for kind, mask in changes.items():
            idx = np.flatnonzero(mask)
            example = given[int(idx[0])].as_py()
            problems.add(f, int(rows[idx[0]]), c, example, f"{NORMALISED[kind]}，共 {len(idx):,} 个单元格", WARNING)
        cleaned[c] = s
        # control characters wherever they stand (trimming would hide a leading \v); tabs and line breaks only
        # inside a code, id or date (around one they are just a paste's leftovers)
        report(control_chars(given, True) | control_chars(s, free), c, REASONS["control"], given)
        report(too_long(s, limits.max_cell_chars), c, too_long_reason, s)
        if c == raw_id_col or (pa.types.is_string(schema.field(c).type) and c not in lim.FREE_TEXT_COLUMNS):
            report(scientific(s), c, REASONS["scientific"], s)

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
        raw_ids = pii.normalise_ids(to_text(cleaned.get(raw_id_col, _chunk(raw.table.column(raw_id_col)))))
        reasons = pii.check_ids(raw_ids, today=today)
        for reason in (pii.REASON_LENGTH, pii.REASON_FORMAT, pii.REASON_CHECK, pii.REASON_BIRTH, pii.REASON_AREA):
            report(reasons == reason, raw_id_col, reason, raw_ids)
        if "person_id" not in mapping:
            report(_np(pc.is_null(raw_ids)), raw_id_col, REASONS["required"])

    # required values
    for c in schema.names:
        if c in typed and c not in NULLABLE[table]:
            report(_np(pc.is_null(typed[c])) & ~bad_any[c], c, REASONS["required"])

    # raw ID numbers anywhere else: in person_id hashed like the 身份证号 column, in any other column refused
    person_ids: tuple[np.ndarray, pa.Array] | None = None
    for field_ in schema:
        c = field_.name
        if c not in typed or not pa.types.is_string(field_.type):
            continue
        text = to_text(col(c))
        has_id, whole, ids = pii.raw_id_cells(text, today)
        if c == "person_id":
            if whole.any() and raw_id_col is None:
                if salt is None:
                    report(whole, c, REASONS["no_salt_person"], text)
                else:
                    person_ids = (whole, ids)
                    result.hashed_person_ids = int(whole.sum())
                    idx = np.flatnonzero(whole)
                    problems.add(
                        f, int(rows[idx[0]]), c, None, f"{REASONS['raw_id_hashed']}，共 {len(idx):,} 个", WARNING
                    )
            has_id &= ~whole
            if raw_id_col is None:
                report(pii.looks_like_raw_ids(text) & ~whole & ~has_id, c, REASONS["raw_id_in_person"], typed[c])
        report(has_id, c, REASONS["raw_id_elsewhere"], text)

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
    earliest = limits.earliest_date
    min_s = pa.scalar(earliest, pa.date32())
    too_early = (
        f"{REASONS['too_early']}{earliest.year}年{earliest.month}月{earliest.day}日"
        "（早于实名制系统和本计划的起始；设置 [import] earliest_date）"
    )
    date_cols = [c.name for c in schema if pa.types.is_date32(c.type)]
    for c in date_cols:
        d = typed[c]
        report(_np(pc.less(d, min_s)), c, too_early, d)
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
        report(_np(pc.less(hours, 1)), "hours", REASONS["hours"], hours)
        report(
            _np(pc.greater(hours, limits.max_hours)),
            "hours",
            f"{REASONS['hours_max']}（{limits.max_hours:,}课时，企业新型学徒制两年的课时；设置 [import] max_hours）",
            hours,
        )
        days = pc.add(pc.days_between(start, typed["end_date"]), 1)
        over_days = pc.and_(
            pc.greater(days, 0),
            pc.and_(
                pc.greater(hours, pc.multiply(days, limits.max_hours_per_day)),
                pc.less_equal(hours, limits.max_hours),
            ),
        )
        report(
            _np(over_days),
            "hours",
            f"{REASONS['hours_per_day']}（每天至多{limits.max_hours_per_day}课时；设置 [import] max_hours_per_day），"
            "请核实课时或开班 / 结业日期",
            hours,
            WARNING,  # a record may carry the exam day as its end: worth a look, not a reason to refuse the file
            suffix=lambda idx: [f"（培训{d}天）" for d in pc.take(days, pa.array(idx)).to_pylist()],
        )
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
    elif person_ids is not None and salt is not None:
        whole, ids = person_ids
        typed["person_id"] = pc.if_else(pa.array(whole), pii.hash_ids(ids, salt), typed["person_id"])
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

    @property
    def hashed_ids(self) -> bool:
        """Whether raw ID numbers were hashed (in a 身份证号 column or in person_id)."""
        return any(fr.raw_id_column or fr.hashed_person_ids for fr in self.files)

    def tables(self) -> dict[str, pa.Table]:
        out: dict[str, list[pa.Table]] = {}
        for fr in self.files:
            if fr.data is not None and fr.table:
                out.setdefault(fr.table, []).append(fr.data)
        return {t: pa.concat_tables(parts) for t, parts in out.items()}


def validate(
    sources: list[Source],
    *,
    salt: bytes | None = None,
    today: dt.date | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> Batch:
    """Read and validate every file, then look for ids repeated across the files of one import."""
    problems = Problems()
    say = progress or (lambda _f, _m: None)
    limits = lim.current()
    files: list[FileResult] = []
    share = 0.55 / max(len(sources), 1)
    for i, src in enumerate(sources):
        say(0.05 + share * i, f"正在读取并校验 {src.name}（{i + 1}/{len(sources)}）…")

        def reading(f: float, m: str, i: int = i) -> None:
            say(0.05 + share * (i + 0.8 * f), m)

        files += check_source(src, problems, salt=salt, today=today, limits=limits, progress=reading)
    seen_sha: dict[str, str] = {}
    for fr in files:
        if fr.sha256 in seen_sha and seen_sha[fr.sha256] != fr.source:
            problems.add(fr.name, None, None, None, f"与同批文件 {seen_sha[fr.sha256]} 内容完全相同")
            fr.data = None
        seen_sha.setdefault(fr.sha256, fr.source)
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
