"""Where the extracts live and which version of them is being served.

A data folder is either *plain* — ``training.parquet`` / ``training/**/*.parquet`` and the same for
``certificates`` directly inside it, as CONTRACT §1 describes — or *versioned*: ingestion writes each
import to ``versions/<id>/`` and switches the one-line file ``CURRENT`` to it with ``os.replace``.
Readers never care which: :func:`active_dir` gives the folder that holds the tables being served.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from tracker import DEFAULT_DATA_DIR
from tracker.contract import TABLES

CURRENT_FILE = "CURRENT"
DEMO_MARKER = "DEMO"  # present in a folder written by the demo generator: every page then says 演示数据
VERSIONS_DIR = "versions"


class DataError(Exception):
    """A problem with the data folder that the user must fix (message is shown as is)."""


def resolve_data_dir(data: str | os.PathLike | None = None) -> Path:
    """``--data DIR`` wins, then ``SKILLS_DATA_DIR``, then ``data/extracts`` of the checkout."""
    if data:
        return Path(data).expanduser()
    env = os.environ.get("SKILLS_DATA_DIR")
    return Path(env).expanduser() if env else DEFAULT_DATA_DIR


def current_version(data_dir: Path) -> str | None:
    """The version id named in ``CURRENT``, or None for a plain folder."""
    pointer = data_dir / CURRENT_FILE
    if not pointer.is_file():
        return None
    name = pointer.read_text(encoding="utf-8").strip()
    return name or None


def active_dir(data_dir: Path) -> Path:
    """The folder whose tables are served now."""
    version = current_version(data_dir)
    if version is None:
        return data_dir
    target = data_dir / VERSIONS_DIR / version
    if not target.is_dir():
        raise DataError(f"数据目录 {data_dir} 的 CURRENT 指向不存在的版本 {version}")
    return target


@dataclass(frozen=True)
class TableSource:
    table: str
    files: tuple[Path, ...]
    hive: bool

    @property
    def glob(self) -> list[str]:
        return [str(f) for f in self.files]


def table_source(folder: Path, table: str) -> TableSource | None:
    """The Parquet files of one table in ``folder``: a single file or a (hive-partitioned) folder."""
    if table not in TABLES:
        raise KeyError(table)
    single = folder / f"{table}.parquet"
    if single.is_file():
        return TableSource(table, (single,), hive=False)
    nested = folder / table
    if nested.is_dir():
        files = tuple(sorted(p for p in nested.rglob("*.parquet") if p.is_file()))
        if files:
            hive = any("=" in part for f in files for part in f.relative_to(nested).parts[:-1])
            return TableSource(table, files, hive=hive)
    return None


def has_extracts(data_dir: Path) -> bool:
    try:
        folder = active_dir(data_dir)
    except DataError:
        return False
    return all(table_source(folder, t) is not None for t in TABLES)


def data_version(data_dir: Path) -> str:
    """A key that changes whenever the served data changes (used in every cache key)."""
    version = current_version(data_dir)
    folder = active_dir(data_dir)
    digest = hashlib.sha1(str(folder.resolve()).encode())
    for table in TABLES:
        source = table_source(folder, table)
        for f in source.files if source else ():
            st = f.stat()
            digest.update(f"{f}:{st.st_size}:{st.st_mtime_ns}".encode())
    suffix = digest.hexdigest()[:12]
    return f"{version}:{suffix}" if version else suffix


def content_key(folder: Path) -> str:
    """A key for the tables in ``folder`` that survives renaming the folder (relative names, sizes, mtimes): the
    aggregates built inside a new version's folder before the switch are found again once it is served."""
    digest = hashlib.sha1()
    for table in TABLES:
        source = table_source(folder, table)
        for f in source.files if source else ():
            st = f.stat()
            digest.update(f"{f.relative_to(folder)}:{st.st_size}:{st.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def is_demo(data_dir: Path) -> bool:
    try:
        return (active_dir(data_dir) / DEMO_MARKER).is_file()
    except DataError:
        return False


def mark_demo(folder: Path) -> None:
    (folder / DEMO_MARKER).write_text(
        "illustrative demo extracts written by python -m tracker demo\n", encoding="utf-8"
    )
