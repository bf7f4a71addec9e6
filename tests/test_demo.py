"""Checks on the demo extract generator (the tracker/demo package) against CONTRACT §1/§3 and the seeds.

The extract is generated once per module at 60,000 training rows (Liulin's figures stay absolute above
50,000 rows), written to a temporary folder and read back with pyarrow and DuckDB.
"""

import csv
import hashlib
import re
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from tracker import REFERENCE_DIR, demo
from tracker.contract import CERTIFICATE_SCHEMA, DEMO_CERTIFICATE_SCHEMA, DEMO_TRAINING_SCHEMA, TRAINING_SCHEMA

ROWS = 60_000
SEED = 20230630
EXTRACT_DATE = "2023-10-20"


def _read_reference(name):
    with open(REFERENCE_DIR / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def extract(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    calls = []
    counts = demo.write_demo(out, rows=ROWS, seed=SEED, progress=lambda f, m: calls.append((f, m)))
    return {"dir": out, "counts": counts, "progress": calls}


@pytest.fixture(scope="module")
def con(extract):
    c = duckdb.connect()
    d = extract["dir"]
    c.execute(f"CREATE VIEW t AS SELECT * FROM read_parquet('{d / 'training.parquet'}')")
    c.execute(f"CREATE VIEW c AS SELECT * FROM read_parquet('{d / 'certificates.parquet'}')")
    c.execute(f"CREATE VIEW regions AS SELECT * FROM read_csv('{REFERENCE_DIR / 'regions.csv'}', all_varchar=true)")
    c.execute(f"CREATE VIEW schools AS SELECT * FROM read_csv('{REFERENCE_DIR / 'schools.csv'}', all_varchar=true)")
    yield c
    c.close()


def _one(con, sql):
    return con.execute(sql).fetchall()[0]


def _digests(folder: Path):
    return {
        n: hashlib.sha256((folder / n).read_bytes()).hexdigest() for n in ("training.parquet", "certificates.parquet")
    }


def test_files_have_exactly_the_contract_columns_and_arrow_types_then_the_names_contract_1_4(extract):
    for name, schema in (("training", DEMO_TRAINING_SCHEMA), ("certificates", DEMO_CERTIFICATE_SCHEMA)):
        path = extract["dir"] / f"{name}.parquet"
        assert pq.read_schema(path).names == schema.names
        assert pq.read_schema(path).equals(schema)
        assert pq.read_table(path).schema.equals(schema)
    # the contract's columns come first, unchanged; §4 permits the optional name columns after them
    assert DEMO_TRAINING_SCHEMA.names[: len(TRAINING_SCHEMA)] == TRAINING_SCHEMA.names
    assert DEMO_CERTIFICATE_SCHEMA.names[: len(CERTIFICATE_SCHEMA)] == CERTIFICATE_SCHEMA.names


def test_every_institution_and_evaluator_has_an_illustrative_name_contract_4(con):
    missing, institutions, named = _one(
        con,
        "SELECT count(*) FILTER (WHERE institution_name IS NULL), count(DISTINCT institution_id), "
        "count(DISTINCT institution_name) FROM t",
    )
    assert missing == 0 and named > 0.9 * institutions
    assert _one(con, "SELECT count(*) FILTER (WHERE evaluator_name IS NULL) FROM c")[0] == 0
    # one institution, one name
    assert (
        _one(con, "SELECT max(n) FROM (SELECT count(DISTINCT institution_name) AS n FROM t GROUP BY institution_id)")[0]
        == 1
    )


def test_write_demo_returns_row_counts_and_exactly_rows_trainings(extract, con):
    counts = extract["counts"]
    assert counts["training"] == ROWS
    assert counts == {
        "training": _one(con, "SELECT count(*) FROM t")[0],
        "certificates": _one(con, "SELECT count(*) FROM c")[0],
    }
    # roughly 0.6–0.8 certificates a training plus the graduating students' certificates
    assert 0.8 * ROWS < counts["certificates"] < 1.6 * ROWS


def test_files_are_zstd_with_row_groups_of_120k_and_no_temp_files_left(extract):
    meta = pq.ParquetFile(extract["dir"] / "training.parquet").metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"
    assert meta.row_group(0).num_rows <= demo.ROW_GROUP_ROWS
    assert sorted(p.name for p in extract["dir"].iterdir()) == ["certificates.parquet", "training.parquet"]


def test_progress_is_reported_in_chinese_from_0_to_1(extract):
    calls = extract["progress"]
    fractions = [f for f, _ in calls]
    assert len(calls) >= 3 and fractions == sorted(fractions)
    assert fractions[0] >= 0 and fractions[-1] == 1.0
    assert all(re.search(r"[\u4e00-\u9fff]", m) for _, m in calls)


def test_record_id_and_cert_id_are_unique(con):
    assert _one(con, "SELECT count(*) - count(DISTINCT record_id), count(record_id) FROM t") == (0, ROWS)
    assert _one(con, "SELECT count(*) - count(DISTINCT cert_id), count(*) - count(cert_id) FROM c") == (0, 0)
    assert _one(con, "SELECT bool_and(record_id SIMILAR TO 'T20(21|23)[0-9]{11}') FROM t")[0]
    assert _one(con, "SELECT bool_and(cert_id SIMILAR TO 'C20(19|20|21|23)[0-9]{11}') FROM c")[0]


def test_person_ids_are_pseudonymous_hex_keys_not_id_numbers(con):
    for table in ("t", "c"):
        assert _one(con, f"SELECT bool_and(person_id SIMILAR TO 'P[0-9a-f]{{20}}') FROM {table}")[0]


def test_trainings_come_in_classes_whose_members_share_course_and_dates_000_003_004(con):
    # 开班计划 / 开班报告 with its 人员花名册: a class is one institution's course of one type and occupation in one
    # county; its members start and end together (drop-outs leave earlier, so completers only)
    in_class, largest = _one(
        con,
        """
        WITH classes AS (
            SELECT county_code, institution_id, training_type, occupation, hours, start_date, end_date,
                   count(*) AS members
            FROM t
            WHERE status = 'completed' AND training_type <> 'school_directed'
            GROUP BY ALL
        )
        SELECT sum(members) FILTER (WHERE members > 1) / sum(members), max(members) FROM classes
        """,
    )
    assert in_class > 0.8
    assert largest <= 100
    # a class's roster is entered at once: far fewer entry dates than enrolments
    rosters, completions = _one(
        con,
        "SELECT count(DISTINCT (institution_id, start_date, entered_on)), count(*) FROM t "
        "WHERE status = 'completed' AND training_type <> 'school_directed'",
    )
    assert rosters < completions / 2
    # a class sits its assessment together: most certificates share their issue date with a classmate's
    together = _one(
        con,
        """
        WITH sittings AS (
            SELECT t.institution_id, t.training_type, t.end_date, c.issue_date, count(*) AS certified
            FROM c JOIN t ON t.record_id = c.training_record_id
            WHERE t.training_type <> 'school_directed'
            GROUP BY ALL
        )
        SELECT sum(certified) FILTER (WHERE certified > 1) / sum(certified) FROM sittings
        """,
    )[0]
    assert together > 0.7


def test_end_date_is_never_before_start_date_nor_entered_on(con):
    assert _one(con, "SELECT count(*) FROM t WHERE end_date < start_date OR entered_on < start_date")[0] == 0
    assert _one(con, "SELECT min(hours), max(hours) FROM t") >= (16, 0)
    assert _one(con, "SELECT max(hours) FROM t")[0] <= 720


def test_nothing_is_dated_after_the_extract_date_2023_10_20(con):
    latest = _one(
        con,
        """
        SELECT greatest(max(start_date), max(end_date), max(entered_on)) FROM t""",
    )[0]
    assert str(latest) == EXTRACT_DATE
    assert str(_one(con, "SELECT max(issue_date) FROM c")[0]) <= EXTRACT_DATE
    # trainings running on the extract date are enrolled, and none of them has an outcome yet
    assert (
        _one(
            con,
            f"""
        SELECT count(*) FROM t
        WHERE status = 'enrolled' AND (end_date <> DATE '{EXTRACT_DATE}' OR passed IS NOT NULL
                                       OR employed IS NOT NULL)""",
        )[0]
        == 0
    )


def test_years_are_2021_in_full_and_2023_to_the_extract_date(con):
    years = {y for (y,) in con.execute("SELECT DISTINCT year(end_date) FROM t").fetchall()}
    assert years == {2021, 2023}
    assert {y for (y,) in con.execute("SELECT DISTINCT year(start_date) FROM t").fetchall()} == {2021, 2023}
    cert_years = {y for (y,) in con.execute("SELECT DISTINCT year(issue_date) FROM c").fetchall()}
    assert cert_years <= {2019, 2020, 2021, 2023} and {2021, 2023} <= cert_years


def test_every_county_code_is_a_county_of_regions_csv(con):
    for table in ("t", "c"):
        assert (
            _one(
                con,
                f"""
            SELECT count(*) FROM {table}
            WHERE county_code NOT IN (SELECT code FROM regions WHERE level = 'county')""",
            )[0]
            == 0
        )


def test_code_lists_are_the_contracts(con):
    from tracker.contract import CERT_TYPES, PERSON_CATEGORIES, STATUSES, TRAINING_TYPES

    def values(sql):
        return {v for (v,) in con.execute(sql).fetchall()}

    assert values("SELECT DISTINCT training_type FROM t") == set(TRAINING_TYPES)
    assert values("SELECT DISTINCT person_category FROM t") <= set(PERSON_CATEGORIES)
    assert values("SELECT DISTINCT status FROM t") == set(STATUSES)
    assert values("SELECT DISTINCT cert_type FROM c") == set(CERT_TYPES)
    assert values("SELECT DISTINCT skill_level FROM c WHERE skill_level IS NOT NULL") == {1, 2, 3, 4, 5}
    assert values("SELECT DISTINCT industry FROM t WHERE industry IS NOT NULL") <= set(demo.INDUSTRIES)


def test_skill_level_is_null_for_special_ability_and_training_completion_certificates(con):
    assert (
        _one(
            con,
            """
        SELECT count(*) FROM c
        WHERE cert_type IN ('special_ability', 'training_completion') AND skill_level IS NOT NULL""",
        )[0]
        == 0
    )
    assert (
        _one(
            con,
            """
        SELECT count(*) FROM c WHERE cert_type IN ('qualification', 'skill_level') AND skill_level IS NULL""",
        )[0]
        == 0
    )


def test_graduating_students_school_names_are_units_of_schools_csv_or_county_schools_of_their_city_004(con):
    county_schools = demo.county_school_names()
    assert not set(county_schools) & {s["name"] for s in _read_reference("schools.csv")}
    assert county_schools["柳林县职业中学"] == "141125"
    con.execute("CREATE OR REPLACE TEMP TABLE county_schools (name VARCHAR, county_code VARCHAR)")
    con.executemany("INSERT INTO county_schools VALUES (?, ?)", list(county_schools.items()))
    assert (
        _one(
            con,
            """
        SELECT count(*) FROM c
        WHERE graduating_student
          AND (school_name IS NULL OR major IS NULL
               OR school_name NOT IN (SELECT name FROM schools UNION ALL SELECT name FROM county_schools))""",
        )[0]
        == 0
    )
    # a county school's students count in a county of the school's own city (their education bureau)
    assert (
        _one(
            con,
            """
        SELECT count(*) FROM c
        JOIN county_schools AS k ON k.name = c.school_name
        JOIN regions AS rc ON rc.code = c.county_code
        JOIN regions AS rk ON rk.code = k.county_code
        WHERE rc.parent_code <> rk.parent_code""",
        )[0]
        == 0
    )
    # every unit of schools.csv with a quota has graduates, the right level for its quota metric
    wrong = con.execute("""
        SELECT s.unit_code FROM schools AS s
        LEFT JOIN c ON c.school_name = s.name AND c.graduating_student AND year(c.issue_date) = 2021
         AND (CASE WHEN s.quota_metric = 'senior_certs' THEN c.skill_level <= 3 ELSE c.skill_level = 4 END)
        WHERE s."group" <> 'city_education_bureau'
        GROUP BY s.unit_code HAVING count(c.cert_id) = 0""").fetchall()
    assert wrong == []


def test_certificates_follow_a_completed_passed_training_of_the_same_person_and_county(con):
    linked, good = _one(
        con,
        """
        SELECT count(*), count(*) FILTER (
            WHERE t.person_id = c.person_id AND t.county_code = c.county_code AND t.occupation = c.occupation
              AND t.status = 'completed' AND t.passed
              AND c.issue_date BETWEEN t.end_date AND t.end_date + INTERVAL 56 DAY)
        FROM c JOIN t ON t.record_id = c.training_record_id""",
    )
    assert linked > 0.4 * ROWS and good == linked
    assert (
        _one(
            con,
            """
        SELECT count(*) FROM c WHERE training_record_id IS NOT NULL
          AND training_record_id NOT IN (SELECT record_id FROM t)""",
        )[0]
        == 0
    )


def test_some_persons_hold_earlier_certificates_so_first_certificate_rules_matter(con):
    earlier = _one(
        con,
        """
        SELECT count(DISTINCT c2.person_id)
        FROM c AS c2 JOIN c AS c1 ON c1.person_id = c2.person_id AND c1.issue_date < c2.issue_date
        WHERE c2.training_record_id IS NOT NULL""",
    )[0]
    assert earlier > 0.05 * ROWS


def test_caregiver_brand_is_mostly_in_luliang_counties_002(con):
    share, certified = _one(
        con,
        """
        WITH cg AS (SELECT * FROM t WHERE training_type = 'caregiver_brand')
        SELECT avg((county_code LIKE '1411%')::INT),
               (SELECT avg((person_id IN (SELECT person_id FROM c
                                          WHERE cert_type IN ('skill_level', 'special_ability')))::INT)
                FROM cg WHERE status = 'completed' AND end_date <= DATE '2023-08-31')
        FROM cg""",
    )
    assert share >= 0.85
    assert 0.8 <= certified <= 0.95
    occupations = {
        o
        for (o,) in con.execute("SELECT DISTINCT occupation FROM t WHERE training_type = 'caregiver_brand'").fetchall()
    }
    assert occupations <= {"养老护理员", "医疗护理员", "育婴员", "家政服务员"}


def test_liulin_2023_training_lines_are_mid_flight_against_its_plan_002(con):
    lines = dict(
        con.execute("""
        SELECT CASE WHEN training_type IN ('enterprise_staff', 'apprenticeship') THEN 'enterprise'
                    ELSE training_type END, count(DISTINCT person_id)
        FROM t
        WHERE county_code = '141125' AND status = 'completed' AND end_date BETWEEN '2023-01-01' AND '2023-10-20'
        GROUP BY 1""").fetchall()
    )
    expected = 293 / 334  # share of the time from 2023-01-01 to the 11-30 deadline, by 10-20
    plan = {"enterprise": 650, "order_project": 80, "entrepreneurship": 180, "key_group": 590, "caregiver_brand": 900}
    ratios = {k: lines[k] / target / expected for k, target in plan.items()}
    assert all(0.5 <= r <= 1.2 for r in ratios.values()), ratios
    assert min(ratios.values()) < 0.75 and max(ratios.values()) > 1.0
    students = _one(
        con,
        """
        SELECT count(DISTINCT person_id) FROM c
        WHERE county_code = '141125' AND graduating_student AND skill_level = 4 AND school_name IS NOT NULL
          AND issue_date BETWEEN '2023-01-01' AND '2023-10-20'""",
    )[0]
    assert 450 <= students <= 600


def test_directed_training_follows_the_40_80_100_milestones_slightly_behind_in_june_004(con):
    by = dict(
        con.execute("""
        SELECT d, (SELECT count(DISTINCT person_id) FROM t
                   WHERE training_type = 'school_directed' AND status = 'completed' AND end_date <= d)
        FROM (VALUES (DATE '2021-06-30'), (DATE '2021-09-30'), (DATE '2021-11-30')) AS v(d)""").fetchall()
    )
    target = 30_000 * ROWS / 1_000_000
    shares = [v / target for _, v in sorted(by.items())]
    assert 0.30 <= shares[0] < 0.40 and 0.72 <= shares[1] <= 0.88 and 0.95 <= shares[2] <= 1.1
    assert (
        _one(
            con,
            """
        SELECT count(*) FROM t WHERE training_type = 'school_directed'
          AND (school_name IS NULL OR school_name NOT IN (SELECT name FROM schools))""",
        )[0]
        == 0
    )


def test_employed_is_null_for_recent_completions_and_for_enrollments_not_completed(con):
    assert (
        _one(
            con,
            f"""
        SELECT count(*) FROM t
        WHERE status = 'completed' AND end_date > DATE '{EXTRACT_DATE}' - INTERVAL 28 DAY
          AND employed IS NOT NULL""",
        )[0]
        == 0
    )
    assert (
        _one(
            con,
            f"""
        SELECT count(*) FROM t
        WHERE status = 'completed' AND end_date > DATE '{EXTRACT_DATE}' - INTERVAL 28 DAY""",
        )[0]
        > 0
    )
    assert _one(con, "SELECT count(*) FROM t WHERE status <> 'completed' AND employed IS NOT NULL")[0] == 0
    assert _one(con, "SELECT count(*) FROM t WHERE status <> 'completed' AND passed")[0] == 0
    # long-past completions mostly have a known outcome
    assert (
        _one(
            con,
            """
        SELECT avg((employed IS NOT NULL)::INT) FROM t WHERE status = 'completed' AND year(end_date) = 2021""",
        )[0]
        > 0.95
    )


def test_compliance_material_same_person_occupation_and_level_trained_twice_in_a_year_001(con):
    assert (
        _one(
            con,
            """
        SELECT count(*) FROM (
            SELECT person_id, occupation, skill_level, year(start_date) FROM t WHERE status <> 'dropped'
            GROUP BY ALL HAVING count(*) > 1)""",
        )[0]
        > 0
    )


def test_compliance_material_persons_with_more_than_three_trainings_a_year_001(con):
    persons = _one(
        con,
        """
        SELECT count(*) FROM (
            SELECT person_id, year(start_date) FROM t WHERE status <> 'dropped'
            GROUP BY ALL HAVING count(*) > 3)""",
    )[0]
    assert 0 < persons < 0.01 * ROWS


def test_compliance_material_certificate_level_claimed_twice_late_entry_and_no_outcome_003(con):
    twice = _one(
        con,
        """
        SELECT count(*) FROM (
            SELECT person_id, skill_level FROM c
            WHERE cert_type IN ('qualification', 'skill_level') GROUP BY ALL HAVING count(*) > 1)""",
    )[0]
    persons = _one(con, "SELECT count(DISTINCT person_id) FROM c")[0]
    assert 0 < twice < 0.03 * persons
    late = _one(
        con,
        """
        SELECT avg((entered_on > end_date + INTERVAL 90 DAY)::INT) FROM t WHERE status = 'completed'""",
    )[0]
    assert 0.01 <= late <= 0.03
    assert (
        _one(
            con,
            """
        SELECT count(*) FROM t WHERE status = 'completed' AND passed IS DISTINCT FROM true
          AND record_id NOT IN (SELECT training_record_id FROM c WHERE training_record_id IS NOT NULL)""",
        )[0]
        > 0
    )


def test_institutions_mostly_meet_the_pass_and_employment_thresholds_000(con):
    n, low = _one(
        con,
        """
        WITH i AS (
            SELECT institution_id, avg(passed::INT) AS pass_rate, avg(employed::INT) AS employment_rate
            FROM t WHERE status = 'completed' AND year(end_date) = 2021 AND training_type <> 'school_directed'
            GROUP BY 1 HAVING count(*) >= 30)
        SELECT count(*), count(*) FILTER (WHERE pass_rate < 0.8 OR employment_rate < 0.3) FROM i""",
    )
    assert n > 100 and 0.02 <= low / n <= 0.15


def test_same_seed_gives_byte_identical_files_and_another_seed_other_data(extract, tmp_path):
    demo.write_demo(tmp_path / "same", rows=ROWS, seed=SEED)
    demo.write_demo(tmp_path / "other", rows=ROWS, seed=SEED + 1)
    assert _digests(tmp_path / "same") == _digests(extract["dir"])
    other = _digests(tmp_path / "other")
    assert all(other[k] != v for k, v in _digests(extract["dir"]).items())
    a = pq.read_table(extract["dir"] / "training.parquet", columns=["person_id"]).column(0)
    b = pq.read_table(tmp_path / "other" / "training.parquet", columns=["person_id"]).column(0)
    assert not a.equals(b)


def test_generate_returns_the_contract_schemas_and_tiny_extracts_work():
    training, certificates = demo.generate(rows=500, seed=1)
    assert training.schema.equals(DEMO_TRAINING_SCHEMA) and certificates.schema.equals(DEMO_CERTIFICATE_SCHEMA)
    assert training.num_rows == 500
    empty, _ = demo.generate(rows=0, seed=1)
    assert empty.num_rows == 0 and empty.schema.equals(DEMO_TRAINING_SCHEMA)


def test_a_chunked_demo_keeps_every_record_and_certificate_number_unique(tmp_path):
    """#12: the 100M extract is written in chunks (hive-partitioned); numbers stay unique and certificates still
    name the training they came from."""
    from tracker import demo_chunks
    from tracker.query import Runner

    counts = demo_chunks.write_chunked(tmp_path, rows=40_000, chunk_rows=20_000)
    assert sorted(p.parent.name for p in (tmp_path / "training").glob("*/part.parquet")) == ["chunk=0", "chunk=1"]
    cur = Runner(tmp_path).cursor()
    rows, records = cur.execute("SELECT count(*), count(DISTINCT record_id) FROM training").fetchone()
    assert rows == records == counts["training"]
    certs, ids, linked, found = cur.execute(
        """SELECT count(*), count(DISTINCT cert_id), count(training_record_id),
                  count(*) FILTER (WHERE training_record_id IN (SELECT record_id FROM training))
           FROM certificates"""
    ).fetchone()
    assert certs == ids == counts["certificates"] and linked == found > 0
