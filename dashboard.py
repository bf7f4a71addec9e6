"""技能山西 目标进度 — entry point: `streamlit run dashboard.py` (or `make run`)."""

from tracker import app

app.start().run()
