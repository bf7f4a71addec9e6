"""#16: every command-line failure is one sentence and exit code 2, never a traceback, and changes nothing.

Full disk (a real tmpfs when this machine lets us mount one, else the store's ENOSPC hook), an import onto a
truncated current version, ``report --out`` into a missing folder, and a ``--data`` folder that does not exist
(an error unless ``ingest --create`` is given).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from extracts import certificate_row, training_row, write_extracts

from tracker import store

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus" / "files"


def tracker(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k not in ("SKILLS_ID_SALT", "SKILLS_ID_SALT_FILE")}
    full["SKILLS_SETTINGS_FILE"] = str(ROOT / "tests" / "no-such-settings.toml")
    return subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env={**full, **(env or {})},
    )


def one_sentence(out: subprocess.CompletedProcess, *fragments: str) -> None:
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr and "Error:" not in out.stderr.replace("Error）", "")
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("错误：")
    for f in fragments:
        assert f in lines[0], lines[0]


def tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != store.LOCK_FILE
    }


@pytest.fixture
def served(tmp_path) -> Path:
    src = write_extracts(tmp_path / "src", [training_row(i) for i in range(1, 6)], [certificate_row(1)])
    data = tmp_path / "data"
    out = tracker(
        "ingest", str(src / "training.parquet"), str(src / "certificates.parquet"), "--data", str(data), "--create"
    )
    assert out.returncode == 0, out.stderr
    return data


def test_a_data_folder_that_does_not_exist_is_an_error_unless_asked_to_create_it(tmp_path):
    typo = tmp_path / "extarcts"
    out = tracker("ingest", str(CORPUS / "clean_training.csv"), "--data", str(typo))
    one_sentence(out, "数据目录不存在", "--create")
    assert not typo.exists()
    out = tracker("ingest", str(CORPUS / "clean_training.csv"), "--data", str(typo), "--create")
    assert out.returncode == 0, out.stderr
    assert store.current_version(typo)
    for args in (["versions"], ["query", "progress", "--param", "plan=liulin-2023"]):
        one_sentence(tracker(*args, "--data", str(tmp_path / "nowhere")), "数据目录不存在")


def test_check_only_validates_and_imports_nothing(served):
    before = tree(served)
    out = tracker("ingest", str(CORPUS / "county_dot_zero.csv"), "--data", str(served), "--check")
    assert out.returncode == 0, out.stderr
    assert "校验通过" in out.stdout and "141125.0 → 141125" in out.stderr
    assert tree(served) == before


def test_a_full_disk_during_an_import_is_a_sentence_and_the_previous_version_keeps_serving(served):
    before, current = tree(served), store.current_version(served)
    out = tracker("ingest", str(CORPUS / "clean_training.csv"), "--data", str(served), env={store.FAIL_ENV: "ENOSPC"})
    one_sentence(out, "磁盘空间不足", "当前版本未变")
    assert tree(served) == before and store.current_version(served) == current


def test_a_really_full_tmpfs_is_a_sentence_too(tmp_path):
    """The same on a real 256 KB tmpfs (needs the right to mount; the hook test above runs everywhere)."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if (
        shutil.which("mount") is None
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mnt)], capture_output=True
        ).returncode
    ):
        pytest.skip("cannot mount a tmpfs here")
    try:
        data = mnt / "data"
        assert tracker("ingest", str(CORPUS / "clean_training.csv"), "--data", str(data), "--create").returncode == 0
        before = tree(data)
        big = write_extracts(tmp_path / "big", [training_row(i, occupation=f"工种{i}") for i in range(60_000)], [])
        out = tracker("ingest", str(big / "training.parquet"), "--data", str(data))
        one_sentence(out, "磁盘空间不足")
        assert tree(data) == before
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


def test_an_import_onto_a_truncated_current_version_is_refused_with_a_sentence(served):
    version = store.current_version(served)
    target = served / "versions" / version / "training.parquet"
    target.write_bytes(target.read_bytes()[:100])
    before = tree(served)
    for f in ("clean_training.csv", "clean_certificates.csv"):
        out = tracker("ingest", str(CORPUS / f), "--data", str(served))
        one_sentence(out, "当前版本的培训实名制记录已损坏或不完整", "versions --rollback")
        assert tree(served) == before


def test_report_into_a_missing_folder_is_a_sentence(served, tmp_path):
    out = tracker("report", "--plan", "liulin-2023", "--data", str(served), "--out", str(tmp_path / "no" / "r.xlsx"))
    one_sentence(out, "输出文件夹不存在")
    assert not (tmp_path / "no").exists()
