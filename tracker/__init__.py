"""技能山西 target tracker: reference data, demo extracts, named queries and the CLI."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES_DIR = ROOT / "queries"
# the plan library; SKILLS_REFERENCE_DIR points at another copy (e.g. one with a new year's plan added)
REFERENCE_DIR = Path(os.environ.get("SKILLS_REFERENCE_DIR") or ROOT / "data" / "reference")
DEFAULT_DATA_DIR = ROOT / "data" / "extracts"

__all__ = ["DEFAULT_DATA_DIR", "QUERIES_DIR", "REFERENCE_DIR", "ROOT"]
