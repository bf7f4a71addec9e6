"""The import corpus (tests/corpus/cases.csv): real clerks' files and hostile ones, each with its expected outcome.

Issue #16. Every case goes through ``python -m tracker ingest``'s code path into a data folder already serving
a version: *refused* cases must exit 2, print the expected fragment and leave the data folder byte for byte
unchanged; *normalised* cases import with a warning naming what was normalised; *accepted* cases import with no
warning. Then no raw ID number planted anywhere in the corpus may be found in the data folder (versions,
manifests, log, the query cache) or in the problem lists shown to clerks. Hypothesis adds generated cases.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import re
import unicodedata
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from extracts import certificate_row, training_row
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from tracker import ingest, pii
from tracker.contract import CERTIFICATE_SCHEMA, TRAINING_SCHEMA
from tracker.store import data_version

CORPUS = Path(__file__).resolve().parent / "corpus"
FILES = CORPUS / "files"
SALT = "corpus-test-salt-0123456789"
with open(CORPUS / "cases.csv", encoding="utf-8") as _fh:
    CASES = list(csv.DictReader(_fh))


def snapshot(folder: Path) -> tuple[str, dict[str, str]]:
    files = {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ingest.LOCK_FILE
    }
    return data_version(folder), files


@pytest.fixture(autouse=True)
def env(monkeypatch, tmp_path):
    monkeypatch.setenv(pii.SALT_ENV, SALT)
    monkeypatch.delenv(pii.SALT_FILE_ENV, raising=False)
    monkeypatch.delenv(ingest.PAUSE_ENV, raising=False)
    monkeypatch.setenv("SKILLS_SETTINGS_FILE", str(tmp_path / "no-settings.toml"))


@pytest.fixture
def served(tmp_path, capsys) -> Path:
    data = tmp_path / "data"
    src = tmp_path / "first"
    src.mkdir()
    pq.write_table(
        pa.Table.from_pylist([training_row(i) for i in range(100, 105)], schema=TRAINING_SCHEMA),
        src / "training.parquet",
    )
    pq.write_table(
        pa.Table.from_pylist([certificate_row(i) for i in range(100, 102)], schema=CERTIFICATE_SCHEMA),
        src / "certificates.parquet",
    )
    assert ingest.ingest_cli([str(src / "training.parquet"), str(src / "certificates.parquet")], data) == 0
    capsys.readouterr()
    return data


def use_settings(monkeypatch, tmp_path: Path, spec: str) -> None:
    if not spec:
        return
    lines = ["[import]"]
    for item in spec.split(";"):
        key, value = item.split("=", 1)
        lines.append(f"{key.strip()} = {value.strip()}")
    path = tmp_path / "settings.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("SKILLS_SETTINGS_FILE", str(path))


def test_the_corpus_table_names_every_file_and_nothing_else():
    listed = [c["file"] for c in CASES]
    assert sorted(listed) == sorted(p.name for p in FILES.iterdir())
    assert len(listed) == len(set(listed))
    assert {c["outcome"] for c in CASES} == {"refused", "normalised", "warned", "accepted"}


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_corpus_case(case, served, tmp_path, capsys, monkeypatch):
    """#16: each file is refused (data unchanged), normalised with a warning, or accepted, as its row says."""
    if case["salt"] != "yes":
        monkeypatch.delenv(pii.SALT_ENV)
    use_settings(monkeypatch, tmp_path, case["settings"])
    before = snapshot(served)
    rc = ingest.ingest_cli([str(FILES / case["file"])], served)
    out = capsys.readouterr()
    text = out.out + out.err
    assert "Traceback" not in text
    assert case["message"] in text, f"{case['message']!r} not in\n{text}"
    if case["outcome"] == "refused":
        assert rc == 2, text
        assert snapshot(served) == before, "a refused import changed the data folder"
    else:
        assert rc == 0, text
        assert snapshot(served) != before
        warned = "（警告）" in out.err
        assert warned == (case["outcome"] in ("normalised", "warned")), out.err


# ---------------------------------------------------------------- no raw ID number survives


def _planted_ids() -> set[str]:
    import sys

    sys.path.insert(0, str(CORPUS))
    from make_corpus import OLD_IDS, RAW_IDS

    return set(RAW_IDS) | set(OLD_IDS) | {pii.upgrade_old_id(i) for i in OLD_IDS}


def _digits_only(text: str) -> str:
    """Separators removed and full-width characters folded, so an ID is found however it was written."""
    return re.sub(r"[\s\-\u00a0\u3000]", "", unicodedata.normalize("NFKC", text))


def _texts_in(path: Path) -> list[str]:
    """Every text a file holds: Parquet decompressed cell by cell, zip members unpacked, anything else as is."""
    data = path.read_bytes()
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        return [str(v) for col in table.columns for v in col.to_pylist() if v is not None]
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
    return [data.decode("utf-8", "replace")]


def test_no_raw_id_number_is_found_anywhere_after_importing_every_pii_case(served, tmp_path, capsys):
    """#16 / CONTRACT §1: the raw ID number is never stored — grep the whole data folder after the PII cases."""
    from tracker.query import Runner

    pii_cases = [c for c in CASES if any(k in c["file"] for k in ("raw_id", "person_id", "id_in_name"))]
    shown: list[str] = []
    for case in pii_cases:
        if case["salt"] != "yes":
            continue
        ingest.ingest_cli([str(FILES / case["file"])], served)
        out = capsys.readouterr()
        shown.append(out.out + out.err)
        batch = ingest.validate([ingest.Source.from_path(FILES / case["file"])], salt=SALT.encode())
        shown.append(batch.problems.frame().to_csv(index=False))  # the 问题清单 a clerk downloads
    runner = Runner(served)  # fill the query cache (.cache/) beside the data
    for name in ("progress", "biweekly"):
        if name in runner.queries:
            with contextlib.suppress(Exception):  # a query needing other parameters is not what this checks
                runner.run(name, plan="liulin-2023")
    # and every export: the dispatch report (xlsx and text) and person-level compliance lists as CSV / xlsx
    from tracker import export, report

    exports = tmp_path / "exports"
    exports.mkdir()
    report.write_report(plan="liulin-2023", as_of=None, data=served, out=str(exports / "dispatch.xlsx"), fmt="xlsx")
    for name in ("compliance_repeat_level", "compliance_over_three", "compliance_late_entry"):
        frame = runner.run(name)
        (exports / f"{name}.csv").write_bytes(export.to_csv(frame))
        (exports / f"{name}.xlsx").write_bytes(export.to_xlsx(frame))
    shown += [t for p in exports.iterdir() for t in _texts_in(p)]
    planted = _planted_ids()
    files = [p for p in served.rglob("*") if p.is_file()]
    assert any("versions" in p.parts for p in files) and any(".cache" in p.parts for p in files)
    hits = []
    for p in files:
        for text in _texts_in(p):
            flat = _digits_only(text).upper()
            hits += [(str(p.relative_to(served)), i) for i in planted if i in flat]
    for text in shown:
        flat = _digits_only(text).upper()
        hits += [("printed", i) for i in planted if i in flat]
    assert hits == [], hits[:5]
    # the raw IDs typed into person_id were not dropped but became the same key the 身份证号 column gives
    current = (served / "CURRENT").read_text().strip()
    person_ids = set(pq.read_table(served / "versions" / current / "training.parquet")["person_id"].to_pylist())
    from make_corpus import RAW_IDS

    for raw in (RAW_IDS[2], RAW_IDS[3], RAW_IDS[4]):  # the last import of records T000001–3 (see make_corpus)
        assert pii.person_id_for(raw, SALT.encode()) in person_ids


# ---------------------------------------------------------------- generated cases


def _id(draw) -> str:
    area = draw(st.sampled_from(["141125", "140105", "141102", "110101"]))
    birth = draw(st.dates(min_value=dt.date(1940, 1, 1), max_value=dt.date(2007, 12, 31))).strftime("%Y%m%d")
    body = area + birth + f"{draw(st.integers(0, 999)):03d}"
    return body + ric.calc_check_digit(body + "0")


@st.composite
def id_written_somehow(draw) -> tuple[str, str]:
    """(the ID, as a clerk might write it: separators between digits, lower-case x, text around it)."""
    raw = _id(draw)
    out = ""
    for i, c in enumerate(raw):
        out += c.lower() if c == "X" and draw(st.booleans()) else c
        if i < 17 and draw(st.integers(0, 9)) == 0:
            out += draw(st.sampled_from([" ", "-", "\u00a0", "  "]))
    if draw(st.integers(0, 3)) == 0:  # typed with a Chinese IME: full-width digits
        out = out.translate({ord(str(d)): 0xFF10 + d for d in range(10)})
    prefix = draw(st.sampled_from(["", "身份证", "JG-", "（", "no. "]))
    suffix = draw(st.sampled_from(["", "）", " 号", "/2023"]))
    return raw, prefix + out + suffix


TEXT_COLUMNS = ["record_id", "institution_id", "occupation", "school_name", "industry"]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(written=id_written_somehow(), column=st.sampled_from([*TEXT_COLUMNS, "person_id"]), row=st.integers(0, 2))
def test_generated_raw_id_anywhere_is_refused_or_hashed_and_never_stored(served, written, column, row):
    raw, text = written
    rows = [training_row(i) for i in range(1, 4)]
    rows[row][column] = text if column != "person_id" else text.strip("（）/号 ").removeprefix("身份证")
    table = pa.table(
        {c: pa.array([None if r[c] is None else str(r[c]) for r in rows], pa.string()) for c in TRAINING_SCHEMA.names}
    )
    problems = ingest.Problems()
    result = ingest.check_table(table, problems, name="training.csv", fmt="csv", salt=SALT.encode())
    shown = problems.frame().to_csv(index=False)
    assert raw not in _digits_only(shown).upper()
    if result.data is None:
        assert problems.errors and column in set(problems.frame()["column"])
    else:
        assert column == "person_id"
        stored = " ".join(str(v) for c in result.data.columns for v in c.to_pylist())
        assert raw not in _digits_only(stored).upper()
        assert pii.person_id_for(raw, SALT.encode()) in result.data.column("person_id").to_pylist()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    column=st.sampled_from([*TEXT_COLUMNS, "county_code", "person_id"]),
    char=st.sampled_from(["\x00", "\x07", "\x1b", "\x7f", "\x0b"]),
    at=st.integers(0, 5),
)
def test_generated_control_characters_are_refused_and_leave_the_folder_unchanged(
    served, tmp_path, column, char, at, capsys
):
    rows = [training_row(i) for i in range(1, 3)]
    value = str(rows[1][column] or "x")
    rows[1][column] = value[:at] + char + value[at:]
    path = tmp_path / f"gen-{abs(hash((column, char, at)))}.csv"
    lines = [",".join(TRAINING_SCHEMA.names)] + [",".join(_cell(r[c]) for c in TRAINING_SCHEMA.names) for r in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    before = snapshot(served)
    rc = ingest.ingest_cli([str(path)], served)
    err = capsys.readouterr().err
    assert rc == 2
    assert f"第3行 [{ingest.column_label(column)}]" in err and "含控制字符" in err
    assert snapshot(served) == before


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v).lower()
    return v.isoformat() if isinstance(v, dt.date) else str(v)


FULLWIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    columns=st.sets(
        st.sampled_from(["county_code", "record_id", "person_id", "start_date", "hours", "institution_id"]), min_size=1
    ),
    habit=st.sampled_from(["fullwidth", "nbsp", "ideographic"]),
)
def test_generated_excel_habits_are_normalised_to_the_same_table(columns, habit):
    rows = [training_row(i) for i in range(1, 4)]

    def text_table(mangle) -> pa.Table:
        def cell(c, v):
            if v is None:
                return None
            return mangle(_cell(v)) if c in columns else _cell(v)

        return pa.table({c: pa.array([cell(c, r[c]) for r in rows], pa.string()) for c in TRAINING_SCHEMA.names})

    mangle = {
        "fullwidth": lambda s: s.translate(FULLWIDTH),
        "nbsp": lambda s: s + "\u00a0",
        "ideographic": lambda s: "\u3000" + s + "\u3000",
    }[habit]
    clean = ingest.check_table(text_table(lambda s: s), ingest.Problems(), name="training.csv", fmt="csv")
    problems = ingest.Problems()
    mangled = ingest.check_table(text_table(mangle), problems, name="training.csv", fmt="csv")
    assert problems.errors == 0, problems.frame().to_dict("records")
    assert problems.warnings >= 1
    assert mangled.data.equals(clean.data)


def test_settings_example_documents_every_import_limit_with_its_default():
    import tomllib

    from tracker.ingest import limits

    documented = tomllib.loads((CORPUS.parent.parent / "settings.example.toml").read_text(encoding="utf-8"))["import"]
    assert documented.keys() == limits.DEFAULTS.keys()
    assert {k: str(v) for k, v in documented.items()} == {k: str(v) for k, v in limits.DEFAULTS.items()}
