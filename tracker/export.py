"""Downloads of page tables: CSV that Excel opens with Chinese headers, and a tidy one-sheet .xlsx."""

from __future__ import annotations

import io
from collections.abc import Iterable

import pandas as pd

PERCENT_COLUMNS = ("完成率", "时序进度")


def to_csv(frame: pd.DataFrame) -> bytes:
    """CSV with a BOM so that Excel opens the Chinese headers correctly."""
    return frame.to_csv(index=False).encode("utf-8-sig")


def to_xlsx(frame: pd.DataFrame, sheet: str = "数据", notes: Iterable[str] = ()) -> bytes:
    """One sheet with the table (frozen header, widths to fit, % and thousands formats), notes below it."""
    sheet = sheet[:31]  # Excel's limit for sheet names
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter") as writer:
        frame.to_excel(writer, sheet_name=sheet, index=False)
        book, worksheet = writer.book, writer.sheets[sheet]
        worksheet.freeze_panes(1, 0)
        pct = book.add_format({"num_format": '0.0"%"'})
        num = book.add_format({"num_format": "#,##0"})
        for i, col in enumerate(frame.columns):
            width = max([len(str(col)) * 2] + [len(str(v)) * 2 for v in frame[col].head(200)]) + 2
            fmt = pct if col in PERCENT_COLUMNS else num if pd.api.types.is_numeric_dtype(frame[col]) else None
            worksheet.set_column(i, i, min(width, 40), fmt)
        for j, note in enumerate(notes):
            worksheet.write(len(frame) + 2 + j, 0, note)
    return buffer.getvalue()
