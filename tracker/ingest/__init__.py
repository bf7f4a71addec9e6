"""Importing real extracts safely: read, validate against the contract, pseudonymise, hand over to the store.

The parts, by what they do:

- :mod:`tracker.ingest.read` — reading Parquet, CSV and .xlsx (every sheet, streamed; header found below a
  title; size and row limits refused up front);
- :mod:`tracker.ingest.normalise` — Excel's and paste's habits undone (with a warning), values typed;
- :mod:`tracker.ingest.check` — every rule of the contract, raw ID numbers anywhere, what cannot be true;
- :mod:`tracker.ingest.problems` — problems found: exact counts, capped details, values masked;
- :mod:`tracker.ingest.limits` — every limit with its reason (operator-tunable ones in settings ``[import]``);
- :mod:`tracker.ingest.cli` — ``python -m tracker ingest`` / ``versions`` output;
- :mod:`tracker.ingest.worker` — the import run outside the dashboard's process, reporting progress.

Versions are the store's (:mod:`tracker.store`): :func:`commit` hands a clean batch to
:func:`tracker.store.write_version`, which writes the version all or nothing and switches ``CURRENT``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracker import pii
from tracker.contract import PERSON_CATEGORIES, STATUSES, TRAINING_TYPES
from tracker.ingest.check import (
    REASONS,
    Batch,
    FileResult,
    check_file,
    check_source,
    check_table,
    duplicate_rows,
    validate,
)
from tracker.ingest.problems import DETAIL_CAP, ERROR, SEVERITY_LABELS, WARNING, Problems, column_label
from tracker.ingest.read import SUPPORTED, FileRefused, RawFile, Source, canonical_column, detect_table, read_source
from tracker.store import (
    LOCK_FILE,
    LOG_FILE,
    PAUSE_ENV,
    ROW_GROUP_SIZE,
    TMP_PREFIX,
    VersionError,
    active_dir,
    cleanup,
    list_versions,
    read_contract_table,
    read_manifest,
    rollback_version,
    switch_current,
    version_info,
    write_version,
)

IngestError = VersionError  # the import was refused as a whole (message shown as is; nothing was written)

ROW_NOTE = (
    "行号说明：CSV / Excel 文件为表格中的行号（表头在第1行时，第一条记录为第2行）；"
    "Parquet 文件为第几条记录（第一条为第1行）。"
)


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
    batch = validate(sources, salt=salt, today=today, progress=progress)
    if not batch.ok:
        return batch
    return commit(batch, data_dir, progress=progress)


def file_entries(batch: Batch) -> list[dict[str, Any]]:
    """What the manifest records about each file (or sheet) of an import."""
    return [
        {
            "name": fr.name,
            "sha256": fr.sha256,
            "bytes": fr.size,
            "table": fr.table,
            "format": fr.fmt,
            "encoding": fr.encoding,
            "sheet": fr.sheet,
            "rows": fr.rows,
            "raw_id_column_hashed": fr.raw_id_column is not None,
        }
        for fr in batch.files
    ]


def commit(batch: Batch, data_dir: Path, *, progress: Callable[[float, str], None] | None = None) -> IngestResult:
    """Hand a validated batch to the store as a new version and make it current (all or nothing)."""
    if not batch.ok:
        raise IngestError("数据校验未通过，不能导入")
    hashed = batch.salt is not None and batch.hashed_ids
    written = write_version(
        data_dir,
        batch.tables(),
        files=file_entries(batch),
        validation={
            "errors": 0,
            "warnings": batch.problems.warnings,
            "warning_counts": [s for s in batch.problems.summary() if s["severity"] == WARNING],
        },
        salt_fingerprint=pii.salt_fingerprint(batch.salt) if hashed else None,
        progress=progress,
    )
    return IngestResult(written.version, written.manifest, batch, written.removed_leftovers)


from tracker.ingest.cli import ingest_cli, problem_line, versions_cli  # noqa: E402  (the CLI uses the above)

__all__ = [
    "DETAIL_CAP",
    "ERROR",
    "LOCK_FILE",
    "LOG_FILE",
    "PAUSE_ENV",
    "PERSON_CATEGORIES",
    "REASONS",
    "ROW_GROUP_SIZE",
    "ROW_NOTE",
    "SEVERITY_LABELS",
    "STATUSES",
    "SUPPORTED",
    "TMP_PREFIX",
    "TRAINING_TYPES",
    "WARNING",
    "Batch",
    "FileRefused",
    "FileResult",
    "IngestError",
    "IngestResult",
    "Problems",
    "RawFile",
    "Source",
    "active_dir",
    "canonical_column",
    "check_file",
    "check_source",
    "check_table",
    "cleanup",
    "column_label",
    "commit",
    "detect_table",
    "duplicate_rows",
    "file_entries",
    "ingest",
    "ingest_cli",
    "list_versions",
    "problem_line",
    "read_contract_table",
    "read_manifest",
    "read_source",
    "rollback_version",
    "switch_current",
    "validate",
    "version_info",
    "versions_cli",
]
