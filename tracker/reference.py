"""The reference data shipped in git (``data/reference/*.csv``, CONTRACT §2) with the types DuckDB reads them as."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from tracker import REFERENCE_DIR

REFERENCE_TABLES = {
    "regions": {"code": pa.string(), "parent_code": pa.string()},
    "schools": {"unit_code": pa.string(), "city_code": pa.string(), "quota": pa.int64()},
    "plans": {"start": pa.date32(), "deadline": pa.date32()},
    "targets": {"unit_code": pa.string(), "target": pa.float64(), "start": pa.date32(), "deadline": pa.date32()},
    "milestones": {"date": pa.date32(), "share": pa.float64()},
    "metrics": {"computable": pa.bool_(), "position": pa.int32()},
    "city_population": {"code": pa.string()},
    "subsidy_rules": {
        "scope_code": pa.string(),
        "seed": pa.string(),
        "skill_level": pa.int8(),
        "amount": pa.float64(),
        "first_days": pa.int32(),
        "amount_after": pa.float64(),
        "max_days": pa.int32(),
        "cap": pa.float64(),
        "min_hours": pa.int32(),
        "min_employment_rate": pa.float64(),
        "min_offline_share": pa.float64(),
        "factor": pa.float64(),
        "share_on_certificate": pa.float64(),
        "bonus_amount": pa.float64(),
        "bonus_within_days": pa.int32(),
        "no_repeat": pa.bool_(),
        "valid_from": pa.date32(),
        "valid_to": pa.date32(),
    },
}


def read_reference(name: str, reference_dir: Path = REFERENCE_DIR) -> pa.Table:
    types = REFERENCE_TABLES[name]
    return pacsv.read_csv(
        reference_dir / f"{name}.csv",
        convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=True),
    )


def plan_ids(reference_dir: Path = REFERENCE_DIR) -> list[str]:
    with (reference_dir / "plans.csv").open(encoding="utf-8") as f:
        return [row["plan_id"] for row in csv.DictReader(f)]
