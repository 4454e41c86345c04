"""Dump a whole store to N-Quads with a manifest of checksums, and restore it exactly.

``store.nq`` holds every graph (active and kept), sorted so the same store always dumps to the same
bytes; ``manifest.json`` lists each graph (kind, version, active, triple count, SHA-256 of its sorted
N-Triples) and the dump file's SHA-256. Restoring verifies every checksum first and then replaces the
store's contents in one write: a damaged dump changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from aiskills.errors import InputError
from aiskills.rdf import canonical
from aiskills.store.base import CatalogEntry, GraphData, Store

DUMP = "store.nq"
MANIFEST = "manifest.json"
FORMAT = "aiskills-dump/1"


@dataclass(frozen=True)
class DumpSummary:
    graphs: int
    triples: int
    sha256: str


def _graph_bytes(triples: list[ox.Triple]) -> bytes:
    """Sorted N-Triples; blank nodes relabelled canonically, so an isomorphic graph gives the same bytes."""
    if any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in triples):
        triples = canonical(triples)
    lines = sorted(set((ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode().splitlines()))
    return ("\n".join(lines) + "\n").encode() if lines else b""


def dump(store: Store, out: Path) -> DumpSummary:
    """Write ``out/store.nq`` and ``out/manifest.json``."""
    out.mkdir(parents=True, exist_ok=True)
    graphs = []
    total = 0
    with (out / DUMP).open("wb") as f:
        for entry in store.catalog():
            triples = store.triples(entry.graph)
            body = _graph_bytes(triples)
            g = str(ox.NamedNode(entry.graph))
            f.write("".join(f"{line[:-1]}{g} .\n" for line in body.decode().splitlines()).encode())
            count = body.count(b"\n")
            total += count
            graphs.append({"graph": entry.graph, "kind": entry.kind, "version": entry.version,
                           "active": entry.active, "triples": count,
                           "sha256": hashlib.sha256(body).hexdigest(),
                           "extra": [[p, str(o)] for p, o in entry.extra]})
    digest = hashlib.sha256((out / DUMP).read_bytes()).hexdigest()
    manifest = {"format": FORMAT, "file": DUMP, "sha256": digest, "triples": total, "graphs": graphs}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return DumpSummary(len(graphs), total, digest)


def restore(store: Store, source: Path) -> DumpSummary:
    """Replace the store's contents with a dump, after checking every checksum."""
    manifest = _manifest(source)
    data = (source / DUMP).read_bytes()
    if hashlib.sha256(data).hexdigest() != manifest["sha256"]:
        raise InputError("the dump does not match its manifest's checksum", source=str(source / DUMP),
                         fix="the file is damaged or was edited: take the dump again")
    by_graph: dict[str, list[ox.Triple]] = {}
    try:
        for quad in ox.parse(data, format=ox.RdfFormat.N_QUADS):
            by_graph.setdefault(quad.graph_name.value, []).append(quad.triple)  # type: ignore[union-attr]
    except SyntaxError as exc:
        raise InputError(f"the dump is not valid N-Quads: {exc}", source=str(source / DUMP)) from None
    contents, entries = [], []
    for g in manifest["graphs"]:
        triples = by_graph.get(g["graph"], [])
        body = _graph_bytes(triples)
        if hashlib.sha256(body).hexdigest() != g["sha256"]:
            raise InputError(f"graph <{g['graph']}> does not match its checksum", source=str(source / DUMP),
                             fix="the dump is damaged: take it again")
        contents.append(GraphData(g["graph"], body, ox.RdfFormat.N_TRIPLES))
        extra = tuple((p, ox.NamedNode(o[1:-1]) if o.startswith("<") else ox.Literal(o)) for p, o in g["extra"])
        entries.append(CatalogEntry(g["graph"], g["kind"], g["version"], active=g["active"], extra=extra))
    present = {e.graph for e in store.catalog()} | set(store.graph_names())
    store.replace_graphs(contents, entries, drop=sorted(present - {g["graph"] for g in manifest["graphs"]}))
    return DumpSummary(len(contents), sum(g["triples"] for g in manifest["graphs"]), manifest["sha256"])


def _manifest(source: Path) -> dict:  # type: ignore[type-arg]
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read the dump's manifest: {exc}", source=str(source / MANIFEST),
                         fix="restore from a folder written by `aiskills dump`") from None
    if manifest.get("format") != FORMAT:
        raise InputError(f"unknown dump format {manifest.get('format')!r}", source=str(source / MANIFEST),
                         fix=f"this version restores {FORMAT}")
    return manifest  # type: ignore[no-any-return]
