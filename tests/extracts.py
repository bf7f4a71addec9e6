"""Hand-made extracts in the contract's shape: rows given as dicts, every other column defaulted."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from tracker.contract import CERTIFICATE_SCHEMA, TRAINING_SCHEMA

LIULIN = "141125"
LISHI = "141102"  # 离石区, also in 吕梁市
TAIYUAN_XIAODIAN = "140105"


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def training_row(n: int, **over: Any) -> dict[str, Any]:
    row = {
        "record_id": f"T{n:06d}",
        "person_id": f"P{n:06d}",
        "county_code": LIULIN,
        "training_type": "enterprise_staff",
        "person_category": "enterprise_employee",
        "institution_id": "JG001",
        "school_name": None,
        "occupation": "电工",
        "skill_level": 5,
        "industry": None,
        "start_date": d("2023-03-01"),
        "end_date": d("2023-03-10"),
        "hours": 80,
        "status": "completed",
        "passed": True,
        "employed": None,
        "entered_on": d("2023-03-12"),
    }
    row.update({k: d(v) if k.endswith(("_date", "_on")) and isinstance(v, str) else v for k, v in over.items()})
    return row


def certificate_row(n: int, **over: Any) -> dict[str, Any]:
    row = {
        "cert_id": f"C{n:06d}",
        "person_id": f"P{n:06d}",
        "county_code": LIULIN,
        "cert_type": "skill_level",
        "skill_level": 5,
        "occupation": "电工",
        "issue_date": d("2023-04-01"),
        "evaluator_id": "PJ001",
        "school_name": None,
        "graduating_student": False,
        "major": None,
        "training_record_id": None,
    }
    row.update({k: d(v) if k == "issue_date" and isinstance(v, str) else v for k, v in over.items()})
    return row


def write_extracts(folder: Path, training: list[dict], certificates: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(training, schema=TRAINING_SCHEMA), folder / "training.parquet")
    pq.write_table(pa.Table.from_pylist(certificates, schema=CERTIFICATE_SCHEMA), folder / "certificates.parquet")
    return folder
