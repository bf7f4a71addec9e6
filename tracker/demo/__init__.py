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

* trainings come in classes (培训班: 开班报告 with its 人员花名册, seeds 000 / 003 / 004): one institution's course of
  one type in one county, about 25–50 members (``_CLASS_SIZE``) with one occupation, level, hours, start and end;
  its roster is entered at once (a few records a day or three later) and drop-outs leave early. Where a course
  has few enrolments (small extracts) its classes are small;
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

The package, by what its parts do:

* ``params`` — the programme's parameters: sizes and dates, code lists, occupations, distributions per
  training type, Liulin's quotas, students' majors, seasons;
* ``reference`` — the reference CSVs the demo reads, and the county secondary schools it names;
* ``arrays`` — vectorised helpers (ids, Arrow arrays, weighted sampling, seasons) and the numpy frames;
* ``generator`` — the generator's state and the stages in order: ``trainings`` (enrolments, compliance
  material, Liulin's 2023 plan), ``certificates`` (of trainings, earlier ones, duplicates), ``students``
  (graduating students of 2021 and 2023); ``generate`` returns the two Arrow tables;
* ``write`` — the Parquet files (``write_demo``).
"""

from __future__ import annotations

from tracker.demo.arrays import SEG_DIRECTED, SEG_EXTRA, SEG_GENERIC, SEG_LIULIN, Frame
from tracker.demo.generator import Progress, generate
from tracker.demo.params import (
    ABIL,
    APP,
    CARE,
    CAREGIVER_OCCUPATIONS,
    CATS,
    COMPL,
    COMPLETED,
    CTS,
    D_EXTRACT,
    DEFAULT_ROWS,
    DEFAULT_SEED,
    DIR,
    DROPPED,
    ENROLLED,
    ENT,
    ENTRE,
    EQUIP,
    EXTRACT_DATE,
    INDUSTRIES,
    KEY,
    LEVELS,
    LIULIN,
    LIULIN_FULL_SCALE_ROWS,
    LULIANG,
    MAJOR_NAMES,
    OCC,
    OCC_NAMES,
    ONL,
    OPER,
    ORD,
    QUAL,
    ROW_GROUP_ROWS,
    SKILL,
    STATUS,
    TT,
)
from tracker.demo.reference import county_school_names
from tracker.demo.write import write_demo

__all__ = [
    "ABIL",
    "APP",
    "CARE",
    "CAREGIVER_OCCUPATIONS",
    "CATS",
    "COMPL",
    "COMPLETED",
    "CTS",
    "DEFAULT_ROWS",
    "DEFAULT_SEED",
    "DIR",
    "DROPPED",
    "D_EXTRACT",
    "ENROLLED",
    "ENT",
    "ENTRE",
    "EQUIP",
    "EXTRACT_DATE",
    "INDUSTRIES",
    "KEY",
    "LEVELS",
    "LIULIN",
    "LIULIN_FULL_SCALE_ROWS",
    "LULIANG",
    "MAJOR_NAMES",
    "OCC",
    "OCC_NAMES",
    "ONL",
    "OPER",
    "ORD",
    "QUAL",
    "ROW_GROUP_ROWS",
    "SEG_DIRECTED",
    "SEG_EXTRA",
    "SEG_GENERIC",
    "SEG_LIULIN",
    "SKILL",
    "STATUS",
    "TT",
    "Frame",
    "Progress",
    "county_school_names",
    "generate",
    "write_demo",
]
