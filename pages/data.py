"""数据管理: the data being served, importing new extracts (validated, all or nothing), versions and rollback.

Everything is done by tracker.ingest (validation, run in a worker process so that an upload never stalls other
users), tracker.store (versions) and tracker.pii (salt, masking); tracker.data_view shapes the worker's result.
This page gathers the files, shows the reports and asks before changing what every page serves.
"""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from tracker import app, audit, compliance, data_view, ingest, pii, ui
from tracker.contract import TABLE_LABELS
from tracker.ingest import worker

sel = app.page_header("数据管理", "导入实名制系统数据 · 数据版本")
folder = app.data_dir()
info = ingest.version_info(folder)

# ---------------------------------------------------------------- what is served now

st.subheader("当前数据")
facts = [
    ("数据版本", f"`{info['version']}`" if info["version"] else "未分版本（数据目录中的原始表）"),
    ("导入时间", info["imported_at"].strftime("%Y年%-m月%-d日 %H:%M") if info["imported_at"] else "—"),
    (
        "最新录入日期",
        (
            f"{ui.fmt_date(info['latest_entered_on'])}（距今{info['age_days']:,}天）"
            if info["latest_entered_on"]
            else "—"
        ),
    ),
    ("培训记录", ui.fmt_int(info["training_rows"], "条")),
    ("取证记录", ui.fmt_int(info["certificate_rows"], "条")),
]
with st.container(border=True):
    for col, (label, value) in zip(st.columns([3, 2, 3, 2, 2]), facts):
        col.caption(label)
        col.markdown(f"**{value}**")
    if info["demo"]:
        st.caption("当前为演示数据（DEMO）。")
st.caption("数据保存在服务器的数据目录中（由系统管理员配置）。")

# ---------------------------------------------------------------- import

st.subheader("导入数据")
st.markdown(
    "从实名制系统导出的 **培训实名制记录** 或 **取证记录**，格式为 Parquet、CSV（UTF-8 或 GB18030）或 Excel（.xlsx，"
    "读取表头可识别的每个工作表，表头上方的标题行和两级表头均可识别）。列名可用英文（如 `record_id`）或中文"
    "（如“记录编号”），按列名自动识别是哪张表。Excel 的 141125.0、全角数字、多余的全角空格会自动规范化并给出警告。"
    "导入前逐项校验；**有任何错误则整批不导入**，数据不作任何改动。重新导入的记录按记录编号 / 证书编号替换旧记录，不会重复计数。"
)
if info["demo"]:
    st.warning(
        "当前显示的是**演示数据**。导入真实数据后，新版本**只包含导入的数据**，演示数据不会并入"
        "（可在下方“数据版本”中回退到演示数据）。",
        icon=":material/science:",
    )

try:
    secret = None
    try:
        secret = st.secrets.get("id_salt")
    except (FileNotFoundError, KeyError, AttributeError, st.errors.StreamlitSecretNotFoundError):
        secret = None
    salt = pii.load_salt(secret)
    salt_problem = None
except pii.SaltError as exc:
    salt, salt_problem = None, str(exc)
if salt_problem:
    st.error(salt_problem)
with st.expander("身份证号如何处理", icon=":material/badge:"):
    st.markdown(
        "- 文件可以含原始身份证号列（列名如 `id_number`、`身份证号`、`sfzh`）：每个号码都校验长度、校验位、出生日期和地区码，"
        "有误的按行报错。\n"
        "- 校验通过后，身份证号在写入任何文件之前换成人员标识 `person_id`（“P”+ 加盐 HMAC-SHA256 的前20位），"
        "原始号码不落盘、不显示；报错中的号码只显示前6位和后4位（如 141125********1234）。\n"
        "- 盐值由系统管理员在服务器上配置（见部署说明），不放进代码库；每次导入必须使用同一个盐值。\n"
        + ("- 本服务器**已配置**盐值。" if salt else "- 本服务器**未配置**盐值：含身份证号列的文件将被拒绝。")
    )

if "upload_key" not in st.session_state:
    st.session_state["upload_key"] = 0
uploads = st.file_uploader(
    "选择文件（可多选）",
    type=["parquet", "csv", "xlsx"],
    accept_multiple_files=True,
    key=f"uploads_{st.session_state['upload_key']}",
)
st.caption(data_view.limits_note())

last = st.session_state.get("last_import")
if last and not uploads:
    st.success(last["message"], icon=":material/check_circle:")
    for line in last["lines"]:
        st.markdown(f"- {ui.md_escape(line)}")


def run_job(stage: str, files: list, label: str, batch_from: str | None = None) -> dict:
    """Run the import worker on the uploads (another process: other users' pages are not held up)."""
    job = st.session_state.get(f"job_{stage}")
    if job is None or job[0] != key:
        uploads = [(u.name, u.getvalue()) for u in files]
        job = (key, worker.start(stage, uploads, folder, salt, batch_from=batch_from))
        st.session_state[f"job_{stage}"] = job
    bar = st.progress(0.0, text=label)
    while True:
        fraction, message, result = worker.poll(job[1])
        if result is not None:
            break
        bar.progress(fraction, text=f"{label}{message}")
        time.sleep(0.4)
    bar.empty()
    st.session_state.pop(f"job_{stage}", None)
    return result


if uploads:
    key = (*((u.name, u.size, u.file_id) for u in uploads), bool(salt))
    too_big = data_view.oversized([(u.name, u.size) for u in uploads])
    if too_big:
        for sentence in too_big:
            st.error(sentence, icon=":material/error:")
        st.stop()
    cached = st.session_state.get("validated")
    if not cached or cached[0] != key:
        if cached:
            worker.discard(cached[1].get("batch_dir"))  # the batch kept for files no longer chosen
        cached = (key, run_job("check", uploads, "正在校验（在单独的进程中进行，不影响其他用户）："))
        st.session_state["validated"] = cached
    checked: dict = cached[1]
    if checked.get("error"):
        st.error(checked["error"], icon=":material/error:")
        st.stop()

    st.dataframe(
        data_view.files_frame(checked["files"], TABLE_LABELS),
        hide_index=True,
        column_config={
            "记录数": st.column_config.NumberColumn(format="localized"),
            "错误": st.column_config.NumberColumn(format="localized"),
            "警告": st.column_config.NumberColumn(format="localized"),
        },
    )
    problems = data_view.problems_frame(checked["problems"])
    if checked["errors"]:
        st.error(
            f"校验未通过：共 {checked['errors']:,} 个错误"
            + (f"、{checked['warnings']:,} 个警告" if checked["warnings"] else "")
            + "。整批文件不会导入，请改正后重新上传。",
            icon=":material/error:",
        )
    elif checked["warnings"]:
        st.warning(
            f"校验通过，有 {checked['warnings']:,} 个警告（不影响导入；其中包括已自动规范化的内容）。",
            icon=":material/warning:",
        )
    else:
        st.success("校验通过，没有发现问题。", icon=":material/check_circle:")
    if not problems.empty:
        st.caption(ingest.ROW_NOTE + f" 每个文件、每列、每类问题最多列出 {ingest.DETAIL_CAP:,} 行，计数完整。")
        st.dataframe(
            problems,
            hide_index=True,
            height=ui.table_height(len(problems), 460),
            column_config={
                "行号": st.column_config.TextColumn(width="small"),
                "值": st.column_config.TextColumn(width="medium"),
                "问题": st.column_config.TextColumn(width="large"),
            },
        )
        audit.download_button(
            "下载问题清单（CSV）",
            data_view.problems_csv(problems),
            "校验问题清单.csv",
            what="validation problems.csv",
            records=len(problems),
            mime="text/csv",
            icon=":material/download:",
        )
    if checked["ok"]:
        what = "、".join(f"{f['name']}（{TABLE_LABELS[f['table']]} {f['rows']:,} 条）" for f in checked["files"])
        st.text(f"将导入：{what}。" + ("导入后演示数据不再显示。" if info["demo"] else ""))
        if st.button("导入为新版本", type="primary", icon=":material/upload:") or st.session_state.get("job_commit"):
            result = run_job("commit", uploads, "正在导入（在单独的进程中进行）：", checked.get("batch_dir"))
            if not result.get("version"):
                st.error(result.get("error") or "导入未完成：校验未通过，数据未作改动。", icon=":material/error:")
            else:
                m = result["manifest"]
                audit.dashboard_event(
                    "import",
                    what=result["version"],
                    records=sum(s["imported"] for s in m["tables"].values()),
                    detail={"files": [f["name"] for f in checked["files"]]},
                )
                lines = [
                    f"{TABLE_LABELS[t]}：本次 {s['imported']:,} 条（新增 {s['added']:,}，替换 {s['replaced']:,}），"
                    f"合计 {s['rows']:,} 条"
                    for t, s in m["tables"].items()
                ]
                lines.append("合规核查（全部年度）：" + "；".join(compliance.summary_lines(m["compliance"])))
                st.session_state["last_import"] = {
                    "message": f"已导入为新版本 {result['version']}，各页面即刻使用新数据。",
                    "lines": lines,
                }
                st.session_state.pop("validated", None)
                st.session_state["upload_key"] += 1
                st.rerun()

# ---------------------------------------------------------------- versions

st.subheader("数据版本")
versions = ingest.list_versions(folder)
if not versions:
    st.info("数据目录中还没有数据版本。")
else:
    table = pd.DataFrame(
        [
            {
                "当前": "✔" if v["current"] else "",
                "版本": v["version"] if v["version"] != "base" else "原始数据（未分版本）",
                "导入时间": (v["imported_at"] or "")[:19].replace("T", " "),
                "培训记录": v["training_rows"],
                "取证记录": v["certificate_rows"],
                "文件": v["files"],
                "说明": "演示数据" if v["demo"] else ("未完成的导入，将被清理" if v["state"] != "ok" else ""),
            }
            for v in reversed(versions)
        ]
    )
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "培训记录": st.column_config.NumberColumn(format="localized"),
            "取证记录": st.column_config.NumberColumn(format="localized"),
        },
    )
    choices = [v["version"] for v in reversed(versions) if v["state"] == "ok" and not v["current"]]
    if choices:
        with st.popover("回退到以前的版本", icon=":material/history:"):
            target = st.selectbox(
                "版本",
                choices,
                format_func=lambda v: "原始数据（未分版本）" if v == "base" else v,
                key="rollback_target",
            )
            st.caption("回退只切换当前版本，不删除任何版本；之后可再切换回来。")
            if st.button(f"确认切换到 {target}", type="primary", key="rollback_confirm"):
                try:
                    ingest.rollback_version(folder, target)
                except ingest.IngestError as exc:
                    st.error(str(exc))
                else:
                    audit.dashboard_event("rollback", what=target)
                    st.session_state["last_import"] = {"message": f"已切换到版本 {target}。", "lines": []}
                    st.rerun()

# ---------------------------------------------------------------- audit trail (read-only)

audit.show_log(folder)
