"""The catalogue graph: which named graphs exist, what they hold, and which are active.

Pure functions between catalogue entries and triples; no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pyoxigraph as ox

from aiskills import namespaces as ns
from aiskills.namespaces import CATALOG_GRAPH, DCT
from aiskills.store.base import CatalogEntry

_CATALOG = ox.NamedNode(CATALOG_GRAPH)
_HAS_PART = ox.NamedNode(DCT + "hasPart")
_TYPE = ox.NamedNode(DCT + "type")
_VERSION = ox.NamedNode(DCT + "hasVersion")
_OWN = {_HAS_PART.value, _TYPE.value, _VERSION.value}
#: On the catalogue: a graph that exists on the server but is no part of the dataset (an earlier
#: framework version, a staging graph). Servers that cannot leave graphs out otherwise read it.
HIDDEN = ox.NamedNode(CATALOG_GRAPH + "#hidden")

#: The facts a catalogue read off the graphs themselves needs: each named graph, the ontology's
#: version or the framework version it conforms to, and the curriculum it holds.
FACTS_QUERY = """
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT ?g ?version ?subject WHERE {
  GRAPH ?g {
    OPTIONAL { <https://w3id.org/aiskills/ontology> owl:versionInfo ?ontologyVersion }
    OPTIONAL { ?g dct:subject ?subject }
    OPTIONAL { ?g dct:conformsTo ?framework }
  }
  BIND (COALESCE(?ontologyVersion, STRAFTER(STR(?framework), "/graph/framework/")) AS ?version)
}"""


def kind_of(graph: str) -> str:
    """What a graph holds, from its IRI: ``ontology``, ``framework``, ``curriculum`` or ``other``."""
    if graph == ns.ONTOLOGY_GRAPH:
        return "ontology"
    if graph.startswith(ns.FRAMEWORK_GRAPH_PREFIX):
        return "framework"
    if graph.startswith(ns.CURRICULUM_GRAPH_PREFIX):
        return "curriculum"
    return "other"


def entry_from_facts(graph: str, version: str | None, subject: str | None, *, active: bool) -> CatalogEntry:
    """A catalogue entry read off a graph (see ``FACTS_QUERY``) rather than recorded."""
    kind = kind_of(graph)
    if kind == "framework":
        version = graph[len(ns.FRAMEWORK_GRAPH_PREFIX) :]
    extra = ((ns.DCT_SUBJECT, ox.NamedNode(subject)),) if subject else ()
    return CatalogEntry(graph, kind, version, active=active, extra=extra)


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
        else:
            out.append(ox.Triple(_CATALOG, HIDDEN, g))
        out.extend(ox.Triple(g, ox.NamedNode(p), o) for p, o in e.extra)
    return out


def serialize_triples(triples: Iterable[ox.Triple]) -> bytes:
    """N-Triples bytes for ``triples`` (pyoxigraph escapes every term)."""
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
