"""Readers for every submission format: JSON (and JSON-LD with our context), CSV, XLSX, and RDF.

A file that cannot be read at all raises ``SubmissionError`` with the place (line and column, row,
JSON path) and the fix; anything readable becomes a ``Submission`` for the SHACL shapes to judge.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from aiskills import namespaces as ns
from aiskills.cells import column_name, header_fix
from aiskills.errors import InputError
from aiskills.rdf import parse_triples
from aiskills.resources import data_dir
from aiskills.submission import fields
from aiskills.submission import model as m
from aiskills.submission.build import CurriculumIn, ModuleIn, OutcomeIn, Val, build
from aiskills.submission.model import Location, SourceMap, Submission, TableLayout

CONTEXT_IRI = "https://w3id.org/aiskills/context.jsonld"
TABLE_COLUMNS = fields.TABLE_COLUMNS  # the header row of a CSV or XLSX curriculum
TABLE_SHEET = "curriculum"
RDF_EXTENSIONS = {
    ".ttl": ("turtle", ox.RdfFormat.TURTLE),
    ".nt": ("ntriples", ox.RdfFormat.N_TRIPLES),
    ".rdf": ("rdfxml", ox.RdfFormat.RDF_XML),
    ".owl": ("rdfxml", ox.RdfFormat.RDF_XML),
    ".xml": ("rdfxml", ox.RdfFormat.RDF_XML),
}
EXTENSIONS = (".json", ".jsonld", ".csv", ".xlsx", *RDF_EXTENSIONS)
MAX_BYTES = 10 * 1024 * 1024  # a submission larger than this is refused before it is read
MAX_XLSX_UNPACKED = 100 * 1024 * 1024  # what an XLSX may unpack to (zip bombs)


class SubmissionError(InputError):
    """The file cannot be read as a curriculum; nothing was validated or stored."""


def read_submission(path: Path, max_bytes: int = MAX_BYTES) -> Submission:
    """Read a curriculum file of any supported format (chosen by its extension); a file over
    ``max_bytes`` is refused before it is read into memory."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise SubmissionError(
                f"the file is {size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB",
                source=str(path),
                fix="split the curriculum or remove what is not part of it",
            )
        data = path.read_bytes()
    except OSError as exc:
        raise SubmissionError(f"cannot read the file: {exc.strerror}", source=str(path)) from None
    return read_bytes(data, path.name, max_bytes)


def read_bytes(data: bytes, name: str, max_bytes: int = MAX_BYTES) -> Submission:
    """Read a curriculum from ``data``; ``name`` (a file name) gives the format and names the source."""
    if len(data) > max_bytes:
        raise SubmissionError(
            f"the file is {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB",
            source=name,
            fix="split the curriculum or remove what is not part of it",
        )
    ext = Path(name).suffix.lower()
    if ext not in EXTENSIONS:
        raise SubmissionError(
            f"the extension {ext or '(none)'!r} is not a curriculum format",
            source=name,
            fix=format_advice(ext),
        )
    if not data.strip():
        raise SubmissionError("the file is empty", source=name, fix="export the curriculum again")
    if ext == ".xlsx":
        rows, sheet = _xlsx_rows(data, name)
        return _read_table(rows, name, "xlsx", data, TableLayout(sheet, 0))
    text = _utf8(data, name)
    if ext == ".csv":
        delimiter = csv_delimiter(text)
        return _read_table(
            _csv_rows(text, name, delimiter), name, "csv", data, TableLayout(None, 0, delimiter)
        )
    if ext in (".json", ".jsonld"):
        return _read_json(text, name, data)
    fmt_name, fmt = RDF_EXTENSIONS[ext]
    return _read_rdf(data, text, name, fmt_name, fmt)


#: What to do with a file of a kind this tool does not read, by its extension: the export to make
#: instead, in the program that made it.
FORMAT_ADVICE = {
    ".ods": "save it from LibreOffice or OpenOffice as 'Excel 2007-365 (.xlsx)', or as 'Text CSV' with "
    "the character set Unicode (UTF-8)",
    ".xls": "open it in Excel and save it as 'Excel Workbook (.xlsx)' or 'CSV UTF-8 (Comma delimited)'",
    ".xlsb": "open it in Excel and save it as 'Excel Workbook (.xlsx)'",
    ".numbers": "export it from Numbers as Excel (.xlsx) or CSV",
    ".txt": "Excel's 'Unicode Text' and 'Text (Tab delimited)' are not read: save it as 'CSV UTF-8 (Comma "
    "delimited)' or as 'Excel Workbook (.xlsx)'",
    ".tsv": "save it as 'CSV UTF-8 (Comma delimited)' or as 'Excel Workbook (.xlsx)'",
    ".docx": "a curriculum is read from a table, one row per learning outcome: put it in the curriculum "
    "template (CSV or XLSX), or write it as JSON",
    ".pdf": "a curriculum is read from a table, one row per learning outcome: put it in the curriculum "
    "template (CSV or XLSX), or write it as JSON",
}


def format_advice(ext: str) -> str:
    """How to make a file this tool reads from one with extension ``ext`` (``.ods``, ``.xls``, …)."""
    known = "a curriculum is read from .json, .jsonld, .csv, .xlsx, .ttl, .nt or .rdf"
    advice = FORMAT_ADVICE.get(ext.lower())
    return f"{advice} ({known})" if advice else f"use one of those: {known}"


def _utf8(data: bytes, name: str) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4096] and _utf16_like(data[:4096]):
        raise SubmissionError(
            "the file is UTF-16 text (as Windows tools such as PowerShell or Excel's 'Unicode Text' export "
            "write it), not UTF-8",
            source=name,
            fix="save the file with UTF-8 encoding (Excel: 'CSV UTF-8 (Comma delimited)'; a text editor: "
            "encoding UTF-8)",
        )
    if b"\x00" in data[:4096]:
        raise SubmissionError(
            "the file is binary, not text",
            source=name,
            fix="submit the curriculum as JSON, CSV, XLSX or RDF text",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        seen = data[exc.start : exc.start + 1].decode("cp1252", errors="replace")
        raise SubmissionError(
            f"the file is not UTF-8 text: byte {exc.start} ({seen!r} in Windows-1252, the encoding of "
            "Excel's plain 'CSV (Comma delimited)' and of curly quotes pasted from Word)",
            source=name,
            place=f"line {line}",
            fix="save the file with UTF-8 encoding: in Excel, 'CSV UTF-8 (Comma delimited)'; in LibreOffice, "
            "tick 'Edit filter settings' and choose Unicode (UTF-8); a text editor: encoding UTF-8",
        ) from None


def _utf16_like(head: bytes) -> bool:
    """Whether text without a byte-order mark looks like UTF-16: every other byte a zero."""
    return head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4


# -- JSON ------------------------------------------------------------------------------------------


def _read_json(text: str, name: str, data: bytes) -> Submission:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SubmissionError(
            f"is not valid JSON: {exc.msg}",
            source=name,
            place=f"line {exc.lineno}, column {exc.colno}",
            fix="correct the JSON there",
        ) from None
    except RecursionError:
        raise SubmissionError(
            "the JSON is nested too deeply",
            source=name,
            fix="a curriculum nests only curriculum → modules → learningOutcomes",
        ) from None
    if not isinstance(doc, dict):
        raise SubmissionError(
            f"the JSON is {type(doc).__name__ if doc is not None else 'null'}, not an object",
            source=name,
            place="$",
            fix='the file must hold one curriculum object: {"id": …}',
        )
    context = doc.get("@context")
    if context is not None and not _is_our_context(context):
        raise SubmissionError(
            "has an @context other than ours",
            source=name,
            place="$['@context']",
            fix=f'remove @context or set it to "{CONTEXT_IRI}"; other JSON-LD: '
            "convert it to Turtle in our terms",
        )
    return build(_curriculum(doc, name), name, "json", data)


def _is_our_context(context: object) -> bool:
    """Our context by IRI, inline, or as the only entry of a list (never fetched from anywhere)."""
    if isinstance(context, list) and len(context) == 1:
        context = context[0]
    if context == CONTEXT_IRI:
        return True
    ours = json.loads((data_dir("ontology") / "context.jsonld").read_text(encoding="utf-8"))["@context"]
    return bool(context == ours)


def _jv(obj: dict[str, object], key: str, path: str, name: str) -> Val | None:
    if key not in obj or obj[key] is None:
        return None
    return Val(_scalar(obj[key], f"{path}.{key}", name), Location(json_path=f"{path}.{key}"))


def _scalar(value: object, place: str, name: str) -> object:
    """A field's value as JSON gives it: text, a number or true/false; an object, a list (where one
    value goes) or null (in a list) is refused, not written into the curriculum as Python's text."""
    if isinstance(value, (str, int, float, bool)):
        return value
    kind = {dict: "an object", list: "a list", type(None): "null"}.get(type(value), type(value).__name__)
    raise SubmissionError(
        f"is {kind}, where a text or a number goes", source=name, place=place, fix="write the value as text"
    )


def _list(obj: dict[str, object], key: str, path: str, name: str) -> list[object]:
    value = obj.get(key)
    if value is None:
        return []
    if isinstance(value, str) and key in fields.LIST_KEYS:
        return [p.strip() for p in value.split(";") if p.strip()]
    if isinstance(value, (int, float)) and key in fields.LIST_KEYS:
        return [value]
    if not isinstance(value, list):
        raise SubmissionError(
            f"{key} must be a list", source=name, place=f"{path}.{key}", fix=f'write "{key}": [ … ]'
        )
    return value


def _object(value: object, path: str, name: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise SubmissionError("must be an object", source=name, place=path, fix="write { … } for each item")
    return value


def _json_fields(item: object, owner: fields.Owner, obj: dict[str, object], path: str, name: str) -> None:
    """Set ``item``'s attributes from ``obj`` as the field table says (lists keep each value's place)."""
    for f in fields.of(owner):
        if f.many:
            values = [
                Val(_scalar(v, f"{path}.{f.key}[{i}]", name), Location(json_path=f"{path}.{f.key}[{i}]"))
                for i, v in enumerate(_list(obj, f.key, path, name))
            ]
            setattr(item, f.attr, values)
        else:
            setattr(item, f.attr, _jv(obj, f.key, path, name))


def _curriculum(doc: dict[str, object], name: str) -> CurriculumIn:
    spec = CurriculumIn(Location(json_path="$"))
    _json_fields(spec, "curriculum", doc, "$", name)
    provider = doc.get(fields.PROVIDER.key)
    where = f"$.{fields.PROVIDER.key}"
    if isinstance(provider, dict):
        _json_fields(spec, "provider", provider, where, name)
        spec.provider_loc = Location(json_path=where)
    elif isinstance(provider, str):
        spec.provider_id = Val(provider, Location(json_path=where))
    for i, raw in enumerate(_list(doc, fields.MODULES.key, "$", name)):
        path = f"$.{fields.MODULES.key}[{i}]"
        module = ModuleIn(Location(json_path=path))
        mod = _object(raw, path, name)
        _json_fields(module, "module", mod, path, name)
        for j, rawo in enumerate(_list(mod, fields.OUTCOMES.key, path, name)):
            opath = f"{path}.{fields.OUTCOMES.key}[{j}]"
            outcome = OutcomeIn(Location(json_path=opath))
            _json_fields(outcome, "outcome", _object(rawo, opath, name), opath, name)
            module.outcomes.append(outcome)
        spec.modules.append(module)
    return spec


# -- CSV and XLSX ----------------------------------------------------------------------------------


#: How far down a sheet the header may be (title rows, notes above the table).
HEADER_SEARCH = 20


def csv_delimiter(text: str) -> str:
    """The field separator of a CSV export: ``,``, or ``;`` (a spreadsheet set to a region with a
    decimal comma) or a tab, when one of those, and not the comma, splits a row near the top into
    every column a curriculum table needs."""
    for delimiter in (",", ";", "\t"):
        head: list[Sequence[object]] = []
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            head.extend(_head(reader))
        except csv.Error:  # the rows before a bad one still tell; the reading proper names the bad one
            pass
        if _names_every_column(head):
            return delimiter
    return ","


def _head(rows: Iterable[Sequence[object]]) -> Iterator[Sequence[object]]:
    """The rows where a header may be, as ``header_index`` looks for it: from the first row that is not
    blank, ``HEADER_SEARCH`` more (blank rows above a table do not use up the search)."""
    started = 0
    for row in rows:
        started += started > 0 or any(str(c or "").strip() for c in row)
        if started:
            yield row
        if started > HEADER_SEARCH:
            return


def header_index(rows: Sequence[Sequence[object]]) -> int | None:
    """The index in ``rows`` of the table's header: the first row that is not blank, or, when that one
    lacks a column, the first of the next ``HEADER_SEARCH`` rows that names them all (a title, a note
    or a merged banner above the table is not part of it). None when every row is blank."""
    top = next((i for i, r in enumerate(rows) if any(str(c or "").strip() for c in r)), None)
    if top is None:
        return None
    for i in range(top, min(len(rows), top + HEADER_SEARCH + 1)):
        if all(c in [column_name(h) for h in rows[i]] for c in TABLE_COLUMNS):
            return i
    return top


def _csv_rows(text: str, name: str, delimiter: str = ",") -> list[list[str]]:
    """The file's records, blank ones included: records[i] is the spreadsheet's row i + 1 (a quoted
    cell may hold line breaks, and is still one row)."""
    # strict: a quote left open (or text after a closing quote) is an error at its row, where the
    # lenient reader swallowed the rows after it into one cell and the file still conformed
    reader = csv.reader(io.StringIO(text, newline=""), strict=True, delimiter=delimiter)
    records: list[list[str]] = []
    try:
        records.extend(reader)  # the records before a bad one stay: they number its row
    except csv.Error as exc:
        too_long = "field larger than field limit" in str(exc)
        raise SubmissionError(
            f"is not valid CSV: {exc}",
            source=name,
            place=f"row {len(records) + 1} (line {reader.line_num})",
            fix=f"shorten the cell to at most {csv.field_size_limit():,} characters"
            if too_long
            else 'close the quote of the cell that opens one in that row (a quote inside a quoted cell is written ""), '
            "or export it again as CSV (UTF-8)",
        ) from None
    return records


def _check_workbook(data: bytes, name: str) -> None:
    """Refuse zip bombs and macro-enabled workbooks before openpyxl unpacks anything."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SubmissionError(
            f"is not a readable XLSX workbook ({exc})",
            source=name,
            fix="save it from your spreadsheet program as .xlsx",
        ) from None
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_XLSX_UNPACKED:
        raise SubmissionError(
            f"the workbook unpacks to {unpacked / 1e6:.0f} MB, more than a curriculum needs",
            source=name,
            fix="save only the curriculum sheet, as values",
        )
    if any(m.filename.lower().endswith("vbaproject.bin") for m in members):
        raise SubmissionError(
            "the workbook contains macros",
            source=name,
            fix="save it as a plain .xlsx workbook without macros",
        )


def _xlsx_rows(data: bytes, name: str) -> tuple[list[list[str]], str]:
    from openpyxl import load_workbook

    _check_workbook(data, name)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
        raise SubmissionError(
            f"is not a readable XLSX workbook ({exc})",
            source=name,
            fix="save it from your spreadsheet program as .xlsx",
        ) from None
    formulas: dict[tuple[int, int], str] = {}  # (row, column), 1-based → the formula's text
    try:
        sheet = book[choose_sheet(book, name)]
        rows: list[list[str]] = []
        for row in sheet.iter_rows():
            number = next((r for c in row if (r := getattr(c, "row", None)) is not None), None)
            while number is not None and len(rows) < number - 1:  # rows the reader skipped: blank
                rows.append([])
            cells = []
            for c in row:
                at = _position(c)
                if getattr(c, "data_type", None) == "f" and at is not None:
                    formulas[at] = str(getattr(c, "value", ""))
                    cells.append("")
                else:
                    value = getattr(c, "value", None)
                    cells.append("" if value is None else _cell(value))
            rows.append(cells)
        title = sheet.title
    finally:
        book.close()
    if formulas:
        _formula_values(data, name, title, formulas, rows)
    return rows, title  # rows[i] is the sheet's row i + 1, as the spreadsheet numbers it


def _formula_values(
    data: bytes, name: str, sheet: str, formulas: dict[tuple[int, int], str], rows: list[list[str]]
) -> None:
    """The values a spreadsheet program saved for the formula cells (Excel and LibreOffice save each
    formula's last result beside it), put in ``rows``; a formula with no saved value (a file a
    program wrote without calculating it) is refused at its cell."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    saved: dict[tuple[int, int], object] = {}
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        for row in book[sheet].iter_rows():
            for c in row:
                at = _position(c)
                if at in formulas:
                    value = getattr(c, "value", None)
                    # a text result saved empty (Excel writes t="str" and an empty <v>: =IF(…,"",…)) is
                    # text, not a missing value
                    saved[at] = "" if value is None and getattr(c, "data_type", None) == "str" else value
    finally:
        book.close()
    for (r, col), text in sorted(formulas.items()):
        value = saved.get((r, col))
        if value is None:
            raise SubmissionError(
                f"the cell holds a formula ({text[:40]}) with no saved value",
                source=name,
                place=f"row {r}, column {get_column_letter(col)}",
                fix="open the file in Excel or LibreOffice and save it (they save each formula's value), "
                "or paste the cells as values",
            )
        rows[r - 1][col - 1] = _cell(value)


def _position(cell: object) -> tuple[int, int] | None:
    """A cell's (row, column), 1-based; None for the padding cells a read-only sheet gives."""
    row, column = getattr(cell, "row", None), getattr(cell, "column", None)
    return (row, column) if isinstance(row, int) and isinstance(column, int) else None


def choose_sheet(book: Any, name: str) -> str:
    """The sheet of a workbook that holds the curriculum: the one named ``curriculum``, else the only
    sheet, else the only one with the table's header near its top (a workbook with the outcomes on a
    sheet of its own among others)."""
    if TABLE_SHEET in book.sheetnames:
        return TABLE_SHEET
    if len(book.sheetnames) == 1:
        return str(book.sheetnames[0])
    tables = [
        ws.title for ws in book.worksheets if _names_every_column(list(_head(ws.iter_rows(values_only=True))))
    ]
    if len(tables) == 1:
        return str(tables[0])
    which = f"sheets {', '.join(map(repr, tables))} each hold" if tables else "no sheet holds"
    raise SubmissionError(
        f"has several sheets ({', '.join(book.sheetnames)}) and {which} a curriculum table's header",
        source=name,
        fix=f"name the sheet with the outcomes {TABLE_SHEET!r}",
    )


def _names_every_column(rows: Sequence[Sequence[object]]) -> bool:
    return any(all(c in [column_name(h) for h in row] for c in TABLE_COLUMNS) for row in rows)


def _cell(v: object) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _read_table(
    rows: Sequence[Sequence[str]], name: str, fmt: str, data: bytes, layout: TableLayout
) -> Submission:
    """The curriculum of a table whose ``rows[i]`` is the spreadsheet's row ``i + 1``: the header is
    the first row that is not blank, or the first below it (within ``HEADER_SEARCH`` rows) that names
    every column, and every place named is the row the spreadsheet shows. ``layout``: the sheet and
    separator it was read with; the header's row is set here."""
    top = header_index(rows)
    if top is None:
        raise SubmissionError("has no header row", source=name, fix="start from the template's header row")
    header = [column_name(h) for h in rows[top]]
    missing = [c for c in TABLE_COLUMNS if c not in header]
    if missing:
        raise SubmissionError(
            f"missing column(s): {', '.join(missing)}",
            source=name,
            place=f"row {top + 1}",
            fix=header_fix(rows, top, TABLE_COLUMNS, missing),
        )
    twice = [c for c in TABLE_COLUMNS if header.count(c) > 1]
    if twice:
        raise SubmissionError(
            f"the header names {', '.join(twice)} more than once",
            source=name,
            place=f"row {top + 1}",
            fix="keep one column of each name (the others would be left unread)",
        )
    col = {c: header.index(c) for c in TABLE_COLUMNS}
    spec: CurriculumIn | None = None
    module: ModuleIn | None = None
    for n, cells in enumerate(rows[top + 1 :], start=top + 2):

        def v(c: str, n: int = n, cells: Sequence[str] = cells) -> Val | None:
            i = col[c]
            text = str(cells[i]).strip() if i < len(cells) and cells[i] is not None else ""
            return Val(text, Location(row=n, column=c)) if text else None

        if not any(str(c).strip() for c in cells):
            continue
        if [column_name(c) for c in cells if str(c).strip()] == [h for h in header if h]:
            raise SubmissionError(
                f"repeats the header row (row {top + 1})",
                source=name,
                place=f"row {n}",
                fix="delete the repeated header (two exports pasted one below the other?)",
            )
        if spec is None:
            spec = _table_curriculum(v, n)
        elif (cid := v("curriculum_id")) is not None and spec.id is not None and cid.text != spec.id.text:
            raise SubmissionError(
                f"starts a second curriculum ({cid.text}); a file holds one curriculum",
                source=name,
                place=f"row {n}, column curriculum_id",
                fix="put each curriculum in its own file",
            )
        module = _table_module(spec, module, v, n)
        outcome = OutcomeIn(Location(row=n))
        _table_fields(outcome, "outcome", v, n)
        module.outcomes.append(outcome)
    if spec is None:
        raise SubmissionError("has a header but no rows", source=name, fix="add one row per learning outcome")
    return dataclasses.replace(
        build(spec, name, fmt, data), layout=dataclasses.replace(layout, header_row=top + 1)
    )


Cell = Callable[[str], "Val | None"]  # a cell of the current row by column name


def _table_fields(item: CurriculumIn | ModuleIn | OutcomeIn, owner: fields.Owner, v: Cell, n: int) -> None:
    """Set ``item``'s attributes from row ``n``'s cells as the field table says, and keep each field's
    cell (``cells``), an empty one too."""
    for f in fields.of(owner):
        if f.column is not None:
            setattr(item, f.attr, _split(v(f.column)) if f.many else v(f.column))
            item.cells.setdefault(f.attr, Location(row=n, column=f.column))


def _table_curriculum(v: Cell, n: int) -> CurriculumIn:
    spec = CurriculumIn(Location(row=n))
    _table_fields(spec, "curriculum", v, n)
    _table_fields(spec, "provider", v, n)
    provider_column = next(f.column for f in fields.of("provider") if f.attr == "provider_id")
    spec.provider_loc = Location(row=n, column=provider_column)
    return spec


def _table_module(spec: CurriculumIn, module: ModuleIn | None, v: Cell, n: int) -> ModuleIn:
    new = ModuleIn(Location(row=n))
    _table_fields(new, "module", v, n)
    mid, title = new.id, new.title
    same = module is not None and (
        (mid is None and title is None)
        or (mid is not None and module.id is not None and mid.text == module.id.text)
        or (
            mid is None and title is not None and module.title is not None and title.text == module.title.text
        )
    )
    if same and module is not None:
        return module
    spec.modules.append(new)
    return new


def _split(val: Val | None) -> list[Val]:
    if val is None:
        return []
    return [Val(p.strip(), val.loc) for p in re.split(r"[;\n]", val.text) if p.strip()]


# -- RDF -------------------------------------------------------------------------------------------


def _read_rdf(data: bytes, text: str, name: str, fmt_name: str, fmt: ox.RdfFormat) -> Submission:
    import hashlib

    triples = _typed(parse_triples(data, fmt, name))
    curricula = sorted(
        {t.subject for t in triples if t.predicate == m.TYPE and t.object == m.CURRICULUM}, key=str
    )
    if not curricula:
        raise SubmissionError(
            "holds no ais:Curriculum", source=name, fix=f"type the curriculum as <{ns.AIS}Curriculum>"
        )
    if len(curricula) > 1:
        raise SubmissionError(
            f"holds {len(curricula)} curricula; a file holds one",
            source=name,
            fix="put each curriculum in its own file",
        )
    sources = SourceMap()
    for node in {t.subject for t in triples}:
        line = _line_of(text, node)
        if line:
            sources.add(node, None, Location(line=line))  # type: ignore[arg-type]
    return Submission(name, fmt_name, curricula[0], triples, sources, hashlib.sha256(data).hexdigest())  # type: ignore[arg-type]


def _typed(triples: list[ox.Triple]) -> list[ox.Triple]:
    """``triples`` with the type the ontology gives a module and a learning outcome (the ranges of
    ``ais:hasModule`` and ``ais:hasLearningOutcome``) stated where the file leaves it out: every rule
    and the suggestions find modules and outcomes by their type, and an untyped outcome had been
    checked by none of them, its file said to conform. Notional hours written as an integer are
    read as the decimal they are (``_hours_decimal``)."""
    have = set(triples)
    ranges = {m.HAS_MODULE: m.MODULE, m.HAS_OUTCOME: m.OUTCOME}
    added = [
        typed
        for t in triples
        if t.predicate in ranges
        and isinstance(t.object, (ox.NamedNode, ox.BlankNode))
        and (typed := ox.Triple(t.object, m.TYPE, ranges[t.predicate])) not in have
    ]
    return [_hours_decimal(t) for t in triples] + list(dict.fromkeys(added))


def _hours_decimal(t: ox.Triple) -> ox.Triple:
    """Notional hours written as an integer (Turtle's ``5``) as the decimal they are (``xsd:integer``
    is a kind of ``xsd:decimal``, the hours' range): the same value, which the rules read as a number."""
    o = t.object
    if t.predicate == m.HOURS and isinstance(o, ox.Literal) and o.datatype.value in _INTEGER_TYPES:
        return ox.Triple(
            t.subject, t.predicate, ox.Literal(o.value, datatype=ox.NamedNode(ns.XSD + "decimal"))
        )
    return t


_INTEGER_TYPES = {
    ns.XSD + t
    for t in ("integer", "nonNegativeInteger", "positiveInteger", "long", "int", "short", "unsignedInt")
}


def _line_of(text: str, node: ox.NamedNode | ox.BlankNode | ox.Triple) -> int | None:
    """The line where ``node`` is described: a line that starts with it as subject, else its first
    mention (as a full IRI, or as a prefixed name ``prefix:local``)."""
    if not isinstance(node, ox.NamedNode):
        return None
    local = re.split(r"[/#]", node.value)[-1]
    names = [re.escape(f"<{node.value}>")]
    if local:
        names.append(rf"[A-Za-z][\w.-]*:{re.escape(local)}(?![\w-])|(?<![\w<]):{re.escape(local)}(?![\w-])")
    pattern = "|".join(names)
    found = re.search(rf"^[ \t]*(?:{pattern})", text, re.MULTILINE) or re.search(pattern, text)
    return text.count("\n", 0, found.start()) + 1 if found else None
