"""Submission readers: a file that cannot be read gets one clear error with its place and fix;
JSON with our published context reads as the JSON-LD it claims to be."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from openpyxl import Workbook, load_workbook
from support.curricula import base, to_csv, to_json, to_xlsx, turtle_with_one_outcome

from aiskills.errors import InputError
from aiskills.resources import data_dir
from aiskills.submission.readers import CONTEXT_IRI, SubmissionError, read_bytes, read_submission


def _error(data: bytes, name: str) -> str:
    with pytest.raises(InputError) as caught:
        read_bytes(data, name)
    return str(caught.value)


@pytest.mark.parametrize(("data", "name", "says"), [
    (b"", "c.json", "c.json: the file is empty"),
    (b"   \n", "c.csv", "c.csv: the file is empty"),
    (b"{}", "c.docx", "c.docx: the extension '.docx' is not a curriculum format"),
    (b"{}", "curriculum", "the extension '(none)' is not a curriculum format"),
    # the export to make instead, in the program that made the file (the fix had listed extensions only)
    (b"PK\x03\x04", "course.ods", "save it from LibreOffice or OpenOffice as 'Excel 2007-365 (.xlsx)'"),
    (b"\xd0\xcf\x11\xe0", "course.xls", "save it as 'Excel Workbook (.xlsx)' or 'CSV UTF-8 (Comma delimited)'"),
    (b"a\tb\n", "course.txt", "Excel's 'Unicode Text' and 'Text (Tab delimited)' are not read"),
    (b"a,b\n\x93quoted\x94\n", "c.csv", "in Excel, 'CSV UTF-8 (Comma delimited)'"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "c.json", "c.json: the file is binary, not text"),
    (b'{"title": "caf\xe9"}', "c.json", "c.json: line 1: the file is not UTF-8 text: byte 14 ('é' in Windows-1252"),
    (b'{"title": "x",\n "modules": [}', "c.json", "c.json: line 2, column 14: is not valid JSON"),
    (b'["not", "an", "object"]', "c.json", "c.json: $: the JSON is list, not an object"),
    (b'"just text"', "c.json", "the JSON is str, not an object"),
    (b'{"modules": {"title": "x"}}', "c.json", "c.json: $.modules: modules must be a list"),
    (b'{"modules": ["x"]}', "c.json", "c.json: $.modules[0]: must be an object"),
    (b'{"@context": "https://elsewhere.example/ctx.jsonld"}', "c.jsonld", "has an @context other than ours"),
    (b"curriculum_id,title\nx,y\n", "c.csv", "c.csv: row 1: missing column(s): curriculum_title, provider_id"),
    (b"@prefix ex: <http://ex/> .\nex:a ex:b \n", "c.ttl", "c.ttl: line 3, column 1: not valid Turtle"),
    (b"<http://ex/a> <http://ex/b> <http://ex/c> .\n", "c.nt", "c.nt: holds no ais:Curriculum"),
    (b"[" * 100000 + b"]" * 100000, "c.json", "the JSON is nested too deeply"),
])
def test_unreadable_file_gets_one_clear_error(data: bytes, name: str, says: str) -> None:
    assert says in _error(data, name)


def test_csv_with_two_curricula_is_refused_at_the_row() -> None:
    doc = base()
    text = to_csv(doc).decode() + "https://other.example/c,Other,,,,,,,,,\n"
    assert "c.csv: row 5, column curriculum_id: starts a second curriculum" in _error(text.encode(), "c.csv")


def test_xlsx_without_the_expected_sheet() -> None:
    book = Workbook()
    book.active.title = "notes"
    book.create_sheet("outcomes")
    path_bytes = _save(book)
    said = _error(path_bytes, "c.xlsx")
    assert "has several sheets (notes, outcomes) and no sheet holds a curriculum table's header" in said
    assert "name the sheet with the outcomes 'curriculum'" in said


def test_the_one_sheet_with_the_table_is_read_among_others() -> None:
    """Outcomes on a sheet of their own among notes had been refused: "has no sheet named 'curriculum'"."""
    book = load_workbook(io.BytesIO(to_xlsx(base())))
    book.active.title = "Outcomes"
    notes = book.create_sheet("Notes", 0)
    notes.append(["Read me first"])
    found = read_bytes(_save(book), "c.xlsx")
    assert found.layout is not None and found.layout.sheet == "Outcomes"
    assert str(found.sources.find(f"<{base()['id']}/module/2/outcome/1>")) == "row 4"


def test_a_table_under_a_title_is_read_where_it_starts() -> None:
    """A title row and a blank row above the header had been refused ("the header is row 3: delete
    the rows above it"); rows keep the numbers the spreadsheet shows."""
    found = read_bytes(b"Year 3 outcomes,,\n\n" + to_csv(base()), "c.csv")
    assert found.layout is not None and found.layout.header_row == 3
    assert str(found.sources.find(f"<{base()['id']}/module/2/outcome/1>")) == "row 6"
    book = load_workbook(io.BytesIO(to_xlsx(base())))
    book.active.insert_rows(1, 2)
    book.active["A1"] = "AI in clinical practice: module outcomes"
    book.active.merge_cells("A1:F1")
    found = read_bytes(_save(book), "c.xlsx")
    assert str(found.sources.find(f"<{base()['id']}/module/2/outcome/1>")) == "row 6"


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_regional_and_tab_separated_exports_are_read(delimiter: str) -> None:
    """A CSV from a spreadsheet set to a region with a decimal comma separates with ';' (a cell with a
    ';' in it, as a list of codes, quoted); a tab-separated one named .csv the same: both had been refused."""
    doc = base()
    doc["modules"][0]["learningOutcomes"][0]["alignedTo"] = ["6-01", "6-02"]
    rows = list(csv.reader(io.StringIO(to_csv(doc).decode())))
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter).writerows(rows)
    found = read_bytes(text.getvalue().encode(), "c.csv")
    assert found.layout is not None and found.layout.delimiter == delimiter
    assert set(found.triples) == set(read_bytes(to_csv(doc), "c.csv").triples)


def test_xlsx_with_wrong_columns() -> None:
    book = Workbook()
    book.active.title = "curriculum"
    book.active.append(["id", "title"])
    assert "missing column(s): curriculum_id" in _error(_save(book), "c.xlsx")


def test_not_really_xlsx() -> None:
    assert "is not a readable XLSX workbook" in _error(b"PK\x03\x04garbage", "c.xlsx")


def _save(book: Workbook) -> bytes:
    import io

    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_table_rows_group_into_modules_and_outcomes() -> None:
    sub = read_bytes(to_xlsx(base()), "c.xlsx")
    modules = [t for t in sub.triples if t.predicate.value.endswith("#hasModule")]
    outcomes = [t for t in sub.triples if t.predicate.value.endswith("#hasLearningOutcome")]
    assert len(modules) == 2 and len(outcomes) == 3
    assert sub.curriculum_id == base()["id"]
    assert str(sub.sources.find(f"<{base()['id']}/module/2/outcome/1>")) == "row 4"


def test_minted_ids_are_stable_and_positional() -> None:
    a = read_bytes(to_json(base()), "a.json")
    b = read_bytes(to_csv(base()), "b.csv")
    assert set(a.stored_triples()) == set(b.stored_triples())
    assert f"<{base()['id']}/module/1/outcome/2>" in {str(t.subject) for t in a.triples}


def test_json_with_our_context_is_the_json_ld_it_claims() -> None:
    """Processed as JSON-LD with ontology/context.jsonld, a document (all ids given) yields the same
    facts our reader makes, less the rdf:type statements JSON-LD cannot infer."""
    doc = base()
    for i, m in enumerate(doc["modules"]):
        m["id"] = f"{doc['id']}/module/{i + 1}"
        for j, o in enumerate(m["learningOutcomes"]):
            o["id"] = f"{m['id']}/outcome/{j + 1}"
    ours = {t for t in read_bytes(to_json(doc), "c.json").stored_triples()
            if t.predicate.value != "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"}
    context = json.loads((data_dir("ontology") / "context.jsonld").read_text())["@context"]
    as_ld = set(ox.parse(json.dumps({"@context": context, **doc}).encode(), format=ox.RdfFormat.JSON_LD))
    assert {ox.Triple(t.subject, t.predicate, t.object) for t in as_ld} == ours
    with_iri = read_bytes(json.dumps({"@context": CONTEXT_IRI, **doc}).encode(), "c.jsonld")
    assert set(with_iri.stored_triples()) >= ours


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SubmissionError, match="cannot read the file"):
        read_submission(tmp_path / "nope.json")


def test_the_json_ld_context_defines_every_key_as_the_field_table_does() -> None:
    from aiskills.submission import fields

    context = json.loads((data_dir("ontology") / "context.jsonld").read_text())["@context"]
    assert {k: context.get(k) for k in fields.context_terms()} == fields.context_terms()


def test_the_template_and_the_readme_name_the_columns_the_field_table_gives() -> None:
    from aiskills.submission import fields

    template = (data_dir("ontology") / "templates" / "curriculum-template.csv").read_text(encoding="utf-8")
    assert tuple(template.splitlines()[0].split(",")) == fields.TABLE_COLUMNS
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert ", ".join(fields.TABLE_COLUMNS).replace("module_title, ", "module_title,\n   ") in readme


def test_every_field_of_the_table_reaches_the_curriculum_from_json_and_from_csv_alike() -> None:
    """Each column-carrying field, set in JSON and in CSV, gives the same stored facts."""
    from aiskills.submission import fields

    doc = base()
    doc["modules"][0]["id"] = f"{doc['id']}/module/one"
    doc["modules"][0]["learningOutcomes"][0]["id"] = f"{doc['id']}/outcome/one"
    from_json = set(read_bytes(to_json(doc), "c.json").stored_triples())
    from_csv = set(read_bytes(to_csv(doc), "c.csv").stored_triples())
    assert from_json == from_csv
    said = {t.predicate.value for t in from_json}
    for f in fields.FIELDS:
        term = f.term if isinstance(f.term, str) else f.term["@id"]
        if f.column and term != "@id":
            prefix, local = term.split(":")
            iri = {"dct": "http://purl.org/dc/terms/", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
                   "ais": "https://w3id.org/aiskills/ontology#"}[prefix] + local
            assert iri in said, f"{f.key} ({f.column}) reached no stored fact"


def test_rows_are_numbered_as_the_spreadsheet_shows_them_with_blank_rows_above_the_header() -> None:
    """Two blank rows above the header (as exports and hand-made sheets have): the third outcome's
    row is the sheet's row 6, in CSV and in XLSX, where it was reported as row 4."""
    import io

    from openpyxl import load_workbook

    csv_text = "\n,,,\n" + to_csv(base()).decode()
    found = read_bytes(csv_text.encode(), "c.csv").sources.find(f"<{base()['id']}/module/2/outcome/1>")
    assert str(found) == "row 6"
    book = load_workbook(io.BytesIO(to_xlsx(base())))
    book.active.insert_rows(1, 2)
    found = read_bytes(_save(book), "c.xlsx").sources.find(f"<{base()['id']}/module/2/outcome/1>")
    assert str(found) == "row 6"
    missing = b"\n\ncurriculum_id,title\nx,y\n"
    assert "c.csv: row 3: missing column(s)" in _error(missing, "c.csv")


@pytest.mark.parametrize(("data", "name", "says"), [
    # a spreadsheet set to a region whose list separator is ';', with a column misnamed: the ';' is
    # the cause named (a ';' file with every column is read: test_regional_and_tab_separated_exports_are_read)
    (to_csv(base()).replace(b",", b";").replace(b"bloom_level", b"bloom"), "c.csv", "separates its columns with ';'"),
    # the same column twice: the second would be left unread
    (to_csv(base()).replace(b"bloom_level", b"bloom_level,bloom_level", 1), "c.csv",
     "row 1: the header names bloom_level more than once"),
    # a cell past the CSV reader's limit: its row and line, and how long a cell may be
    (to_csv(base()) + b'x,y,"' + b"z" * 200_000 + b'"\n', "c.csv", "row 5 (line 5): is not valid CSV"),
    # a quote left open swallows the rows after it into one cell: refused at the row it opens in
    (to_csv(base()).replace(b"\n", b'\n"', 2).replace(b'\n"', b"\n", 1), "c.csv", "row 3 (line 4): is not valid CSV: unexpected end of data"),
    # UTF-16 with and without its byte-order mark (PowerShell's Out-File, Excel's 'Unicode text')
    (to_csv(base()).decode().encode("utf-16"), "c.csv", "is UTF-16 text"),
    (to_csv(base()).decode().encode("utf-16-le"), "c.csv", "is UTF-16 text"),
    # a column name nearly right
    (to_csv(base()).replace(b"aligned_capabilities", b"aligned_capability", 1), "c.csv",
     "rename 'aligned_capability' to aligned_capabilities"),
])
def test_sloppy_exports_get_an_error_that_names_the_cause(data: bytes, name: str, says: str) -> None:
    message = _error(data, name)
    assert says in message, message
    if "field limit" in message:
        assert "shorten the cell" in message
    elif "not valid CSV" in message:
        assert "close the quote" in message


@pytest.mark.parametrize(("change", "says"), [
    (lambda d: d.update(title={"en": "x"}), "c.json: $.title: is an object, where a text or a number goes"),
    (lambda d: d["modules"][0]["learningOutcomes"][0].update(statement=["a", "b"]),
     "$.modules[0].learningOutcomes[0].statement: is a list"),
    (lambda d: d["modules"][0]["learningOutcomes"][0].update(alignedTo=[None, "6-03"]),
     "$.modules[0].learningOutcomes[0].alignedTo[0]: is null"),
    (lambda d: d["modules"][0]["learningOutcomes"][0].update(alignedTo=[{"a": 1}]),
     "alignedTo[0]: is an object"),
])
def test_json_of_the_wrong_type_is_refused_at_its_path(change, says: str) -> None:  # type: ignore[no-untyped-def]
    """A value where text goes that is an object or a list (or a null in a list) is an error at its
    JSON path, where it was written into the curriculum as Python's text of it (or dropped)."""
    doc = base()
    change(doc)
    message = _error(to_json(doc), "c.json")
    assert says in message, message
    assert "write the value as text" in message


def test_header_names_are_read_in_any_case_with_spaces_in_csv_and_xlsx() -> None:
    """A spreadsheet's column titles (``Aligned capabilities``, ``Outcome-Statement``) name the
    columns as the template does, and the fill finds its column by the same reading."""
    from aiskills.suggestions import outcomes as so
    from aiskills.suggestions.fill import fill

    plain = read_bytes(to_csv(base()), "c.csv")
    titled = to_csv(base()).replace(b"aligned_capabilities", b"Aligned capabilities", 1)
    titled = titled.replace(b"outcome_statement", b"Outcome-Statement", 1)
    read = read_bytes(titled, "c.csv")
    assert sorted(map(str, read.triples)) == sorted(map(str, plain.triples))
    last = so.outcomes(read)[-1]
    again = read_bytes(fill(titled, read, {last.key: ["3.2-09"]}, {"3.2-09"}), "c.csv")
    assert "3.2-09" in so.outcomes(again)[-1].aligned


def test_an_untyped_turtle_outcome_is_checked_as_one_and_integer_hours_are_a_number() -> None:
    """Modules and outcomes left untyped (their type follows from ais:hasModule and
    ais:hasLearningOutcome) had been checked by no rule and the file said to conform; hours written
    `5` in Turtle (an xsd:integer) had been "not a number"."""
    from aiskills.validation.engine import validator_for

    ttl = turtle_with_one_outcome(  # neither typed; the hours an xsd:integer
        "ais:notionalHours 5",
        'ais:statement "Explain why data quality matters for AI models" ; '
        "ais:bloomLevel <https://w3id.org/aiskills/id/bloom/understand> ; "
        "ais:alignedTo <https://w3id.org/aiskills/id/capability/9-99>",
    )
    report = validator_for(None).validate(read_bytes(ttl, "c.ttl"))
    assert [r.rule for r in report.results if r.severity.value == "violation"] == ["unknown-capability"]


def test_blank_rows_above_a_title_do_not_use_up_the_search_for_the_header() -> None:
    """The separator and the sheet were looked for in a file's first 21 rows, the header within 20 of
    its first row that is not blank: a ';' file or a workbook with a Notes sheet whose table sat below
    blank rows and a title was refused, where the same file with commas or one sheet was read."""
    rows = list(csv.reader(io.StringIO(to_csv(base()).decode())))
    text = io.StringIO()
    csv.writer(text, delimiter=";").writerows([[]] * 5 + [["Module outcomes"]] + [[]] * 15 + rows)
    found = read_bytes(text.getvalue().encode(), "c.csv")
    assert found.layout is not None and (found.layout.delimiter, found.layout.header_row) == (";", 22)
    book = load_workbook(io.BytesIO(to_xlsx(base())))
    book.active.insert_rows(1, 21)
    book.active["A6"] = "Module outcomes"
    book.create_sheet("Notes", 0).append(["Read me first"])
    found = read_bytes(_save(book), "c.xlsx")
    assert found.layout is not None and found.layout.header_row == 22


def test_a_repeated_header_row_is_named_as_such() -> None:
    """It had been read as a row starting a second curriculum (its curriculum_id cell says so)."""
    text = to_csv(base()).decode()
    header = text.splitlines()[0]
    said = _error((text + header + "\n").encode(), "c.csv")
    assert "row 5: repeats the header row (row 1)" in said and "delete the repeated header" in said


def test_dot_codes_stay_one_segment_of_their_iri() -> None:
    """A module or outcome code `.` or `..` had made a dot-segment, which IRI resolution removes."""
    doc = base()
    doc["modules"][0]["id"] = ".."
    doc["modules"][0]["learningOutcomes"][0]["id"] = "."
    found = read_bytes(to_csv(doc), "c.csv")
    subjects = {t.subject.value for t in found.triples if t.predicate.value.endswith("/identifier")}
    assert subjects == {f"{doc['id']}/module/%2E%2E", f"{doc['id']}/module/%2E%2E/outcome/%2E"}
