"""The framework spreadsheet template: one row per capability, read from and written to CSV or XLSX.

Columns (a public contract, documented in ``ontology/templates/README.md``)::

    notation, statement, level, domain, archetypes, bloom_level, description

Reading returns typed rows or raises ``TemplateError`` listing every bad cell by row and column;
nothing is half-read. Row numbers are the spreadsheet's own (the header is row 1).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from aiskills.errors import InputError

COLUMNS = ("notation", "statement", "level", "domain", "archetypes", "bloom_level", "description")
REQUIRED = ("notation", "statement", "level", "domain", "archetypes")
SHEET = "capabilities"

ARCHETYPES = {"S": "shaper", "D": "driver", "C": "creator", "E": "embedder", "U": "user"}
BADGE_ORDER = "SDCEU"
BLOOM = ("remember", "understand", "apply", "analyse", "evaluate", "create")
LEVELS = (1, 2, 3, 4)
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

    def cells(self) -> list[str]:
        badges = ";".join(b for b in BADGE_ORDER if ARCHETYPES[b] in self.archetypes)
        return [self.notation, self.statement, str(self.level), self.domain, badges,
                self.bloom_level or "", self.description or ""]


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str
    fix: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message} ({self.fix})"


class TemplateError(InputError):
    """A template file with one or more bad cells; ``problems`` lists each."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems[:50])
        more = f"\n  … and {len(self.problems) - 50} more" if len(self.problems) > 50 else ""
        super().__init__(f"{len(self.problems)} problem(s); nothing was imported\n{lines}{more}",
                         source=source)


# -- reading -------------------------------------------------------------------------------------

def read_template(path: Path, sections: Iterable[str]) -> list[CapabilityRow]:
    """Read a CSV or XLSX template; ``sections`` are the domain codes rows may name."""
    ext = path.suffix.lower()
    if ext == ".csv":
        table = _csv_cells(path)
    elif ext in (".xlsx", ".xlsm"):
        table = _xlsx_cells(path)
    else:
        raise InputError("a framework template must be a .csv or .xlsx file", source=str(path),
                         fix="export the spreadsheet as CSV (UTF-8) or XLSX")
    return parse_cells(table, sections, str(path))


def parse_cells(table: Sequence[Sequence[str]], sections: Iterable[str], source: str) -> list[CapabilityRow]:
    """Rows from a table of cells whose first row is the header."""
    if not table:
        raise InputError("the file is empty", source=source,
                         fix="start from ontology/templates/framework-template.csv")
    header = [h.strip().lower() for h in table[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}", source=source, place="row 1",
                         fix="the header row must name: " + ", ".join(COLUMNS))
    index = {name: header.index(name) for name in COLUMNS if name in header}
    known = set(sections)
    rows: list[CapabilityRow] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for n, cells in enumerate(table[1:], start=2):
        record = {name: (cells[i].strip() if i < len(cells) and cells[i] is not None else "")
                  for name, i in index.items()}
        if not any(record.values()):
            continue
        row, found = _parse_row(n, record, known)
        problems.extend(found)
        if row is not None:
            if row.notation in seen:
                problems.append(Problem(n, "notation", f"{row.notation!r} is already used on row "
                                        f"{seen[row.notation]}", "give each capability its own notation"))
            seen.setdefault(row.notation, n)
            rows.append(row)
    if problems:
        raise TemplateError(source, problems)
    if not rows:
        raise InputError("the file has a header but no capability rows", source=source,
                         fix="add one row per capability below the header")
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
        bad("notation", f"{notation!r} is not a valid notation",
            "use letters, digits, '.', '-' or '_' only, e.g. 6.1-03")
    level = 0
    if r.get("level"):
        text = r["level"].removeprefix("Level ").removeprefix("level ").strip()
        if text.endswith(".0"):
            text = text[:-2]
        if text.isdigit() and int(text) in LEVELS:
            level = int(text)
        else:
            bad("level", f"{r['level']!r} is not a knowledge level", "use 1, 2, 3 or 4")
    domain = r.get("domain", "")
    if domain and domain not in sections:
        near = ", ".join(_nearest(domain, sections))
        bad("domain", f"{domain!r} is not a domain code of the framework", f"use a published code such as {near}")
    archetypes = _archetypes(r.get("archetypes", ""), bad)
    bloom = r.get("bloom_level", "").lower() or None
    if bloom == "analyze":
        bloom = "analyse"
    if bloom and bloom not in BLOOM:
        bad("bloom_level", f"{r['bloom_level']!r} is not a Bloom level", "use one of " + ", ".join(BLOOM))
    if problems:
        return None, problems
    return CapabilityRow(notation, r["statement"], level, domain, archetypes, bloom,
                         r.get("description") or None, n), problems


def _archetypes(text: str, bad) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    slugs: list[str] = []
    names = {v: v for v in ARCHETYPES.values()} | {v + "s": v for v in ARCHETYPES.values()}
    for part in (p.strip() for p in re.split(r"[;,]", text) if p.strip()):
        slug = ARCHETYPES.get(part.upper()) if len(part) == 1 else names.get(part.lower())
        if slug is None:
            bad("archetypes", f"{part!r} is not an archetype badge",
                "use S, D, C, E, U (or Shaper, Driver, Creator, Embedder, User) separated by ';'")
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
        raise InputError(f"is not UTF-8 text (byte {exc.start})", source=str(path),
                         fix="save the spreadsheet as 'CSV UTF-8'") from None
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
        raise InputError(f"is not a readable XLSX workbook: {exc}", source=str(path),
                         fix="save it from your spreadsheet program as .xlsx") from None
    try:
        sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
        return [["" if v is None else _cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# -- writing -------------------------------------------------------------------------------------

def write_csv(rows: Iterable[CapabilityRow]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(r.cells() for r in rows)
    return out.getvalue().encode("utf-8")


def write_xlsx(rows: Iterable[CapabilityRow]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(list(COLUMNS))
    for n, r in enumerate(rows, start=2):
        for col, value in enumerate(r.cells(), start=1):
            cell = sheet.cell(row=n, column=col, value=_safe_cell(value))
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text, never a formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _safe_cell(value: str) -> str | int:
    """Levels stay numbers; text never starts a formula."""
    if value.isdigit() and len(value) == 1:
        return int(value)
    return value
