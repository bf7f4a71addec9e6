"""Build the plan library in data/reference/ from the five seed documents.

Run from the project root:  .venv/bin/python scripts/build_reference.py [--seeds ../shared/seeds]

What it writes (all committed; the dashboard never runs this):
- schools.csv      every unit of seed 004 附件1, names exactly as printed (parsed from the seed text)
- metrics.csv      every metric id with its Chinese label, unit and whether extracts can measure it
- plans.csv        one row per plan (document, dates)
- targets.csv      one row per (plan, unit, metric); `source` is the document number, or `demo`
- milestones.csv   the dated shares of seed 004's directed training
- subsidy_rules.csv every subsidy standard of seeds 000, 002, 003 and the allocation formula of 003 §六

Illustrative allocations (`source = demo`): a province-wide figure that the leadership tracks per city and
county but no document splits is allocated to cities in proportion to their 2020 census population
(city_population.csv, 第七次全国人口普查) and within a city evenly across its county-level units; rounding
remainders go to the largest shares (largest-remainder method), so the parts always add up to the whole.
"""

from __future__ import annotations

import argparse
import csv
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REF = ROOT / "data" / "reference"

DOC_000 = "晋政发〔2017〕61号"
DOC_001 = "山西省职业技能提升行动实施方案(2019—2021年)"  # seed 001 prints no document number
DOC_002 = "柳政办发〔2023〕19号"
DOC_003 = "晋人社厅函〔2023〕786号"
DOC_004 = "晋教职成〔2021〕8号"

GROUP_HEADINGS = {
    "普通本科高校": ("undergraduate", "U", "senior_certs"),
    "高等职业院校": ("higher_vocational", "H", "senior_certs"),
    "市教育局": ("city_education_bureau", "B", "intermediate_certs"),
    "省属中等职业学校": ("provincial_secondary", "S", "intermediate_certs"),
}

# seat of each school (prefecture-level city code); 技工院校 is a province-wide aggregate
CITY_OF = {
    "太原": "140100",
    "大同": "140200",
    "阳泉": "140300",
    "长治": "140400",
    "晋城": "140500",
    "朔州": "140600",
    "晋中": "140700",
    "运城": "140800",
    "忻州": "140900",
    "临汾": "141000",
    "吕梁": "141100",
}
SCHOOL_CITY = {
    "山西农业大学": "晋中",
    "山西师范大学": "太原",
    "山西中医药大学": "晋中",
    "山西大同大学": "大同",
    "长治医学院": "长治",
    "太原师范学院": "晋中",
    "忻州师范学院": "忻州",
    "运城学院": "运城",
    "晋中学院": "晋中",
    "长治学院": "长治",
    "吕梁学院": "吕梁",
    "山西传媒学院": "晋中",
    "山西工程技术学院": "阳泉",
    "山西能源学院": "晋中",
    "山西医科大学汾阳学院": "吕梁",
    "山西工程科技职业大学(原山西大学商务学院)": "晋中",
    "山西工学院": "朔州",
    "晋中信息学院": "晋中",
    "山西师范大学现代文理学院": "临汾",
    "山西财经大学华商学院": "晋中",
    "山西晋中理工学院": "晋中",
    "山西工程科技职业大学(原交通、建筑职业技术学院)": "晋中",
    "运城职业技术大学": "运城",
    "山西机电职业技术学院": "长治",
    "山西水利职业技术学院": "运城",
    "山西管理职业学院": "临汾",
    "山西卫生健康职业学院": "晋中",
    "大同师范高等专科学校": "大同",
    "阳泉职业技术学院": "阳泉",
    "阳泉师范高等专科学校": "阳泉",
    "长治职业技术学院": "长治",
    "长治幼儿师范高等专科学校": "长治",
    "晋城职业技术学院": "晋城",
    "朔州职业技术学院": "朔州",
    "朔州师范高等专科学校": "朔州",
    "晋中职业技术学院": "晋中",
    "晋中师范高等专科学校": "晋中",
    "忻州职业技术学院": "忻州",
    "吕梁职业技术学院": "吕梁",
    "临汾职业技术学院": "临汾",
    "山西运城农业职业技术学院": "运城",
    "运城幼儿师范高等专科学校": "运城",
    "运城护理职业学院": "运城",
    "运城师范高等专科学校": "运城",
    "潞安职业技术学院": "长治",
    "大同煤炭职业技术学院": "大同",
    "山西同文职业技术学院": "晋中",
    "山西华澳商贸职业学院": "晋中",
    "山西省雁北煤炭工业学校": "大同",
    "山西省临汾会计学校": "临汾",
}

# name, unit, kind (count|rate), computable, description
METRICS = [
    (
        "training_total",
        "职业技能培训(四类合计)",
        "人",
        "count",
        True,
        "企业职工+新型学徒+订单式项目制+创业+就业重点群体培训结业人数(去重)",
    ),
    ("training_enterprise", "企业职工培训", "人", "count", True, "企业职工岗位技能提升+企业新型学徒制结业人数"),
    ("training_order_project", "订单式项目制培训", "人", "count", True, "订单式、项目制培训结业人数"),
    ("training_entrepreneurship", "创业培训", "人", "count", True, "创业培训结业人数"),
    ("training_key_group", "就业重点群体培训", "人", "count", True, "面向就业重点群体的职业技能培训结业人数"),
    ("training_caregiver", "吕梁山护工培训", "人", "count", True, "劳务品牌(吕梁山护工)培训结业人数"),
    ("caregiver_cert_rate", "吕梁山护工持证率", "%", "rate", True, "结业护工中截至当日持有任一证书者占比"),
    ("caregiver_employed", "吕梁山护工就业", "人", "count", True, "结业护工中已就业人数"),
    ("new_skilled", "新增技能人才", "人", "count", True, "首次取得职业资格/技能等级/特种作业/特种设备证书的人数"),
    ("new_high_skilled", "新增高技能人才", "人", "count", True, "首次取得高级工及以上证书的人数"),
    (
        "secondary_intermediate_certs",
        "中职毕业年度学生中级工取证",
        "人",
        "count",
        True,
        "县属中职院校毕业年度学生取得中级工证人数",
    ),
    (
        "order_project_employment_rate",
        "订单式项目制培训就业率",
        "%",
        "rate",
        True,
        "订单式项目制结业学员中已就业者占比(补贴条件≥80%)",
    ),
    ("skilled_workforce_share", "技能人才占从业人员比例", "%", "rate", False, "需统计部门从业人员数，手工填报"),
    ("high_skilled_share", "高技能人才占技能劳动者比例", "%", "rate", False, "需技能劳动者总量，手工填报"),
    (
        "senior_certs",
        "毕业生高级工取证",
        "人",
        "count",
        True,
        "毕业年度学生取得高级工及以上证书人数(专业人员职业资格证书按高级工计)",
    ),
    ("intermediate_certs", "毕业生中级工取证", "人", "count", True, "毕业年度学生取得中级工证书人数"),
    ("directed_training", "院校定向培训", "人", "count", True, "院校定向式培训结业人数"),
    (
        "subsidised_trainees",
        "补贴性职业技能培训(全部类别)",
        "人",
        "count",
        True,
        "企业职工、新型学徒、订单式项目制、创业、就业重点群体、吕梁山护工、院校定向、线上培训等各类补贴性培训结业人数(去重)",
    ),
    (
        "training_person_times",
        "补贴性职业技能培训人次(全部类别)",
        "人次",
        "count",
        True,
        "各类补贴性培训结业人次(每次结业计一次)",
    ),
    (
        "trained_certified",
        "培训并取证",
        "人",
        "count",
        True,
        "当年培训结业并取得职业资格、专项职业能力、职业技能等级或培训合格证书的人数",
    ),
    ("trained_certified_rural", "培训取证·农村进城务工人员", "人", "count", True, "其中农村转移劳动力"),
    ("trained_certified_unemployed", "培训取证·城镇失业人员", "人", "count", True, "其中城镇失业人员"),
    ("trained_certified_enterprise", "培训取证·企业在岗职工", "人", "count", True, "其中企业在岗职工"),
    ("institution_pass_rate", "培训合格率", "%", "rate", True, "结业学员中培训合格者占比(机构低于80%取消下年度资格)"),
    (
        "institution_employment_rate",
        "培训就业率",
        "%",
        "rate",
        True,
        "结业学员中已就业者占比(机构低于30%取消下年度资格)",
    ),
    (
        "trainee_employment_rate",
        "参训学员就业率(不含企业在岗职工)",
        "%",
        "rate",
        True,
        "不含企业在岗职工的结业学员中已就业者占比",
    ),
    ("apprentices", "企业新型学徒", "人", "count", True, "企业新型学徒制培训结业人数"),
    (
        "enterprise_share",
        "企业职工培训占实际参训比例",
        "%",
        "rate",
        True,
        "企业职工(含新型学徒)结业人数占实际补贴性培训结业人数的比例，仅供参考",
    ),
    (
        "enterprise_third",
        "企业职工培训(不少于年度计划三分之一)",
        "人",
        "count",
        True,
        "企业职工岗位技能提升+企业新型学徒制结业人数(去重)，任务为本市年度计划数的三分之一(向上取整)",
    ),
    ("high_skill_bases", "省级高技能人才培训基地", "个", "count", False, "新建数，手工填报"),
    ("public_training_bases", "公共实训基地", "个", "count", False, "新建数，手工填报"),
    ("master_studios", "技能大师工作室", "个", "count", False, "新建数，手工填报"),
]

PLANS = [
    # plan_id, name, document, seed, start, deadline
    ("liulin-2023", "2023年柳林县推进“人人持证、技能山西”建设", DOC_002, "002", "2023-01-01", "2023-11-30"),
    (
        "sx-edu-2021",
        "山西省教育系统“人人持证 技能社会”建设提质增效(2021年)",
        DOC_004,
        "004",
        "2021-01-01",
        "2021-08-31",
    ),
    ("sx-train-2023", "山西省2023年政府补贴性职业技能培训", DOC_003, "003", "2023-01-01", "2023-12-31"),
    ("sx-action-2019-2021", "山西省职业技能提升行动(2019—2021年)", DOC_001, "001", "2019-01-01", "2021-12-31"),
    *[
        (f"sx-action-{y}", f"山西省职业技能提升行动{y}年度任务", DOC_001, "001", f"{y}-01-01", f"{y}-12-31")
        for y in (2019, 2020, 2021)
    ],
    ("sx-skills-2018-2022", "山西省全民技能提升工程(2018—2022年)", DOC_000, "000", "2018-01-01", "2022-12-31"),
    *[
        (f"sx-skills-{y}", f"山西省全民技能提升工程{y}年度任务", DOC_000, "000", f"{y}-01-01", f"{y}-12-31")
        for y in range(2018, 2023)
    ],
]


# Subsidy standards (资金测算, issue #15): one row per standard, every number as its document prints it.
# kind: per_person (amount per completed training, ≥ min_hours) · per_person_year (amount × years of the training)
#       per_day (amount a day for first_days days, amount_after a day after, at most max_days days)
#       per_hour (amount a 课时, at most cap a course) · online_tier (factor when the platform's offline share
#       ≥ min_offline_share) · certificate (amount for cert_types at skill_level when `requires` holds)
#       allocation (seed 003 §六: how the province allocates funds to a city from the city's plan)
# cap / cap_per: the most a record (record) or a person in a calendar year on that line (person_year) earns.
# share_on_certificate: paid when certified; the rest when employed within 3 months (seed 000 (十二)).
# bonus_amount / bonus_within_days: a further payment when a certificate follows within that many days (000 (十四)).
# requires (certificates): new_skilled = the person's first skilled certificate (so 中级 only when taken directly),
#       new_high_skilled = the first certificate at 高级工 or above, first_special = the first 特种作业/特种设备 certificate.
SUBSIDY_RULE_COLUMNS = [
    "rule_id",
    "label",
    "kind",
    "line",
    "scope_code",
    "skill_level",
    "cert_types",
    "requires",
    "metric",
    "amount",
    "unit",
    "first_days",
    "amount_after",
    "max_days",
    "cap",
    "cap_per",
    "min_hours",
    "min_employment_rate",
    "min_offline_share",
    "factor",
    "share_on_certificate",
    "bonus_amount",
    "bonus_within_days",
    "no_repeat",
    "condition",
    "source",
    "seed",
    "valid_from",
    "valid_to",
]
_Y003 = ("2023-01-01", "2025-12-31")  # 003 governs the subsidised training of each year of the 十四五
_C003 = ("2023-01-01", "2023-12-31")  # 003 §五(五): from 2024-01-01 individuals claim, by rules not yet made
_P000 = ("2018-01-01", "2022-12-31")  # 000: the 2018–2022 programme
_Y002 = ("2023-01-01", "2023-12-31")  # 002: Liulin's 2023 plan


def _rule(rule_id, label, kind, line, amount, unit, condition, source, seed, valid, **kw) -> dict:
    row = dict.fromkeys(SUBSIDY_RULE_COLUMNS, "")
    row.update(rule_id=rule_id, label=label, kind=kind, line=line, scope_code="140000", amount=amount, unit=unit)
    row.update(condition=condition, source=source, seed=seed, valid_from=valid[0], valid_to=valid[1], no_repeat="false")
    row.update({k: (str(v).lower() if isinstance(v, bool) else v) for k, v in kw.items()})
    return row


SKILL_CERTS = "qualification skill_level"
SPECIAL_CERTS = "special_operation special_equipment"
SUBSIDY_RULES = [
    # 003 四(一) 企业职工技能培训
    _rule(
        "003_enterprise_staff",
        "企业职工培训",
        "per_person",
        "enterprise_staff",
        300,
        "元/人",
        "培训时间累计不少于3天（或24学时）；同一工种同一等级同一年度内不得重复培训",
        DOC_003,
        "003",
        _Y003,
        min_hours=24,
        no_repeat=True,
    ),
    _rule(
        "003_apprenticeship",
        "企业新型学徒制",
        "per_person_year",
        "apprenticeship",
        5000,
        "元/人/年",
        "企业职工参加企业新型学徒制培训，每人每年",
        DOC_003,
        "003",
        _Y003,
    ),
    # 003 四(二) 订单式、项目制培训
    _rule(
        "003_order_project",
        "订单式项目制培训",
        "per_day",
        "order_project",
        150,
        "元/人/天",
        "培训结束后就业率达到80%及以上；前10天每人每天150元、之后每人每天100元，最高每人不超过5000元",
        DOC_003,
        "003",
        _Y003,
        first_days=10,
        amount_after=100,
        cap=5000,
        cap_per="person_year",
        min_employment_rate=0.8,
    ),
    # 003 四(四) 线上职业技能培训
    *[
        _rule(
            f"003_online_{name}",
            f"线上培训·{level_label}",
            "per_hour",
            "online",
            rate,
            "元/人/课时",
            f"取得培训合格证书；{level_label}每课时{rate}元，单课程最高不超过{cap}元",
            DOC_003,
            "003",
            _Y003,
            skill_level=level,
            cap=cap,
            cap_per="record",
        )
        for name, level, level_label, rate, cap in [
            ("primary", 5, "初级工", 3, 240),
            ("intermediate", 4, "中级工", 4, 280),
            ("senior", 3, "高级工", 5, 300),
        ]
    ],
    *[
        _rule(
            f"003_online_tier_{int(share * 100)}",
            f"线上转线下比例≥{int(share * 100)}%",
            "online_tier",
            "online",
            "",
            "",
            f"线上培训结束参加线下培训人员比例{text}的，补贴额度按{int(factor * 100)}%算；企业职工不考虑此比例",
            DOC_003,
            "003",
            _Y003,
            min_offline_share=share,
            factor=factor,
        )
        for share, factor, text in [
            (0, 0.4, "不足10%"),
            (0.1, 0.6, "达到10%不足20%"),
            (0.2, 0.8, "达到20%不足30%"),
            (0.3, 1.0, "达到30%以上"),
        ]
    ],
    # 003 五 新增技能人才、高技能人才取证补贴 (evaluators claim until 2023-12-31)
    _rule(
        "003_cert_primary",
        "取证补贴·初级工",
        "certificate",
        "certificate",
        400,
        "元/人",
        "职业资格证书或职业技能等级证书初级工；只补新增技能人才，同一等级只补一次",
        DOC_003,
        "003",
        _C003,
        skill_level=5,
        cert_types=SKILL_CERTS,
        requires="new_skilled",
    ),
    _rule(
        "003_cert_intermediate",
        "取证补贴·中级工",
        "certificate",
        "certificate",
        600,
        "元/人",
        "初次取证直接取中级工；先取初级后取中级的不补",
        DOC_003,
        "003",
        _C003,
        skill_level=4,
        cert_types=SKILL_CERTS,
        requires="new_skilled",
    ),
    _rule(
        "003_cert_senior",
        "取证补贴·高级工",
        "certificate",
        "certificate",
        800,
        "元/人",
        "职业资格证书或职业技能等级证书高级工；只补新增高技能人才，同一等级只补一次",
        DOC_003,
        "003",
        _C003,
        skill_level=3,
        cert_types=SKILL_CERTS,
        requires="new_high_skilled",
    ),
    _rule(
        "003_cert_special",
        "取证补贴·特种作业/特种设备",
        "certificate",
        "certificate",
        400,
        "元/人",
        "特种作业操作证或特种设备作业人员证初次取证",
        DOC_003,
        "003",
        _C003,
        cert_types=SPECIAL_CERTS,
        requires="first_special",
    ),
    # 003 六 补贴资金拨付: the allocation to a city from its plan
    _rule(
        "003_alloc_enterprise",
        "拨付·企业职工部分",
        "allocation",
        "training",
        300,
        "元/人",
        "计划人数的三分之一按照企业职工技能培训补贴标准",
        DOC_003,
        "003",
        _Y003,
        metric="subsidised_trainees training_total",
        factor=round(1 / 3, 12),
    ),
    _rule(
        "003_alloc_other",
        "拨付·其余人数",
        "allocation",
        "training",
        1000,
        "元/人",
        "计划人数的其余部分按照1000元每人",
        DOC_003,
        "003",
        _Y003,
        metric="subsidised_trainees training_total",
    ),
    _rule(
        "003_alloc_new_skilled",
        "拨付·新增技能人才取证",
        "allocation",
        "certificate",
        400,
        "元/人",
        "按计划数及标准（计划不分等级：新增技能人才按初级工标准测算）",
        DOC_003,
        "003",
        _Y003,
        metric="new_skilled",
    ),
    _rule(
        "003_alloc_new_high_skilled",
        "拨付·新增高技能人才取证",
        "allocation",
        "certificate",
        800,
        "元/人",
        "按计划数及标准（新增高技能人才按高级工标准测算）",
        DOC_003,
        "003",
        _Y003,
        metric="new_high_skilled",
    ),
    # 002 柳林县: 就业重点群体培训 (its enterprise and order/project standards repeat 003's)
    _rule(
        "002_key_group",
        "就业重点群体培训（柳林县）",
        "per_day",
        "key_group",
        100,
        "元/人/天",
        "补贴标准为每人每天100元，原则上每人不超过1000元",
        DOC_002,
        "002",
        _Y002,
        scope_code="141125",
        cap=1000,
        cap_per="person_year",
    ),
    # 000 全民技能提升工程 2018–2022
    *[
        _rule(
            f"000_daily_{line}",
            f"职业技能培训（按天）·{label}",
            "per_day",
            line,
            150,
            "元/人/天",
            "10天以内每人每天150元，10天以后每人每天100元，最长不超过15天；取得证书先给80%，3个月内就业再给20%",
            DOC_000,
            "000",
            _P000,
            first_days=10,
            amount_after=100,
            max_days=15,
            share_on_certificate=0.8,
        )
        for line, label in [
            ("order_project", "订单式项目制"),
            ("key_group", "就业重点群体"),
            ("caregiver_brand", "劳务品牌"),
        ]
    ],
    _rule(
        "000_small_enterprise",
        "小微企业岗前培训",
        "per_person",
        "enterprise_staff",
        300,
        "元/人",
        "每人300元；履行劳动合同1年内取得相应职业技能等级证书或提升一个技能等级的，再给予300元",
        DOC_000,
        "000",
        _P000,
        bonus_amount=300,
        bonus_within_days=365,
    ),
]


def parse_annex1(seed_text: str) -> list[dict]:
    """The four tables of seed 004 附件1, in printed order, with the printed 序号."""
    annex = seed_text.split("取证任务表", 2)[2].split("附件 2")[0]
    rows, group = [], None
    for line in annex.splitlines():
        line = line.strip()
        if line in GROUP_HEADINGS or line.rstrip("\t ") in GROUP_HEADINGS:
            group = GROUP_HEADINGS[line.strip()]
            continue
        m = re.match(r"^(\d+)\t(.+?)\t(\d+)$", line)
        if m and group:
            seq, name, quota = int(m[1]), m[2].strip(), int(m[3])
            rows.append(
                {"group": group[0], "prefix": group[1], "metric": group[2], "seq": seq, "name": name, "quota": quota}
            )
    return rows


def school_city(row: dict) -> str:
    if row["name"] == "技工院校":
        return "140000"
    if row["group"] == "city_education_bureau":
        return CITY_OF[row["name"].removesuffix("市教育局")]
    return CITY_OF[SCHOOL_CITY.get(row["name"], "太原")]


def largest_remainder(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split ``total`` in proportion to ``weights`` into integers that add up to ``total``."""
    s = sum(weights.values())
    raw = {k: total * w / s for k, w in weights.items()}
    out = {k: int(v) for k, v in raw.items()}
    rest = total - sum(out.values())
    for k in sorted(raw, key=lambda k: (-(raw[k] - out[k]), k))[:rest]:
        out[k] += 1
    return out


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default=str(ROOT.parent / "shared" / "seeds"))
    args = ap.parse_args()
    seed004 = next(Path(args.seeds).glob("004_*.txt")).read_text(encoding="utf-8")

    schools = parse_annex1(seed004)
    write_csv(
        REF / "schools.csv",
        ["unit_code", "name", "group", "city_code", "seq", "quota_metric", "quota"],
        [
            [f"{r['prefix']}{r['seq']:02d}", r["name"], r["group"], school_city(r), r["seq"], r["metric"], r["quota"]]
            for r in schools
        ],
    )

    write_csv(
        REF / "metrics.csv",
        ["metric", "label", "unit", "kind", "computable", "position", "description"],
        [
            [m, label, unit, kind, str(comp).lower(), i, desc]
            for i, (m, label, unit, kind, comp, desc) in enumerate(METRICS, 1)
        ],
    )
    write_csv(REF / "plans.csv", ["plan_id", "name", "document", "seed", "start", "deadline"], [list(p) for p in PLANS])
    units = {m[0]: m[2] for m in METRICS}

    regions = list(csv.DictReader((REF / "regions.csv").open(encoding="utf-8")))
    names = {r["code"]: r["name"] for r in regions}
    counties_of: dict[str, list[str]] = {}
    for r in regions:
        if r["level"] == "county":
            counties_of.setdefault(r["parent_code"], []).append(r["code"])
    population = {
        r["code"]: float(r["population"]) for r in csv.DictReader((REF / "city_population.csv").open(encoding="utf-8"))
    }

    targets: list[list] = []
    plan_dates = {p[0]: (p[4], p[5]) for p in PLANS}

    def add(plan, unit_type, unit_code, unit_name, metric, target, source, start=None, deadline=None):
        s, d = plan_dates[plan]
        targets.append(
            [plan, unit_type, unit_code, unit_name, metric, target, units[metric], start or s, deadline or d, source]
        )

    def add_allocated(plan, metric, total):
        """The province figure from the document, and its illustrative split to cities and counties."""
        add(plan, "province", "140000", "山西省", metric, total, PLAN_DOC[plan])
        by_city = largest_remainder(total, population)
        for city in sorted(by_city):
            add(plan, "city", city, names[city], metric, by_city[city], "demo")
            by_county = largest_remainder(by_city[city], {c: 1.0 for c in counties_of[city]})
            for county in sorted(by_county):
                add(plan, "county", county, names[county], metric, by_county[county], "demo")

    PLAN_DOC = {p[0]: p[2] for p in PLANS}

    # 002 柳林县 2023: every figure of 二、目标任务 and 三、组织实施
    for metric, target in [
        ("training_total", 1500),
        ("training_enterprise", 650),
        ("training_order_project", 80),
        ("training_entrepreneurship", 180),
        ("training_key_group", 590),
        ("training_caregiver", 900),
        ("caregiver_cert_rate", 90),
        ("caregiver_employed", 540),
        ("new_skilled", 400),
        ("new_high_skilled", 80),
        ("secondary_intermediate_certs", 600),
        ("order_project_employment_rate", 80),
        ("skilled_workforce_share", 32),
    ]:
        add("liulin-2023", "county", "141125", "柳林县", metric, target, DOC_002)

    # 004 教育系统 2021: province goals, directed training with milestones, every unit of 附件1
    add("sx-edu-2021", "province", "140000", "山西省", "senior_certs", 100000, DOC_004)
    add("sx-edu-2021", "province", "140000", "山西省", "intermediate_certs", 100000, DOC_004)
    add("sx-edu-2021", "province", "140000", "山西省", "directed_training", 30000, DOC_004, deadline="2021-11-30")
    for r in schools:
        add("sx-edu-2021", "school", f"{r['prefix']}{r['seq']:02d}", r["name"], r["metric"], r["quota"], DOC_004)

    # 003 省人社厅 2023: ≥500,000 subsidised trainees a year; enterprise staff ≥ 1/3 of each city's plan;
    # order/project training subsidised only at ≥80 % employment
    add_allocated("sx-train-2023", "subsidised_trainees", 500000)
    # 003: 培训企业职工人数一般应不少于年度计划数的三分之一 — a count against ⌈city plan ÷ 3⌉ (CONTRACT §4);
    # the city plan is an illustrative allocation, so its third is one too
    city_plans = {t[2]: t[5] for t in targets if t[0] == "sx-train-2023" and t[1] == "city"}
    for city in sorted(population):
        add("sx-train-2023", "city", city, names[city], "enterprise_third", -(-city_plans[city] // 3), "demo")
    add("sx-train-2023", "province", "140000", "山西省", "order_project_employment_rate", 80, DOC_003)

    # 001 职业技能提升行动 2019–2021
    for metric, target in [
        ("training_person_times", 3000000),
        ("new_skilled", 1500000),
        ("new_high_skilled", 450000),
        ("apprentices", 30000),
        ("skilled_workforce_share", 25),
        ("high_skilled_share", 30),
    ]:
        add("sx-action-2019-2021", "province", "140000", "山西省", metric, target, DOC_001)
    add("sx-action-2019", "province", "140000", "山西省", "subsidised_trainees", 1000000, DOC_001)
    for y in (2020, 2021):
        add(f"sx-action-{y}", "province", "140000", "山西省", "training_person_times", 1000000, DOC_001)
    for y in (2019, 2020, 2021):
        add(f"sx-action-{y}", "province", "140000", "山西省", "trainee_employment_rate", 25, DOC_001)

    # 000 全民技能提升工程 2018–2022: a million trained and certified every year, its three groups,
    # institutions' thresholds, and the five-year construction targets (tracked by hand)
    for y in range(2018, 2023):
        plan = f"sx-skills-{y}"
        add_allocated(plan, "trained_certified", 1000000)
        for metric, target in [
            ("trained_certified_rural", 450000),
            ("trained_certified_unemployed", 150000),
            ("trained_certified_enterprise", 400000),
            ("institution_pass_rate", 80),
            ("institution_employment_rate", 30),
        ]:
            add(plan, "province", "140000", "山西省", metric, target, DOC_000)
    for metric, target in [("high_skill_bases", 16), ("public_training_bases", 15), ("master_studios", 50)]:
        add("sx-skills-2018-2022", "province", "140000", "山西省", metric, target, DOC_000)

    write_csv(
        REF / "targets.csv",
        ["plan_id", "unit_type", "unit_code", "unit_name", "metric", "target", "unit", "start", "deadline", "source"],
        targets,
    )
    write_csv(
        REF / "milestones.csv",
        ["plan_id", "metric", "date", "share"],
        [
            ["sx-edu-2021", "directed_training", "2021-06-30", 0.4],
            ["sx-edu-2021", "directed_training", "2021-09-30", 0.8],
            ["sx-edu-2021", "directed_training", "2021-11-30", 1.0],
        ],
    )
    write_csv(
        REF / "subsidy_rules.csv",
        SUBSIDY_RULE_COLUMNS,
        [[r[c] for c in SUBSIDY_RULE_COLUMNS] for r in SUBSIDY_RULES],
    )
    print(f"schools {len(schools)}, targets {len(targets)}, subsidy rules {len(SUBSIDY_RULES)}")


if __name__ == "__main__":
    main()
