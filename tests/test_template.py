"""Framework spreadsheets: import, export and the lossless round trip; bad rows named by row and column."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyoxigraph as ox
import pytest
from openpyxl import Workbook, load_workbook
from rdflib import Graph
from rdflib.compare import isomorphic

from aiskills import loading
from aiskills.errors import InputError
from aiskills.framework import bundle
from aiskills.framework.model import Framework, build_framework, capability_rows, section_codes
from aiskills.framework.template import COLUMNS, TemplateError, read_template, write_csv, write_xlsx
from aiskills.resources import framework_dir, templates_dir


def _rdflib(triples: list[ox.Triple]) -> Graph:
    return Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode(), format="nt")


def _csv(tmp_path: Path, rows: list[list[str]], name: str = "fw.csv") -> Path:
    out = io.StringIO()
    csv.writer(out).writerows([list(COLUMNS), *rows])
    path = tmp_path / name
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


GOOD = ["6.1-01", "Explain how a model learns patterns from training data.", "1", "6.1", "S;D;C;E;U", "understand", ""]


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_export_then_import_is_isomorphic(tmp_path: Path, bundled_framework: Framework, ext: str) -> None:
    """framework graph → template → framework graph gives the same graph (isomorphism)."""
    rows = capability_rows(bundled_framework.triples)
    path = tmp_path / f"fw.{ext}"
    path.write_bytes(write_csv(rows) if ext == "csv" else write_xlsx(rows))
    back = loading.import_template(path, bundle.structure())
    assert isomorphic(_rdflib(back.triples), _rdflib(bundled_framework.triples))
    assert back.version == bundled_framework.version


def test_template_round_trip_keeps_every_cell() -> None:
    """The bundled template's rows survive import and export unchanged, cell by cell."""
    struct = bundle.structure()
    rows = read_template(framework_dir() / "capabilities.csv", section_codes(struct))
    exported = capability_rows(build_framework(struct, rows, "test").triples)
    assert sorted(r.cells() for r in exported) == sorted(r.cells() for r in rows)


def test_xlsx_keeps_formula_like_text_as_text(tmp_path: Path) -> None:
    row = list(GOOD)
    row[6] = '=HYPERLINK("http://evil.example","click")'
    path = _csv(tmp_path, [row])
    fw = loading.import_template(path, bundle.structure())
    data = write_xlsx(capability_rows(fw.triples))
    (tmp_path / "out.xlsx").write_bytes(data)
    sheet = load_workbook(tmp_path / "out.xlsx")["capabilities"]
    assert sheet["G2"].value == row[6] and sheet["G2"].data_type == "s"


@pytest.mark.parametrize(("cells", "row", "column", "says"), [
    ({"level": "5"}, 3, "level", "is not a knowledge level"),
    ({"level": ""}, 3, "level", "is empty"),
    ({"domain": "7.2"}, 3, "domain", "is not a domain code"),
    ({"archetypes": "S;X"}, 3, "archetypes", "'X' is not an archetype badge"),
    ({"archetypes": ""}, 3, "archetypes", "is empty"),
    ({"bloom_level": "memorise"}, 3, "bloom_level", "is not a Bloom level"),
    ({"notation": "6.1 01"}, 3, "notation", "is not a valid notation"),
    ({"notation": "6.1-01"}, 3, "notation", "already used on row 2"),
    ({"statement": ""}, 3, "statement", "is empty"),
    ({"level": "²"}, 3, "level", "is not a knowledge level"),  # a digit to str.isdigit(), not to int()
])
def test_bad_cell_is_named_by_row_and_column(tmp_path: Path, cells: dict[str, str], row: int,
                                            column: str, says: str) -> None:
    second = dict(zip(COLUMNS, ["6.1-02", "Describe the difference between training and test data.", "1",
                                "6.1", "C;E", "understand", ""]))
    second.update(cells)
    path = _csv(tmp_path, [GOOD, [second[c] for c in COLUMNS]])
    with pytest.raises(TemplateError) as caught:
        loading.import_template(path, bundle.structure())
    problems = caught.value.problems
    assert [(p.row, p.column) for p in problems] == [(row, column)]
    assert says in problems[0].message
    assert str(path) in str(caught.value) and f"row {row}, column {column}" in str(caught.value)


def test_every_bad_row_is_reported_and_nothing_loaded(tmp_path: Path, memory_store) -> None:  # type: ignore[no-untyped-def]
    bad = [list(GOOD), ["6.1-02", "x", "9", "6.1", "S", "", ""], ["6.1-03", "y", "1", "99", "Q", "", ""]]
    path = _csv(tmp_path, bad)
    with pytest.raises(TemplateError) as caught:
        loading.load_file(memory_store, path)
    assert {(p.row, p.column) for p in caught.value.problems} == {(3, "level"), (4, "domain"), (4, "archetypes")}
    assert memory_store.graph_names() == []


@pytest.mark.parametrize(("content", "says"), [
    (b"", "the file is empty"),
    (b"notation,statement\n1-01,x\n", "missing column(s) level, domain, archetypes"),
    (b"\xff\xfe\x00b\x00a\x00d", "is not UTF-8"),
    (",".join(COLUMNS).encode() + b"\n", "no capability rows"),
])
def test_unusable_csv_gets_one_clear_error(tmp_path: Path, content: bytes, says: str) -> None:
    path = tmp_path / "fw.csv"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        loading.import_template(path, bundle.structure())
    assert says in str(caught.value) and str(path) in str(caught.value)


def test_xlsx_from_a_spreadsheet_program(tmp_path: Path) -> None:
    """Numbers typed as numbers (level 1.0) and the sheet found by name."""
    book = Workbook()
    book.active.title = "notes"
    sheet = book.create_sheet("capabilities")
    sheet.append(list(COLUMNS))
    sheet.append([GOOD[0], GOOD[1], 1.0, "6.1", "S;U", "understand", None])
    book.save(tmp_path / "fw.xlsx")
    fw = loading.import_template(tmp_path / "fw.xlsx", bundle.structure())
    (row,) = capability_rows(fw.triples)
    assert (row.notation, row.level, row.archetypes) == ("6.1-01", 1, ("shaper", "user"))


def test_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "fw.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError, match="is not a readable XLSX workbook"):
        loading.import_template(path, bundle.structure())


def test_shipped_templates_have_the_documented_header() -> None:
    with (templates_dir() / "framework-template.csv").open(encoding="utf-8") as f:
        assert next(csv.reader(f)) == list(COLUMNS)
    sheet = load_workbook(templates_dir() / "framework-template.xlsx")["capabilities"]
    assert [c.value for c in sheet[1]] == list(COLUMNS)


# -- what a spreadsheet program does to a template ----------------------------------------------------


def test_header_names_are_read_in_any_case_with_spaces(tmp_path: Path) -> None:
    """``Bloom Level`` and ``Alt Labels`` (a spreadsheet's column titles) are bloom_level and
    alt_labels: their cells are read, not dropped."""
    header = ["Notation", "Statement", "Level", "Domain", "Archetypes", "Bloom Level", "Description",
              "Alt Labels"]
    path = tmp_path / "titled.csv"
    path.write_text(",".join(header) + "\n" + ",".join([*GOOD, "model training"]) + "\n", encoding="utf-8")
    (row,) = read_template(path, section_codes(bundle.structure()))
    assert row.bloom_level == "understand" and row.alt_labels == ("model training",)


@pytest.mark.parametrize(("header", "says"), [
    ([*COLUMNS, "alt_label"], "row 1, column H (alt_label): is not a template column (rename it to alt_labels"),
    ([*COLUMNS, "Level"], "row 1, column H (Level): names level again (column C)"),
])
def test_an_unknown_or_repeated_column_is_refused_not_dropped(tmp_path: Path, header: list[str], says: str) -> None:
    path = tmp_path / "fw.csv"
    path.write_text(",".join(header) + "\n" + ",".join([*GOOD, "4"]) + "\n", encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        read_template(path, section_codes(bundle.structure()))
    assert says in str(caught.value) and str(path) in str(caught.value)


def test_a_formula_in_a_workbook_is_refused_with_its_cell(tmp_path: Path) -> None:
    """A formula's result is not stored by every program that writes XLSX (it was read as an empty
    cell, or erased a description): the cell is named and nothing is imported."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Capabilities"  # the sheet's name in any case
    sheet.append(list(COLUMNS))
    sheet.append(GOOD)
    sheet["G2"] = '="Examples: "&B2'
    path = tmp_path / "fw.xlsx"
    book.save(path)
    with pytest.raises(TemplateError) as caught:
        read_template(path, section_codes(bundle.structure()))
    assert [(p.row, p.column) for p in caught.value.problems] == [(2, "G")]
    assert "holds a formula" in str(caught.value) and "paste as values" in str(caught.value)


@pytest.mark.parametrize(("successors", "says"), [
    ({"6.1-02": "9-99"}, [(3, "'9-99' is not a capability of this file")]),
    ({"6.1-02": "6.1-02"}, [(3, "6.1-02 names itself as its successor")]),
    ({"6.1-02": "6.1-03", "6.1-03": "6.1-02"},
     [(3, "successors lead back: 6.1-02 -> 6.1-03 -> 6.1-02"), (4, "successors lead back: 6.1-03 -> 6.1-02 -> 6.1-03")]),
])
def test_a_successor_must_be_another_capability_of_the_file_and_lead_nowhere_back(
    tmp_path: Path, successors: dict[str, str], says: list[tuple[int, str]]
) -> None:
    rows = [[*GOOD, "", ""]]
    for notation in ("6.1-02", "6.1-03"):
        replaced = successors.get(notation, "")
        rows.append([notation, f"Statement {notation}.", "1", "6.1", "U", "", "", "true" if replaced else "",
                     replaced])
    path = tmp_path / "fw.csv"
    path.write_text("\n".join(",".join(r) for r in [[*COLUMNS, "deprecated", "replaced_by"], *rows]) + "\n",
                    encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        read_template(path, section_codes(bundle.structure()))
    found = [(p.row, p.column, p.message) for p in caught.value.problems]
    for (row, message), (got_row, column, got) in zip(says, found, strict=True):
        assert (got_row, column) == (row, "replaced_by") and got.startswith(message)


def test_ctids_minted_for_a_template_without_them_are_the_same_every_time(tmp_path: Path) -> None:
    """A template without the ctid column keeps the bundled framework's CTIDs, and a new capability's
    is made from the version and its notation: importing the same file twice gives the same graph."""
    rows = capability_rows(bundle.framework().triples)
    table = list(csv.reader(io.StringIO(write_csv(rows).decode("utf-8"))))
    at = table[0].index("ctid")
    path = tmp_path / "no-ctids.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerows([c for i, c in enumerate(row) if i != at] for row in table)
        writer.writerow(["6.1-99", "Explain what a foundation model is.", "1", "6.1", "U", "understand", ""]
                        + [""] * (len(table[0]) - 1 - len(COLUMNS)))
    kept = {r.notation: r.ctid for r in rows}
    first = loading.import_template(path, bundle.structure(), ctids=kept)
    second = loading.import_template(path, bundle.structure(), ctids=kept)
    again = {r.notation: r.ctid for r in capability_rows(second.triples)}
    assert {r.notation: r.ctid for r in capability_rows(first.triples)} == again
    assert {k: again[k] for k in kept} == kept and again["6.1-99"] not in kept.values()
    assert again["6.1-99"].startswith("ce-") and again["6.1-99"][17] == "4"  # a UUID v4's version digit
    other = loading.import_template(path, bundle.structure(), version="2027.1", ctids=kept)
    assert {r.notation: r.ctid for r in capability_rows(other.triples)}["6.1-99"] != again["6.1-99"]


def test_csv_export_defuses_formula_like_cells_and_reads_them_back_exactly(tmp_path: Path) -> None:
    """A statement starting with ``=`` (or a description starting with ``-``) gets a ``'`` before it
    in the CSV, as every CSV output of the tool, so a spreadsheet does not run it; importing that CSV
    gives the text back exactly (a ``'`` before a formula character in a CSV cell is that escape)."""
    row = list(GOOD)
    row[1] = '=HYPERLINK("x") is not a formula.'
    row[6] = "- a bulleted description"
    path = _csv(tmp_path, [row, ["6.1-02", "'=quoted on purpose", "1", "6.1", "U", "", "@mention"]])
    rows = read_template(path, section_codes(bundle.structure()))
    exported = write_csv(rows).decode("utf-8")
    cells = list(csv.reader(io.StringIO(exported)))
    assert cells[1][1] == "'" + row[1] and cells[1][6] == "'" + row[6] and cells[2][6] == "'@mention"
    again = tmp_path / "again.csv"
    again.write_text(exported, encoding="utf-8")
    back = read_template(again, section_codes(bundle.structure()))
    assert [r.cells() for r in back] == [r.cells() for r in rows]
    assert back[1].statement == rows[1].statement == "=quoted on purpose"  # a CSV's ' before = is the escape


@pytest.mark.parametrize(("content", "says"), [
    # blank rows above the header: read, and rows numbered as the spreadsheet shows them
    ("\n\n" + ",".join(COLUMNS) + "\n" + ",".join(GOOD[:2]) + ",9," + ",".join(GOOD[3:]) + "\n",
     "row 4, column level: '9' is not a knowledge level"),
    # a title above the header: where the header is, and what to delete
    ("Our framework,,\n\n" + ",".join(COLUMNS) + "\n" + ",".join(GOOD) + "\n",
     ("row 1: missing column(s) notation, statement, level, domain, archetypes (the header is row 3: delete "
      "the rows above it (row 1 to 2)")),
    # a spreadsheet set to a region whose list separator is ';'
    (";".join(COLUMNS) + "\n" + ";".join(GOOD) + "\n", "separates its columns with ';'"),
])
def test_spreadsheet_exports_as_they_come_are_read_or_refused_with_the_cause(tmp_path: Path, content: str,
                                                                           says: str) -> None:
    """The framework template gets the same reading of spreadsheet exports as a curriculum: it read
    row 1 as the header whatever it held, and named no cause."""
    path = tmp_path / "fw.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_template(path, section_codes(bundle.structure()))
    assert says in str(caught.value), str(caught.value)
