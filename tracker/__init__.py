"""技能山西 target tracker: reference data, demo extracts, named queries and the CLI."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES_DIR = ROOT / "queries"
REFERENCE_DIR = ROOT / "data" / "reference"
DEFAULT_DATA_DIR = ROOT / "data" / "extracts"

__all__ = ["DEFAULT_DATA_DIR", "QUERIES_DIR", "REFERENCE_DIR", "ROOT"]
