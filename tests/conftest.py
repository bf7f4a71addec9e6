import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "tests"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives a real Chromium against the running dashboard")
    config.addinivalue_line("markers", "slow: generates sizeable demo data")
