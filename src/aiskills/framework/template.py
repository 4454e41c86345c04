"""The framework spreadsheet template: one row per capability, read from and written to CSV or XLSX.

Columns (a public contract, documented in ``ontology/templates/README.md``)::

    notation, statement, level, domain, archetypes, bloom_level, description,
    alt_labels, hidden_labels, deprecated, replaced_by, ctid

``alt_labels`` and ``hidden_labels`` are optional (``skos:altLabel`` and ``skos:hiddenLabel``: other
names and the acronyms curricula use, separated by ``;``), written when some capability has one.
``deprecated`` and ``replaced_by`` are optional, and written only when some capability is deprecated:
``deprecated`` is ``true`` for a withdrawn capability, and ``replaced_by`` names its successor's
notation, or ``none`` for an explicit "no replacement". ``ctid`` (optional, always the last column) is
the capability's Credential Engine identifier, ``ce-`` + a UUID, minted once and kept; it is written
whenever some capability has one.
Reading returns typed rows or raises ``TemplateError`` listing every bad cell by row and column;
nothing is half-read. Row numbers are the spreadsheet's own (the header is row 1).
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from aiskills.cells import column_name, defused, header_fix, restored
from aiskills.errors import InputError, ProblemsError

COLUMNS = ("notation", "statement", "level", "domain", "archetypes", "bloom_level", "description")
LABEL_COLUMNS = ("alt_labels", "hidden_labels")  # optional; written when a capability has labels
DEPRECATION_COLUMNS = ("deprecated", "replaced_by")  # optional; written when a capability is deprecated
CTID_COLUMN = "ctid"  # optional; the last column, written when some capability has a CTID
REQUIRED = ("notation", "statement", "level", "domain", "archetypes")
SHEET = "capabilities"

ARCHETYPES = {"S": "shaper", "D": "driver", "C": "creator", "E": "embedder", "U": "user"}
BADGE_ORDER = "SDCEU"
BLOOM = ("remember", "understand", "apply", "analyse", "evaluate", "create")
LEVELS = (1, 2, 3, 4)
NO_REPLACEMENT = "none"
NOTATION = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")
CTID = re.compile(r"^ce-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")  # UUID v4


@dataclass(frozen=True)
class CapabilityRow:
    """One capability as the template holds it."""

    notation: str
    statement: str
    level: int
    domain: str
    archetypes: tuple[str, ...]  # slugs: shaper, driver, ...
    bloom_level: str | None = None
    description: str | None = None
    row: int | None = None  # where it was read from, if read from a file
    deprecated: bool = False
    replaced_by: str | None = None  # the successor's notation, or NO_REPLACEMENT
    alt_labels: tuple[str, ...] = ()  # skos:altLabel: other names curricula use
    hidden_labels: tuple[str, ...] = ()  # skos:hiddenLabel: acronyms and variants, matched not shown
    ctid: str | None = None  # "ce-" + UUID: the Credential Engine identifier, minted once

    def cells(self, deprecation: bool = False, labels: bool = False, ctid: bool = False) -> list[str]:
        """The row's cells in ``COLUMNS`` order, then the ``LABEL_COLUMNS``, the
        ``DEPRECATION_COLUMNS`` and the ``ctid`` when asked."""
        badges = ";".join(b for b in BADGE_ORDER if ARCHETYPES[b] in self.archetypes)
        cells = [
            self.notation,
            self.statement,
            str(self.level),
            self.domain,
            badges,
            self.bloom_level or "",
            self.description or "",
        ]
        if labels:
            cells += ["; ".join(self.alt_labels), "; ".join(self.hidden_labels)]
        if deprecation:
            cells += ["true" if self.deprecated else "", self.replaced_by or ""]
        if ctid:
            cells.append(self.ctid or "")
        return cells


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str
    fix: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message} ({self.fix})"


class TemplateError(ProblemsError):
    """A template file with one or more bad cells; ``problems`` lists each."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        super().__init__(source, problems, "; nothing was imported")


# -- reading -------------------------------------------------------------------------------------


def read_template(path: Path, sections: Iterable[str]) -> list[CapabilityRow]:
    """Read a CSV or XLSX template; ``sections`` are the domain codes rows may name."""
    ext = path.suffix.lower()
    if ext == ".csv":
        table = _csv_cells(path)
    elif ext in (".xlsx", ".xlsm"):
        table = _xlsx_cells(path)
    else:
        raise InputError(
            "a framework template must be a .csv or .xlsx file",
            source=str(path),
            fix="export the spreadsheet as CSV (UTF-8) or XLSX",
        )
    return parse_cells(table, sections, str(path))


def parse_cells(table: Sequence[Sequence[str]], sections: Iterable[str], source: str) -> list[CapabilityRow]:
    """Rows from a table of cells whose first row that is not blank is the header (``table[i]`` is the
    spreadsheet's row ``i + 1``, and every row named is the one the spreadsheet shows)."""
    top = next((i for i, r in enumerate(table) if any(str(c or "").strip() for c in r)), None)
    if top is None:
        raise InputError(
            "the file is empty", source=source, fix="start from ontology/templates/framework-template.csv"
        )
    header = [column_name(h) for h in table[top]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)}",
            source=source,
            place=f"row {top + 1}",
            fix=header_fix(table, top, REQUIRED, missing),
        )
    _check_header(table[top], header, source, top + 1)
    index = {
        name: header.index(name)
        for name in (*COLUMNS, *LABEL_COLUMNS, *DEPRECATION_COLUMNS, CTID_COLUMN)
        if name in header
    }
    known = set(sections)
    rows: list[CapabilityRow] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    seen_ctids: dict[str, int] = {}
    for n, cells in enumerate(table[top + 1 :], start=top + 2):
        record = {
            name: (cells[i].strip() if i < len(cells) and cells[i] is not None else "")
            for name, i in index.items()
        }
        if not any(record.values()):
            continue
        row, found = _parse_row(n, record, known)
        problems.extend(found)
        if row is not None:
            if row.notation in seen:
                problems.append(
                    Problem(
                        n,
                        "notation",
                        f"{row.notation!r} is already used on row {seen[row.notation]}",
                        "give each capability its own notation",
                    )
                )
            seen.setdefault(row.notation, n)
            if row.ctid and row.ctid in seen_ctids:
                problems.append(
                    Problem(
                        n,
                        CTID_COLUMN,
                        f"{row.ctid!r} is already used on row {seen_ctids[row.ctid]}",
                        "a CTID names one capability: clear the cell and a new one is minted on import",
                    )
                )
            if row.ctid:
                seen_ctids.setdefault(row.ctid, n)
            rows.append(row)
    problems.extend(_successor_problems(rows))
    if problems:
        raise TemplateError(source, problems)
    if not rows:
        raise InputError(
            "the file has a header but no capability rows",
            source=source,
            fix="add one row per capability below the header",
        )
    return rows


#: Every column a template may have.
ALL_COLUMNS = (*COLUMNS, *LABEL_COLUMNS, *DEPRECATION_COLUMNS, CTID_COLUMN)


def _check_header(cells: Sequence[object], header: Sequence[str], source: str, row: int = 1) -> None:
    """Refuse a column named twice or a column no template has, which would otherwise be dropped
    without a word (a misspelt ``alt_label`` losing every label)."""
    problems = []
    for i, name in enumerate(header):
        if not name:
            continue
        column = f"{_letter(i)} ({str(cells[i]).strip()})"
        if name in header[:i]:
            first = _letter(header.index(name))
            problems.append(
                Problem(row, column, f"names {name} again (column {first})", "delete one of the two")
            )
        elif name not in ALL_COLUMNS:
            near = difflib.get_close_matches(name, ALL_COLUMNS, n=1, cutoff=0.6)
            hint = f"rename it to {near[0]}" if near else "rename it to one of " + ", ".join(ALL_COLUMNS)
            problems.append(Problem(row, column, "is not a template column", f"{hint}, or delete the column"))
    if problems:
        raise TemplateError(source, problems)


def _letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _parse_row(n: int, r: dict[str, str], sections: set[str]) -> tuple[CapabilityRow | None, list[Problem]]:
    problems: list[Problem] = []

    def bad(column: str, message: str, fix: str) -> None:
        problems.append(Problem(n, column, message, fix))

    for column in REQUIRED:
        if not r.get(column):
            bad(column, "is empty", f"fill in the {column}")
    notation = r.get("notation", "")
    if notation and not NOTATION.match(notation):
        bad(
            "notation",
            f"{notation!r} is not a valid notation",
            "use letters, digits, '.', '-' or '_' only, e.g. 6.1-03",
        )
    level = 0
    if r.get("level"):
        text = r["level"].removeprefix("Level ").removeprefix("level ").strip()
        text = text.removesuffix(".0")
        if text.isascii() and text.isdigit() and int(text) in LEVELS:  # not "²", which isdigit() takes
            level = int(text)
        else:
            bad("level", f"{r['level']!r} is not a knowledge level", "use 1, 2, 3 or 4")
    domain = r.get("domain", "")
    if domain and domain not in sections:
        near = ", ".join(_nearest(domain, sections))
        bad(
            "domain",
            f"{domain!r} is not a domain code of the framework",
            f"use a published code such as {near}",
        )
    archetypes = _archetypes(r.get("archetypes", ""), bad)
    bloom = r.get("bloom_level", "").lower() or None
    if bloom == "analyze":
        bloom = "analyse"
    if bloom and bloom not in BLOOM:
        bad("bloom_level", f"{r['bloom_level']!r} is not a Bloom level", "use one of " + ", ".join(BLOOM))
    deprecated, replaced_by = _deprecation(r, bad)
    ctid = r.get(CTID_COLUMN, "").lower() or None
    if ctid and not CTID.match(ctid):
        bad(
            CTID_COLUMN,
            f"{r[CTID_COLUMN]!r} is not a CTID",
            "write ce- followed by a UUID v4, e.g. ce-3f1c2a9e-8b7d-4c6e-9a1b-2d3e4f5a6b7c, or leave it "
            "empty and a new one is minted on import",
        )
    if problems:
        return None, problems
    return CapabilityRow(
        notation,
        r["statement"],
        level,
        domain,
        archetypes,
        bloom,
        r.get("description") or None,
        n,
        deprecated,
        replaced_by,
        _labels(r.get("alt_labels", "")),
        _labels(r.get("hidden_labels", "")),
        ctid,
    ), problems


def _successor_problems(rows: Sequence[CapabilityRow]) -> list[Problem]:
    """A ``replaced_by`` must name another capability of the same file, and following successors
    from a deprecated capability must not lead back to it."""
    by_notation = {r.notation: r for r in rows}
    problems = []
    for row in rows:
        successor = row.replaced_by
        if successor is None or successor == NO_REPLACEMENT:
            continue
        if successor == row.notation:
            problems.append(
                Problem(
                    row.row or 0,
                    "replaced_by",
                    f"{row.notation} names itself as its successor",
                    f"name the capability that replaces it, or write {NO_REPLACEMENT}",
                )
            )
            continue
        if successor not in by_notation:
            near = difflib.get_close_matches(successor, list(by_notation), n=1, cutoff=0.6)
            problems.append(
                Problem(
                    row.row or 0,
                    "replaced_by",
                    f"{successor!r} is not a capability of this file",
                    (f"did you mean {near[0]}? " if near else "") + "name a notation of this file",
                )
            )
            continue
        seen = [row.notation]
        while successor in by_notation and successor not in seen:
            seen.append(successor)
            successor = by_notation[successor].replaced_by or ""
        if successor == row.notation:
            problems.append(
                Problem(
                    row.row or 0,
                    "replaced_by",
                    "successors lead back: " + " -> ".join([*seen, successor]),
                    "end the chain at a capability in use (not deprecated)",
                )
            )
    return problems


def _labels(text: str) -> tuple[str, ...]:
    """Labels separated by ``;`` (or new lines), trimmed, without repeats."""
    return tuple(dict.fromkeys(p.strip() for p in re.split(r"[;\n]", text) if p.strip()))


def _deprecation(r: dict[str, str], bad) -> tuple[bool, str | None]:  # type: ignore[no-untyped-def]
    """The ``deprecated`` flag and the ``replaced_by`` cell (a notation or ``none``)."""
    flag = r.get("deprecated", "").lower()
    if flag not in ("", "true", "false", "yes", "no", "1", "0"):
        bad(
            "deprecated",
            f"{r['deprecated']!r} is not true or false",
            "write true for a withdrawn capability, else leave it empty",
        )
    deprecated = flag in ("true", "yes", "1")
    replaced = r.get("replaced_by", "").strip() or None
    if replaced and replaced.lower() == NO_REPLACEMENT:
        replaced = NO_REPLACEMENT
    elif replaced and not NOTATION.match(replaced):
        bad(
            "replaced_by",
            f"{replaced!r} is not a notation",
            f"name the successor's notation, e.g. 6.1-03, or write {NO_REPLACEMENT}",
        )
    if replaced and not deprecated:
        bad(
            "replaced_by",
            "is filled in but the capability is not deprecated",
            "write true in the deprecated column, or clear replaced_by",
        )
    return deprecated, replaced


def _archetypes(text: str, bad) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    slugs: list[str] = []
    names = {v: v for v in ARCHETYPES.values()} | {v + "s": v for v in ARCHETYPES.values()}
    for part in (p.strip() for p in re.split(r"[;,]", text) if p.strip()):
        slug = ARCHETYPES.get(part.upper()) if len(part) == 1 else names.get(part.lower())
        if slug is None:
            bad(
                "archetypes",
                f"{part!r} is not an archetype badge",
                "use S, D, C, E, U (or Shaper, Driver, Creator, Embedder, User) separated by ';'",
            )
        elif slug not in slugs:
            slugs.append(slug)
    order = list(ARCHETYPES.values())
    return tuple(sorted(slugs, key=order.index))


def _nearest(code: str, sections: Iterable[str], n: int = 3) -> list[str]:
    import difflib

    options = sorted(sections)
    return difflib.get_close_matches(code, options, n=n, cutoff=0.0) or options[:n]


def _csv_cells(path: Path) -> list[list[str]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"is not UTF-8 text (byte {exc.start})",
            source=str(path),
            fix="save the spreadsheet as 'CSV UTF-8'",
        ) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", source=str(path)) from None
    try:
        return [[restored(c) for c in row] for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        raise InputError(f"is not valid CSV: {exc}", source=str(path)) from None


def mint_ctids(
    rows: Sequence[CapabilityRow], known: dict[str, str] | None = None, seed: str = ""
) -> list[CapabilityRow]:
    """``rows`` with a CTID on each: its own, else the one ``known`` keeps for its notation, else a
    new ``ce-`` + UUID v4 made from ``seed`` (the framework's version) and the notation, so that the
    same file gives the same CTIDs (a release is byte for byte reproducible). A CTID is minted once:
    it is then kept in the data and written back on export."""
    import hashlib
    import uuid
    from dataclasses import replace

    def minted(notation: str) -> str:
        digest = hashlib.sha256(f"aiskills ctid\n{seed}\n{notation}".encode()).digest()
        return f"ce-{uuid.UUID(bytes=digest[:16], version=4)}"

    known = known or {}
    return [r if r.ctid else replace(r, ctid=known.get(r.notation) or minted(r.notation)) for r in rows]


def _xlsx_cells(path: Path) -> list[list[str]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=False)  # formulas as written: refused below
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(
            f"is not a readable XLSX workbook: {exc}",
            source=str(path),
            fix="save it from your spreadsheet program as .xlsx",
        ) from None
    try:
        named = [n for n in book.sheetnames if n.strip().lower() == SHEET.lower()]
        sheet = book[named[0]] if named else book.worksheets[0]
        table = []
        for row in sheet.iter_rows():
            cells = []
            for cell in row:
                if getattr(cell, "data_type", None) == "f":  # its result may not even be stored
                    raise TemplateError(
                        str(path),
                        [
                            Problem(
                                int(cell.row or 0),
                                _letter(int(cell.column or 1) - 1),
                                f"holds a formula ({str(cell.value)[:40]}) in sheet {sheet.title!r}",
                                "replace formulas with their values (copy, then paste as values)",
                            )
                        ],
                    )
                cells.append("" if cell.value is None else _cell_text(cell.value))
            table.append(cells)
        return table
    finally:
        book.close()


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# -- writing -------------------------------------------------------------------------------------


class _Optional(NamedTuple):
    deprecation: bool
    labels: bool
    ctid: bool


def _header(rows: Sequence[CapabilityRow]) -> tuple[_Optional, tuple[str, ...]]:
    """Which optional columns are written: the label columns (some row has labels), the deprecation
    columns (some row is deprecated), the ``ctid`` column (some row has one); and the header."""
    labels = any(r.alt_labels or r.hidden_labels for r in rows)
    deprecation = any(r.deprecated for r in rows)
    ctid = any(r.ctid for r in rows)
    header = (
        COLUMNS
        + (LABEL_COLUMNS if labels else ())
        + (DEPRECATION_COLUMNS if deprecation else ())
        + ((CTID_COLUMN,) if ctid else ())
    )
    return _Optional(deprecation, labels, ctid), header


def write_csv(rows: Iterable[CapabilityRow]) -> bytes:
    rows = list(rows)
    optional, header = _header(rows)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([defused(c) for c in r.cells(*optional)] for r in rows)
    return out.getvalue().encode("utf-8")


def write_xlsx(rows: Iterable[CapabilityRow], when: datetime | None = None) -> bytes:
    """The template as an XLSX workbook; with ``when``, every timestamp inside it (workbook
    properties and zip entries) is ``when``, so the same rows give the same bytes."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.worksheets[0]
    sheet.title = SHEET
    rows = list(rows)
    optional, header = _header(rows)
    sheet.append(list(header))
    for n, r in enumerate(rows, start=2):
        for col, value in enumerate(r.cells(*optional), start=1):
            cell = sheet.cell(row=n, column=col, value=_safe_cell(value))
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text, never a formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue() if when is None else _fixed_times(out.getvalue(), when)


_CORE_DATES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _fixed_times(data: bytes, when: datetime) -> bytes:
    """``data`` (a zip) rewritten with every entry dated ``when`` and the document properties'
    created/modified dates set to ``when``."""
    import zipfile

    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in sorted(src.infolist(), key=lambda i: i.filename):
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _CORE_DATES.sub(rb"\g<1>" + stamp + rb"\g<2>", body)
            entry = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, body)
    return out.getvalue()


def _safe_cell(value: str) -> str | int:
    """Levels stay numbers; text never starts a formula."""
    if value.isdigit() and len(value) == 1:
        return int(value)
    return value
