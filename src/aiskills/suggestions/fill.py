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
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=layout.delimiter))
    col = _aligned_column(rows[layout.header_row - 1])
    for node, edit in chosen.items():
        place = by_node[node].place
        row = place.row if place is not None else None
        if row is None or not edit:
            continue
        cells = rows[row - 1]  # the row as the spreadsheet numbers it, as the reader names it
        cells += [""] * (col + 1 - len(cells))
        cells[col] = _merged(cells[col], edit)
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=layout.delimiter, lineterminator="\r\n" if "\r\n" in text else "\n").writerows(
        rows
    )
    bom = "\ufeff" if data.startswith(b"\xef\xbb\xbf") else ""
    return (bom + out.getvalue()).encode("utf-8")


def _xlsx(data: bytes, submission: Submission, by_node: dict[str, Outcome], chosen: dict[str, Edit]) -> bytes:
    from openpyxl import load_workbook

    # Writing keeps every cell's formatting, so the whole sheet is loaded: refuse first a sheet that
    # runs far below any curriculum (formatting applied to a million empty rows), read cheaply.
    layout = _layout(submission)
    if layout.sheet is None:  # the reader names the sheet of every workbook it reads
        raise ValueError(f"{submission.source} was not read as a workbook")
    quick = load_workbook(io.BytesIO(data), read_only=True)
    try:
        last = quick[layout.sheet].max_row or 0
    finally:
        quick.close()
    if last > MAX_FILL_ROWS:
        raise InputError(
            f"the sheet runs to row {last:,}, far below its outcomes (formatting or content in "
            f"empty rows); files of up to {MAX_FILL_ROWS:,} rows are filled in",
            source=submission.source,
            fix="delete the rows below the table and save, or add the alignments by hand",
        )
    book = load_workbook(io.BytesIO(data))
    sheet = book[layout.sheet]
    col = _aligned_column([c.value for c in sheet[layout.header_row]])
    for node, edit in chosen.items():
        place = by_node[node].place
        row = place.row if place is not None else None
        if row is None or not edit:
            continue
        cell = sheet.cell(row=row, column=col + 1)
        if cell.data_type == "f":  # the codes would be written into the formula's text
            raise InputError(
                f"the cell {cell.coordinate} holds a formula ({str(cell.value)[:40]}), not codes",
                source=submission.source,
                fix="paste that column as values, then download again",
            )
        cell.value = _merged("" if cell.value is None else str(cell.value), edit)
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
