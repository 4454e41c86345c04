"""The framework spreadsheet template: one row per capability, read from and written to CSV or XLSX.

Columns (a public contract, documented in ``ontology/templates/README.md``)::

    notation, statement, level, domain, archetypes, bloom_level, description,
    alt_labels, hidden_labels, deprecated, replaced_by

``alt_labels`` and ``hidden_labels`` are optional (``skos:altLabel`` and ``skos:hiddenLabel``: other
names and the acronyms curricula use, separated by ``;``), written when some capability has one.
The last two are optional, and written only when some capability is deprecated: ``deprecated`` is
``true`` for a withdrawn capability, and ``replaced_by`` names its successor's notation, or ``none`` for
an explicit "no replacement".
Reading returns typed rows or raises ``TemplateError`` listing every bad cell by row and column;
nothing is half-read. Row numbers are the spreadsheet's own (the header is row 1).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from aiskills.errors import InputError, ProblemsError

COLUMNS = ("notation", "statement", "level", "domain", "archetypes", "bloom_level", "description")
LABEL_COLUMNS = ("alt_labels", "hidden_labels")  # optional; written when a capability has labels
DEPRECATION_COLUMNS = ("deprecated", "replaced_by")  # optional; written when a capability is deprecated
REQUIRED = ("notation", "statement", "level", "domain", "archetypes")
SHEET = "capabilities"

ARCHETYPES = {"S": "shaper", "D": "driver", "C": "creator", "E": "embedder", "U": "user"}
BADGE_ORDER = "SDCEU"
BLOOM = ("remember", "understand", "apply", "analyse", "evaluate", "create")
LEVELS = (1, 2, 3, 4)
NO_REPLACEMENT = "none"
NOTATION = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")


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

    def cells(self, deprecation: bool = False, labels: bool = False) -> list[str]:
        """The row's cells in ``COLUMNS`` order, then the ``LABEL_COLUMNS`` and the
        ``DEPRECATION_COLUMNS`` when asked."""
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
    """Rows from a table of cells whose first row is the header."""
    if not table:
        raise InputError(
            "the file is empty", source=source, fix="start from ontology/templates/framework-template.csv"
        )
    header = [h.strip().lower() for h in table[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)}",
            source=source,
            place="row 1",
            fix="the header row must name: " + ", ".join(COLUMNS),
        )
    index = {
        name: header.index(name) for name in COLUMNS + LABEL_COLUMNS + DEPRECATION_COLUMNS if name in header
    }
    known = set(sections)
    rows: list[CapabilityRow] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for n, cells in enumerate(table[1:], start=2):
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
            rows.append(row)
    if problems:
        raise TemplateError(source, problems)
    if not rows:
        raise InputError(
            "the file has a header but no capability rows",
            source=source,
            fix="add one row per capability below the header",
        )
    return rows


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
        if text.isdigit() and int(text) in LEVELS:
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
    ), problems


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
        return [row for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        raise InputError(f"is not valid CSV: {exc}", source=str(path)) from None


def _xlsx_cells(path: Path) -> list[list[str]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(
            f"is not a readable XLSX workbook: {exc}",
            source=str(path),
            fix="save it from your spreadsheet program as .xlsx",
        ) from None
    try:
        sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
        return [
            ["" if v is None else _cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)
        ]
    finally:
        book.close()


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# -- writing -------------------------------------------------------------------------------------


def _header(rows: Sequence[CapabilityRow]) -> tuple[bool, bool, tuple[str, ...]]:
    """Whether the deprecation columns are written (some row is deprecated), whether the label
    columns are (some row has labels), and the header."""
    deprecation = any(r.deprecated for r in rows)
    labels = any(r.alt_labels or r.hidden_labels for r in rows)
    header = COLUMNS + (LABEL_COLUMNS if labels else ()) + (DEPRECATION_COLUMNS if deprecation else ())
    return deprecation, labels, header


def write_csv(rows: Iterable[CapabilityRow]) -> bytes:
    rows = list(rows)
    deprecation, labels, header = _header(rows)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(r.cells(deprecation, labels) for r in rows)
    return out.getvalue().encode("utf-8")


def write_xlsx(rows: Iterable[CapabilityRow], when: datetime | None = None) -> bytes:
    """The template as an XLSX workbook; with ``when``, every timestamp inside it (workbook
    properties and zip entries) is ``when``, so the same rows give the same bytes."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.worksheets[0]
    sheet.title = SHEET
    rows = list(rows)
    deprecation, labels, header = _header(rows)
    sheet.append(list(header))
    for n, r in enumerate(rows, start=2):
        for col, value in enumerate(r.cells(deprecation, labels), start=1):
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
