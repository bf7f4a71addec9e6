"""技能山西 目标进度 — entry point: `streamlit run dashboard.py`."""

import streamlit as st

from tracker import app

st.set_page_config(page_title="技能山西 目标进度", page_icon=":material/insights:", layout="wide")

app.ensure_data()
st.session_state["selection"] = app.sidebar()

PAGES = [
    st.Page("pages/overview.py", title="总览", icon=":material/dashboard:", default=True),
    st.Page("pages/biweekly.py", title="双周调度", icon=":material/event_repeat:"),
    st.Page("pages/schools.py", title="院校取证", icon=":material/school:"),
    st.Page("pages/drilldown.py", title="区域分析", icon=":material/travel_explore:"),
    st.Page("pages/compliance.py", title="合规核查", icon=":material/policy:"),
    st.Page("pages/data.py", title="数据管理", icon=":material/database:"),
]
st.navigation(PAGES).run()
