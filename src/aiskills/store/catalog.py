"""The catalogue graph: which named graphs exist, what they hold, and which are active.

Pure functions between catalogue entries and triples; no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pyoxigraph as ox

from aiskills.namespaces import CATALOG_GRAPH, DCT
from aiskills.store.base import CatalogEntry

_CATALOG = ox.NamedNode(CATALOG_GRAPH)
_HAS_PART = ox.NamedNode(DCT + "hasPart")
_TYPE = ox.NamedNode(DCT + "type")
_VERSION = ox.NamedNode(DCT + "hasVersion")
_OWN = {_HAS_PART.value, _TYPE.value, _VERSION.value}


def read_catalog(triples: Iterable[ox.Triple]) -> list[CatalogEntry]:
    """Entries recorded in the catalogue graph, sorted by graph IRI."""
    kinds: dict[str, str] = {}
    versions: dict[str, str] = {}
    active: set[str] = set()
    extra: dict[str, list[tuple[str, ox.NamedNode | ox.BlankNode | ox.Literal]]] = {}
    for t in triples:
        s, p, o = t.subject, t.predicate, t.object
        if s == _CATALOG and p == _HAS_PART and isinstance(o, ox.NamedNode):
            active.add(o.value)
        elif isinstance(s, ox.NamedNode) and p == _TYPE and isinstance(o, ox.Literal):
            kinds[s.value] = o.value
        elif isinstance(s, ox.NamedNode) and p == _VERSION and isinstance(o, ox.Literal):
            versions[s.value] = o.value
        elif isinstance(s, ox.NamedNode) and s != _CATALOG and p.value not in _OWN:
            extra.setdefault(s.value, []).append((p.value, o))  # type: ignore[arg-type]
    return [
        CatalogEntry(
            graph=g,
            kind=kinds[g],
            version=versions.get(g),
            active=g in active,
            extra=tuple(sorted(extra.get(g, []), key=lambda e: (e[0], str(e[1])))),
        )
        for g in sorted(kinds)
    ]


def merge_catalog(
    current: Sequence[CatalogEntry], updates: Sequence[CatalogEntry], dropped: Iterable[str] = ()
) -> list[CatalogEntry]:
    """The catalogue after a write: ``updates`` replace entries for the same graph."""
    gone = set(dropped) | {u.graph for u in updates}
    kept = [e for e in current if e.graph not in gone]
    return sorted(kept + list(updates), key=lambda e: e.graph)


def catalog_triples(entries: Sequence[CatalogEntry]) -> list[ox.Triple]:
    """Triples of the catalogue graph for ``entries``."""
    out: list[ox.Triple] = []
    for e in entries:
        g = ox.NamedNode(e.graph)
        out.append(ox.Triple(g, _TYPE, ox.Literal(e.kind)))
        if e.version is not None:
            out.append(ox.Triple(g, _VERSION, ox.Literal(e.version)))
        if e.active:
            out.append(ox.Triple(_CATALOG, _HAS_PART, g))
        out.extend(ox.Triple(g, ox.NamedNode(p), o) for p, o in e.extra)
    return out


def serialize_triples(triples: Iterable[ox.Triple]) -> bytes:
    """N-Triples bytes for ``triples`` (pyoxigraph escapes every term)."""
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
