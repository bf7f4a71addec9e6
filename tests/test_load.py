"""#13 many users at once: nginx (Debian) in front of two replicas, mixed-role browser sessions through it.

The full run is ``python scripts/load_test.py`` (20 sessions, 3 minutes); this test drives a short one."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tracker import demo
from tracker.store import mark_demo

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.browser

missing = [p for p in ("/usr/bin/chromium",) if not Path(p).exists()]
if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
    missing.append("nginx")


@pytest.mark.skipif(bool(missing), reason=f"needs {', '.join(missing)}")
def test_mixed_role_sessions_through_nginx_see_nothing_outside_their_scope(tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    import load_test

    data = tmp_path / "data"
    demo.write_demo(data, rows=20_000)
    mark_demo(data)
    result = load_test.main(["--data", str(data), "--sessions", "4", "--duration", "25", "--timeout", "150"])
    assert result["sessions_signed_in"] == 4
    assert result["errors"] == 0, result["error_samples"]
    assert result["out_of_scope_seen"] == 0, result["out_of_scope_samples"]
    assert result["page_views"] >= 4
    assert result["crafted_links_refused"] >= 2  # 市 and 县 sessions tried another unit's link
    assert all(r["requests"] > 0 for r in result["replicas"].values()), "the route cookie spreads sessions"
