"""Spreadsheet cells: a cell a spreadsheet would run as a formula is written to CSV with a ``'`` before it
(``defused``), and reading takes that ``'`` off again (``restored``), so the round trip is lossless; a
header cell names its column in any case with spaces (``column_name``), and a header that lacks columns
gets the likely cause (``header_fix``). Both table readers (curricula, framework templates) use them."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

#: What a spreadsheet reads as the start of a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def formula_like(text: str) -> bool:
    """Text a spreadsheet would run as a formula (a number such as -1 is left alone)."""
    return text[:1] in FORMULA_START and not is_number(text)


def defused(cell: str) -> str:
    """``cell`` with a ``'`` before it if it would start a formula; a cell whose ``'`` already stand
    before a formula character gets one more, so that ``restored`` gives exactly the cell."""
    return "'" + cell if formula_like(cell.lstrip("'")) else cell


def restored(cell: str) -> str:
    """A CSV cell as ``defused`` had it: the ``'`` it put before a formula character taken off."""
    return cell[1:] if cell.startswith("'") and formula_like(cell.lstrip("'")) else cell


def column_name(cell: object) -> str:
    """A header cell as the column it names: any case, a space or ``-`` for ``_`` (a spreadsheet's
    ``Aligned capabilities`` is ``aligned_capabilities``)."""
    return re.sub(r"[\s\-]+", "_", str(cell or "").strip().lower())


def header_fix(
    rows: Sequence[Sequence[object]], top: int, required: Sequence[str], missing: Sequence[str]
) -> str:
    """How to fix the header row ``rows[top]`` that lacks the ``missing`` of the ``required`` columns: the
    ';' of a regional CSV export, a title above the real header (found in the next 20 rows), or the
    names nearly right."""
    header = [column_name(h) for h in rows[top]]
    if any(";" in h for h in header):
        return (
            "the file separates its columns with ';' (a spreadsheet set to a region that does): "
            "export it as CSV with commas (Excel: 'CSV UTF-8 (Comma delimited)')"
        )
    for i in range(top + 1, min(len(rows), top + 21)):
        if all(c in [column_name(h) for h in rows[i]] for c in required):
            return (
                f"the header is row {i + 1}: delete the rows above it (row {top + 1} to {i}), which are not "
                "part of the table"
            )
    near = []
    for column in missing:
        close = difflib.get_close_matches(column, [h for h in header if h not in required], n=1, cutoff=0.7)
        if close:
            near.append(f"rename {close[0]!r} to {column}")
    named = "; ".join(near) + "; " if near else ""
    return named + "the header row must name: " + ", ".join(required)
