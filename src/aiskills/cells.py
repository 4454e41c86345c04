"""Text cells written to and read from CSV: a cell a spreadsheet would run as a formula is written with
a ``'`` before it (``defused``), and reading takes that ``'`` off again (``restored``), so the round trip
is lossless."""

from __future__ import annotations

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
