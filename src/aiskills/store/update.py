"""SPARQL 1.1 Update text, read on a masked copy (comments, IRIs and strings blanked, as ``binding``
does) so nothing inside them is taken for syntax: the protocol's dataset (``using-graph-uri``,
``using-named-graph-uri``) written into the operations as ``USING`` clauses, which pyoxigraph's
``Store.update`` has no parameter for.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from aiskills.errors import QueryError
from aiskills.store.binding import mask

_KEYWORD = r"(?<![\w:?$]){}(?![\w:\-])"
_WHERE = re.compile(_KEYWORD.format("WHERE"), re.IGNORECASE)
_DATASET = re.compile(_KEYWORD.format("(?:USING|WITH)"), re.IGNORECASE)
_DELETE_WHERE = re.compile(_KEYWORD.format(r"DELETE") + r"\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class _Operation:
    """One operation of an update: where its top-level WHERE is, and whether it names a dataset."""

    where: int | None
    names_dataset: bool


def operations(update: str) -> list[_Operation]:
    """The update's operations (split at top-level ``;``), each with the position of the WHERE of a
    ``DELETE``/``INSERT … WHERE`` (not of the ``DELETE WHERE`` short form, which takes no USING)."""
    masked = mask(update)
    found: list[_Operation] = []
    depth, start = 0, 0
    for i, ch in enumerate(masked + ";"):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == ";" and depth == 0:
            found.append(_operation(masked, start, i))
            start = i + 1
    return found


def _operation(masked: str, start: int, end: int) -> _Operation:
    where = None
    depth = 0
    top: list[str] = []
    for i in range(start, end):
        ch = masked[i]
        depth += ch == "{"
        depth -= ch == "}"
        top.append(ch if depth == 0 and ch not in "{}" else " ")
    text = "".join(top)
    for m in _WHERE.finditer(text):
        if not _DELETE_WHERE.search(text[: m.start()]):
            where = start + m.start()
        break
    return _Operation(where, bool(_DATASET.search(text)))


def with_dataset(update: str, default: Sequence[str], named: Sequence[str], *, protocol: bool) -> str:
    """``update`` with ``USING <g>`` for each of ``default`` and ``USING NAMED <g>`` for each of
    ``named`` before the WHERE of every operation that has one.

    ``protocol``: the graphs are the protocol's ``using-graph-uri``/``using-named-graph-uri``, and an
    operation that names its own dataset (``USING`` or ``WITH``) is an error, as the protocol says.
    Otherwise (the store's own dataset) such an operation is left as it is."""
    clauses = " ".join([f"USING {_iri(g)}" for g in default] + [f"USING NAMED {_iri(g)}" for g in named])
    if not clauses:
        return update
    inserts = []
    for op in operations(update):
        if op.names_dataset:
            if protocol:
                raise QueryError(
                    "the update names its own dataset (USING or WITH) and the request gives "
                    "using-graph-uri or using-named-graph-uri: use one or the other"
                )
            continue
        if op.where is not None:
            inserts.append(op.where)
    for at in sorted(inserts, reverse=True):
        update = f"{update[:at]}{clauses}\n{update[at:]}"
    return update


def _iri(graph: str) -> str:
    try:
        return str(ox.NamedNode(graph))
    except ValueError as exc:
        raise QueryError(f"graph <{graph}> is not a valid IRI: {exc}") from exc
