"""A curriculum file written back in its own format with chosen alignments added to its outcomes, and
alignments the report flagged removed when the designer chose so (a choice ``-CODE``).

Only the alignments change: a CSV or XLSX gets the codes appended to (or taken out of) the outcome's
``aligned_capabilities`` cell, a JSON file the outcome's ``alignedTo`` list, a Turtle or N-Triples
file one ``ais:alignedTo`` triple per choice at its end; an RDF file with a removal, and RDF/XML, is
parsed and written again.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from aiskills import namespaces as ns
from aiskills.cells import column_name
from aiskills.errors import InputError
from aiskills.submission.model import Submission, TableLayout
from aiskills.suggestions.outcomes import Outcome, outcomes

ALIGNED_COLUMN = "aligned_capabilities"
_PATH = re.compile(r"\$\.modules\[(\d+)\]\.learningOutcomes\[(\d+)\]$")
#: The most rows a workbook's sheet may run to for its alignments to be filled in.
MAX_FILL_ROWS = 50_000
#: What a capability's code looks like (``6.1-03``, ``1-01``): nothing else is written into a file.
_NOTATION = re.compile(r"\d+(?:\.\d+)*-\d+")


def fill(
    data: bytes, submission: Submission, choices: Mapping[str, Sequence[str]], known: Collection[str]
) -> bytes:
    """``data`` (the file ``submission`` was read from) with the notations in ``choices`` (``Outcome.key``
    → notations) added to those outcomes, and those written ``-CODE`` taken out of them (a code the
    outcome does not have is refused); codes already there are kept once. ``known``: the codes of
    the framework's capabilities in use; any other is refused, as is a choice naming no outcome of the
    file or no choice at all."""
    by_node = {o.key: o for o in outcomes(submission)}
    chosen = {
        node: [c for c in dict.fromkeys(codes) if c] for node, codes in choices.items() if node in by_node
    }
    removed = {node: [c[1:] for c in codes if c.startswith("-")] for node, codes in chosen.items()}
    chosen = {node: [c for c in codes if not c.startswith("-")] for node, codes in chosen.items()}
    if not any(choices.values()):
        raise InputError(
            "no suggestion was ticked, so there is nothing to fill in",
            source=submission.source,
            fix="tick the suggestions to add on the report, then download",
        )
    odd = [c for codes in [*chosen.values(), *removed.values()] for c in codes if not _NOTATION.fullmatch(c)]
    if odd:  # a form can be sent with anything in it: only capability codes go into the file
        raise InputError(
            f"{odd[0][:40]!r} is not a capability code",
            source=submission.source,
            fix="choose suggestions from the report of this same file",
        )
    absent = [c for codes in chosen.values() for c in codes if c not in known]
    if absent:
        raise InputError(
            f"{absent[0]} is not a capability of the framework in use",
            source=submission.source,
            fix="choose suggestions from the report of this same file, validated again",
        )
    unknown = [node for node in choices if node not in by_node]
    if unknown:
        raise InputError(
            f"no learning outcome {unknown[0]} in the file",
            source=submission.source,
            fix="choose suggestions from the report of this same file",
        )
    for node, codes in removed.items():
        absent = [c for c in codes if not any(_same(a, c) for a in by_node[node].aligned)]
        if absent:
            raise InputError(
                f"{absent[0]} is not among the alignments of learning outcome {node}, so it cannot be removed",
                source=submission.source,
                fix="choose from the report of this same file",
            )
    edits = {node: Edit(chosen.get(node, []), removed.get(node, [])) for node in chosen}
    fmt = submission.format
    if fmt in ("csv", "xlsx"):
        return _table(data, submission, by_node, edits)
    if fmt in ("json", "jsonld"):
        return _json(data, submission, by_node, edits)
    return _rdf(data, submission, by_node, edits)


@dataclass(frozen=True)
class Edit:
    """What changes in one outcome's alignments: codes added, codes removed."""

    add: list[str]
    remove: list[str]

    def __bool__(self) -> bool:
        return bool(self.add or self.remove)

    def applied(self, have: Sequence[str]) -> list[str]:
        """``have`` (as the file gives them) without the removed codes, then the added ones, each once."""
        kept = [h for h in have if not any(_same(h, c) for c in self.remove)]
        return list(dict.fromkeys([*kept, *self.add]))


def _same(given: str, code: str) -> bool:
    """Whether an alignment as a file gives it (a notation or the capability's IRI) is ``code``."""
    given = given.strip()
    return given.casefold() == code.casefold() or given == ns.capability_iri(code)


def _merged(existing: str, edit: Edit) -> str:
    have = [p.strip() for p in re.split(r"[;\n]", existing) if p.strip()]
    return "; ".join(edit.applied(have))


def _aligned_column(header: Sequence[object]) -> int:
    """The index of the ``aligned_capabilities`` column in the header row (the one the reader took:
    ``Submission.layout``)."""
    return [column_name(h) for h in header].index(ALIGNED_COLUMN)


def _layout(submission: Submission) -> TableLayout:
    if submission.layout is None:  # read by readers.read_bytes, which sets it for every table
        raise ValueError(f"{submission.source} was not read as a table")
    return submission.layout


def _table(
    data: bytes, submission: Submission, by_node: dict[str, Outcome], chosen: dict[str, Edit]
) -> bytes:
    if submission.format == "xlsx":
        return _xlsx(data, submission, by_node, chosen)
    layout = _layout(submission)
    text = data.decode("utf-8-sig")
    lines = text.splitlines(keepends=True)
    reader = csv.reader(iter(lines), delimiter=layout.delimiter)
    records: list[tuple[list[str], int, int]] = []  # each record, and the lines it spans
    start = 0
    for record in reader:
        records.append((record, start, reader.line_num))
        start = reader.line_num
    col = _aligned_column(records[layout.header_row - 1][0])
    written: dict[int, str] = {}  # first line of a record → the record written again
    for node, edit in chosen.items():
        place = by_node[node].place
        row = place.row if place is not None else None
        if row is None or not edit:
            continue
        cells, first, last = records[row - 1]  # the row as the spreadsheet numbers it, as the reader names it
        cells = cells + [""] * (col + 1 - len(cells))
        cells[col] = _merged(cells[col], edit)
        ending = re.search(r"\r?\n?$", lines[last - 1]).group(0)  # type: ignore[union-attr]
        out = io.StringIO(newline="")
        if _all_quoted(lines[first], layout.delimiter):
            csv.writer(
                out, delimiter=layout.delimiter, quoting=csv.QUOTE_ALL, lineterminator=ending
            ).writerow(cells)
        else:
            csv.writer(out, delimiter=layout.delimiter, lineterminator=ending).writerow(cells)
        written[first] = out.getvalue()
        for i in range(first + 1, last):
            written[i] = ""
    body = "".join(written.get(i, line) for i, line in enumerate(lines))
    bom = "\ufeff" if data.startswith(b"\xef\xbb\xbf") else ""
    return (bom + body).encode("utf-8")


def _all_quoted(line: str, delimiter: str) -> bool:
    """Whether a CSV line quotes every cell (as some exports do): its record is written back so."""
    d = re.escape(delimiter)
    return re.fullmatch(rf'"(?:[^"]|"")*"(?:{d}"(?:[^"]|"")*")*\r?\n?', line) is not None


def _xlsx(data: bytes, submission: Submission, by_node: dict[str, Outcome], chosen: dict[str, Edit]) -> bytes:
    """The workbook with the chosen outcomes' ``aligned_capabilities`` cells rewritten in its sheet's
    XML, and nothing else touched: formulas keep the values the spreadsheet saved with them (a
    workbook written again by openpyxl loses them, and its own reader then refused the download),
    and so do styles, charts, comments and every other part. A sheet whose XML this cannot edit in
    place (its elements prefixed) is written again whole (``_xlsx_rewritten``)."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    layout = _layout(submission)
    if layout.sheet is None:  # the reader names the sheet of every workbook it reads
        raise ValueError(f"{submission.source} was not read as a workbook")
    rows = {
        place.row: edit
        for node, edit in chosen.items()
        if edit and (place := by_node[node].place) is not None and place.row is not None
    }
    quick = load_workbook(io.BytesIO(data), read_only=True)
    try:
        sheet = quick[layout.sheet]
        _refuse_long(sheet.max_row or 0, submission)
        header = next(sheet.iter_rows(min_row=layout.header_row, max_row=layout.header_row, values_only=True))
        col = _aligned_column(header)
        cells: dict[str, str] = {}
        if rows:
            for row_cells in sheet.iter_rows(
                min_row=min(rows), max_row=max(rows), min_col=col + 1, max_col=col + 1
            ):
                cell = row_cells[0] if row_cells else None
                r = getattr(cell, "row", None)
                if r not in rows:
                    continue
                if getattr(cell, "data_type", None) == "f":  # the codes would be written into the formula
                    raise InputError(
                        f"the cell {get_column_letter(col + 1)}{r} holds a formula "
                        f"({str(getattr(cell, 'value', ''))[:40]}), not codes",
                        source=submission.source,
                        fix="paste that column as values, then download again",
                    )
                value = getattr(cell, "value", None)
                cells[f"{get_column_letter(col + 1)}{r}"] = _merged(
                    "" if value is None else str(value), rows[r]
                )
            for r, edit in rows.items():  # rows the sheet gave no cell in that column: an empty cell
                cells.setdefault(f"{get_column_letter(col + 1)}{r}", _merged("", edit))
    finally:
        quick.close()
    edited = _cells_written(data, layout.sheet, cells)
    return edited if edited is not None else _xlsx_rewritten(data, layout.sheet, col, cells)


def _refuse_long(last: int, submission: Submission) -> None:
    if last > MAX_FILL_ROWS:
        raise InputError(
            f"the sheet runs to row {last:,}, far below its outcomes (formatting or content in "
            f"empty rows); files of up to {MAX_FILL_ROWS:,} rows are filled in",
            source=submission.source,
            fix="delete the rows below the table and save, or add the alignments by hand",
        )


_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _sheet_part(archive: zipfile.ZipFile, name: str) -> str | None:
    """The zip member of the sheet called ``name`` (workbook.xml names it, its relationships file
    says where it is), or None."""
    from xml.etree import ElementTree

    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rid = next(
        (
            s.get(f"{{{_NS_REL}}}id")
            for s in book.iter()
            if s.tag.endswith("}sheet") and s.get("name") == name
        ),
        None,
    )
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    target = next((r.get("Target") for r in rels.iter() if r.get("Id") == rid), None)
    if target is None:
        return None
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def _cells_written(data: bytes, sheet: str, cells: Mapping[str, str]) -> bytes | None:
    """``data`` with each of ``cells`` (reference → text) written as an inline string in the sheet's
    XML, its style kept, every other byte of every part as it was; None when the XML is not laid out
    as Excel and LibreOffice write it (prefixed elements, a cell's row missing)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        part = _sheet_part(archive, sheet)
        if part is None or part not in archive.namelist():
            return None
        xml = archive.read(part).decode("utf-8")
        if re.search(r"<\w+:sheetData\b", xml):
            return None
        for ref, text in cells.items():
            found = _with_cell(xml, ref, text)
            if found is None:
                return None
            xml = found
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as written:
            for item in archive.infolist():
                written.writestr(
                    item, xml.encode("utf-8") if item.filename == part else archive.read(item.filename)
                )
    return out.getvalue()


def _with_cell(xml: str, ref: str, text: str) -> str | None:
    """The sheet XML with cell ``ref`` holding ``text``: its element replaced (its style kept), or one
    put in its row in column order; None when the row is not in the XML."""
    from xml.sax.saxutils import escape

    row_number = int(re.sub(r"^[A-Z]+", "", ref))
    column = _column_index(ref)
    found = re.search(rf'<c r="{ref}"(?P<attrs>[^>]*?)(?:/>|>.*?</c>)', xml, re.DOTALL)
    style = ""
    if found is not None:
        s_attr = re.search(r'\ss="\d+"', found.group("attrs"))
        style = s_attr.group(0) if s_attr else ""
    cell = f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'
    if found is not None:
        return xml[: found.start()] + cell + xml[found.end() :]
    row = re.search(rf'<row r="{row_number}"(?P<attrs>[^>]*?)(?P<empty>/)?>', xml)
    if row is None:
        return None
    if row.group("empty"):
        return (
            xml[: row.start()] + f'<row r="{row_number}"{row.group("attrs")}>{cell}</row>' + xml[row.end() :]
        )
    end = xml.index("</row>", row.end())
    at = end
    for c in re.finditer(r'<c r="([A-Z]+)\d+"', xml[row.end() : end]):
        if _column_index(c.group(1)) > column:
            at = row.end() + c.start()
            break
    return xml[:at] + cell + xml[at:]


def _column_index(ref: str) -> int:
    """``L3`` → 12 (1-based)."""
    n = 0
    for ch in re.match(r"[A-Z]+", ref).group(0):  # type: ignore[union-attr]
        n = n * 26 + ord(ch) - 64
    return n


def _xlsx_rewritten(data: bytes, sheet_name: str, col: int, cells: Mapping[str, str]) -> bytes:
    """The workbook written again whole by openpyxl with ``cells`` set: for a sheet whose XML cannot be
    edited in place. Formulas lose the values saved with them (openpyxl writes none)."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    sheet = book[sheet_name]
    for ref, text in cells.items():
        sheet[ref].value = text
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _json(data: bytes, submission: Submission, by_node: dict[str, Outcome], chosen: dict[str, Edit]) -> bytes:
    """The file's own text with each chosen outcome's ``alignedTo`` written in place (or added after its
    last member): the rest of the file, its layout included, stays as it was."""
    text = data.decode("utf-8-sig")
    doc = json.loads(text)
    spans: dict[tuple[str | int, ...], tuple[int, int]] = {}
    _json_spans(text, 0, (), spans)
    edits: list[tuple[int, int, str]] = []
    for node, edit in chosen.items():
        place = by_node[node].place
        found = _PATH.match(place.json_path or "") if place else None
        if found is None or not edit:
            continue
        at: tuple[str | int, ...] = ("modules", int(found[1]), "learningOutcomes", int(found[2]))
        have = doc["modules"][at[1]]["learningOutcomes"][at[3]].get("alignedTo") or []
        if isinstance(have, str):
            have = [p.strip() for p in have.split(";") if p.strip()]
        elif not isinstance(have, list):
            have = [have]
        value = json.dumps(edit.applied([str(h) for h in have]), ensure_ascii=False)
        if (*at, "alignedTo") in spans:
            start, end = spans[(*at, "alignedTo")]
            edits.append((start, end, value))
        else:  # after the outcome's last member, on a line of its own when the members are on lines
            start, end = spans[at]
            inside = text[start + 1 : end - 1]
            last = start + 1 + len(inside.rstrip())
            lead = re.search(r"\n[ \t]*(?=\S)", inside)
            joint = lead.group(0) if lead else " "
            comma = "," if inside.strip() else ""
            edits.append((last, last, f'{comma}{joint}"alignedTo": {value}'))
    for start, end, value in sorted(edits, reverse=True):
        text = text[:start] + value + text[end:]
    bom = "\ufeff" if data.startswith(b"\xef\xbb\xbf") else ""
    return (bom + text).encode("utf-8")


_WS = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null")


def _json_spans(
    text: str, i: int, path: tuple[str | int, ...], spans: dict[tuple[str | int, ...], tuple[int, int]]
) -> int:
    """Record where each value of a valid JSON text starts and ends, by its path; the index past it."""
    i = _WS.match(text, i).end()  # type: ignore[union-attr]
    start, c = i, text[i]
    if c in "{[":
        close, i, n = ("}" if c == "{" else "]"), i + 1, 0
        while True:
            i = _WS.match(text, i).end()  # type: ignore[union-attr]
            if text[i] == close:
                i += 1
                break
            if c == "{":
                key, i = json.decoder.scanstring(text, i + 1)  # type: ignore[attr-defined]
                i = _WS.match(text, i).end() + 1  # type: ignore[union-attr]  # past the ':'
                i = _json_spans(text, i, (*path, key), spans)
            else:
                i = _json_spans(text, i, (*path, n), spans)
                n += 1
            i = _WS.match(text, i).end()  # type: ignore[union-attr]
            if text[i] == ",":
                i += 1
    elif c == '"':
        i = json.decoder.scanstring(text, i + 1)[1]  # type: ignore[attr-defined]
    else:
        i = _SCALAR.match(text, i).end()  # type: ignore[union-attr]
    spans[path] = (start, i)
    return i


def _rdf(data: bytes, submission: Submission, by_node: dict[str, Outcome], chosen: dict[str, Edit]) -> bytes:
    lines, gone = [], []
    for key, edit in chosen.items():
        node = by_node[key].node
        if not node.startswith("<"):
            raise InputError(
                "a learning outcome without an IRI cannot be given alignments in its file",
                source=submission.source,
                place=str(by_node[key].place or ""),
                fix="give the outcome an IRI, or add the alignments by hand",
            )
        for code in edit.add:
            lines.append(f"{node} <{ns.AIS}alignedTo> <{ns.capability_iri(code)}> .")
        gone += [(node[1:-1], ns.capability_iri(code)) for code in edit.remove]
    if not lines and not gone:
        return data
    if submission.format in ("turtle", "ntriples") and not gone:
        end = b"" if data.endswith(b"\n") else b"\n"
        return data + end + ("\n".join(lines) + "\n").encode("utf-8")
    import rdflib

    syntax = {"turtle": "turtle", "ntriples": "nt"}.get(submission.format, "xml")
    graph = rdflib.Graph().parse(data=data, format=syntax)
    for outcome, capability in gone:
        graph.remove((rdflib.URIRef(outcome), rdflib.URIRef(ns.AIS + "alignedTo"), rdflib.URIRef(capability)))
    if lines:
        graph.parse(data="\n".join(lines), format="nt")
    return graph.serialize(format=syntax).encode("utf-8")
