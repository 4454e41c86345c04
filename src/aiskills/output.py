"""Rendering query results for people and programs: aligned text, CSV, JSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

from aiskills.cells import defused
from aiskills.store.base import Table, Term


def cell(term: Term | None) -> str:
    """A term as text: the IRI, the literal's value, or ``_:id`` for a blank node."""
    if term is None:
        return ""
    return str(term) if term.__class__.__name__ == "BlankNode" else term.value


def table_text(table: Table) -> str:
    """Columns aligned, one row a line, with a row count."""
    rows = [[cell(t) for t in row] for row in table.rows]
    widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(table.columns)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(table.columns, widths)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in rows]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def table_csv(table: Table) -> str:
    """RFC 4180 CSV with a header row; cells that would start a spreadsheet formula are quoted with '."""
    return rows_csv(table.columns, ([cell(t) for t in row] for row in table.rows))


def rows_csv(columns: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    """The same CSV for rows of plain values (None is an empty cell)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([defused("" if v is None else str(v)) for v in row] for row in rows)
    return out.getvalue()


def table_json(table: Table) -> str:
    """``{"columns": [...], "rows": [{column: value}]}``; unbound cells are null."""
    rows = [{c: (None if t is None else cell(t)) for c, t in zip(table.columns, row)} for row in table.rows]
    return json.dumps({"columns": list(table.columns), "rows": rows}, ensure_ascii=False, indent=2) + "\n"
