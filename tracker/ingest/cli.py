"""``python -m tracker ingest`` and ``versions``: what the import found, one sentence per problem on stderr."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

from tracker import pii
from tracker.contract import TABLE_LABELS
from tracker.ingest import ROW_NOTE, IngestError, commit
from tracker.ingest.check import Batch, validate
from tracker.ingest.problems import ERROR, SEVERITY_LABELS, WARNING, column_label
from tracker.ingest.read import Source
from tracker.store import is_demo, list_versions, rollback_version

STDERR_LINES = 50


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


def ingest_cli(files: list[str], data_dir: Path, *, create: bool = True, check_only: bool = False) -> int:
    """``python -m tracker ingest FILE... --data DIR``: 0 imported, 2 rejected (one line per problem on stderr).

    ``create`` allows a data folder that does not exist yet (``--create``); ``check_only`` validates and stops.
    """
    if not data_dir.exists() and not (create or check_only):
        print(
            f"错误：数据目录不存在：{data_dir}。若要新建数据目录并导入，请加 --create（请先确认路径没有拼写错误）",
            file=sys.stderr,
        )
        return 2
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
    if check_only:
        rows = "，".join(f"{fr.name} {TABLE_LABELS[fr.table]} {fr.rows:,} 行" for fr in batch.files if fr.table)
        print(f"校验通过（{took:.1f} 秒）：{rows}。未导入（--check）")
        return 0
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


__all__ = ["ingest_cli", "problem_line", "versions_cli"]
