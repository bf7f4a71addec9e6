"""Every limit an import enforces, in one place, with the reason for it.

Fixed limits are facts (of the contract, of Excel, of GB 11643). Limits an office may need to change are read
from the settings file, section ``[import]`` (see ``settings.example.toml``); the default stands beside each.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tracker import settings

# ---------------------------------------------------------------- fixed (facts, not preferences)

# Excel keeps 15 significant digits: an 18-digit number typed into a cell is stored as 1.41125199001011E+17
# and its last digits are gone. A value in scientific notation, or an integer of 16+ digits that came from a
# float, can no longer tell people apart: every distinct-person count built on it would be wrong.
EXCEL_DIGITS = 15

# C0 control characters (NUL, BEL, ESC …) and DEL never occur in a value a clerk typed; they come from broken
# exports or from someone probing the importer. Tab, CR and LF are allowed only in free text (a line break
# typed with Alt+Enter in an Excel cell), never in codes, ids or dates.
CONTROL_CHARS = r"[\x{00}-\x{08}\x{0B}\x{0C}\x{0E}-\x{1F}\x{7F}]"
LINE_CHARS = r"[\t\r\n]"

# Free-text columns: written by people, kept as written except for surrounding spaces. Every other text column
# is a code, an id or a date and is normalised (full-width → half-width, 141125.0 → 141125).
FREE_TEXT_COLUMNS = frozenset({"occupation", "school_name", "industry", "major"})

# GB 11643 15-digit ID numbers (issued until 1999) carry a 6-digit birth date YYMMDD of the 1900s. Anybody in a
# training or certificate record since 2015 was born between these years; a 15-digit value whose middle is not
# such a date is not treated as an ID number (so record numbers built from county + date are not refused).
OLD_ID_BIRTH_YEARS = (1930, 1999)

# A header is recognised in the first rows of a sheet (a 花名册 puts a merged title, a date and a unit above it).
HEADER_SCAN_ROWS = 20
# A row counts as the header when at least this many of its cells name contract columns.
HEADER_MIN_MATCHES = 3

# The contract stores hours as int16.
HOURS_TYPE_MAX = 32767


# ---------------------------------------------------------------- operator-tunable ([import] in settings.toml)


@dataclass(frozen=True)
class Limits:
    max_file_mb: float
    max_rows: int
    max_xlsx_unzipped_mb: int
    max_cell_chars: int
    max_hours: int
    max_hours_per_day: int
    earliest_date: dt.date

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)


DEFAULTS = {
    # An import runs in a worker process, but the page holds the upload in memory: 200 MB is Streamlit's own
    # upload limit and more than a 1M-row Parquet extract needs (≈ 60 MB).
    "max_file_mb": 200,
    # Rows per file: the whole province's enrolments of several years fit (the demo holds 1,000,000); a file
    # larger than this is split or sent as Parquet. It bounds an import's memory (≈ 1 GB per 2M rows).
    "max_rows": 2_000_000,
    # An .xlsx is a zip: its sheets unpacked may be 20–100× the file. A 200,000-row 花名册 unpacks to ≈ 60 MB;
    # a zip bomb unpacks to gigabytes and is refused before a single row is parsed.
    "max_xlsx_unzipped_mb": 600,
    # The longest value a real extract holds is a school or institution name (< 60 characters); 200 leaves
    # room for long occupation names and refuses pasted documents and megabyte-long probes.
    "max_cell_chars": 200,
    # 企业新型学徒制 runs 1–2 years at ≈ 1,600 teaching hours a year (seed 003); nothing else is longer.
    "max_hours": 4000,
    # No course teaches more than 12 hours a day: hours > 12 × (end − start + 1 days) is reported as a warning
    # to check (not refused: a record may carry the exam day as its end date; the demo generator writes such rows).
    "max_hours_per_day": 12,
    # The real-name system (职业培训实名制信息系统) holds records from 2015; the earliest plan (seed 000)
    # starts 2018. Earlier dates are typing errors (1023 for 2023) or Excel's 1900 date system.
    "earliest_date": "2015-01-01",
}


def current() -> Limits:
    """The limits in force now (settings file values, else the defaults above)."""

    def get(key: str):
        return settings.get("import", key, DEFAULTS[key])

    earliest = get("earliest_date")
    if isinstance(earliest, str):
        earliest = dt.date.fromisoformat(earliest)
    return Limits(
        max_file_mb=float(get("max_file_mb")),
        max_rows=int(get("max_rows")),
        max_xlsx_unzipped_mb=int(get("max_xlsx_unzipped_mb")),
        max_cell_chars=int(get("max_cell_chars")),
        max_hours=min(int(get("max_hours")), HOURS_TYPE_MAX),
        max_hours_per_day=int(get("max_hours_per_day")),
        earliest_date=earliest,
    )
