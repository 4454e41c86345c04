"""``aiskills publish``: push a release folder to a store (a SPARQL 1.1 server), idempotently.

Everything is written through the storage port (``Store.replace_graphs``: the Graph Store Protocol
or SPARQL updates, as the server's dialect allows). Each artefact of the release goes to its own
named graph:
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

from aiskills import namespaces as ns
from aiskills.config import Settings
from aiskills.errors import InputError, StoreError
from aiskills.rdf import integer, read_triples, term_value
from aiskills.release import read_release
from aiskills.store import open_store
from aiskills.store.base import CatalogEntry, GraphData
from aiskills.store.catalog import catalog_triples, kind_of, merge_catalog

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
    """Put each artefact of the release ``folder`` into its graph in the store the settings name (a
    SPARQL 1.1 server, or an embedded store), through the storage port like every other write; see
    the module docstring. Raises ``StoreError`` if a graph's triple count does not match afterwards."""
    items = artefacts(folder)
    version = next(
        i.graph.removeprefix(RELEASE_GRAPH_PREFIX) for i in items if i.graph.startswith(RELEASE_GRAPH_PREFIX)
    )  # read once, by artefacts()
    with open_store(settings) as store:
        recorded = _manifest(store.triples(MANIFEST_GRAPH))
        outcomes, writes = [], []
        for item in items:
            if (
                recorded.get(item.graph) == (item.sha256, item.triples)
                and store.count(item.graph) == item.triples
            ):
                outcomes.append(Outcome(item.graph, "unchanged", item.triples))
                continue
            writes.append(GraphData(item.graph, item.data, ox.RdfFormat.N_TRIPLES))
            outcomes.append(Outcome(item.graph, "written", item.triples))
        manifest = _manifest_artefact({**recorded, **{i.graph: (i.sha256, i.triples) for i in items}})
        if writes or store.count(MANIFEST_GRAPH) != manifest.triples:
            writes.append(GraphData(MANIFEST_GRAPH, manifest.data, ox.RdfFormat.N_TRIPLES))
        current = store.catalog()
        entries = _entries(current, version, [w.graph for w in writes])
        changed = _catalogue_changes(current, entries)
        if writes or changed:
            store.replace_graphs(writes, entries)
        for item in items:
            live = store.count(item.graph)
            if live != item.triples:
                raise StoreError(
                    f"after publishing, <{item.graph}> holds {live} triples, the release has "
                    f"{item.triples}: run `aiskills publish` again, and check the server's log"
                )
        # the catalogue, read back wherever the store keeps it (a graph of its own, or a server's
        # default graph): every entry written is there, as every graph's count is checked above
        recorded_now = {(e.graph, e.kind, e.version, e.active) for e in store.catalog()}
        missing = [e.graph for e in entries if (e.graph, e.kind, e.version, e.active) not in recorded_now]
        if missing:
            raise StoreError(
                f"after publishing, the store's catalogue does not record <{missing[0]}> as written "
                f"({len(missing)} entries missing): run `aiskills publish` again, and check the server's log"
            )
        count = len(catalog_triples(merge_catalog(current, entries)))
        outcomes.append(Outcome(ns.CATALOG_GRAPH, "written" if changed else "unchanged", count))
        return outcomes


def _entries(current: list[CatalogEntry], version: str, written: list[str]) -> list[CatalogEntry]:
    """Catalogue entries making the release's ontology and framework version current (earlier
    framework versions kept, not queried), and entries for the other graphs written."""
    framework = ns.framework_graph(version)
    wanted = [
        CatalogEntry(ns.ONTOLOGY_GRAPH, "ontology", version),
        *(
            CatalogEntry(e.graph, e.kind, e.version, active=False, extra=e.extra)
            for e in current
            if e.kind == "framework" and e.graph != framework
        ),
        CatalogEntry(framework, "framework", version),
    ]
    named = {e.graph for e in wanted}
    known = {e.graph: e for e in current}
    wanted += [known.get(g) or CatalogEntry(g, kind_of(g)) for g in written if g not in named]
    return wanted


def _catalogue_changes(current: list[CatalogEntry], entries: list[CatalogEntry]) -> bool:
    """Whether recording ``entries`` changes what the catalogue says of the graphs they name."""
    known = {e.graph: e for e in current}
    return any(
        known.get(e.graph) is None or (known[e.graph].active, known[e.graph].version) != (e.active, e.version)
        for e in entries
        if e.kind in ("ontology", "framework")
    )


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
            ox.Triple(node, _TRIPLES, integer(count)),
        }
    return _artefact(MANIFEST_GRAPH, triples)
