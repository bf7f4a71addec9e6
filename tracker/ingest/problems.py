"""Problems found by an import: exact counts, details capped, values shown masked and printable."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tracker import pii
from tracker.contract import COLUMN_LABELS

DETAIL_CAP = 1000  # problems listed per (file, column, reason); the count is always exact
ERROR, WARNING = "error", "warning"
SEVERITY_LABELS = {ERROR: "错误", WARNING: "警告"}


@dataclass
class Problems:
    """Problems found in one batch: exact counts, details capped per (file, column, reason)."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)

    def add(
        self, file: str, row: int | None, column: str | None, value: Any, reason: str, severity: str = ERROR
    ) -> None:
        key = (severity, file, column, reason)
        self.counts[key] += 1
        if self.counts[key] <= DETAIL_CAP:
            self.rows.append(
                {
                    "file": file,
                    "row": row,
                    "column": column,
                    "value": _show(column, value),
                    "reason": reason,
                    "severity": severity,
                }
            )

    def add_many(
        self, file: str, rows: np.ndarray, column: str | None, values: list | None, reason: str, severity: str = ERROR
    ) -> None:
        """Many rows with the same reason; ``rows`` are display row numbers, ``values`` aligned with them."""
        n = len(rows)
        if n == 0:
            return
        key = (severity, file, column, reason)
        room = max(0, DETAIL_CAP - self.counts[key])
        self.counts[key] += n
        shown = rows[:room]
        vals = values[:room] if values is not None else [None] * len(shown)
        for r, v in zip(shown.tolist(), vals):
            self.rows.append(
                {
                    "file": file,
                    "row": int(r),
                    "column": column,
                    "value": _show(column, v),
                    "reason": reason,
                    "severity": severity,
                }
            )

    @property
    def errors(self) -> int:
        return sum(n for (sev, *_), n in self.counts.items() if sev == ERROR)

    @property
    def warnings(self) -> int:
        return sum(n for (sev, *_), n in self.counts.items() if sev == WARNING)

    def frame(self) -> pd.DataFrame:
        """Problems as a table (errors first, then by file and row) with English column names."""
        df = pd.DataFrame(self.rows, columns=["file", "row", "column", "value", "reason", "severity"])
        if df.empty:
            return df
        df["row"] = df["row"].astype("Int64")
        df["_sev"] = (df["severity"] != ERROR).astype(int)
        df = df.sort_values(["_sev", "file", "row", "column"], kind="stable", na_position="first")
        return df.drop(columns="_sev").reset_index(drop=True)

    def summary(self) -> list[dict[str, Any]]:
        """Counts per (severity, file, column, reason)."""
        return [
            {"severity": s, "file": f, "column": c, "reason": r, "count": n}
            for (s, f, c, r), n in sorted(self.counts.items(), key=lambda kv: (kv[0][0] != ERROR, -kv[1]))
        ]


def _show(column: str | None, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and np.isnan(value):
        return ""
    text = str(value)
    if column is not None and pii.is_raw_id_column(column):
        return pii.mask_id(text)
    text = text if len(text) <= 200 else text[:200]
    text = pii.scrub_text(text)
    # control characters are shown, not passed on (a NUL cuts a CSV line short, ESC codes move a terminal)
    text = "".join(c if c.isprintable() or c == " " else f"\\x{ord(c):02x}" for c in text)
    return text if len(text) <= 60 else text[:57] + "…"


def column_label(column: str | None) -> str:
    if not column:
        return ""
    label = COLUMN_LABELS.get(column)
    return f"{column}（{label}）" if label else column
