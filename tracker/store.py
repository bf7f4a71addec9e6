"""Where the extracts live, which version of them is being served, and how versions are written.

A data folder is either *plain* — ``training.parquet`` / ``training/**/*.parquet`` and the same for
``certificates`` directly inside it, as CONTRACT §1 describes — or *versioned*: each import becomes
``versions/<id>/`` and the one-line file ``CURRENT`` is switched to it with ``os.replace``.
Readers never care which: :func:`active_dir` gives the folder that holds the tables being served.

Versions (all or nothing). Ingestion validates and hands clean tables to :func:`write_version`, which merges
them with the served tables (re-imported records replace older ones by record_id / cert_id, so nothing counts
twice), writes ``training.parquet``, ``certificates.parquet`` and ``manifest.json`` into a hidden temp folder,
fsyncs it, renames it into place, then switches ``CURRENT``. A kill at any point leaves the previous version
serving; leftovers (temp folders and complete versions that never became current) are removed by the next
import. A full disk or an unreadable served version is refused with a sentence (:class:`VersionError`) and
nothing changes. If the data being served is demo data (DEMO marker), the new version holds only the
imported rows and carries no DEMO marker.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tracker import DEFAULT_DATA_DIR
from tracker.contract import ID_COLUMN, TABLE_LABELS, TABLES

CURRENT_FILE = "CURRENT"
DEMO_MARKER = "DEMO"  # present in a folder written by the demo generator: every page then says 演示数据
VERSIONS_DIR = "versions"
PAUSE_ENV = "SKILLS_INGEST_PAUSE_AFTER_WRITE"  # test hook: seconds to sleep between writing and switching
PAUSE_BUILD_ENV = "SKILLS_STORE_PAUSE_IN_BUILD"  # test hook: seconds to sleep while building the aggregates
FAIL_ENV = "SKILLS_STORE_FAIL_WRITE"  # test hook: raise OSError(<errno name>, e.g. ENOSPC) while writing a version
LOCK_FILE = ".ingest.lock"
LOG_FILE = "LOG.jsonl"  # versions/LOG.jsonl: one line per version that became current
TMP_PREFIX = ".tmp-"
ROW_GROUP_SIZE = 120_000

_VERSION_RE = re.compile(r"^v(\d{4,})-\d{8}T\d{6}$")


class DataError(Exception):
    """A problem with the data folder that the user must fix (message is shown as is)."""


class VersionError(DataError):
    """A new version cannot be written or switched to (message shown as is; nothing was changed)."""


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


# ---------------------------------------------------------------- writing versions


def fsync_dir(path: Path) -> None:
    """Make a folder's entries (a rename into it) durable; best effort where the platform cannot."""
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
    fsync_dir(path.parent)


@contextlib.contextmanager
def _lock(data_dir: Path):
    import fcntl

    with open(data_dir / LOCK_FILE, "a+") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise VersionError(f"数据目录 {data_dir} 正在进行另一次导入或回退，请稍后再试") from None
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


# ---------------------------------------------------------------- committing a version


@dataclass
class WrittenVersion:
    version: str
    manifest: dict[str, Any]
    removed_leftovers: list[str]


def _fail_hook(stage: str) -> None:
    """Test hook: ``SKILLS_STORE_FAIL_WRITE=ENOSPC`` makes writing a version fail as a full disk would."""
    name = os.environ.get(FAIL_ENV)
    if name:
        code = getattr(errno, name, errno.EIO)
        raise OSError(code, os.strerror(code), stage)


def _unreadable(exc: BaseException, what: str) -> VersionError:
    return VersionError(
        f"当前版本的{what}已损坏或不完整，无法在其上导入（{type(exc).__name__}）。数据未作任何改动；"
        "请用 python -m tracker versions --rollback 选择一个完好的版本后再导入"
    )


def _disk_error(exc: OSError) -> VersionError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        why = "磁盘空间不足"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why = "没有写入权限"
    else:
        why = exc.strerror or str(exc)
    return VersionError(f"写入新版本失败：{why}。新版本已放弃，当前版本未变，数据未作任何改动")


def write_version(
    data_dir: Path,
    new_tables: dict[str, pa.Table],
    *,
    files: list[dict[str, Any]],
    validation: dict[str, Any],
    salt_fingerprint: str | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> WrittenVersion:
    """Merge validated tables into the served data as a new version and make it current (all or nothing).

    ``salt_fingerprint`` is given when this import hashed raw ID numbers; it must match earlier imports'.
    """
    say = progress or (lambda _f, _m: None)
    data_dir.mkdir(parents=True, exist_ok=True)
    with _lock(data_dir):
        removed = cleanup(data_dir)
        previous = current_version(data_dir)
        try:
            base_dir = active_dir(data_dir)
        except DataError as exc:  # never build on nothing when the served version is missing: data would be lost
            raise VersionError(f"{exc}；请先用 python -m tracker versions --rollback 选择一个存在的版本") from None
        base_demo = is_demo(data_dir)
        prev_manifest = read_manifest(base_dir) if previous else None
        previous_salt = (prev_manifest or {}).get("salt_fingerprint")
        salt_used = salt_fingerprint or previous_salt
        if salt_fingerprint and previous_salt not in (None, salt_fingerprint):
            raise VersionError(
                "本次使用的盐值与之前导入所用的不同：同一人会得到不同的人员标识，合规核查与人数统计将出错。"
                "请使用原来的盐值（SKILLS_ID_SALT / SKILLS_ID_SALT_FILE）"
            )
        now = _now()
        version = _next_version_id(data_dir, now)
        root = data_dir / VERSIONS_DIR
        tmp = root / f"{TMP_PREFIX}{version}-{os.getpid()}"
        try:
            root.mkdir(exist_ok=True)
            tmp.mkdir()
        except OSError as exc:
            raise _disk_error(exc) from None
        try:
            table_stats: dict[str, dict[str, int]] = {}
            latest_entered = None
            for i, table in enumerate(TABLES):
                say(0.6 + 0.2 * i / len(TABLES), f"正在合并{TABLE_LABELS[table]}…")
                path = tmp / f"{table}.parquet"
                new = new_tables.get(table, TABLES[table].empty_table())
                unchanged = base_dir / f"{table}.parquet"
                if not new.num_rows and previous and not base_demo and unchanged.is_file():
                    # nothing imported for this table: share the previous version's file (versions are immutable)
                    try:
                        rows = pq.ParquetFile(unchanged).metadata.num_rows
                    except (pa.ArrowException, OSError) as exc:
                        raise _unreadable(exc, TABLE_LABELS[table]) from None
                    _link_or_copy(unchanged, path)
                    table_stats[table] = {"rows": rows, "imported": 0, "added": 0, "replaced": 0, "carried": rows}
                    if table == "training":
                        latest_entered = _max_from_stats(tmp, "training", "entered_on")
                    continue
                if base_demo:
                    base = TABLES[table].empty_table()
                else:
                    try:
                        base = read_contract_table(base_dir, table)
                    except (pa.ArrowException, ValueError) as exc:
                        raise _unreadable(exc, TABLE_LABELS[table]) from None
                    except OSError as exc:
                        if exc.errno is None:  # pyarrow reports a truncated file as a bare OSError
                            raise _unreadable(exc, TABLE_LABELS[table]) from None
                        raise
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
                _fail_hook(str(path))
                pq.write_table(merged, path, compression="zstd", row_group_size=ROW_GROUP_SIZE)
                _fsync_file(path)
                if table == "training":
                    latest_entered = pc.max(merged.column("entered_on")).as_py() if merged.num_rows else None
            say(0.85, "正在进行合规核查…")
            from tracker import compliance

            try:
                checks = compliance.summary_for_folder(tmp)
            except Exception as exc:  # duckdb reads the carried files: a damaged one surfaces here
                if isinstance(exc, OSError) and exc.errno is not None:
                    raise
                raise _unreadable(exc, "数据文件") from None
            # issue #12: the version's aggregates are built inside its folder before the switch, so no reader
            # ever sees the new tables without them (and a kill here leaves the previous version serving)
            say(0.88, "正在计算汇总数据…")
            from tracker import aggregates

            pause_build = os.environ.get(PAUSE_BUILD_ENV)
            if pause_build:
                print(f"[test hook] 正在为 {version} 计算汇总数据，暂停 {pause_build} 秒", file=sys.stderr, flush=True)
                time.sleep(float(pause_build))
            try:
                aggregates.build(tmp, progress=lambda f, m: say(0.88 + 0.06 * f, m))
            except Exception as exc:
                if isinstance(exc, OSError) and exc.errno is not None:
                    raise
                raise _unreadable(exc, "汇总数据") from None
            manifest = {
                "version": version,
                "imported_at": now.isoformat(timespec="seconds"),
                "previous_version": previous or ("base" if _has_tables(base_dir) else None),
                "replaced_demo": base_demo,
                "files": files,
                "tables": table_stats,
                "validation": validation,
                "latest_entered_on": latest_entered.isoformat() if latest_entered else None,
                "compliance": checks,
                "salt_fingerprint": salt_used,
            }
            mpath = tmp / "manifest.json"
            mpath.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
            _fsync_file(mpath)
            fsync_dir(tmp)
            final = root / version
            os.rename(tmp, final)
            fsync_dir(root)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise _disk_error(exc) from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        say(0.95, "正在切换到新版本…")
        pause = os.environ.get(PAUSE_ENV)
        if pause:
            print(f"[test hook] 新版本 {version} 已写入，{pause} 秒后切换 CURRENT", file=sys.stderr, flush=True)
            time.sleep(float(pause))
        try:
            switch_current(data_dir, version)
            _log(data_dir, version, "import")
        except OSError as exc:
            if current_version(data_dir) != version:
                shutil.rmtree(root / version, ignore_errors=True)
                raise _disk_error(exc) from None
            raise VersionError(
                f"新版本 {version} 已启用，但写入版本日志失败（{exc.strerror or exc}）；下次导入前请检查磁盘空间"
            ) from None
        say(1.0, "完成")
        return WrittenVersion(version, manifest, removed)


def _chunk(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray):
        return arr.combine_chunks() if arr.num_chunks else pa.array([], arr.type)
    return arr


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
        fsync_dir(data_dir)
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
        raise VersionError(f"没有版本 {version}（python -m tracker versions --data {data_dir} 列出全部版本）")
    if known[version]["state"] != "ok":
        raise VersionError(f"版本 {version} 是一次未完成的导入，不能启用")
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
