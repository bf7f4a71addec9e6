"""Writing the demo extract as Parquet files."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tracker.demo.generator import Progress, _Generator
from tracker.demo.params import DEFAULT_ROWS, DEFAULT_SEED, ROW_GROUP_ROWS

_KEY_COLUMNS = {"record_id", "person_id", "cert_id", "training_record_id"}
_RANDOM_KEY_COLUMNS = {"person_id", "training_record_id"}  # no use for min/max statistics


def _write_parquet(table: pa.Table, path: Path) -> None:
    # Without the Arrow schema the dictionary-encoded columns read back as the contract's plain strings.
    # Unique keys are not worth a dictionary (the writer would build one per row group, then give up).
    pq.write_table(
        table,
        path,
        compression="zstd",
        row_group_size=ROW_GROUP_ROWS,
        store_schema=False,
        use_dictionary=[c for c in table.column_names if c not in _KEY_COLUMNS],
        write_statistics=[c for c in table.column_names if c not in _RANDOM_KEY_COLUMNS],
    )


def write_demo(
    out: Path, rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED, progress: Progress | None = None
) -> dict[str, int]:
    """Write ``out/training.parquet`` and ``out/certificates.parquet``; return their row counts.

    Files are zstd-compressed with row groups of ~120k rows and replace any earlier file atomically
    (written under a temporary name in ``out`` first). ``progress(fraction, message)`` is called a few
    times with a Chinese message.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda f, m: None)
    gen = _Generator(rows, seed)
    t, c = gen.frames(progress=lambda f, m: say(f * 0.6, m))
    say(0.6, "整理数据表…")
    tmp = {name: out / f".{name}.parquet.{os.getpid()}.tmp" for name in ("training", "certificates")}
    try:
        training, order = gen._training_table(t)
        say(0.7, "写入 Parquet 文件…")
        # the training file is written while the certificates table is built
        with ThreadPoolExecutor(max_workers=1) as pool:
            job = pool.submit(_write_parquet, training, tmp["training"])
            certificates = gen._certificate_table(c, t["year"], order)
            del t, c
            _write_parquet(certificates, tmp["certificates"])
            job.result()
        for name, path in tmp.items():
            os.replace(path, out / f"{name}.parquet")
    finally:
        for path in tmp.values():
            if path.exists():
                path.unlink()
    say(1.0, "演示数据已生成")
    return {"training": training.num_rows, "certificates": certificates.num_rows}
