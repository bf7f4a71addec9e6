"""Illustrative demo extracts (演示数据) in exactly the shape of CONTRACT §1.

``write_demo(out)`` writes ``out/training.parquet`` and ``out/certificates.parquet`` for two years of
Shanxi's skills programmes:

* 2021, the full year: subsidised trainings of every kind, seed 004's school-directed trainings
  (院校定向培训, 40 / 80 / 100 % by 06-30 / 09-30 / 11-30, slightly behind at 06-30) and the graduating
  students' certificates of every school and city education bureau of ``schools.csv`` (deadline 08-31);
* 2023 up to the extract date 2023-10-20: trainings and certificates following the sx-train-2023
  allocations, Liulin 柳林县 (141125) following its own plan (liulin-2023) mid-flight.

Everything is synthetic: ``person_id`` is "P" + 20 hex digits of a keyed hash of a running index (never
anything like an ID number); ``record_id`` is "T" + programme year + 11 digits in start-date order,
``cert_id`` "C" + issue year + 11 digits in issue-date order. The generator is vectorised (numpy; no
Python loop over rows) and deterministic: the same ``rows`` and ``seed`` give byte-identical files.
Conventions worth knowing when reading the data:

* a training still running on the extract date has ``status = 'enrolled'``, ``end_date`` = the extract
  date (nothing in the extract ends after it), ``passed`` and ``employed`` null;
* ``employed`` is null for completions too recent to know (4–10 weeks before the extract date);
* regional performance factors persist across years: some cities / counties run clearly ahead
  (≈110–125 % of the time-expected share), some clearly behind (≈50–75 %), most near it;
* some trainees hold earlier certificates (2019–2021), so "first certificate" rules matter; students
  graduating in 2023 often obtained a level-5 certificate in 2021 as first-year students;
* a small share of persons carries compliance-check material (same person, occupation and level trained
  twice in a year; more than three subsidised trainings in a year; a certificate level claimed twice;
  late entry more than 90 days after completion).
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from tracker import REFERENCE_DIR, demo_names
from tracker.contract import (
    CERT_TYPES,
    DEMO_CERTIFICATE_SCHEMA,
    DEMO_TRAINING_SCHEMA,
    PERSON_CATEGORIES,
    TRAINING_TYPES,
)

DEFAULT_ROWS = 1_000_000
DEFAULT_SEED = 20230630
EXTRACT_DATE = date(2023, 10, 20)
ROW_GROUP_ROWS = 120_000
LIULIN = "141125"
LULIANG = "141100"
# Liulin's figures are absolute (they follow its plan) unless the extract is tiny
LIULIN_FULL_SCALE_ROWS = 50_000

Progress = Callable[[float, str], None]

_EPOCH = date(1970, 1, 1)


def _day(y: int, m: int, d: int) -> int:
    return (date(y, m, d) - _EPOCH).days


D_EXTRACT = _day(2023, 10, 20)

# ---------------------------------------------------------------------------------------------------
# Code lists (indices into the contract's code lists)
# ---------------------------------------------------------------------------------------------------
TT = list(TRAINING_TYPES)  # training types
ENT, APP, ORD, ENTRE, KEY, CARE, DIR, ONL = (
    TT.index(t)
    for t in (
        "enterprise_staff",
        "apprenticeship",
        "order_project",
        "entrepreneurship",
        "key_group",
        "caregiver_brand",
        "school_directed",
        "online",
    )
)
CATS = list(PERSON_CATEGORIES)
CTS = list(CERT_TYPES)
QUAL, SKILL, ABIL, COMPL, OPER, EQUIP = (
    CTS.index(t)
    for t in (
        "qualification",
        "skill_level",
        "special_ability",
        "training_completion",
        "special_operation",
        "special_equipment",
    )
)
STATUS = ["enrolled", "completed", "dropped"]
ENROLLED, COMPLETED, DROPPED = 0, 1, 2
LEVELS = np.array([0, 5, 4, 3, 2, 1], dtype=np.int8)  # 0 = null

# 14 strategic emerging industries and the ten agricultural processing clusters (seed 004, 附件3)
INDUSTRIES = [
    "信息技术应用创新",
    "大数据",
    "半导体",
    "光电",
    "光伏",
    "碳基新材料",
    "生物基新材料",
    "特种金属材料",
    "先进轨道交通装备制造",
    "煤机智能制造",
    "智能网联新能源汽车",
    "现代生物医药和大健康",
    "通用航空",
    "节能环保",
    "食品产业集群",
    "饮品产业集群",
    "乳品产业集群",
    "主食糕点产业集群",
    "肉制品产业集群",
    "果品产业集群",
    "功能食品产业集群",
    "保健食品产业集群",
    "化妆品产业集群",
    "中医药品产业集群",
]

# occupation, industries it serves, special certificate (op = 特种作业, eq = 特种设备)
_OCCUPATIONS: list[tuple[str, tuple[str, ...], str | None]] = [
    ("电工", ("煤机智能制造", "节能环保", "光伏"), "op"),
    ("焊工", ("煤机智能制造", "先进轨道交通装备制造", "特种金属材料"), "op"),
    ("钳工", ("煤机智能制造", "先进轨道交通装备制造"), None),
    ("车工", ("煤机智能制造", "特种金属材料"), None),
    ("铣工", ("煤机智能制造",), None),
    ("机修钳工", ("煤机智能制造", "先进轨道交通装备制造"), None),
    ("化工总控工", ("碳基新材料", "生物基新材料"), None),
    ("采煤机司机", ("煤机智能制造",), None),
    ("液压支架工", ("煤机智能制造",), None),
    ("锅炉操作工", ("节能环保",), "eq"),
    ("叉车司机", (), "eq"),
    ("起重装卸机械操作工", (), "eq"),
    ("工业机器人系统操作员", ("煤机智能制造", "智能网联新能源汽车"), None),
    ("工业机器人系统运维员", ("煤机智能制造", "先进轨道交通装备制造"), None),
    ("光伏组件制造工", ("光伏",), None),
    ("半导体分立器件和集成电路装调工", ("半导体", "光电"), None),
    ("汽车维修工", ("智能网联新能源汽车",), None),
    ("电池制造工", ("智能网联新能源汽车",), None),
    ("轨道列车司机", ("先进轨道交通装备制造",), None),
    ("无人机驾驶员", ("通用航空",), None),
    ("计算机程序设计员", ("信息技术应用创新", "大数据"), None),
    ("信息通信网络运行管理员", ("信息技术应用创新", "大数据"), None),
    ("人工智能训练师", ("大数据", "信息技术应用创新"), None),
    ("网络与信息安全管理员", ("信息技术应用创新",), None),
    ("电子商务师", ("食品产业集群", "果品产业集群", "饮品产业集群"), None),
    ("互联网营销师", ("食品产业集群", "果品产业集群", "乳品产业集群", "肉制品产业集群"), None),
    ("农产品食品检验员", ("食品产业集群", "乳品产业集群", "肉制品产业集群", "功能食品产业集群"), None),
    ("中式烹调师", (), None),
    ("中式面点师", ("主食糕点产业集群",), None),
    ("西式面点师", ("主食糕点产业集群",), None),
    ("美容师", ("化妆品产业集群",), None),
    ("美发师", (), None),
    ("保育师", (), None),
    ("育婴员", (), None),
    ("家政服务员", (), None),
    ("养老护理员", ("现代生物医药和大健康",), None),
    ("医疗护理员", ("现代生物医药和大健康",), None),
    ("中药调剂员", ("中医药品产业集群", "现代生物医药和大健康"), None),
    ("保健按摩师", ("现代生物医药和大健康", "保健食品产业集群"), None),
    ("挖掘机驾驶员", (), None),
    ("砌筑工", (), None),
    ("钢筋工", (), None),
    ("农业经理人", ("果品产业集群", "食品产业集群"), None),
    ("茶艺师", ("饮品产业集群",), None),
    ("网约配送员", (), None),
    ("快递员", (), None),
    ("物流服务师", (), None),
    ("企业人力资源管理师", (), None),
    ("创业培训(SYB)", (), None),
    ("创业培训(IYB)", (), None),
    ("网络创业培训", (), None),
    # students' occupations
    ("教师", (), None),
    ("护士", (), None),
    ("会计专业技术人员", (), None),
    ("建筑信息模型技术员", (), None),
    ("动物疫病防治员", (), None),
    ("园林绿化工", (), None),
    ("社会体育指导员", (), None),
]
OCC_NAMES = [o[0] for o in _OCCUPATIONS]
OCC = {name: i for i, name in enumerate(OCC_NAMES)}
CAREGIVER_OCCUPATIONS = ("养老护理员", "医疗护理员", "育婴员", "家政服务员")

_OCC_WEIGHTS: dict[int, dict[str, float]] = {
    ENT: {
        "电工": 10,
        "焊工": 8,
        "钳工": 5,
        "车工": 4,
        "铣工": 2,
        "机修钳工": 4,
        "化工总控工": 5,
        "采煤机司机": 5,
        "液压支架工": 4,
        "锅炉操作工": 3,
        "叉车司机": 4,
        "起重装卸机械操作工": 3,
        "工业机器人系统操作员": 3,
        "工业机器人系统运维员": 2,
        "光伏组件制造工": 2,
        "半导体分立器件和集成电路装调工": 1,
        "汽车维修工": 3,
        "电池制造工": 1,
        "轨道列车司机": 1,
        "信息通信网络运行管理员": 2,
        "网络与信息安全管理员": 1,
        "农产品食品检验员": 2,
        "中式烹调师": 2,
        "企业人力资源管理师": 2,
        "养老护理员": 1,
    },
    APP: {
        "电工": 8,
        "焊工": 8,
        "钳工": 6,
        "车工": 5,
        "机修钳工": 5,
        "化工总控工": 5,
        "采煤机司机": 4,
        "工业机器人系统运维员": 3,
        "汽车维修工": 3,
        "轨道列车司机": 2,
        "中式烹调师": 2,
    },
    ORD: {
        "工业机器人系统操作员": 4,
        "光伏组件制造工": 3,
        "半导体分立器件和集成电路装调工": 2,
        "电池制造工": 3,
        "电子商务师": 4,
        "互联网营销师": 5,
        "网约配送员": 3,
        "养老护理员": 3,
        "医疗护理员": 2,
        "农产品食品检验员": 3,
        "信息通信网络运行管理员": 2,
        "人工智能训练师": 3,
        "无人机驾驶员": 1,
        "焊工": 3,
        "电工": 3,
        "中式面点师": 2,
    },
    ENTRE: {"创业培训(SYB)": 6, "创业培训(IYB)": 2, "网络创业培训": 3},
    KEY: {
        "中式烹调师": 8,
        "中式面点师": 7,
        "西式面点师": 2,
        "美容师": 4,
        "美发师": 4,
        "保育师": 4,
        "育婴员": 5,
        "家政服务员": 6,
        "养老护理员": 4,
        "电工": 6,
        "焊工": 5,
        "挖掘机驾驶员": 5,
        "砌筑工": 3,
        "钢筋工": 2,
        "农业经理人": 4,
        "电子商务师": 5,
        "互联网营销师": 4,
        "网约配送员": 3,
        "快递员": 2,
        "汽车维修工": 3,
        "茶艺师": 2,
        "保健按摩师": 3,
        "叉车司机": 2,
        "中药调剂员": 1,
    },
    CARE: {"养老护理员": 45, "医疗护理员": 20, "育婴员": 20, "家政服务员": 15},
    DIR: {
        "信息通信网络运行管理员": 4,
        "计算机程序设计员": 4,
        "人工智能训练师": 4,
        "网络与信息安全管理员": 2,
        "工业机器人系统操作员": 4,
        "工业机器人系统运维员": 3,
        "光伏组件制造工": 3,
        "半导体分立器件和集成电路装调工": 3,
        "电池制造工": 2,
        "汽车维修工": 2,
        "轨道列车司机": 2,
        "无人机驾驶员": 2,
        "农产品食品检验员": 3,
        "化工总控工": 2,
        "中药调剂员": 2,
        "焊工": 2,
        "电工": 3,
    },
    ONL: {
        "互联网营销师": 6,
        "电子商务师": 5,
        "人工智能训练师": 2,
        "育婴员": 3,
        "养老护理员": 2,
        "企业人力资源管理师": 2,
        "网络与信息安全管理员": 2,
        "网络创业培训": 2,
        "家政服务员": 1,
    },
}
# skill level of the training: P(null, 5, 4, 3, 2, 1)
_LEVEL_P = {
    ENT: [0, 0.25, 0.40, 0.27, 0.065, 0.015],
    APP: [0, 0.05, 0.50, 0.40, 0.05, 0],
    ORD: [0, 0.42, 0.43, 0.15, 0, 0],
    ENTRE: [1, 0, 0, 0, 0, 0],
    KEY: [0, 0.70, 0.25, 0.05, 0, 0],
    CARE: [0, 0.74, 0.23, 0.03, 0, 0],
    DIR: [0, 0, 0, 0.74, 0.21, 0.05],
    ONL: [0.45, 0.40, 0.13, 0.02, 0, 0],
}
_LIULIN_ENT_LEVEL_P = [0, 0.36, 0.44, 0.16, 0.035, 0.005]
# person category: rural, unemployed, enterprise, poverty, college, secondary, flexible, other
_CAT_P = {
    ENT: [0.01, 0, 0.97, 0, 0, 0, 0.01, 0.01],
    APP: [0, 0, 0.95, 0, 0.02, 0.03, 0, 0],
    ORD: [0.32, 0.18, 0, 0.10, 0.15, 0.10, 0.12, 0.03],
    ENTRE: [0.25, 0.22, 0, 0.06, 0.25, 0.02, 0.15, 0.05],
    KEY: [0.40, 0.17, 0, 0.15, 0.08, 0.05, 0.12, 0.03],
    CARE: [0.58, 0.08, 0, 0.26, 0, 0.01, 0.07, 0],
    DIR: [0.08, 0, 0.70, 0, 0.10, 0.12, 0, 0],
    ONL: [0.18, 0.18, 0.25, 0.04, 0.12, 0.03, 0.17, 0.03],
}
# course hours and duration (days from start to end)
_HOURS = {
    ENT: ([16, 24, 32, 40, 48, 64, 80, 120], [0.04, 0.06, 0.08, 0.20, 0.15, 0.15, 0.25, 0.07]),
    APP: ([320, 400, 480, 560, 640, 720], [0.15, 0.2, 0.25, 0.2, 0.12, 0.08]),
    ORD: ([64, 80, 96, 120, 160, 200], [0.1, 0.35, 0.2, 0.2, 0.1, 0.05]),
    ENTRE: ([56, 64, 80, 96, 120], [0.1, 0.2, 0.5, 0.1, 0.1]),
    KEY: ([40, 56, 64, 80, 96, 120, 160, 240], [0.06, 0.08, 0.12, 0.40, 0.12, 0.12, 0.07, 0.03]),
    CARE: ([80, 96, 120, 160], [0.35, 0.25, 0.25, 0.15]),
    DIR: ([320, 400, 480, 560, 640, 720], [0.15, 0.2, 0.25, 0.2, 0.12, 0.08]),
    ONL: ([16, 24, 32, 40, 48, 64], [0.15, 0.2, 0.25, 0.2, 0.1, 0.1]),
}
_INDUSTRY_P = {ENT: 0.55, APP: 0.5, ORD: 0.85, ENTRE: 0.05, KEY: 0.2, CARE: 0.5, DIR: 1.0, ONL: 0.25}
# status of a 2023 enrolment on the extract date (the rest completed)
_P_ENROLLED_2023 = {ENT: 0.06, APP: 0.35, ORD: 0.06, ENTRE: 0.05, KEY: 0.05, CARE: 0.06, DIR: 0.05, ONL: 0.08}
_P_DROPPED = 0.03
# P(certificate | completed and passed)
_P_CERT = {ENT: 0.82, APP: 0.92, ORD: 0.80, ENTRE: 0.75, KEY: 0.78, CARE: 0.965, DIR: 0.90, ONL: 0.45}
# certificate type given the training type: qualification, skill, ability, completion, operation, equipment
_CERT_TYPE_P = {
    ENT: [0.08, 0.87, 0, 0.05, 0, 0],
    APP: [0.05, 0.95, 0, 0, 0, 0],
    ORD: [0, 0.70, 0.15, 0.15, 0, 0],
    ENTRE: [0, 0, 0, 1, 0, 0],
    KEY: [0.03, 0.57, 0.10, 0.30, 0, 0],
    CARE: [0, 0.15, 0.80, 0.05, 0, 0],
    DIR: [0, 1, 0, 0, 0, 0],
    ONL: [0, 0.35, 0, 0.65, 0, 0],
}

# Liulin 2023 (seed 002): completed persons per line by the extract date (absolute), i.e. roughly
# 70–95 % of the time-expected share (87.7 % on 10-20), entrepreneurship lagging, order projects ahead.
_LIULIN_COMPLETED = {ENT: 452, APP: 73, ORD: 76, ENTRE: 104, KEY: 466, CARE: 752, ONL: 380}
_LIULIN_STUDENTS = 535  # graduating students of county secondary schools with a level-4 certificate by 10-20

# students: (major, occupation, cert type)
_MAJORS: list[tuple[str, str, int]] = [
    ("计算机应用技术", "计算机程序设计员", SKILL),
    ("大数据技术", "人工智能训练师", SKILL),
    ("软件技术", "计算机程序设计员", SKILL),
    ("信息安全技术应用", "网络与信息安全管理员", SKILL),
    ("电气自动化技术", "电工", SKILL),
    ("机电一体化技术", "工业机器人系统运维员", SKILL),
    ("数控技术", "车工", SKILL),
    ("焊接技术与自动化", "焊工", SKILL),
    ("新能源汽车技术", "汽车维修工", SKILL),
    ("光伏工程技术", "光伏组件制造工", SKILL),
    ("煤矿智能开采技术", "采煤机司机", SKILL),
    ("铁道机车运用与维护", "轨道列车司机", SKILL),
    ("无人机应用技术", "无人机驾驶员", SKILL),
    ("建筑工程技术", "建筑信息模型技术员", SKILL),
    ("护理", "护士", QUAL),
    ("智慧健康养老服务与管理", "养老护理员", SKILL),
    ("药学", "中药调剂员", SKILL),
    ("中医康复技术", "保健按摩师", SKILL),
    ("学前教育", "保育师", SKILL),
    ("小学教育", "教师", QUAL),
    ("汉语言文学", "教师", QUAL),
    ("会计", "会计专业技术人员", QUAL),
    ("电子商务", "电子商务师", SKILL),
    ("市场营销", "互联网营销师", SKILL),
    ("现代物流管理", "物流服务师", SKILL),
    ("人力资源管理", "企业人力资源管理师", SKILL),
    ("旅游管理", "茶艺师", SKILL),
    ("烹饪工艺与营养", "中式烹调师", SKILL),
    ("食品检验检测技术", "农产品食品检验员", SKILL),
    ("畜牧兽医", "动物疫病防治员", SKILL),
    ("园林技术", "园林绿化工", SKILL),
    ("社会体育", "社会体育指导员", SKILL),
    ("数字媒体技术", "计算机程序设计员", SKILL),
    # secondary schools
    ("计算机应用", "计算机程序设计员", SKILL),
    ("汽车运用与维修", "汽车维修工", SKILL),
    ("机电技术应用", "钳工", SKILL),
    ("电气运行与控制", "电工", SKILL),
    ("焊接技术应用", "焊工", SKILL),
    ("幼儿保育", "保育师", SKILL),
    ("护理(养老照护)", "养老护理员", SKILL),
    ("中餐烹饪", "中式烹调师", SKILL),
    ("美发与形象设计", "美发师", SKILL),
    ("现代农艺技术", "农业经理人", SKILL),
    ("物流服务与管理", "物流服务师", SKILL),
    ("建筑工程施工", "砌筑工", SKILL),
    ("数控技术应用", "车工", SKILL),
    ("畜禽生产技术", "动物疫病防治员", SKILL),
    ("电子商务(中职)", "电子商务师", SKILL),
]
MAJOR_NAMES = [m[0] for m in _MAJORS]
_MAJOR = {m: i for i, m in enumerate(MAJOR_NAMES)}
_MAJOR_OCC = np.array([OCC[m[1]] for m in _MAJORS], dtype=np.int16)
_MAJOR_CT = np.array([m[2] for m in _MAJORS], dtype=np.int8)

# higher-education major pools by keyword of the school's name (first match wins)
_HIGHER_POOLS: list[tuple[str, list[str]]] = [
    ("医|护|卫生|药", ["护理", "药学", "中医康复技术", "智慧健康养老服务与管理", "计算机应用技术"]),
    ("师范|幼儿", ["学前教育", "小学教育", "汉语言文学", "计算机应用技术", "社会体育"]),
    ("警|政法", ["信息安全技术应用", "计算机应用技术", "人力资源管理"]),
    ("旅游", ["旅游管理", "烹饪工艺与营养", "电子商务"]),
    ("农|林", ["畜牧兽医", "园林技术", "食品检验检测技术", "电子商务"]),
    ("艺术|传媒|体育", ["数字媒体技术", "社会体育", "计算机应用技术"]),
    ("铁道|交通", ["铁道机车运用与维护", "机电一体化技术", "电气自动化技术", "建筑工程技术"]),
    ("煤|能源|电力|水利", ["煤矿智能开采技术", "电气自动化技术", "机电一体化技术", "光伏工程技术"]),
    ("财|金融|商|贸|管理|税务", ["会计", "电子商务", "市场营销", "现代物流管理", "人力资源管理", "计算机应用技术"]),
    (
        "工程|理工|科技|工业|机电|工学|信息|技工",
        [
            "电气自动化技术",
            "机电一体化技术",
            "数控技术",
            "焊接技术与自动化",
            "计算机应用技术",
            "大数据技术",
            "软件技术",
            "新能源汽车技术",
            "无人机应用技术",
            "建筑工程技术",
        ],
    ),
    (
        "",
        [
            "计算机应用技术",
            "大数据技术",
            "软件技术",
            "会计",
            "电子商务",
            "汉语言文学",
            "电气自动化技术",
            "机电一体化技术",
            "市场营销",
            "护理",
            "小学教育",
        ],
    ),
]
_SECONDARY_ALL = [
    "计算机应用",
    "电子商务(中职)",
    "汽车运用与维修",
    "机电技术应用",
    "电气运行与控制",
    "焊接技术应用",
    "幼儿保育",
    "护理(养老照护)",
    "中餐烹饪",
    "美发与形象设计",
    "现代农艺技术",
    "物流服务与管理",
    "建筑工程施工",
    "数控技术应用",
    "畜禽生产技术",
]
_SECONDARY_POOLS: list[tuple[str, list[str]]] = [
    ("医", ["护理(养老照护)", "幼儿保育"]),
    ("畜牧|农", ["畜禽生产技术", "现代农艺技术", "电子商务(中职)"]),
    ("铁|机电|机械|工业|煤", ["机电技术应用", "电气运行与控制", "焊接技术应用", "数控技术应用"]),
    ("建筑|城乡", ["建筑工程施工", "计算机应用"]),
    ("经贸|贸易|商务|会计", ["电子商务(中职)", "物流服务与管理", "计算机应用"]),
    ("艺术|好艺", ["美发与形象设计", "幼儿保育"]),
    ("", _SECONDARY_ALL),
]

# monthly weights of completions (end_date) and of students' certificates
_MONTH_TRAIN = np.array([0.45, 0.30, 0.75, 0.95, 1.05, 1.40, 0.85, 0.85, 1.05, 1.15, 1.45, 1.05])
_MONTH_STUDENT = np.array([0.10, 0.05, 0.40, 0.60, 0.80, 1.30, 0.75, 1.00, 0.20, 0.15, 0.15, 0.10])
_SPRING_FESTIVAL = {2021: _day(2021, 2, 12), 2023: _day(2023, 1, 22)}


# ---------------------------------------------------------------------------------------------------
# Reference data
# ---------------------------------------------------------------------------------------------------
@dataclass
class _Ref:
    county_codes: list[str]
    county_names: list[str]
    county_city: np.ndarray  # index into city_codes
    city_codes: list[str]
    city_names: list[str]
    alloc23: np.ndarray  # sx-train-2023 county allocations
    alloc21: np.ndarray  # sx-skills-2021 county allocations
    schools: list[dict[str, str]]


def _read_csv(name: str) -> list[dict[str, str]]:
    with open(REFERENCE_DIR / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _load_reference() -> _Ref:
    regions = _read_csv("regions.csv")
    cities = [r for r in regions if r["level"] == "city"]
    city_codes = [r["code"] for r in cities]
    counties = [r for r in regions if r["level"] == "county"]
    county_codes = [r["code"] for r in counties]
    pos = {c: i for i, c in enumerate(county_codes)}
    alloc23 = np.zeros(len(counties))
    alloc21 = np.zeros(len(counties))
    for t in _read_csv("targets.csv"):
        if t["unit_type"] == "county" and t["unit_code"] in pos:
            if t["plan_id"] == "sx-train-2023" and t["metric"] == "subsidised_trainees":
                alloc23[pos[t["unit_code"]]] = float(t["target"])
            elif t["plan_id"] == "sx-skills-2021" and t["metric"] == "trained_certified":
                alloc21[pos[t["unit_code"]]] = float(t["target"])
    alloc23[alloc23 == 0] = alloc23[alloc23 > 0].mean() if (alloc23 > 0).any() else 1.0
    alloc21[alloc21 == 0] = alloc21[alloc21 > 0].mean() if (alloc21 > 0).any() else 1.0
    return _Ref(
        county_codes=county_codes,
        county_names=[r["name"] for r in counties],
        county_city=np.array([city_codes.index(r["parent_code"]) for r in counties], dtype=np.int16),
        city_codes=city_codes,
        city_names=[r["name"] for r in cities],
        alloc23=alloc23,
        alloc21=alloc21,
        schools=_read_csv("schools.csv"),
    )


def county_school_names() -> dict[str, str]:
    """The county secondary schools (县属中职) the demo names, ``name → county_code``.

    Not units of schools.csv: their graduating students count for their city's education bureau.
    A district's school carries the city's name in front (阳泉市城区职业中学), a county's its own (柳林县职业中学).
    """
    ref = _load_reference()
    out: dict[str, str] = {}
    for second in (False, True):
        out.update(zip(_county_school_list(ref, second=second), ref.county_codes))
    return out


def _county_school_list(ref: _Ref, second: bool = False) -> list[str]:
    out = []
    for name, city in zip(ref.county_names, ref.county_city):
        prefix = name if name.endswith(("县", "市")) else ref.city_names[city] + name
        out.append(prefix + ("职业技术学校" if second else "职业中学"))
    return out


# ---------------------------------------------------------------------------------------------------
# Vectorised helpers
# ---------------------------------------------------------------------------------------------------
def _mix64(x: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser (a bijection; uint64 arithmetic wraps)."""
    x = x.copy()
    x ^= x >> np.uint64(33)
    x *= np.uint64(0xFF51AFD7ED558CCD)
    x ^= x >> np.uint64(33)
    x *= np.uint64(0xC4CEB9FE1A85EC53)
    x ^= x >> np.uint64(33)
    return x


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
# every 16-bit number as four hex digits, every number below 10,000 as four decimal digits, each packed
# in a uint32 whose bytes (in memory order) are the ASCII digits
_HEX4 = (
    np.ascontiguousarray(np.stack([_HEX[(np.arange(65536) >> s) & 15] for s in (12, 8, 4, 0)], axis=1))
    .view(np.uint32)
    .ravel()
)
_DEC4 = (
    np.ascontiguousarray(
        np.stack([48 + (np.arange(10_000) // 10**k) % 10 for k in (3, 2, 1, 0)], axis=1).astype(np.uint8)
    )
    .view(np.uint32)
    .ravel()
)


def _fixed_width(mat: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """An (n, w) uint8 matrix of ASCII bytes → a pyarrow string array of n strings of width w."""
    n, w = mat.shape
    data = np.ascontiguousarray(mat).reshape(-1)
    offsets = np.arange(0, (n + 1) * w, w, dtype=np.int32)
    nulls = 0
    bitmap = None
    if valid is not None and not valid.all():
        bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
        nulls = int(n - valid.sum())
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data), bitmap, nulls)


def _person_ids(index: np.ndarray, key: tuple[int, int]) -> pa.Array:
    """'P' + 20 hex digits of a keyed 80-bit hash of the synthetic person index."""
    idx = index.astype(np.uint64)
    h1 = _mix64(idx ^ np.uint64(key[0]))
    h2 = _mix64((idx + np.uint64(0x9E3779B97F4A7C15)) ^ np.uint64(key[1]))
    n = len(idx)
    hexes = np.empty((n, 5), dtype=np.uint32)
    q1 = h1.view(np.uint16).reshape(n, 4)  # 16-bit pieces, least significant first (little-endian)
    q2 = h2.view(np.uint16).reshape(n, 4)
    if not np.little_endian:  # pragma: no cover - big-endian hosts
        q1, q2 = q1[:, ::-1], q2[:, ::-1]
    for k in range(4):
        hexes[:, k] = _HEX4[q1[:, 3 - k]]
    hexes[:, 4] = _HEX4[q2[:, 3]]
    mat = np.empty((n, 21), dtype=np.uint8)
    mat[:, 0] = ord("P")
    mat[:, 1:] = hexes.view(np.uint8)
    return _fixed_width(mat)


def _serial_ids(letter: str, year: np.ndarray, serial: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """letter + year (2010–2029) + 11-digit serial: 16 ASCII bytes, e.g. T202300000012345.

    Built as four uint32 words a row, so the buffer needs no strided copy.
    """
    n = len(serial)
    v = serial.astype(np.uint32 if n == 0 or int(serial.max()) < 2**32 else np.int64)
    heads = np.frombuffer((letter + "201" + letter + "202").encode("ascii"), dtype=np.uint32)
    words = np.empty((n, 4), dtype=np.uint32)
    words[:, 0] = heads[(year >= 2020).astype(np.intp)]
    words[:, 1] = _DEC4[(year.astype(np.int64) % 10) * 1000 + (v // 10**8).astype(np.int64) % 1000]
    words[:, 2] = _DEC4[(v // 10**4) % 10_000]
    words[:, 3] = _DEC4[v % 10_000]
    return _fixed_width(words.view(np.uint8), valid)


def _vocab(values: list[str], idx: np.ndarray) -> pa.Array:
    """Strings by index into a vocabulary (a negative index is null), dictionary-encoded.

    Parquet stores strings either way; handing the writer the dictionary saves building the strings and
    hashing them again (the files are written without the Arrow schema, so they read back as plain string).
    """
    voc = pa.array(values, type=pa.string())
    idx32 = idx.astype(np.int32)
    mask = idx32 < 0
    indices = pa.array(idx32, mask=mask) if mask.any() else pa.array(idx32)
    return pa.DictionaryArray.from_arrays(indices, voc)


def _encoded_schema(schema: pa.Schema, arrays: list[pa.Array]) -> pa.Schema:
    """The contract schema with the dictionary-encoded string columns as dictionaries."""
    return pa.schema(
        [pa.field(f.name, a.type) if pa.types.is_dictionary(a.type) else f for f, a in zip(schema, arrays)]
    )


def _dates(days: np.ndarray) -> pa.Array:
    return pa.Array.from_buffers(pa.date32(), len(days), [None, pa.py_buffer(days.astype(np.int32))])


def _nullable_bool(v: np.ndarray) -> pa.Array:
    """int8 -1 / 0 / 1 → null / false / true."""
    mask = v < 0
    return pa.array(v > 0, type=pa.bool_(), mask=mask if mask.any() else None)


def _level_array(v: np.ndarray) -> pa.Array:
    mask = v == 0
    return pa.array(v.astype(np.int8), type=pa.int8(), mask=mask if mask.any() else None)


_QUANTILE_BITS = 18


def _sample_weighted(rng: np.random.Generator, w: np.ndarray, n: int) -> np.ndarray:
    """n indices drawn with probability ∝ w (inverse CDF; for large n through a 2^18-step quantile table)."""
    cdf = np.cumsum(w, dtype=np.float64)
    cdf /= cdf[-1]
    if n < 200_000:
        return np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(w) - 1)
    steps = 1 << _QUANTILE_BITS
    table = np.minimum(np.searchsorted(cdf, (np.arange(steps) + 0.5) / steps, side="right"), len(w) - 1)
    table = table.astype(np.int32)
    return table[(rng.random(n) * steps).astype(np.int64)]


def _choice(rng: np.random.Generator, values, p, n: int) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    return np.asarray(values)[_sample_weighted(rng, p, n)]


def _year_of(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def _season(year: int, month_w: np.ndarray, kind: str) -> tuple[int, np.ndarray]:
    """Daily weights over a calendar year: first day and weights."""
    first, last = _day(year, 1, 1), _day(year, 12, 31)
    days = np.arange(first, last + 1)
    dt = days.astype("datetime64[D]")
    month = dt.astype("datetime64[M]").astype(np.int64) % 12
    dom = (dt - dt.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    w = month_w[month].astype(np.float64)
    dow = (days + 3) % 7  # 0 = Monday (1970-01-01 was a Thursday)
    w *= np.where(dow >= 5, 0.45, 1.0)
    sf = _SPRING_FESTIVAL.get(year)
    if sf is not None:
        dist = np.abs(days - sf)
        w *= np.where(dist <= 7, 0.2, np.where(dist <= 14, 0.6, 1.0))
    w *= np.where((month == 9) & (dom <= 7), 0.3, 1.0)  # National Day
    if kind == "train":
        w *= np.where((month == 5) & (dom >= 20), 1.9, 1.0)  # before 06-30
        w *= np.where((month == 10) & (dom >= 15), 1.5, 1.0)  # before the 11-30 deadlines
        w *= np.where((month == 9) & (dom >= 20), 1.3, 1.0)
        w *= np.where((month == 11) & (dom >= 15), 1.25, 1.0)
    else:  # students: graduation in June, deadline 08-31
        w *= np.where((month == 5) & (dom >= 15), 1.8, 1.0)
        w *= np.where((month == 7) & (dom >= 15), 2.2, 1.0)
    return first, w


# ---------------------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------------------
Frame = dict[str, np.ndarray]

_T_COLS = (
    "person",
    "county",
    "ttype",
    "cat",
    "inst",
    "school",
    "occ",
    "level",
    "industry",
    "start",
    "end",
    "entered",
    "hours",
    "status",
    "passed",
    "employed",
    "year",
    "days",
    "seg",
)
_C_COLS = ("person", "county", "ctype", "level", "occ", "issue", "evaluator", "school", "grad", "major", "train")

SEG_GENERIC, SEG_DIRECTED, SEG_LIULIN, SEG_EXTRA = 0, 1, 2, 3


_DTYPES = {
    "person": np.int64,
    "county": np.int16,
    "ttype": np.int8,
    "cat": np.int8,
    "inst": np.int32,
    "school": np.int16,
    "occ": np.int16,
    "level": np.int8,
    "industry": np.int8,
    "start": np.int32,
    "end": np.int32,
    "entered": np.int32,
    "hours": np.int16,
    "status": np.int8,
    "passed": np.int8,
    "employed": np.int8,
    "year": np.int16,
    "days": np.int32,
    "seg": np.int8,
    "ctype": np.int8,
    "issue": np.int32,
    "evaluator": np.int32,
    "grad": np.bool_,
    "major": np.int16,
    "train": np.int64,
}


def _concat(frames: list[Frame], cols: tuple[str, ...]) -> Frame:
    frames = [f for f in frames if f and len(f[cols[0]])]
    return {
        c: np.concatenate([np.zeros(0, dtype=_DTYPES[c])] + [f[c].astype(_DTYPES[c], copy=False) for f in frames])
        for c in cols
    }


def _take(frame: Frame, idx: np.ndarray) -> Frame:
    return {k: v[idx] for k, v in frame.items()}


class _Generator:
    def __init__(self, rows: int, seed: int):
        self.rows = max(int(rows), 0)
        self.seed = int(seed)
        self.rng = np.random.Generator(np.random.PCG64(self.seed))
        self.s = self.rows / 1_000_000
        self.lscale = 1.0 if self.rows >= LIULIN_FULL_SCALE_ROWS else self.rows / LIULIN_FULL_SCALE_ROWS
        ref = self.ref = _load_reference()
        self.C = len(ref.county_codes)
        self.liulin = ref.county_codes.index(LIULIN)
        self.luliang_city = ref.city_codes.index(LULIANG)
        self.is_luliang = ref.county_city == self.luliang_city
        key = np.random.Generator(np.random.PCG64([self.seed, 0x5EED])).integers(0, 2**63, size=2)
        self.person_key = (int(key[0]), int(key[1]))
        self.next_person = 1
        # school name vocabulary: schools.csv units (unique names) + county secondary schools
        names: list[str] = []
        for s in ref.schools:
            if s["name"] not in names:
                names.append(s["name"])
        self.school_names = names + _county_school_list(ref) + _county_school_list(ref, second=True)
        self.first_county_school = len(names)
        self.seasons = {y: _season(y, _MONTH_TRAIN, "train") for y in (2021, 2023)}
        self.student_seasons = {y: _season(y, _MONTH_STUDENT, "student") for y in (2021, 2023)}
        self._factors()
        self._institutions()
        self._evaluators()
        self._type_tables()

    # -- persistent regional performance --------------------------------------------------------
    def _factors(self) -> None:
        rng, ref = self.rng, self.ref
        city = np.array([1.19, 1.12, 1.04, 1.02, 1.00, 1.00, 0.98, 0.96, 0.94, 0.78, 0.68])
        city = city[rng.permutation(len(ref.city_codes))]
        f = city[ref.county_city] * np.exp(rng.normal(0.0, 0.06, self.C))
        pick = rng.permutation(self.C)
        n_out = max(1, round(self.C * 0.08))
        f[pick[:n_out]] *= rng.uniform(1.12, 1.22, n_out)  # clearly ahead
        f[pick[n_out : 2 * n_out]] *= rng.uniform(0.62, 0.76, n_out)  # clearly behind
        self.county_factor = np.clip(f, 0.5, 1.2)
        self.city_factor = city
        # enterprise share tilt per city (enterprise_share ≥ 1/3 is a plan metric)
        self.city_ent_tilt = rng.uniform(0.78, 1.25, len(ref.city_codes))

    # -- institutions -----------------------------------------------------------------------------
    def _institutions(self) -> None:
        rng, ref = self.rng, self.ref
        vol = (ref.alloc23 / ref.alloc23.sum() + ref.alloc21 / ref.alloc21.sum()) * self.county_factor
        vol = vol / vol.sum()
        scale = max(self.s, 0.0) ** 0.5
        n_jg = np.maximum(3, np.round(np.clip(2200 * scale, 300, 6000) * vol)).astype(np.int64)
        n_qy = np.maximum(3, np.round(np.clip(1400 * scale, 200, 4000) * vol)).astype(np.int64)
        ids: list[str] = []
        kinds, counties = [], []
        for kind, prefix, counts in ((0, "JG", n_jg), (1, "QY", n_qy)):
            for c in range(self.C):
                code = ref.county_codes[c]
                ids.extend(f"{prefix}{code}{k:03d}" for k in range(1, counts[c] + 1))
                kinds.append(np.full(counts[c], kind))
                counties.append(np.full(counts[c], c))
        kind = np.concatenate(kinds)
        county = np.concatenate(counties)
        n = len(ids)
        w = rng.lognormal(0.0, 0.9, n)
        block = kind * self.C + county  # institutions are laid out block by block
        totals = np.bincount(block, weights=w, minlength=2 * self.C)
        cum = np.cumsum(w) - np.concatenate([[0.0], np.cumsum(totals)])[block]
        upper = block + cum / totals[block]
        last = np.r_[block[1:] != block[:-1], True]
        upper[last] = block[last] + 1.0
        self.inst_upper = upper
        weak_pass = rng.random(n) < 0.045
        weak_emp = rng.random(n) < 0.06
        # order/project employment (≥ 80 % for the subsidy): weak institutions are commoner where the city lags
        city_f = self.city_factor[ref.county_city[county]]
        weak_order = rng.random(n) < np.clip(0.04 + 0.3 * (1.15 - city_f), 0.03, 0.2)
        self.inst_pass = np.where(weak_pass, rng.uniform(0.58, 0.77, n), rng.uniform(0.90, 0.995, n))
        emp = np.where(weak_emp, rng.uniform(0.12, 0.27, n), rng.uniform(0.40, 0.85, n))
        self.inst_emp = np.where(kind == 1, rng.uniform(0.95, 1.0, n), emp)
        self.inst_order_emp = np.where(weak_order, rng.uniform(0.5, 0.76, n), rng.uniform(0.93, 1.0, n))
        self.inst_kind = kind
        # schools running school_directed trainings (YX + unit code)
        self.directed_units = [
            s for s in ref.schools if s["group"] in ("undergraduate", "higher_vocational") and s["name"] != "技工院校"
        ]
        self.inst_yx0 = n
        ids.extend("YX" + s["unit_code"] for s in self.directed_units)
        k = len(self.directed_units)
        self.inst_pass = np.r_[self.inst_pass, rng.uniform(0.88, 0.98, k)]
        self.inst_emp = np.r_[self.inst_emp, rng.uniform(0.85, 0.98, k)]
        self.inst_order_emp = np.r_[self.inst_order_emp, np.full(k, 0.9)]
        self.inst_ids = ids

    def _pick_institution(self, county: np.ndarray, kind: np.ndarray) -> np.ndarray:
        key = (kind.astype(np.int64) * self.C + county) + self.rng.random(len(county))
        return np.searchsorted(self.inst_upper, key, side="right").astype(np.int32)

    # -- evaluators -------------------------------------------------------------------------------
    def _evaluators(self) -> None:
        ref = self.ref
        ev: list[str] = []
        self.ev_third = len(ev)  # 12 third-party evaluators per city
        ev.extend(f"PJ{c}{k:02d}" for c in ref.city_codes for k in range(1, 13))
        self.ev_oper = len(ev)
        ev.extend(f"AJ{c}" for c in ref.city_codes)  # 应急管理部门 (特种作业)
        self.ev_equip = len(ev)
        ev.extend(f"TS{c}" for c in ref.city_codes)  # 市场监管部门 (特种设备)
        self.ev_qy = len(ev)  # enterprises' own evaluation
        ev.extend("PJ" + i for i in self.inst_ids[: self.inst_yx0])
        self.ev_unit = len(ev)
        self.unit_codes = [s["unit_code"] for s in ref.schools]
        ev.extend("PJ" + u for u in self.unit_codes)
        self.ev_county_school = len(ev)
        ev.extend(f"PJ{c}ZZ" for c in ref.county_codes)
        self.evaluators = ev
        # CONTRACT §4: illustrative names beside the codes
        counties = dict(zip(ref.county_codes, ref.county_names, strict=True))
        cities = dict(zip(ref.city_codes, ref.city_names, strict=True))
        schools = {s["unit_code"]: s["name"] for s in ref.schools}
        self.inst_names = demo_names.institution_names(self.inst_ids, counties, schools)
        self.evaluator_names = demo_names.evaluator_names(
            ev, cities, counties, dict(zip(self.inst_ids, self.inst_names, strict=True)), schools
        )

    # -- per-type sampling tables -----------------------------------------------------------------
    def _type_tables(self) -> None:
        self.occ_table = {}
        for t, weights in _OCC_WEIGHTS.items():
            ids = np.array([OCC[o] for o in weights], dtype=np.int16)
            p = np.array(list(weights.values()), dtype=np.float64)
            self.occ_table[t] = (ids, p / p.sum())
        n_occ = len(OCC_NAMES)
        kmax = max(len(o[1]) for o in _OCCUPATIONS)
        self.occ_ind = np.full((n_occ, kmax), -1, dtype=np.int8)
        self.occ_ind_n = np.zeros(n_occ, dtype=np.int64)
        for i, (_, inds, _) in enumerate(_OCCUPATIONS):
            for j, name in enumerate(inds):
                self.occ_ind[i, j] = INDUSTRIES.index(name)
            self.occ_ind_n[i] = len(inds)
        self.occ_special = np.array([{"op": 1, "eq": 2}.get(o[2], 0) for o in _OCCUPATIONS], dtype=np.int8)

    def _new_persons(self, n: int) -> np.ndarray:
        out = np.arange(self.next_person, self.next_person + n, dtype=np.int64)
        self.next_person += n
        return out

    # -- trainings --------------------------------------------------------------------------------
    def _attributes(self, county: np.ndarray, ttype: np.ndarray, level_p: dict | None = None) -> Frame:
        """Everything about an enrolment that does not depend on time."""
        rng = self.rng
        n = len(county)
        occ = np.zeros(n, dtype=np.int16)
        level = np.zeros(n, dtype=np.int8)
        cat = np.zeros(n, dtype=np.int8)
        hours = np.zeros(n, dtype=np.int16)
        days = np.zeros(n, dtype=np.int32)
        industry = np.full(n, -1, dtype=np.int8)
        for t in range(len(TT)):
            idx = np.flatnonzero(ttype == t)
            m = len(idx)
            if not m:
                continue
            ids, p = self.occ_table[t]
            occ[idx] = _choice(rng, ids, p, m)
            lp = (level_p or {}).get(t, _LEVEL_P[t])
            level[idx] = _choice(rng, LEVELS, lp, m)
            cat[idx] = _choice(rng, np.arange(len(CATS), dtype=np.int8), _CAT_P[t], m)
            hv, hp = _HOURS[t]
            h = _choice(rng, np.array(hv, dtype=np.int16), hp, m)
            hours[idx] = h
            if t in (APP,):
                d = rng.integers(150, 331, m)
            elif t == DIR:
                d = rng.integers(90, 181, m)
            elif t == ONL:
                d = rng.integers(7, 61, m)
            else:
                d = np.ceil(h / 8 * 7 / 5 * rng.uniform(0.9, 1.3, m))
            days[idx] = np.maximum(d, 1)
            hit = rng.random(m) < _INDUSTRY_P[t]
            o = occ[idx]
            cnt = self.occ_ind_n[o]
            j = (rng.random(m) * np.maximum(cnt, 1)).astype(np.int64)
            ind = self.occ_ind[o, np.minimum(j, self.occ_ind.shape[1] - 1)]
            industry[idx] = np.where(hit & (cnt > 0), ind, -1)
        kind = np.where((ttype == ENT) | (ttype == APP), 1, 0)
        inst = self._pick_institution(county.astype(np.int64), kind)
        return {
            "county": county.astype(np.int16),
            "ttype": ttype.astype(np.int8),
            "cat": cat,
            "inst": inst,
            "school": np.full(n, -1, dtype=np.int16),
            "occ": occ,
            "level": level,
            "industry": industry,
            "hours": hours,
            "days": days,
        }

    def _statuses(self, ttype: np.ndarray, year: int) -> np.ndarray:
        n = len(ttype)
        u = self.rng.random(n)
        status = np.where(u < _P_DROPPED, DROPPED, COMPLETED).astype(np.int8)
        if year == 2023:
            p_enr = np.array([_P_ENROLLED_2023[t] for t in range(len(TT))])[ttype]
            status[(u >= _P_DROPPED) & (u < _P_DROPPED + p_enr)] = ENROLLED
        return status

    def _schedule(self, f: Frame, year: int, end_override: np.ndarray | None = None) -> None:
        """start / end / entered_on for the enrolments of one programme year (status already set)."""
        rng = self.rng
        status, days = f["status"], f["days"].astype(np.int64)
        n = len(status)
        first, w = self.seasons[year]
        if year == 2023:
            w = w[: D_EXTRACT - first + 1]
        days = np.minimum(days, len(w))
        planned = first + _sample_weighted(rng, w, n)
        if end_override is not None:
            planned = end_override.astype(np.int64)
        # an enrolment of the programme year starts in that year: long courses end later
        planned = np.maximum(planned, first + days - 1)
        start = planned - days + 1
        end = planned.copy()
        drop = status == DROPPED
        end[drop] = start[drop] + np.floor(rng.random(drop.sum()) * (planned[drop] - start[drop] + 1))
        enr = status == ENROLLED
        if enr.any():
            start[enr] = D_EXTRACT - np.floor(rng.random(enr.sum()) * days[enr]).astype(np.int64)
            end[enr] = D_EXTRACT
        lag = np.floor(rng.exponential(3.5, n)).astype(np.int64)
        comp = status == COMPLETED
        after_end = comp & (rng.random(n) < 0.45)
        entered = np.where(after_end, end + lag, start + lag)
        late = comp & (rng.random(n) < 0.028)
        entered[late] = end[late] + 91 + np.floor(rng.random(late.sum()) * 150).astype(np.int64)
        over = entered > D_EXTRACT
        entered[over] = np.minimum(start[over] + lag[over], D_EXTRACT)
        f["start"] = start.astype(np.int32)
        f["end"] = end.astype(np.int32)
        f["entered"] = entered.astype(np.int32)
        f["year"] = np.full(n, year, dtype=np.int16)

    def _outcomes(self, f: Frame) -> None:
        rng = self.rng
        status, ttype, inst, end = f["status"], f["ttype"], f["inst"], f["end"]
        n = len(status)
        comp = status == COMPLETED
        p_pass = np.where(ttype == CARE, 0.4 * self.inst_pass[inst] + 0.6 * 0.97, self.inst_pass[inst])
        passed = np.where(comp, (rng.random(n) < p_pass).astype(np.int8), np.int8(0))
        passed[status == ENROLLED] = -1
        passed[comp & (rng.random(n) < 0.003)] = -1  # completion entered without an assessment result
        p_emp = self.inst_emp[inst].copy()
        p_emp = np.where(ttype == ORD, self.inst_order_emp[inst], p_emp)
        p_emp = np.where(ttype == CARE, np.minimum(p_emp * 1.15, 0.93), p_emp)
        p_emp = np.where(ttype == ENTRE, p_emp * 0.9, p_emp)
        p_emp = np.where(ttype == ONL, p_emp * 0.8, p_emp)
        p_emp = np.where((passed == 1) | (ttype == ORD), p_emp, p_emp * 0.6)
        employed = (rng.random(n) < p_emp).astype(np.int8)
        # employment is known 4–10 weeks after completion (order projects hire at once: 4–7 weeks)
        known_after = D_EXTRACT - np.where(ttype == ORD, rng.integers(28, 50, n), rng.integers(28, 71, n))
        unknown = ~comp | (end > known_after) | (rng.random(n) < 0.006)
        employed[unknown] = -1
        f["passed"] = passed
        f["employed"] = employed

    def _generic_year(self, year: int, counts: np.ndarray) -> Frame:
        """counts: (counties, types) enrolments to generate."""
        T = len(TT)
        cell = np.repeat(np.arange(counts.size), counts.ravel())
        county, ttype = cell // T, (cell % T).astype(np.int8)
        f = self._attributes(county, ttype)
        f["status"] = self._statuses(ttype, year)
        self._schedule(f, year)
        self._outcomes(f)
        f["person"] = self._new_persons(len(county))
        f["seg"] = np.full(len(county), SEG_GENERIC, dtype=np.int8)
        return f

    def _cells(self, volume: np.ndarray, total: int) -> np.ndarray:
        """Split ``total`` enrolments over (county, type) cells by county volume and the type mix."""
        T = len(TT)
        share = np.zeros((len(self.ref.city_codes), T))
        base = {ENT: 0.31, APP: 0.04, ORD: 0.06, ENTRE: 0.08, KEY: 0.41, ONL: 0.10}
        for t, v in base.items():
            share[:, t] = v
        share[:, ENT] *= self.city_ent_tilt
        share[:, APP] *= self.city_ent_tilt
        share /= share.sum(axis=1, keepdims=True)
        cg = np.where(self.is_luliang, 0.38, 0.004)
        p = volume[:, None] * (1 - cg[:, None]) * share[self.ref.county_city]
        p[:, CARE] = volume * cg
        p = p.ravel() / p.sum()
        return self.rng.multinomial(total, p).reshape(self.C, T)

    def _repeat_persons(self, f: Frame, share: float) -> None:
        """Some persons train twice in a year: reuse the person of another enrolment in the same county."""
        pick = self.rng.random(len(f["person"])) < share
        src = _same_county_source(self.rng, f["county"], f["county"][pick], self.C)
        ok = src >= 0
        rows = np.flatnonzero(pick)[ok]
        _reuse_person(f, rows, f, src[ok])

    @staticmethod
    def _extra_counts(n: int) -> tuple[int, int, int]:
        """Compliance material for n generic enrolments: repeats, anchors with > 3 trainings, of which with 5."""
        if n < 1000:
            return 0, 0, 0
        m = max(1, round(0.0012 * n))
        return max(1, round(0.004 * n)), m, round(0.3 * m)

    @classmethod
    def _extra_rows(cls, n: int) -> int:
        k, m, m5 = cls._extra_counts(n)
        return k + 3 * m + m5

    def _extras(self, f: Frame, year: int) -> Frame:
        """Compliance-check material for one year's generic enrolments."""
        rng = self.rng
        comp = np.flatnonzero(f["status"] == COMPLETED)
        k, m, m5 = self._extra_counts(len(f["person"]))
        if not k or len(comp) < k + m:
            return {}
        # the same person, occupation and level trained twice in the year
        a = rng.choice(comp, size=k, replace=False)
        dup = _take(f, a)
        dup["status"] = np.full(len(a), COMPLETED, dtype=np.int8)
        self._schedule(dup, year)
        self._outcomes(dup)
        # persons with more than three subsidised trainings in the year
        b = rng.choice(comp, size=m, replace=False)
        reps = 3 + (np.arange(m) < m5)
        anchor = np.repeat(b, reps)
        ttype = _choice(rng, np.array([KEY, ONL, ORD, ENTRE], dtype=np.int8), [0.5, 0.25, 0.15, 0.1], len(anchor))
        many = self._attributes(f["county"][anchor].astype(np.int64), ttype)
        many["status"] = np.full(len(anchor), COMPLETED, dtype=np.int8)
        self._schedule(many, year)
        self._outcomes(many)
        many["person"] = f["person"][anchor]
        out = _concat([dup, many], tuple(c for c in _T_COLS if c != "seg"))
        out["seg"] = np.full(len(out["person"]), SEG_EXTRA, dtype=np.int8)
        return out

    def _directed(self, n_rows: int) -> Frame:
        """Seed 004: school-directed trainings of 2021 (3–6 months, senior levels), by milestone."""
        rng = self.rng
        units = self.directed_units
        if not units or n_rows <= 0:
            return {}
        quota = np.array([float(u["quota"]) for u in units])
        wt = quota * rng.uniform(0.5, 1.5, len(units))
        unit = _sample_weighted(rng, wt, n_rows)
        home = self._home_counties(units)
        county = home[unit]
        f = self._attributes(county, np.full(n_rows, DIR, dtype=np.int8))
        f["inst"] = (self.inst_yx0 + unit).astype(np.int32)
        f["school"] = np.array([self.school_names.index(u["name"]) for u in units], dtype=np.int16)[unit]
        status = np.where(rng.random(n_rows) < _P_DROPPED, DROPPED, COMPLETED).astype(np.int8)
        f["status"] = status
        # completed persons by 06-30 / 09-30 / 11-30 / 12-31 relative to the 30,000: 36.5 / 79 / 101.5 / 105 %
        bounds = [
            (_day(2021, 4, 6), _day(2021, 6, 30)),
            (_day(2021, 7, 1), _day(2021, 9, 30)),
            (_day(2021, 10, 1), _day(2021, 11, 30)),
            (_day(2021, 12, 1), _day(2021, 12, 31)),
        ]
        piece = _choice(rng, np.arange(4), np.diff([0, 36.5, 79, 101.5, 105]), n_rows)
        first, w = self.seasons[2021]
        end = np.zeros(n_rows, dtype=np.int64)
        for k, (lo, hi) in enumerate(bounds):
            idx = np.flatnonzero(piece == k)
            ww = w[lo - first : hi - first + 1].copy()
            if k == 0:
                ww *= np.linspace(0.3, 1.6, len(ww))
            end[idx] = lo + _sample_weighted(rng, ww, len(idx))
        start_floor = _day(2021, 1, 4)
        f["days"] = np.minimum(f["days"], (end - start_floor + 1)).astype(np.int32)
        self._schedule(f, 2021, end_override=end)
        self._outcomes(f)
        f["person"] = self._new_persons(n_rows)
        f["seg"] = np.full(n_rows, SEG_DIRECTED, dtype=np.int8)
        return f

    def _home_counties(self, units: list[dict[str, str]]) -> np.ndarray:
        """A home county per school unit: a district of its city (any county for the 技工院校 aggregate)."""
        rng, ref = self.rng, self.ref
        out = np.zeros(len(units), dtype=np.int64)
        for i, u in enumerate(units):
            if u["city_code"] in ref.city_codes:
                ci = ref.city_codes.index(u["city_code"])
                members = [c for c in range(self.C) if ref.county_city[c] == ci]
                districts = [c for c in members if ref.county_names[c].endswith("区")] or members
                out[i] = districts[int(rng.integers(len(districts)))]
            else:
                out[i] = int(rng.integers(self.C))
        return out

    def _liulin_counts(self) -> dict[int, tuple[int, int, int]]:
        """Liulin's 2023 enrolments per training type: completed by 10-20, still enrolled, dropped."""
        out = {}
        for t, done in _LIULIN_COMPLETED.items():
            nc = round(done * self.lscale)
            rest = 1 - _P_ENROLLED_2023[t] - _P_DROPPED
            out[t] = (nc, round(nc * _P_ENROLLED_2023[t] / rest), round(nc * _P_DROPPED / rest))
        return out

    def _liulin_2023(self, pool_2021: np.ndarray) -> Frame:
        """Liulin 柳林县 2023 by its plan (seed 002), absolute numbers."""
        rng = self.rng
        types, statuses = [], []
        for t, (nc, ne, nd) in self._liulin_counts().items():
            types.append(np.full(nc + ne + nd, t, dtype=np.int8))
            statuses.append(np.r_[np.full(nc, COMPLETED), np.full(ne, ENROLLED), np.full(nd, DROPPED)])
        ttype = np.concatenate(types)
        n = len(ttype)
        if not n:
            return {}
        f = self._attributes(np.full(n, self.liulin), ttype, level_p={ENT: _LIULIN_ENT_LEVEL_P})
        f["status"] = np.concatenate(statuses).astype(np.int8)
        self._schedule(f, 2023)
        self._outcomes(f)
        f["person"] = self._new_persons(n)
        pool = np.unique(pool_2021)
        k = min(round(0.15 * n), len(pool))
        if k:
            rows = rng.choice(n, size=k, replace=False)
            f["person"][rows] = rng.choice(pool, size=k, replace=False)
        f["seg"] = np.full(n, SEG_LIULIN, dtype=np.int8)
        return f

    # -- certificates -----------------------------------------------------------------------------
    def _training_certs(self, t: Frame) -> Frame:
        rng = self.rng
        n = len(t["person"])
        p = np.array([_P_CERT[k] for k in range(len(TT))])[t["ttype"]]
        sel = np.flatnonzero((t["status"] == COMPLETED) & (t["passed"] == 1) & (rng.random(n) < p))
        tt = t["ttype"][sel]
        m = len(sel)
        ctype = np.zeros(m, dtype=np.int8)
        for k in range(len(TT)):
            idx = np.flatnonzero(tt == k)
            ctype[idx] = _choice(rng, np.arange(len(CTS), dtype=np.int8), _CERT_TYPE_P[k], len(idx))
        year = t["year"][sel]
        ctype[(year == 2021) & (ctype == SKILL) & (rng.random(m) < 0.15)] = QUAL  # older 职业资格证书
        occ = t["occ"][sel]
        special = self.occ_special[occ]
        u = rng.random(m)
        ctype[(special == 1) & (u < 0.5)] = OPER
        ctype[(special == 2) & (u < 0.6)] = EQUIP
        level = t["level"][sel].copy()
        ctype[(level == 0) & ((ctype == QUAL) | (ctype == SKILL))] = COMPL
        level[(ctype != QUAL) & (ctype != SKILL)] = 0
        end = t["end"][sel].astype(np.int64)
        lag = 7 + np.floor(rng.beta(1.8, 3.5, m) * 50).astype(np.int64)  # 1–8 weeks, mostly 2–4
        issue = end + lag
        y_end = _day(2021, 12, 31)
        # 2021 certificates that would fall in 2022: half are pushed out before the year ends, half are
        # outside the extract; 2023 certificates after the extract date are not issued yet
        late21 = (year == 2021) & (issue > y_end)
        issue[late21] = end[late21] + np.floor(rng.random(late21.sum()) * (y_end - end[late21] + 1)).astype(np.int64)
        keep = ~((year == 2023) & (issue > D_EXTRACT)) & ~(late21 & (rng.random(m) < 0.5))
        ev = self._training_evaluators(t, sel, ctype)
        out = {
            "person": t["person"][sel],
            "county": t["county"][sel],
            "ctype": ctype,
            "level": level,
            "occ": occ,
            "issue": issue.astype(np.int32),
            "evaluator": ev,
            "school": np.full(m, -1, dtype=np.int16),
            "grad": np.zeros(m, dtype=bool),
            "major": np.full(m, -1, dtype=np.int16),
            "train": sel.astype(np.int64),
        }
        return _take(out, np.flatnonzero(keep))

    def _training_evaluators(self, t: Frame, sel: np.ndarray, ctype: np.ndarray) -> np.ndarray:
        rng = self.rng
        m = len(sel)
        city = self.ref.county_city[t["county"][sel]].astype(np.int64)
        ev = self.ev_third + city * 12 + rng.integers(0, 12, m)
        inst = t["inst"][sel].astype(np.int64)
        own = (
            (self.inst_kind[np.minimum(inst, self.inst_yx0 - 1)] == 1) & (inst < self.inst_yx0) & (rng.random(m) < 0.4)
        )
        ev = np.where(own, self.ev_qy + inst, ev)
        directed = inst >= self.inst_yx0
        if directed.any():
            names = [u["unit_code"] for u in self.directed_units]
            unit_ev = np.array([self.ev_unit + self.unit_codes.index(c) for c in names], dtype=np.int64)
            ev = np.where(directed, unit_ev[np.where(directed, inst - self.inst_yx0, 0)], ev)
        ev = np.where(ctype == OPER, self.ev_oper + city, ev)
        ev = np.where(ctype == EQUIP, self.ev_equip + city, ev)
        return ev.astype(np.int32)

    def _prior_certs(self, t: Frame) -> Frame:
        """Earlier certificates (2019–2021) of some trainees: 'first certificate' rules matter."""
        rng = self.rng
        n = len(t["person"])
        employee = t["cat"] == CATS.index("enterprise_employee")
        p = np.where(employee, 0.35, 0.05)
        p = np.where(t["ttype"] == CARE, 0.03, p)
        # Liulin's plan counts few new skilled talents (400): many of its trainees already hold one
        p = np.where(t["seg"] == SEG_LIULIN, np.where(employee, 0.75, 0.3), p)
        p = np.where(t["seg"] == SEG_EXTRA, 0.0, p)
        cand = np.flatnonzero(rng.random(n) < p)
        _, first = np.unique(t["person"][cand], return_index=True)
        sel = cand[np.sort(first)]
        m = len(sel)
        same = rng.random(m) < 0.65
        occ = t["occ"][sel].copy()
        alt = _choice(rng, *self.occ_table[KEY], m)
        occ = np.where(same & (t["ttype"][sel] != ENTRE), occ, alt).astype(np.int16)
        # one level below the training's (a beginner's level 5 was earlier a level 4 in another occupation)
        tl = t["level"][sel]
        same &= (tl > 0) & (tl < 5)
        occ = np.where(same, occ, alt).astype(np.int16)
        rand_level = _choice(rng, np.array([5, 4, 3], dtype=np.int8), [0.6, 0.3, 0.1], m)
        level = np.where(tl > 0, np.where(tl < 5, tl + 1, 4), rand_level).astype(np.int8)
        ctype = np.where(rng.random(m) < 0.45, QUAL, SKILL).astype(np.int8)
        lo = _day(2019, 1, 1)
        hi = np.where(
            t["year"][sel] == 2021, np.minimum(t["start"][sel] - 60, _day(2020, 12, 31)), _day(2021, 12, 31)
        ).astype(np.int64)
        hi = np.maximum(hi, lo)
        issue = lo + np.floor(rng.random(m) * (hi - lo + 1)).astype(np.int64)
        city = self.ref.county_city[t["county"][sel]].astype(np.int64)
        return {
            "person": t["person"][sel],
            "county": t["county"][sel],
            "ctype": ctype,
            "level": level,
            "occ": occ,
            "issue": issue.astype(np.int32),
            "evaluator": (self.ev_third + city * 12 + rng.integers(0, 12, m)).astype(np.int32),
            "school": np.full(m, -1, dtype=np.int16),
            "grad": np.zeros(m, dtype=bool),
            "major": np.full(m, -1, dtype=np.int16),
            "train": np.full(m, -1, dtype=np.int64),
        }

    def _duplicate_levels(self, c: Frame) -> Frame:
        """A certificate level claimed twice: a second certificate, same person, occupation and level."""
        rng = self.rng
        cand = np.flatnonzero((c["ctype"] == SKILL) & (c["train"] >= 0))
        k = min(len(cand), max(1, round(0.003 * len(cand)))) if len(cand) else 0
        if not k:
            return {}
        sel = rng.choice(cand, size=k, replace=False)
        d = _take(c, sel)
        issue = d["issue"].astype(np.int64) + rng.integers(30, 200, k)
        year = _year_of(d["issue"].astype(np.int64))
        cap = np.where(year == 2021, _day(2021, 12, 31), D_EXTRACT)
        over = issue > cap
        issue[over] = d["issue"][over] + np.floor(rng.random(over.sum()) * (cap[over] - d["issue"][over] + 1))
        d["issue"] = issue.astype(np.int32)
        d["train"] = np.full(k, -1, dtype=np.int64)
        city = self.ref.county_city[d["county"]].astype(np.int64)
        d["evaluator"] = (self.ev_third + city * 12 + rng.integers(0, 12, k)).astype(np.int32)
        return d

    def _student_dates(self, year: int, n: int, lo: int, hi: int) -> np.ndarray:
        first, w = self.student_seasons[year]
        ww = w[lo - first : hi - first + 1]
        return (lo + _sample_weighted(self.rng, ww, n)).astype(np.int32)

    def _majors_for(self, names: list[str], pools: list[tuple[str, list[str]]]) -> tuple[np.ndarray, np.ndarray]:
        table = np.full((len(names), 16), -1, dtype=np.int16)
        sizes = np.zeros(len(names), dtype=np.int64)
        for i, name in enumerate(names):
            for pattern, majors in pools:
                if pattern == "" or re.search(pattern, name):
                    table[i, : len(majors)] = [_MAJOR[m] for m in majors]
                    sizes[i] = len(majors)
                    break
        return table, sizes

    def _pick_major(self, table: np.ndarray, sizes: np.ndarray, unit: np.ndarray) -> np.ndarray:
        # earlier majors of a pool are bigger: square the uniform towards the front
        j = np.minimum((self.rng.random(len(unit)) ** 1.4 * sizes[unit]).astype(np.int64), sizes[unit] - 1)
        return table[unit, j]

    def _students_2021(self) -> Frame:
        """Seed 004: graduating students' certificates of every unit of schools.csv (deadline 08-31)."""
        rng, ref = self.rng, self.ref
        units = ref.schools
        U = len(units)
        quota = np.array([float(u["quota"]) for u in units])
        senior = np.array([u["quota_metric"] == "senior_certs" for u in units])
        bureau = np.array([u["group"] == "city_education_bureau" for u in units])
        jx = np.array([u["name"] == "技工院校" for u in units])
        u = rng.random(U)
        factor = np.where(
            u < 0.08,
            rng.uniform(0.40, 0.70, U),
            np.where(u > 0.87, rng.uniform(1.20, 1.35, U), rng.uniform(0.85, 1.10, U)),
        )
        factor[jx | bureau] = np.clip(factor[jx | bureau], 0.75, 1.15)
        # about 97.5 % of each province-wide quota by the deadline (seed 004: 100,000 each)
        for group in (senior, ~senior):
            factor[group] *= 0.975 * quota[group].sum() / (quota[group] * factor[group]).sum()
        n_dl = np.round(quota * factor * self.s).astype(np.int64)
        n_late = np.round(quota * self.s * rng.uniform(0.01, 0.05, U)).astype(np.int64)
        n_non = np.round(quota * self.s * rng.uniform(0.05, 0.10, U)).astype(np.int64)
        home = self._home_counties(units)
        ev_unit = np.array([self.ev_unit + i for i in range(U)], dtype=np.int64)
        name_idx = np.array([self.school_names.index(x["name"]) for x in units], dtype=np.int64)
        names = [x["name"] for x in units]
        hi_tab, hi_n = self._majors_for(names, _HIGHER_POOLS)
        se_tab, se_n = self._majors_for(names, _SECONDARY_POOLS)
        out = []
        for kind, counts in (("dl", n_dl), ("late", n_late), ("non", n_non)):
            unit = np.repeat(np.arange(U), counts)
            m = len(unit)
            if not m:
                continue
            if kind == "dl":
                issue = self._student_dates(2021, m, _day(2021, 1, 4), _day(2021, 8, 31))
            elif kind == "late":
                issue = self._student_dates(2021, m, _day(2021, 9, 1), _day(2021, 12, 31))
            else:
                issue = self._student_dates(2021, m, _day(2021, 1, 4), _day(2021, 12, 31))
            county = self._student_counties(unit, home, bureau, jx, units)
            school = name_idx[unit].copy()
            b = bureau[unit]
            second = rng.random(m) < 0.3
            school[b] = self.first_county_school + county[b] + np.where(second[b], self.C, 0)
            sen = senior[unit]
            major = np.where(sen, self._pick_major(hi_tab, hi_n, unit), self._pick_major(se_tab, se_n, unit))
            occ = _MAJOR_OCC[major]
            ctype = np.where(sen, _MAJOR_CT[major], SKILL).astype(np.int8)
            if kind == "non":
                level = np.where(sen, 4, 5).astype(np.int8)
                ctype[:] = SKILL
            else:
                level = np.where(sen, _choice(rng, np.array([3, 2, 1], dtype=np.int8), [0.85, 0.14, 0.01], m), 4)
                level = np.where(ctype == QUAL, 3, level).astype(np.int8)
            ev = np.where(b, self.ev_county_school + county, ev_unit[unit])
            out.append(
                {
                    "person": self._new_persons(m),
                    "county": county.astype(np.int16),
                    "ctype": ctype,
                    "level": level,
                    "occ": occ.astype(np.int16),
                    "issue": issue,
                    "evaluator": ev.astype(np.int32),
                    "school": school.astype(np.int16),
                    "grad": np.full(m, kind != "non"),
                    "major": major.astype(np.int16),
                    "train": np.full(m, -1, dtype=np.int64),
                }
            )
        return _concat(out, _C_COLS)

    def _student_counties(self, unit, home, bureau, jx, units) -> np.ndarray:
        """County of a student: the school's home county; a bureau's students any county of its city."""
        rng, ref = self.rng, self.ref
        county = home[unit].copy()
        members = [np.flatnonzero(ref.county_city == ci) for ci in range(len(ref.city_codes))]
        table = np.full((len(members), max(len(x) for x in members)), -1, dtype=np.int64)
        for ci, mem in enumerate(members):
            table[ci, : len(mem)] = mem
        sizes = np.array([len(x) for x in members])
        unit_city = np.array(
            [ref.city_codes.index(x["city_code"]) if x["city_code"] in ref.city_codes else -1 for x in units]
        )
        b = bureau[unit]
        ci = unit_city[unit[b]]
        j = (rng.random(b.sum()) * sizes[ci]).astype(np.int64)
        county[b] = table[ci, j]
        j_any = jx[unit]
        w = ref.alloc23 * self.county_factor
        county[j_any] = _sample_weighted(rng, w, j_any.sum())
        return county

    def _students_2023(self) -> Frame:
        """Graduating students of county secondary schools in 2023 (level 4), some with a 2021 level-5."""
        rng, ref = self.rng, self.ref
        bureau_quota = np.zeros(len(ref.city_codes))
        for s in ref.schools:
            if s["group"] == "city_education_bureau" and s["city_code"] in ref.city_codes:
                bureau_quota[ref.city_codes.index(s["city_code"])] = float(s["quota"])
        per_county = bureau_quota[ref.county_city] / np.bincount(ref.county_city)[ref.county_city]
        n = np.round(per_county * self.county_factor * self.s * 0.93).astype(np.int64)
        n[self.liulin] = round(_LIULIN_STUDENTS * self.lscale)
        county = np.repeat(np.arange(self.C), n)
        m = len(county)
        if not m:
            return {}
        second = rng.random(m) < np.where(county == self.liulin, 0.25, 0.3)
        school = self.first_county_school + county + np.where(second, self.C, 0)
        major = np.array([_MAJOR[x] for x in _SECONDARY_ALL])[
            np.minimum((rng.random(m) ** 1.3 * len(_SECONDARY_ALL)).astype(np.int64), len(_SECONDARY_ALL) - 1)
        ]
        issue = self._student_dates(2023, m, _day(2023, 1, 3), D_EXTRACT)
        persons = self._new_persons(m)
        ev = (self.ev_county_school + county).astype(np.int32)
        grads = {
            "person": persons,
            "county": county.astype(np.int16),
            "ctype": np.full(m, SKILL, dtype=np.int8),
            "level": np.full(m, 4, dtype=np.int8),
            "occ": _MAJOR_OCC[major],
            "issue": issue,
            "evaluator": ev,
            "school": school.astype(np.int16),
            "grad": np.ones(m, dtype=bool),
            "major": major.astype(np.int16),
            "train": np.full(m, -1, dtype=np.int64),
        }
        early = np.flatnonzero(
            rng.random(m) < np.where(county == self.liulin, 0.72, 0.55)
        )  # a level-5 certificate in their first year (2021)
        prior = _take(grads, early)
        prior["level"] = np.full(len(early), 5, dtype=np.int8)
        prior["grad"] = np.zeros(len(early), dtype=bool)
        prior["issue"] = self._student_dates(2021, len(early), _day(2021, 3, 1), _day(2021, 12, 31))
        return _concat([grads, prior], _C_COLS)

    # -- the whole extract ------------------------------------------------------------------------
    def run(self, progress: Progress | None = None) -> tuple[pa.Table, pa.Table]:
        t, c = self.frames(progress)
        training, order = self._training_table(t)
        return training, self._certificate_table(c, t["year"], order)

    def frames(self, progress: Progress | None = None) -> tuple[Frame, Frame]:
        """Every enrolment and every certificate, as numpy columns (codes, day numbers)."""
        say = progress or (lambda f, m: None)
        say(0.02, "读取参考数据…")
        rng, ref, s = self.rng, self.ref, self.s
        # 2023: completed distinct persons by the extract date ≈ allocation × time share × county factor
        share_2023 = (D_EXTRACT - _day(2023, 1, 1) + 1) / 365
        vol23 = ref.alloc23 * self.county_factor * share_2023 / (0.905 * 0.955 * 0.96)
        vol23[self.liulin] = 0.0
        n23 = round(float(vol23.sum()) * s)
        n_dir = round(32_470 * s)
        liulin_rows = sum(sum(v) for v in self._liulin_counts().values())
        # the generic 2021 part takes the rest, so that there are exactly `rows` enrolments
        budget21 = self.rows - n_dir - liulin_rows - n23 - self._extra_rows(n23)
        n21 = max(0, int(budget21 / (1 + 0.004 + 0.0012 * 3.3)))
        while n21 > 0 and n21 + self._extra_rows(n21) > budget21:
            n21 -= 1
        while n21 + 1 + self._extra_rows(n21 + 1) <= budget21:
            n21 += 1
        top_up = max(0, budget21 - n21 - self._extra_rows(n21))

        say(0.08, "生成2021年培训记录…")
        vol21 = ref.alloc21 * self.county_factor
        g21 = self._generic_year(2021, self._cells(vol21 / vol21.sum(), n21))
        self._repeat_persons(g21, 0.04)
        x21 = self._extras(g21, 2021)
        d21 = self._directed(n_dir)
        top = self._generic_year(2021, self._cells(vol21 / vol21.sum(), top_up)) if top_up else {}

        say(0.25, "生成2023年培训记录…")
        g23 = self._generic_year(2023, self._cells(vol23 / max(vol23.sum(), 1e-9), n23))
        # persons who trained in 2021 come back in 2023 (same county)
        back = rng.random(len(g23["person"])) < 0.15
        src = _same_county_source(rng, g21["county"], g23["county"][back], self.C)
        _reuse_person(g23, np.flatnonzero(back)[src >= 0], g21, src[src >= 0])
        self._repeat_persons(g23, 0.04)
        x23 = self._extras(g23, 2023)
        ll = self._liulin_2023(g21["person"][g21["county"] == self.liulin])
        t = _concat([g21, top, x21, d21, g23, x23, ll], _T_COLS)
        n_total = len(t["person"])
        if n_total > self.rows:  # only for tiny extracts, where the fixed parts alone exceed `rows`
            t = _take(t, np.sort(rng.choice(n_total, size=self.rows, replace=False)))
        elif n_total < self.rows:  # not expected; keeps the promise of exactly `rows` enrolments
            more = self._generic_year(2021, self._cells(vol21 / vol21.sum(), self.rows - n_total))
            t = _concat([t, more], _T_COLS)

        say(0.45, "生成取证记录…")
        tc = self._training_certs(t)
        prior = self._prior_certs(t)
        c = _concat([tc, prior], _C_COLS)
        dups = self._duplicate_levels(c)
        c = _concat([c, dups, self._students_2021(), self._students_2023()], _C_COLS)
        return t, c

    def _training_table(self, t: Frame) -> tuple[pa.Table, np.ndarray]:
        # record ids follow the programme year, then the start date (and entry date)
        # (every enrolment starts in its programme year, so the start date orders the years too;
        # a stable sort of a 16-bit key is a radix sort)
        order = np.argsort((t["start"] - _day(2021, 1, 1)).astype(np.int16), kind="stable")
        t = _take({k: t[k] for k in _T_COLS if k not in ("days", "seg")}, order)
        n = len(order)
        serial = np.arange(1, n + 1, dtype=np.int64)
        arrays = [
            _serial_ids("T", t["year"], serial),
            _person_ids(t["person"], self.person_key),
            _vocab(self.ref.county_codes, t["county"]),
            _vocab(TT, t["ttype"]),
            _vocab(CATS, t["cat"]),
            _vocab(self.inst_ids, t["inst"]),
            _vocab(self.school_names, t["school"]),
            _vocab(OCC_NAMES, t["occ"]),
            _level_array(t["level"]),
            _vocab(INDUSTRIES, t["industry"]),
            _dates(t["start"]),
            _dates(t["end"]),
            pa.array(t["hours"].astype(np.int16), type=pa.int16()),
            _vocab(STATUS, t["status"]),
            _nullable_bool(t["passed"]),
            _nullable_bool(t["employed"]),
            _dates(t["entered"]),
            _vocab(self.inst_names, t["inst"]),
        ]
        return pa.Table.from_arrays(arrays, schema=_encoded_schema(DEMO_TRAINING_SCHEMA, arrays)), order

    def _certificate_table(self, c: Frame, t_year: np.ndarray, order: np.ndarray) -> pa.Table:
        order_c = np.argsort((c["issue"] - _day(2019, 1, 1)).astype(np.int16), kind="stable")
        c = _take(c, order_c)
        m = len(order_c)
        # training row (pre-sort index) → position in the sorted training table
        inverse = np.empty(len(order), dtype=np.int64)
        inverse[order] = np.arange(len(order))
        train = c["train"]
        has = train >= 0
        pos = np.where(has, inverse[np.where(has, train, 0)], 0)
        rec = _serial_ids("T", t_year[np.where(has, train, 0)], pos + 1, valid=has)
        year = _year_of(c["issue"].astype(np.int64))
        arrays = [
            _serial_ids("C", year, np.arange(1, m + 1, dtype=np.int64)),
            _person_ids(c["person"], self.person_key),
            _vocab(self.ref.county_codes, c["county"]),
            _vocab(CTS, c["ctype"]),
            _level_array(c["level"]),
            _vocab(OCC_NAMES, c["occ"]),
            _dates(c["issue"]),
            _vocab(self.evaluators, c["evaluator"]),
            _vocab(self.school_names, c["school"]),
            pa.array(c["grad"], type=pa.bool_()),
            _vocab(MAJOR_NAMES, c["major"]),
            rec,
            _vocab(self.evaluator_names, c["evaluator"]),
        ]
        return pa.Table.from_arrays(arrays, schema=_encoded_schema(DEMO_CERTIFICATE_SCHEMA, arrays))


def _reuse_person(dst: Frame, rows: np.ndarray, src: Frame, src_rows: np.ndarray) -> None:
    """Rows ``rows`` of ``dst`` become further enrolments of the persons of ``src_rows``: a person trains
    on one level higher than before (a later certificate at the same level would be claimed twice)."""
    dst["person"][rows] = src["person"][src_rows]
    before = src["level"][src_rows]
    now = dst["level"][rows]
    dst["level"][rows] = np.where((now > 0) & (before > 1), before - 1, now)


def _same_county_source(
    rng: np.random.Generator, src_county: np.ndarray, dst_county: np.ndarray, n_counties: int
) -> np.ndarray:
    """For each destination county, a random row of the source in the same county (-1 if none)."""
    src_county = src_county.astype(np.int64)
    dst = dst_county.astype(np.int64)
    order = np.argsort(src_county, kind="stable")
    cnt = np.bincount(src_county, minlength=n_counties)
    starts = np.concatenate([[0], np.cumsum(cnt)[:-1]])
    has = cnt[dst] > 0
    if not len(order):
        return np.full(len(dst), -1, dtype=np.int64)
    pick = starts[dst] + (rng.random(len(dst)) * cnt[dst]).astype(np.int64)
    return np.where(has, order[np.minimum(pick, len(order) - 1)], -1)


# ---------------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------------
def generate(
    rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED, progress: Progress | None = None
) -> tuple[pa.Table, pa.Table]:
    """The demo extract as two Arrow tables (training, certificates): exactly the contract's columns and types,
    followed by the optional name columns of CONTRACT §4 (institution_name, evaluator_name)."""
    training, certificates = _Generator(rows, seed).run(progress)
    return training.cast(DEMO_TRAINING_SCHEMA), certificates.cast(DEMO_CERTIFICATE_SCHEMA)


_KEY_COLUMNS = {"record_id", "person_id", "cert_id", "training_record_id"}
_RANDOM_KEY_COLUMNS = {"person_id", "training_record_id"}  # no use for min/max statistics


def _write_parquet(table: pa.Table, path: Path) -> None:
    # Without the Arrow schema the dictionary-encoded columns read back as the contract's plain strings.
    # Unique keys are not worth a dictionary (the writer would build one per row group, then give up).
    pq.write_table(
        table,
        path,
        compression="zstd",
        row_group_size=ROW_GROUP_ROWS,
        store_schema=False,
        use_dictionary=[c for c in table.column_names if c not in _KEY_COLUMNS],
        write_statistics=[c for c in table.column_names if c not in _RANDOM_KEY_COLUMNS],
    )


def write_demo(
    out: Path, rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED, progress: Progress | None = None
) -> dict[str, int]:
    """Write ``out/training.parquet`` and ``out/certificates.parquet``; return their row counts.

    Files are zstd-compressed with row groups of ~120k rows and replace any earlier file atomically
    (written under a temporary name in ``out`` first). ``progress(fraction, message)`` is called a few
    times with a Chinese message.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda f, m: None)
    gen = _Generator(rows, seed)
    t, c = gen.frames(progress=lambda f, m: say(f * 0.6, m))
    say(0.6, "整理数据表…")
    tmp = {name: out / f".{name}.parquet.{os.getpid()}.tmp" for name in ("training", "certificates")}
    try:
        training, order = gen._training_table(t)
        say(0.7, "写入 Parquet 文件…")
        # the training file is written while the certificates table is built
        with ThreadPoolExecutor(max_workers=1) as pool:
            job = pool.submit(_write_parquet, training, tmp["training"])
            certificates = gen._certificate_table(c, t["year"], order)
            del t, c
            _write_parquet(certificates, tmp["certificates"])
            job.result()
        for name, path in tmp.items():
            os.replace(path, out / f"{name}.parquet")
    finally:
        for path in tmp.values():
            if path.exists():
                path.unlink()
    say(1.0, "演示数据已生成")
    return {"training": training.num_rows, "certificates": certificates.num_rows}
