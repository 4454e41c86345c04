"""``aiskills publish``: push a release folder to a remote SPARQL 1.1 store, idempotently.

Each artefact of the release goes to its own named graph through the Graph Store Protocol (PUT):
the ontology, the framework version, each crosswalk, the change log (the graphs of ``all.nq``), and
the release's DCAT and VoID description. A manifest graph records each graph's SHA-256 (of its
sorted N-Triples) and triple count; before a PUT the manifest and the live triple count are compared
with the release, and an unchanged graph is left alone, so a second run writes nothing. After the
writes, every graph's triple count is read back and must match. Finally the store's catalogue records
the release's ontology and framework version as current (earlier framework versions and curricula
stay), so a server over that store serves the published release; it too is written only if it changes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import requests
from requests.auth import HTTPDigestAuth

from aiskills import namespaces as ns
from aiskills.config import Settings
from aiskills.errors import InputError, StoreError
from aiskills.rdf import read_triples, term_value
from aiskills.release import read_release
from aiskills.store.base import CatalogEntry
from aiskills.store.catalog import catalog_triples, merge_catalog
from aiskills.store.remote import N_TRIPLES, RemoteStore, check_response

MANIFEST_GRAPH = ns.GRAPH + "published"
RELEASE_GRAPH_PREFIX = ns.GRAPH + "release/"
_SHA = ox.NamedNode("http://spdx.org/rdf/terms#checksumValue")
_TRIPLES = ox.NamedNode("http://rdfs.org/ns/void#triples")


@dataclass(frozen=True)
class Artefact:
    """One named graph of a release: its IRI, its N-Triples (sorted) and their digest and count."""

    graph: str
    data: bytes
    sha256: str
    triples: int


@dataclass(frozen=True)
class Outcome:
    graph: str
    action: str  # "unchanged" or "written"
    triples: int


def artefacts(folder: Path) -> list[Artefact]:
    """The release's graphs, after checking its ``SHA256SUMS`` (a changed file is refused)."""
    verify_checksums(folder)  # before anything is parsed
    release = read_release(folder)
    graphs: dict[str, set[ox.Triple]] = {}
    for quad in ox.parse(path=str(folder / "all.nq"), format=ox.RdfFormat.N_QUADS):
        graphs.setdefault(str(quad.graph_name.value), set()).add(quad.triple)
    described = set(read_triples(folder / "catalog.ttl")) | set(read_triples(folder / "void.ttl"))
    graphs[RELEASE_GRAPH_PREFIX + release.version] = described
    return [_artefact(g, ts) for g, ts in sorted(graphs.items())]


def _artefact(graph: str, triples: set[ox.Triple]) -> Artefact:
    data = ox.serialize(sorted(triples, key=str), format=ox.RdfFormat.N_TRIPLES) or b""
    return Artefact(graph, data, hashlib.sha256(data).hexdigest(), len(triples))


def verify_checksums(folder: Path) -> None:
    """Every file listed in ``SHA256SUMS`` is there with that digest."""
    sums = folder / "SHA256SUMS"
    if not sums.is_file():
        raise InputError(
            "is not a release folder: it has no SHA256SUMS",
            source=str(folder),
            fix="give the folder that `aiskills release --out` wrote",
        )
    for n, line in enumerate(sums.read_text(encoding="utf-8").splitlines(), start=1):
        digest, _, name = line.partition("  ")
        path = folder / name
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            raise InputError(
                f"{name} is missing or differs from its checksum",
                source=str(sums),
                place=f"line {n}",
                fix="rebuild the release with `aiskills release`; do not edit its files",
            )


def publish(folder: Path, settings: Settings) -> list[Outcome]:
    """Put each artefact of the release ``folder`` into its graph on the remote store; see the module
    docstring. Raises ``StoreError`` if a graph's triple count does not match afterwards."""
    if not settings.graph_store:
        raise InputError(
            "no Graph Store Protocol endpoint",
            source="--graph-store",
            fix="give --graph-store URL (or AISKILLS_GRAPH_STORE)",
        )
    items = artefacts(folder)
    store = RemoteStore.from_settings(settings)
    session = requests.Session()
    if settings.user:
        session.auth = HTTPDigestAuth(settings.user, settings.password or "")
    try:
        recorded = _manifest(store.triples(MANIFEST_GRAPH))
        outcomes = []
        for item in items:
            if (
                recorded.get(item.graph) == (item.sha256, item.triples)
                and store.count(item.graph) == item.triples
            ):
                outcomes.append(Outcome(item.graph, "unchanged", item.triples))
                continue
            _put(session, settings, item.graph, item.data)
            outcomes.append(Outcome(item.graph, "written", item.triples))
        manifest = _manifest_artefact({**recorded, **{i.graph: (i.sha256, i.triples) for i in items}})
        if any(o.action == "written" for o in outcomes) or store.count(MANIFEST_GRAPH) != manifest.triples:
            _put(session, settings, MANIFEST_GRAPH, manifest.data)
        for item in items:
            live = store.count(item.graph)
            if live != item.triples:
                raise StoreError(
                    f"after publishing, <{item.graph}> holds {live} triples, the release has "
                    f"{item.triples}: run `aiskills publish` again, and check the server's log"
                )
        version = next(
            i.graph.removeprefix(RELEASE_GRAPH_PREFIX)
            for i in items
            if i.graph.startswith(RELEASE_GRAPH_PREFIX)
        )  # read once, by artefacts()
        outcomes.append(_catalogue(store, session, settings, version))
        return outcomes
    finally:
        store.close()
        session.close()


def _catalogue(store: RemoteStore, session: requests.Session, settings: Settings, version: str) -> Outcome:
    """Make the release's ontology and framework version current in the store's catalogue."""
    current = store.catalog()
    framework = ns.framework_graph(version)
    updates = [
        CatalogEntry(ns.ONTOLOGY_GRAPH, "ontology", version),
        *(
            CatalogEntry(e.graph, e.kind, e.version, active=False, extra=e.extra)
            for e in current
            if e.kind == "framework" and e.graph != framework
        ),
        CatalogEntry(framework, "framework", version),
    ]
    wanted = merge_catalog(current, updates)
    triples = catalog_triples(wanted)
    if sorted(current, key=lambda e: e.graph) == wanted:
        return Outcome(ns.CATALOG_GRAPH, "unchanged", len(triples))
    _put(session, settings, ns.CATALOG_GRAPH, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"")
    return Outcome(ns.CATALOG_GRAPH, "written", len(triples))


def _put(session: requests.Session, settings: Settings, graph: str, data: bytes) -> None:
    """One Graph Store Protocol PUT (replaces the graph)."""
    url = settings.graph_store or ""
    try:
        response = session.put(
            url,
            params={"graph": graph},
            data=data,
            headers={"Content-Type": N_TRIPLES},
            timeout=settings.timeout,
        )
    except requests.RequestException as exc:
        raise StoreError(f"cannot reach the Graph Store at {url}: {exc} (check --graph-store)") from exc
    check_response(response, url, write=True)


def _manifest(triples: list[ox.Triple]) -> dict[str, tuple[str, int]]:
    """Graph IRI → (SHA-256, triple count) as the manifest graph records them."""
    sha = {term_value(t.subject): term_value(t.object) for t in triples if t.predicate == _SHA}
    count = {term_value(t.subject): int(term_value(t.object)) for t in triples if t.predicate == _TRIPLES}
    return {g: (sha[g], count[g]) for g in sha if g in count}


def _manifest_artefact(entries: dict[str, tuple[str, int]]) -> Artefact:
    triples = set()
    for graph, (digest, count) in entries.items():
        node = ox.NamedNode(graph)
        triples |= {
            ox.Triple(node, _SHA, ox.Literal(digest)),
            ox.Triple(node, _TRIPLES, ox.Literal(str(count), datatype=ox.NamedNode(ns.XSD + "integer"))),
        }
    return _artefact(MANIFEST_GRAPH, triples)
