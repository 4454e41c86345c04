"""The RDF served for a resource, read from the store, and its serialisations.

A resource's description is its triples as subject, the triples of blank nodes it points to, and the
labels and notations of the things it links to (``queries/pages/describe.rq``). The ontology is served
whole; one ontology term as its concise bounded description. JSON-LD is compacted with the project's
context (``ontology/context.jsonld``) plus the SKOS, OWL and ``aisid:`` prefixes, embedded inline.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import pyoxigraph as ox

from aiskills import namespaces as ns
from aiskills.pages.links import FORMATS
from aiskills.queries import NamedQuery, load_query
from aiskills.rdf import canonical, format_named, serialize, to_rdflib
from aiskills.resources import data_dir
from aiskills.store.base import Store

MEDIA_TYPES: dict[str, str] = {name: media for name, media, _, _ in FORMATS}


def page_query(name: str) -> NamedQuery:
    """A query of ``queries/pages/`` (read and syntax-checked on each call: a third of a millisecond)."""
    return load_query("pages", name)


def describe(store: Store, iri: str) -> list[ox.Triple]:
    """The description of ``iri`` from the store's active dataset (empty when it is unknown)."""
    return store.construct(page_query("describe").text, {"s": ox.NamedNode(iri)})


def ontology_triples(store: Store) -> list[ox.Triple]:
    """The whole ontology graph."""
    return store.triples(ns.ONTOLOGY_GRAPH)


def framework_triples(store: Store) -> list[ox.Triple]:
    """The current framework version's graph (empty when the store holds none)."""
    from aiskills.loading import current_framework

    current = current_framework(store)
    return current.triples if current else []


def bounded_description(triples: Sequence[ox.Triple], iri: str) -> list[ox.Triple]:
    """The triples about ``iri``, following blank nodes (restrictions, lists), plus the labels of
    the named things it links to."""
    by_subject: dict[object, list[ox.Triple]] = {}
    for t in triples:
        by_subject.setdefault(t.subject, []).append(t)
    out: list[ox.Triple] = []
    seen: set[object] = set()
    todo: list[object] = [ox.NamedNode(iri)]
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for t in by_subject.get(node, []):
            out.append(t)
            if isinstance(t.object, ox.BlankNode):
                todo.append(t.object)
    label = ox.NamedNode(ns.RDFS + "label")
    linked = {t.object for t in out if isinstance(t.object, ox.NamedNode)}
    out += [t for t in triples if t.subject in linked and t.predicate == label]
    return out


def prefixes(public_base: str) -> dict[str, str]:
    """Prefixes for Turtle and RDF/XML output."""
    return {
        **ns.PREFIXES,
        "aisid": public_base + "id/",
        "schema": "https://schema.org/",
        "ceasn": "https://purl.org/ctdlasn/terms/",
    }


def jsonld_context(public_base: str) -> str:
    """The compaction context as JSON text: ``ontology/context.jsonld`` with more prefixes."""
    path = data_dir("ontology") / "context.jsonld"
    context = dict(json.loads(path.read_text(encoding="utf-8"))["@context"])
    context.update(
        {
            "skos": ns.SKOS,
            "owl": ns.OWL,
            "schema": "https://schema.org/",
            "prov": ns.PROV,
            "aisid": public_base + "id/",
        }
    )
    return json.dumps(context)


def to_bytes(triples: Iterable[ox.Triple], fmt: str, public_base: str) -> bytes:
    """``triples`` in the named format (``ttl``, ``nt``, ``rdf``, ``jsonld``): sorted, blank nodes
    labelled canonically, so the same description always gives the same bytes."""
    triples = canonical(list(triples))
    if fmt == "jsonld":
        return _compacted_jsonld(triples, public_base)
    return serialize(triples, format_named(fmt), prefixes(public_base))


def _compacted_jsonld(triples: list[ox.Triple], public_base: str) -> bytes:
    """Compacted JSON-LD with the context inline (so no client has to fetch it)."""
    import rdflib

    graph = rdflib.Graph()
    for t in triples:
        graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    context = json.loads(jsonld_context(public_base))
    doc = json.loads(graph.serialize(format="json-ld", context=context, auto_compact=True))
    if isinstance(doc, dict) and isinstance(doc.get("@graph"), list):  # rdflib's node order follows hashing
        doc["@graph"].sort(key=lambda node: json.dumps(node, sort_keys=True))
    return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
