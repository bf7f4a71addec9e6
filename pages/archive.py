"""报告归档: every period the biweekly cycle published, per plan, with its files and the data version behind them."""

import streamlit as st

from tracker import app, archive_view, audit, ui

sel = app.page_header("报告归档", "双周调度期结束后自动生成的调度表、通报和单位简报（发出后不再改动）")
archive = archive_view.archive_dir()
plans = archive_view.plans(archive)
run = archive_view.last_run(archive)
if run:
    st.caption(
        f"最近一次自动调度：{run['finished_at'][:16].replace('T', ' ')}，数据版本 {run.get('data_version') or '—'}"
        + (f"；等待数据的调度期：{'、'.join(run['waiting'])}" if run.get("waiting") else "")
    )
if not plans:
    st.info(
        f"归档目录 {archive} 中还没有已发布的调度期。双周调度由 `python -m tracker cycle` 自动运行"
        "（deploy/ 中有 systemd 定时器和 cron 配置），每个双周期结束后在此归档。",
        icon=":material/inventory_2:",
    )
    st.stop()

plan = app.url_choice(
    "计划",
    plans,
    "archive_plan",
    default=sel.plan if sel.plan in plans else plans[0],
    format_func=lambda p: ui.plan_info(p)["name"],
)
table = archive_view.periods_table(archive, plan)
st.dataframe(
    table.drop(columns="period_name"), hide_index=True, width="stretch", height=ui.table_height(len(table), 420)
)

period_name = app.url_choice(
    "调度期",
    list(table["period_name"]),
    "archive_period",
    format_func=dict(zip(table["period_name"], table["调度期"])).get,
)
folder = archive / plan / period_name
for note in archive_view.period_notes(archive, plan, period_name):
    st.warning(note, icon=":material/history:")

files = archive_view.period_files(folder)
for kind, label in archive_view.KIND_LABELS.items():
    group = [f for f in files if f["kind"] == kind]
    if not group:
        continue
    st.markdown(f"**{label}**")
    cols = st.columns(min(4, len(group)))
    for k, f in enumerate(group):
        with cols[k % len(cols)]:
            audit.download_button(
                f.get("unit_name") or label,
                f["file"].read_bytes(),
                f["title"],
                what=f"archive {f['path']}",
                mime=f["mime"],
                icon=":material/download:" if f["checksum_ok"] else ":material/error:",
                help=f"sha256 {f['sha256'][:16]}…"
                + ("（与归档清单一致）" if f["checksum_ok"] else "（与归档清单不一致！）"),
                key=f"dl_{period_name}_{f['path']}",
            )
