"""The programme's parameters of the demo extract: sizes and dates, code lists, occupations and industries,
distributions per training type, Liulin's quotas, students' majors and the seasons.

Indices refer to the contract's code lists (``TT``, ``CATS``, ``CTS``); day numbers count from 1970-01-01.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from tracker.contract import CERT_TYPES, PERSON_CATEGORIES, TRAINING_TYPES

DEFAULT_ROWS = 1_000_000
DEFAULT_SEED = 20230630
EXTRACT_DATE = date(2023, 10, 20)
ROW_GROUP_ROWS = 120_000
LIULIN = "141125"
LULIANG = "141100"
# Liulin's figures are absolute (they follow its plan) unless the extract is tiny
LIULIN_FULL_SCALE_ROWS = 50_000

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
# 培训班 (seeds 000 / 003 / 004: 开班计划, 开班报告 with its 人员花名册): one institution's course of one training
# type in one county, its members starting and ending together; about this many members a class
_CLASS_SIZE = {ENT: 40, APP: 25, ORD: 30, ENTRE: 30, KEY: 40, CARE: 30, DIR: 40, ONL: 50}
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
