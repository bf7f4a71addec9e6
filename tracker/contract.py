"""The data contract (../shared/CONTRACT.md §1): column names, Arrow types and code lists.

Every writer (demo generator, ingestion) and every reader (queries) goes through these definitions.
"""

from __future__ import annotations

import pyarrow as pa

TRAINING_TYPES: dict[str, str] = {
    "enterprise_staff": "企业职工岗位技能提升",
    "apprenticeship": "企业新型学徒制",
    "order_project": "订单式项目制",
    "entrepreneurship": "创业培训",
    "key_group": "就业重点群体职业技能培训",
    "caregiver_brand": "劳务品牌(吕梁山护工)",
    "school_directed": "院校定向培训",
    "online": "线上培训",
}

PERSON_CATEGORIES: dict[str, str] = {
    "rural_migrant": "农村转移劳动力",
    "urban_unemployed": "城镇失业人员",
    "enterprise_employee": "企业在岗职工",
    "poverty_relieved": "脱贫劳动力",
    "college_graduate": "离校未就业高校毕业生",
    "secondary_graduate": "中职/技工毕业生",
    "flexible_worker": "灵活就业/零工",
    "other": "其他",
}

CERT_TYPES: dict[str, str] = {
    "qualification": "职业资格证书",
    "skill_level": "职业技能等级证书",
    "special_ability": "专项职业能力证书",
    "training_completion": "培训合格证书",
    "special_operation": "特种作业操作证",
    "special_equipment": "特种设备作业人员证",
}

# cert types that make a person "new skilled talent" on their first such certificate (CONTRACT §1)
SKILLED_CERT_TYPES = ("qualification", "skill_level", "special_operation", "special_equipment")

SKILL_LEVELS: dict[int, str] = {5: "初级工", 4: "中级工", 3: "高级工", 2: "技师", 1: "高级技师"}

STATUSES: dict[str, str] = {"enrolled": "在训", "completed": "结业", "dropped": "退出"}

TRAINING_SCHEMA = pa.schema(
    [
        ("record_id", pa.string()),
        ("person_id", pa.string()),
        ("county_code", pa.string()),
        ("training_type", pa.string()),
        ("person_category", pa.string()),
        ("institution_id", pa.string()),
        ("school_name", pa.string()),
        ("occupation", pa.string()),
        ("skill_level", pa.int8()),
        ("industry", pa.string()),
        ("start_date", pa.date32()),
        ("end_date", pa.date32()),
        ("hours", pa.int16()),
        ("status", pa.string()),
        ("passed", pa.bool_()),
        ("employed", pa.bool_()),
        ("entered_on", pa.date32()),
    ]
)

CERTIFICATE_SCHEMA = pa.schema(
    [
        ("cert_id", pa.string()),
        ("person_id", pa.string()),
        ("county_code", pa.string()),
        ("cert_type", pa.string()),
        ("skill_level", pa.int8()),
        ("occupation", pa.string()),
        ("issue_date", pa.date32()),
        ("evaluator_id", pa.string()),
        ("school_name", pa.string()),
        ("graduating_student", pa.bool_()),
        ("major", pa.string()),
        ("training_record_id", pa.string()),
    ]
)

# CONTRACT §4 names, not codes: optional columns an extract may carry (the demo writes illustrative names)
NAME_COLUMNS: dict[str, pa.Field] = {
    "training": pa.field("institution_name", pa.string()),
    "certificates": pa.field("evaluator_name", pa.string()),
}
DEMO_TRAINING_SCHEMA = TRAINING_SCHEMA.append(NAME_COLUMNS["training"])
DEMO_CERTIFICATE_SCHEMA = CERTIFICATE_SCHEMA.append(NAME_COLUMNS["certificates"])

# columns that may hold nulls; every other contract column is required
NULLABLE: dict[str, set[str]] = {
    "training": {"school_name", "skill_level", "industry", "employed", "passed"},
    "certificates": {"skill_level", "school_name", "major", "training_record_id"},
}

TABLES: dict[str, pa.Schema] = {"training": TRAINING_SCHEMA, "certificates": CERTIFICATE_SCHEMA}
ID_COLUMN: dict[str, str] = {"training": "record_id", "certificates": "cert_id"}
TABLE_LABELS: dict[str, str] = {"training": "培训实名制记录", "certificates": "取证记录"}

COLUMN_LABELS: dict[str, str] = {
    "record_id": "记录编号",
    "person_id": "人员标识",
    "county_code": "县级区划代码",
    "training_type": "培训类型",
    "person_category": "人员类别",
    "institution_id": "培训机构",
    "school_name": "院校名称",
    "occupation": "职业(工种)",
    "skill_level": "技能等级",
    "industry": "产业",
    "start_date": "开班日期",
    "end_date": "结业日期",
    "hours": "课时",
    "status": "培训状态",
    "passed": "培训合格",
    "employed": "就业",
    "entered_on": "录入日期",
    "cert_id": "证书编号",
    "cert_type": "证书类型",
    "issue_date": "发证日期",
    "evaluator_id": "评价机构",
    "graduating_student": "毕业年度学生",
    "major": "所学专业",
    "training_record_id": "对应培训记录",
}
