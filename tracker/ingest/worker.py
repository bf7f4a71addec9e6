"""An import run outside the dashboard's process, so that one upload never stalls everyone else's pages.

``python -m tracker.ingest.worker check|commit --data DIR --job JOB FILE...`` reads, validates and (for
``commit``) writes a new version, exactly as ``python -m tracker ingest`` does, while it writes

- ``JOB/progress.json``: ``{"fraction": 0…1, "message": "…"}`` (replaced atomically; the page polls it), and
- ``JOB/result.json`` at the end: the files read, the problems found (the same records the CLI prints), and
  for ``commit`` the new version and its manifest, or the sentence that refused it.

The salt comes from the environment (the page passes ``st.secrets["id_salt"]`` as ``SKILLS_ID_SALT``). The
page side (:mod:`tracker.data_view`) starts the worker with :func:`start` and reads it with :func:`poll`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NICENESS = 10
JOB_PREFIX = "skills-import-"
BATCH = "batch.pickle"
JOB_MAX_AGE = 3600  # seconds a job folder (uploads, a kept batch) may stay in the temp folder
PROGRESS = "progress.json"
RESULT = "result.json"
LOG = "worker.log"


def _write_json(path: Path, payload: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, path)


def batch_summary(batch: Any) -> dict[str, Any]:
    """What the page shows about a validated batch (plain JSON)."""
    frame = batch.problems.frame()
    records = []
    for rec in frame.to_dict("records"):
        row = rec.get("row")
        rec["row"] = None if row is None or row != row else int(row)  # NaN / <NA> → None
        records.append(rec)
    return {
        "ok": batch.ok,
        "errors": batch.problems.errors,
        "warnings": batch.problems.warnings,
        "files": [
            {
                "name": f.name,
                "table": f.table,
                "format": f.fmt,
                "encoding": f.encoding,
                "rows": f.rows,
                "errors": f.errors,
                "warnings": f.warnings,
                "raw_id_column": f.raw_id_column is not None,
                "hashed_person_ids": f.hashed_person_ids,
            }
            for f in batch.files
        ],
        "problems": records,
    }


def _save_batch(batch: Any, job: Path) -> None:
    """Keep a clean batch (already pseudonymised: no raw ID number in it) for the commit stage, salt left out."""
    from tracker import pii

    fingerprint = pii.salt_fingerprint(batch.salt) if batch.salt else None
    salt, batch.salt = batch.salt, None
    try:
        with open(job / BATCH, "wb") as fh:
            pickle.dump({"fingerprint": fingerprint, "batch": batch}, fh, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        batch.salt = salt


def _load_batch(folder: Path, salt: bytes | None) -> Any | None:
    """The batch a check stage kept, if it is there and was validated with the same salt."""
    from tracker import pii

    try:
        with open(folder / BATCH, "rb") as fh:
            kept = pickle.load(fh)  # written by our own check stage into a private (0700) temp folder
    except (OSError, pickle.UnpicklingError, EOFError):
        return None
    if kept["fingerprint"] != (pii.salt_fingerprint(salt) if salt else None):
        return None
    batch = kept["batch"]
    batch.salt = salt
    return batch


def sweep(max_age: float = JOB_MAX_AGE) -> None:
    """Remove job folders older than ``max_age`` seconds (a check whose files were never imported, a crash)."""
    now = time.time()
    for folder in Path(tempfile.gettempdir()).glob(JOB_PREFIX + "*"):
        with contextlib.suppress(OSError):
            if folder.is_dir() and now - folder.stat().st_mtime > max_age:
                shutil.rmtree(folder, ignore_errors=True)


def discard(folder: Path | str | None) -> None:
    """Remove a job folder (its kept batch holds pseudonymised personal data: it does not linger)."""
    if folder and Path(folder).name.startswith(JOB_PREFIX):
        shutil.rmtree(folder, ignore_errors=True)


def run(stage: str, files: list[str], data_dir: Path, job: Path, batch_from: Path | None = None) -> int:
    from tracker import ingest, pii

    def say(fraction: float, message: str) -> None:
        _write_json(job / PROGRESS, {"fraction": round(min(max(fraction, 0.0), 1.0), 3), "message": message})

    result: dict[str, Any] = {"stage": stage, "pid": os.getpid()}
    try:
        say(0.01, "正在读取文件…")
        salt = pii.load_salt()
        batch = _load_batch(batch_from, salt) if stage == "commit" and batch_from else None
        if batch is None:
            sources = [ingest.Source.from_path(f) for f in files]
            for f in files:  # uploads may hold raw ID numbers: they do not stay on disk a moment longer than needed
                if Path(f).resolve().is_relative_to(job.resolve()):  # only the copies start() wrote, never a user's
                    Path(f).unlink(missing_ok=True)
            batch = ingest.validate(sources, salt=salt, progress=say)
        result.update(batch_summary(batch))
        if stage == "check" and batch.ok:
            _save_batch(batch, job)
            result["batch_dir"] = str(job)
        if stage == "commit" and batch.ok:
            done = ingest.commit(batch, data_dir, progress=say)
            result.update(version=done.version, manifest=done.manifest, removed=done.removed_leftovers)
            discard(batch_from)
        say(1.0, "完成")
    except (ingest.IngestError, pii.SaltError) as exc:
        result.update(ok=False, error=str(exc))
    except MemoryError:
        result.update(ok=False, error="导入所需内存超出服务器可用内存：请按年度或地区拆分文件后分批导入")
    except Exception as exc:  # the page shows a sentence; the traceback goes to the job's log
        import traceback

        (job / LOG).write_text(traceback.format_exc(), encoding="utf-8")
        result.update(ok=False, error=f"导入意外失败（{type(exc).__name__}），数据未作改动。详情见 {job / LOG}")
    _write_json(job / RESULT, result)
    return 0 if result.get("ok") else 2


# ---------------------------------------------------------------- the page's side


@dataclass
class Job:
    folder: Path
    pid: int
    stage: str
    started: float


def start(
    stage: str,
    uploads: list[tuple[str, bytes]],
    data_dir: Path,
    salt: bytes | None,
    batch_from: str | Path | None = None,
) -> Job:
    """Write the uploads to a job folder and start the worker on them (returns at once).

    A commit given ``batch_from`` (the folder of a successful check) imports what that check validated instead
    of reading and validating the files again; the uploads are the fallback when that batch is gone.
    """
    sweep()
    folder = Path(tempfile.mkdtemp(prefix=JOB_PREFIX))
    paths = []
    for i, (name, data) in enumerate(uploads):
        sub = folder / f"f{i}"
        sub.mkdir()
        path = sub / (Path(name).name or f"file{i}")
        path.write_bytes(data)
        paths.append(str(path))
    env = dict(os.environ)
    env.pop("SKILLS_ID_SALT_FILE", None)
    if salt:
        env["SKILLS_ID_SALT"] = salt.decode("utf-8")
    root = Path(__file__).resolve().parent.parent.parent
    env["PYTHONPATH"] = os.pathsep.join([str(root), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    cmd = [sys.executable, "-m", "tracker.ingest.worker", stage, "--data", str(data_dir), "--job", str(folder)]
    if batch_from:
        cmd += ["--batch", str(batch_from)]
    with open(folder / LOG, "ab") as log:
        proc = subprocess.Popen(
            [*cmd, *paths], stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=env, start_new_session=True
        )
    _CHILDREN[proc.pid] = proc
    return Job(folder, proc.pid, stage, time.time())


_CHILDREN: dict[int, subprocess.Popen] = {}


def poll(job: Job) -> tuple[float, str, dict[str, Any] | None]:
    """(fraction, message, result or None while running)."""
    result_path = job.folder / RESULT
    if result_path.is_file():
        proc = _CHILDREN.pop(job.pid, None)
        if proc is not None:
            proc.wait(timeout=10)
        result = json.loads(result_path.read_text(encoding="utf-8"))
        log = job.folder / LOG
        keep = (job.folder / BATCH).exists() or (log.exists() and log.stat().st_size > 0)
        if not keep:  # nothing to import from or look into later
            shutil.rmtree(job.folder, ignore_errors=True)
        return 1.0, "完成", result
    try:
        progress = json.loads((job.folder / PROGRESS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        progress = {"fraction": 0.0, "message": "正在启动导入进程…"}
    proc = _CHILDREN.get(job.pid)
    if proc is not None and proc.poll() is not None:  # ended without a result: killed or crashed
        _CHILDREN.pop(job.pid, None)
        for upload in job.folder.glob("f*/*"):
            upload.unlink(missing_ok=True)
        return 1.0, "", {"stage": job.stage, "ok": False, "error": "导入进程意外结束（可能内存不足），数据未作改动"}
    return float(progress.get("fraction", 0.0)), str(progress.get("message", "")), None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tracker.ingest.worker")
    ap.add_argument("stage", choices=["check", "commit"])
    ap.add_argument("--data", required=True)
    ap.add_argument("--job", required=True)
    ap.add_argument("--batch", help="folder of a successful check stage: import the batch it kept")
    ap.add_argument("files", nargs="*")
    args = ap.parse_intermixed_args(argv)
    if not args.files and not args.batch:
        ap.error("give the files to import (or --batch)")
    with contextlib.suppress(OSError):  # the dashboard's own threads come first; an import may take a little longer
        os.nice(NICENESS)
    return run(args.stage, args.files, Path(args.data), Path(args.job), Path(args.batch) if args.batch else None)


if __name__ == "__main__":
    sys.exit(main())
