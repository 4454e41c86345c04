"""SPARQL 1.1 Update text, read on a masked copy (comments, IRIs and strings blanked, as ``binding``
does) so nothing inside them is taken for syntax: the protocol's dataset (``using-graph-uri``,
``using-named-graph-uri``) written into the operations as ``USING`` clauses, which pyoxigraph's
``Store.update`` has no parameter for.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import pyoxigraph as ox

from aiskills.errors import QueryError
from aiskills.store.binding import group_end, group_start, mask, resolve_iris

_KEYWORD = r"(?<![\w:?$]){}(?![\w:\-])"
_WHERE = re.compile(_KEYWORD.format("WHERE"), re.IGNORECASE)
_DATASET = re.compile(_KEYWORD.format("(?:USING|WITH)"), re.IGNORECASE)
_DELETE_END = re.compile(_KEYWORD.format("DELETE") + "$", re.IGNORECASE)
_BRACE = re.compile(r"[{}]")
_STRUCTURE = re.compile(r"[{};]")


@dataclass(frozen=True)
class _Operation:
    """One operation of an update: where its top-level WHERE is, and whether it names a dataset."""

    where: int | None
    names_dataset: bool


def operations(update: str) -> list[_Operation]:
    """The update's operations (split at top-level ``;``), each with the position of the WHERE of a
    ``DELETE``/``INSERT … WHERE`` (not of the ``DELETE WHERE`` short form, which takes no USING).
    Only braces and semicolons are visited: an update can carry megabytes of data."""
    masked = mask(update) + ";"  # the last operation ends there, unless a brace is left open
    ends = _top_level_semicolons(masked)
    starts = [0, *(e + 1 for e in ends)][: len(ends)]
    return [_operation(masked, start, end) for start, end in zip(starts, ends, strict=True)]


def _top_level_semicolons(masked: str) -> list[int]:
    """Where the ``;`` outside every brace are in ``masked``: the ends of an update's operations.
    Only braces and semicolons are visited."""
    found: list[int] = []
    depth = 0
    for m in _STRUCTURE.finditer(masked):
        if m.group() == "{":
            depth += 1
        elif m.group() == "}":
            depth -= 1
        elif depth == 0:
            found.append(m.start())
    return found


def _operation(masked: str, start: int, end: int) -> _Operation:
    """The operation ``masked[start:end]``: where its first top-level WHERE is, unless it is the
    WHERE of the ``DELETE WHERE`` short form, and whether it names a dataset. The keywords are
    looked for in the stretches outside braces only (``_top_level_stretches``)."""
    where = None
    seen_where = names_dataset = False
    for at, text in _top_level_stretches(masked, start, end):
        if not seen_where and (found := _WHERE.search(text)):  # the first WHERE decides
            seen_where = True
            if not _short_delete(masked, start, at + found.start()):
                where = at + found.start()
        names_dataset = names_dataset or _DATASET.search(text) is not None
    return _Operation(where, names_dataset)


def _short_delete(masked: str, start: int, where: int) -> bool:
    """Whether the WHERE at ``where`` is the ``DELETE WHERE`` short form's: the keyword ``DELETE``
    and nothing but blanks before it (a ``DELETE { … } WHERE`` has its template between them)."""
    head = masked[start:where].rstrip()
    return _DELETE_END.search(head[-7:]) is not None


def _top_level_stretches(masked: str, start: int, end: int) -> list[tuple[int, str]]:
    """The stretches of ``masked[start:end]`` outside every brace, each with where it starts; an
    update can carry megabytes of data, all inside braces, which are passed over."""
    stretches: list[tuple[int, str]] = []
    depth, at = 0, start
    for m in _BRACE.finditer(masked, start, end):
        if depth == 0 and m.start() > at:
            stretches.append((at, masked[at : m.start()]))
        depth += 1 if m.group() == "{" else -1
        at = m.end()
    if depth == 0 and end > at:
        stretches.append((at, masked[at:end]))
    return stretches


def with_dataset(update: str, default: Sequence[str], named: Sequence[str], *, protocol: bool) -> str:
    """``update`` with ``USING <g>`` for each of ``default`` and ``USING NAMED <g>`` for each of
    ``named`` before the WHERE of every operation that has one.

    ``protocol``: the graphs are the protocol's ``using-graph-uri``/``using-named-graph-uri``, and an
    operation that names its own dataset (``USING`` or ``WITH``) is an error, as the protocol says.
    Otherwise (the store's own dataset) such an operation is left as it is."""
    return _using(update, operations(update), default, named, protocol=protocol)


def with_union(update: str, graphs: Sequence[str], base_iri: str | None = None) -> str:
    """``update`` with the union of ``graphs`` (a store's named graphs) as the dataset of every
    operation's WHERE that names none (``with_dataset``), and of the graphs the update itself names
    where a graph goes (``GRAPH``, ``TO``, ``INTO``): an operation reads what the operations before
    it in the same request wrote, into a graph the store did not hold yet too, as SPARQL 1.1 Update
    runs them one after the other."""
    ops = operations(update)
    graphs = list(graphs)
    if any(op.where is not None for op in ops[1:]):  # only a later operation can read an earlier one's
        held = set(graphs)
        graphs += [g for g in dict.fromkeys(graphs_named(update, base_iri)) if g not in held]
    return _using(update, ops, graphs, graphs, protocol=False)


_GRAPH_POSITION = re.compile(_KEYWORD.format("(?:GRAPH|TO|INTO)"), re.IGNORECASE)
_GRAPH_TOKEN = re.compile(r"\s*(<[^<>\s]*>|[A-Za-z][\w.\-]*:[^\s{}()\[\];,]*|:[^\s{}()\[\];,]*)")


def graphs_named(update: str, base_iri: str | None = None) -> list[str]:
    """The IRIs the update writes where a graph goes (after ``GRAPH``, ``TO`` or ``INTO``, outside
    comments, IRIs and strings), resolved against its prologue and ``base_iri`` by pyoxigraph's
    parser; a token that is no IRI is left out (the update's own parse reports it)."""
    masked = mask(update)
    tokens = [
        t.group(1) for m in _GRAPH_POSITION.finditer(masked) if (t := _GRAPH_TOKEN.match(update, m.end()))
    ]
    if not tokens:
        return []
    prologue = "\n".join(_prologue(update)[0])
    resolved = resolve_iris(prologue, tokens, base_iri)
    return [iri for iri in resolved.values() if isinstance(iri, str)]


def _using(
    update: str, ops: list[_Operation], default: Sequence[str], named: Sequence[str], *, protocol: bool
) -> str:
    """``with_dataset`` for the update's ``operations``."""
    clauses = " ".join([f"USING {_iri(g)}" for g in default] + [f"USING NAMED {_iri(g)}" for g in named])
    if not clauses:
        return update
    inserts = []
    for op in ops:
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


#: The variable a ``replace_graphs`` hook (``before``/``after``) reads the write's graphs from.
WRITTEN = "written"
_SUBSELECT = re.compile(r"\{\s*SELECT(?![\w:\-])", re.IGNORECASE)


def bind_written(updates: Sequence[str], graphs: Sequence[str]) -> str:
    """``updates`` joined into one update text, each with ``?written`` bound to ``graphs``: a
    ``VALUES ?written { <g> … }`` block put first in every sub-SELECT whose own pattern (not a
    nested sub-SELECT's) uses it. The graph IRIs are checked and written by pyoxigraph. With no
    graphs (or no updates) the text is empty: there is nothing to run.

    ``?written`` must appear only inside sub-SELECTs: unbound elsewhere it would match every graph,
    so that is a ``QueryError``.
    """
    names = list(dict.fromkeys(graphs))
    if not names or not updates:
        return ""
    block = f" VALUES ?{WRITTEN} {{ {' '.join(_iri(g) for g in names)} }} "
    return " ;\n".join(_bind_in_subselects(u, block) for u in updates)


def around(before: Sequence[str], operations: str, after: Sequence[str], graphs: Sequence[str]) -> str:
    """One update: ``before`` (bound by ``bind_written`` to ``graphs``), ``operations`` (an update
    without a prologue, which is taken as it is: it carries the data written, megabytes of it, and is
    never scanned), then ``after``. The hooks' ``PREFIX`` and ``BASE`` declarations are put first,
    once each: pyoxigraph takes a prologue only at the start of an update."""
    prologue: list[str] = []
    hooks = []
    for text in (bind_written(before, graphs), bind_written(after, graphs)):
        declared, body = _prologue(text)
        prologue += [d for d in dict.fromkeys(declared) if d not in prologue]
        hooks.append(body)
    parts = (hooks[0], operations, hooks[1])
    return "".join(f"{d}\n" for d in prologue) + " ;\n".join(p for p in parts if p and not p.isspace())


_DECLARATION = re.compile(r"\s*(PREFIX\s+[^\s:]*:|BASE)", re.IGNORECASE)


def _prologue(update: str) -> tuple[list[str], str]:
    """The ``PREFIX``/``BASE`` declarations of every operation of ``update``, and ``update``
    without them (read on a masked copy, where comments and IRIs are blanked)."""
    masked = mask(update)
    declared: list[str] = []
    cut: list[tuple[int, int]] = []
    for op_start in [0, *(i + 1 for i in _top_level_semicolons(masked))]:
        at = op_start
        while m := _DECLARATION.match(masked, at):
            iri = m.end() + len(update[m.end() :]) - len(update[m.end() :].lstrip())
            if not update.startswith("<", iri):
                break
            end = update.index(">", iri) + 1
            declared.append(" ".join(update[m.start(1) : m.end()].split()) + " " + update[iri:end])
            cut.append((m.start(1), end))
            at = end
    for start, end in reversed(cut):
        update = update[:start] + update[end:]
    return declared, update


def _bind_in_subselects(update: str, block: str) -> str:
    masked = mask(update)
    used = re.compile(rf"[?$]{WRITTEN}(?![\w\u00b7\u0300-\u036f\u203f-\u2040])")
    subselects = []  # (where the sub-SELECT starts, first index inside its WHERE group, its closing brace)
    for m in _SUBSELECT.finditer(masked):
        brace = group_start(masked, m.end())
        subselects.append((m.start(), brace + 1, group_end(masked, brace)))
    inserts, spans = [], []
    for begin, start, end in subselects:
        own = list(masked[start:end])
        for _, inner_start, inner_end in subselects:  # nested sub-SELECTs get their own block
            if start < inner_start and inner_end < end:
                own[inner_start - start : inner_end - start] = " " * (inner_end - inner_start)
        if used.search("".join(own)):
            inserts.append(start)
            spans.append((begin, end))
    for found in used.finditer(masked):
        if not any(begin <= found.start() < end for begin, end in spans):
            raise QueryError(f"?{WRITTEN} is used outside a sub-SELECT (at character {found.start()})")
    for at in sorted(inserts, reverse=True):
        update = update[:at] + block + update[at:]
    return update


#: Why an update that writes the default graph is refused, and what to do: the same on every backend.
NAMED_GRAPHS_ONLY = (
    "this store keeps data only in named graphs (the default graph of every query is their union): wrap "
    "the data in GRAPH <…> { … } or start the operation with WITH <…>. Nothing was changed"
)


def default_graph_write(
    update: str, base_iri: str | None = None, *, holds_catalog: bool = False
) -> str | None:
    """What in ``update`` writes into the default graph (or, where the server's own default graph
    holds the store's catalogue, ``holds_catalog``, clears it), in words, or None. A store that keeps
    data only in named graphs (their union is every query's default graph) refuses such an update
    whole; a remote server cannot be asked to roll it back afterwards, so it is read first (rdflib's
    SPARQL Update parser). An update rdflib cannot read is left to the server's parser."""
    from rdflib.plugins.sparql.algebra import translateUpdate
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        operations = translateUpdate(parseUpdate(update), base=base_iri).algebra
    except Exception:  # noqa: BLE001 -- its syntax is the server's to report, in its own words
        return None
    for number, op in enumerate(operations, start=1):
        get = partial(dict.get, op)  # rdflib's CompValue.get answers a missing key with its name
        where = f"operation {number} ({op.name})"
        if op.name == "InsertData" and get("triples"):
            return f"{where} inserts triples outside any GRAPH"
        if op.name == "Modify" and get("withClause") is None and dict.get(get("insert") or {}, "triples"):
            return f"{where} inserts triples outside any GRAPH, and names no graph WITH"
        if op.name in ("Add", "Copy", "Move") and list(get("graph") or [None, None])[1] == "DEFAULT":
            return f"{where} writes to the default graph"
        if holds_catalog and op.name in ("Clear", "Drop") and get("graphiri") == "DEFAULT":
            return f"{where} clears the default graph, where this server keeps the store's catalogue"
    return None
