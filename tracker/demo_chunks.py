"""A very large demo extract written in chunks, as a hive-partitioned folder (issue #12: measure 100M once).

``write_chunked(out, rows, chunk_rows)`` writes ``out/training/chunk=K/part.parquet`` and
``out/certificates/chunk=K/part.parquet`` for K = 0 … n−1, each chunk a demo extract of ``chunk_rows`` trainings
generated with its own seed (so its persons are other persons: ``person_id`` is a keyed hash whose key comes from
the seed). Record and certificate numbers carry the chunk (``T`` → ``T<K>``, ``C`` → ``C<K>``, also in
``training_record_id``), so they stay unique across chunks. Memory stays that of one chunk.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tracker import demo

Progress = Callable[[float, str], None]


def _renumber(column: pa.ChunkedArray, letter: str, chunk: int) -> pa.ChunkedArray:
    return pc.replace_substring_regex(column, pattern=f"^{letter}", replacement=f"{letter}{chunk:02d}")


def write_chunked(
    out: Path, rows: int, chunk_rows: int = 10_000_000, seed: int = demo.DEFAULT_SEED, progress: Progress | None = None
) -> dict[str, int]:
    """Write ``rows`` trainings (rounded to whole chunks) in chunks of ``chunk_rows``; return the row counts."""
    say = progress or (lambda f, m: None)
    chunks = max(1, round(rows / chunk_rows))
    totals = {"training": 0, "certificates": 0}
    t0 = time.perf_counter()
    for k in range(chunks):
        say(k / chunks, f"第{k + 1}/{chunks}块：生成 {chunk_rows:,} 行（{time.perf_counter() - t0:.0f} 秒）")
        training, certificates = demo.generate(rows=chunk_rows, seed=seed + k)
        training = training.set_column(
            training.schema.get_field_index("record_id"), "record_id", _renumber(training["record_id"], "T", k)
        )
        for name, letter in (("cert_id", "C"), ("training_record_id", "T")):
            certificates = certificates.set_column(
                certificates.schema.get_field_index(name), name, _renumber(certificates[name], letter, k)
            )
        for table_name, table in (("training", training), ("certificates", certificates)):
            folder = out / table_name / f"chunk={k}"
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f".part.parquet.{os.getpid()}.tmp"
            pq.write_table(table, tmp, compression="zstd", row_group_size=122_880)
            os.replace(tmp, folder / "part.parquet")
            totals[table_name] += table.num_rows
        del training, certificates
    say(1.0, f"已写入 {totals['training']:,} 行培训、{totals['certificates']:,} 行证书")
    return totals
