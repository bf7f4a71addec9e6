"""技能山西 目标进度 — entry point: `streamlit run dashboard.py` (or `make run`)."""

import logging

import streamlit as st

from tracker import app

try:
    app.serve()
except Exception:  # st.stop / st.rerun are BaseException and pass through
    logging.getLogger("tracker").exception("page failed")
    st.error("页面暂时无法显示，请稍后刷新重试；如仍有问题，请联系系统管理员（详细信息已记入服务日志）。")
