"""Hostile submissions: each refused with a clear error naming the file (and the place), or read safely;
never another exception, never an entity expanded or a context fetched."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from support.curricula import base, to_csv, to_json, to_xlsx

from aiskills.errors import InputError
from aiskills.output import table_csv
from aiskills.store.base import Table
from aiskills.submission.readers import EXTENSIONS, TABLE_COLUMNS, read_bytes, read_submission
from aiskills.validation.engine import CurriculumValidator, validator_for
from aiskills.validation.render import as_html


@pytest.fixture(scope="module")
def validator() -> CurriculumValidator:
    return validator_for(None)


def _refused(data: bytes, name: str) -> str:
    with pytest.raises(InputError) as caught:
        read_bytes(data, name)
    message = str(caught.value)
    assert message.startswith(name), message
    return message


def test_a_200_mb_upload_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as f:  # sparse: 200 MB on paper, nothing to read
        f.truncate(200 * 1024 * 1024)
    with pytest.raises(InputError, match="the file is 209.7 MB; the limit is 10 MB"):
        read_submission(path)


@pytest.mark.parametrize(("data", "name", "says"), [
    (to_json(base())[:150], "cut.json", "is not valid JSON"),
    (to_xlsx(base())[:900], "cut.xlsx", "is not a readable XLSX workbook"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "picture.csv", "the file is binary"),
    (to_csv(base()).decode().encode("utf-16"), "utf16.csv", "is UTF-16 text"),
    (to_csv(base()).decode().encode("latin-1") + "caf\xe9".encode("latin-1"), "latin1.csv", "is not UTF-8"),
    (b"[" * 50000 + b"]" * 50000, "deep.json", "nested too deeply"),
    (b'{"@context": "https://attacker.example/ctx.jsonld", "id": "x"}', "remote.jsonld", "@context other than ours"),
    (b'{"@context": "file:///etc/passwd", "id": "x"}', "local.jsonld", "@context other than ours"),
    (b'{"@context": {"@import": "http://127.0.0.1/x"}, "id": "x"}', "import.json", "@context other than ours"),
])
def test_unreadable_or_foreign_input_is_refused_with_its_reason(data: bytes, name: str, says: str) -> None:
    assert says in _refused(data, name)


RDF_XML_HEAD = (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                b'xmlns:ais="https://w3id.org/aiskills/ontology#"><rdf:Description rdf:about="https://p.example/c">'
                b'<rdf:type rdf:resource="https://w3id.org/aiskills/ontology#Curriculum"/>')


@pytest.mark.parametrize("doctype", [
    b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    (b'<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'),
])
def test_rdf_xml_entities_are_never_expanded(doctype: bytes) -> None:
    data = b'<?xml version="1.0"?>\n' + doctype + b"\n" + RDF_XML_HEAD + b"<ais:statement>&x;</ais:statement>" \
        b"</rdf:Description></rdf:RDF>"
    assert "line 2: RDF/XML with a DOCTYPE or entity declarations is not accepted" in _refused(data, "c.rdf")


def test_xlsx_zip_bomb_is_refused_before_unpacking() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"<a>" + b" " * (120 * 1024 * 1024) + b"</a>")
    assert len(buf.getvalue()) < 1024 * 1024
    assert "unpacks to 126 MB" in _refused(buf.getvalue(), "bomb.xlsx")


def test_xlsx_with_macros_is_refused() -> None:
    data = io.BytesIO(to_xlsx(base()))
    out = io.BytesIO()
    with zipfile.ZipFile(data) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr("xl/vbaProject.bin", b"\x00" * 64)
    assert "the workbook contains macros" in _refused(out.getvalue(), "macro.xlsx")


def _one_row(hours: str, statement: str = "Explain AI") -> tuple[Workbook, bytes]:
    """A curriculum sheet with one outcome row whose hours cell (H2) is ``hours``; the book and its bytes."""
    book = Workbook()
    sheet = book.active
    sheet.title = "curriculum"
    sheet.append(list(TABLE_COLUMNS))
    sheet.append(["https://p.example/c", "T", "https://p.example/", "P", "User", "", "M", hours,
                  "", statement, "understand", "6-01"])
    buf = io.BytesIO()
    book.save(buf)
    return book, buf.getvalue()


def test_xlsx_formula_is_refused_at_its_cell() -> None:
    _, data = _one_row('=HYPERLINK("http://evil.example","x")')
    said = _refused(data, "f.xlsx")  # written by a program, never calculated: no saved value
    assert "row 2, column H: the cell holds a formula" in said and "with no saved value" in said
    assert "open the file in Excel or LibreOffice and save it" in said


def _saved_as_excel_saves(data: bytes, edits: dict[bytes, bytes]) -> bytes:
    """The workbook with its sheets' XML edited (``edits``: text → text), as Excel saves a formula:
    with its last result beside it (``<v>``), which openpyxl does not write."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                for old, new in edits.items():
                    assert old in body, old
                    body = body.replace(old, new)
            dst.writestr(item, body)
    return out.getvalue()


def test_an_xlsx_formula_is_read_as_the_value_excel_saved() -> None:
    """Hours worked out by a formula (=5*2) had been refused ("paste as values"); Excel saves each
    formula's value, which is what the sheet shows and what is read."""
    book, data = _one_row("=5*2", "Explain how machine learning differs from rule-based software")
    hours = {b"<f>5*2</f><v />": b"<f>5*2</f><v>10</v>"}
    found = read_bytes(_saved_as_excel_saves(data, hours), "f.xlsx")
    assert [t.object.value for t in found.triples if t.predicate.value.endswith("notionalHours")] == ["10"]
    # a text result saved empty, as Excel saves =IF(…,"",…): an empty cell, not a missing value
    book.active.cell(row=2, column=6).value = '=IF(1=0,"x","")'
    buf = io.BytesIO()
    book.save(buf)
    empty = {b'<c r="F2"><f>IF(1=0,"x","")</f><v /></c>': b'<c r="F2" t="str"><f>IF(1=0,"x","")</f><v></v></c>'}
    again = read_bytes(_saved_as_excel_saves(buf.getvalue(), hours | empty), "f.xlsx")
    assert [t.object.value for t in again.triples if t.predicate.value.endswith("notionalHours")] == ["10"]


def test_csv_formula_injection_stays_text_and_is_defused_on_export(validator: CurriculumValidator) -> None:
    doc = base()
    doc["title"] = '=HYPERLINK("http://evil.example","click")'
    report = validator.validate(read_bytes(to_csv(doc), "c.csv"))
    assert report.conforms and report.results[0].item.title == doc["title"]
    exported = table_csv(Table(("title",), [(ox.Literal(doc["title"]),)]))
    assert exported.splitlines()[1].startswith("\"'=HYPERLINK(")


@pytest.mark.parametrize("bad_id", ["https://p.example/my course", "javascript:alert(1)", "relative/id", "ftp://x/y"])
def test_unsafe_ids_are_not_iris(validator: CurriculumValidator, bad_id: str) -> None:
    doc = base()
    doc["id"] = bad_id
    report = validator.validate(read_bytes(to_json(doc), "c.json"))
    assert "curriculum-id" in report.rules()
    assert all(bad_id not in (r.item.id or "") for r in report.results)


def test_script_in_text_is_escaped_in_the_html_report(validator: CurriculumValidator) -> None:
    doc = base()
    doc["modules"][0]["title"] = '<script>alert("x")</script>'
    doc["modules"][0]["notionalHours"] = "<img src=x onerror=alert(1)>"
    html = as_html(validator.validate(read_bytes(to_json(doc), "c.json")))
    assert "<script>" not in html and "<img" not in html and "&lt;script&gt;" in html


# -- property-based: whatever the bytes, a report or a clear error -------------------------------------

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(data=st.binary(max_size=2000), ext=st.sampled_from(EXTENSIONS))
def test_any_bytes_give_a_submission_or_a_clear_error(data: bytes, ext: str) -> None:
    try:
        read_bytes(data, f"f{ext}")
    except InputError as exc:
        assert str(exc).startswith(f"f{ext}")


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=20)
KEYS = st.sampled_from(["id", "title", "provider", "targetArchetypes", "modules", "notionalHours",
                        "learningOutcomes", "statement", "bloomLevel", "alignedTo", "name"])
DOC = st.recursive(JSON, lambda inner: st.dictionaries(KEYS, inner, max_size=6), max_leaves=30)


@SETTINGS
@given(doc=DOC)
def test_any_json_document_gives_a_report_or_a_clear_error(validator: CurriculumValidator, doc: object) -> None:
    try:
        submission = read_bytes(json.dumps(doc).encode(), "c.json")
    except InputError as exc:
        assert str(exc).startswith("c.json")
        return
    report = validator.validate(submission)
    assert report.source == "c.json" and isinstance(report.conforms, bool)


@SETTINGS
@given(cells=st.lists(st.lists(st.text(max_size=12), min_size=12, max_size=12), min_size=1, max_size=6))
def test_any_table_gives_a_report_or_a_clear_error(validator: CurriculumValidator, cells: list[list[str]]) -> None:
    import csv

    buf = io.StringIO()
    csv.writer(buf).writerows([list(TABLE_COLUMNS), *cells])
    try:
        submission = read_bytes(buf.getvalue().encode(), "c.csv")
    except InputError as exc:
        assert str(exc).startswith("c.csv")
        return
    assert isinstance(validator.validate(submission).conforms, bool)
