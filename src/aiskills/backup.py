"""Dump a whole store to N-Quads with a manifest of checksums, and restore it exactly.

``store.nq`` holds every graph (active and kept), sorted so the same store always dumps to the same
bytes; ``manifest.json`` lists each graph (kind, version, active, triple count, SHA-256 of its sorted
N-Triples) and the dump file's SHA-256. Restoring verifies every checksum first and then replaces the
store's contents in one write: a damaged dump changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from aiskills.errors import InputError
from aiskills.rdf import canonical
from aiskills.store.base import CatalogEntry, GraphData, Store
from aiskills.store.catalog import kind_of

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
    return write_dump(((entry, store.triples(entry.graph)) for entry in store.catalog()), out)


def write_dump(graphs: Iterable[tuple[CatalogEntry, list[ox.Triple]]], out: Path) -> DumpSummary:
    """Write ``out/store.nq`` and ``out/manifest.json`` for ``graphs`` (each catalogue entry with
    its triples), one graph at a time. Both are written under other names first and renamed into
    place at the end, the manifest last: a dump that fails or is killed half-way leaves an earlier
    dump in ``out`` as it was, where it had been written over (and lost) from its first byte."""
    out.mkdir(parents=True, exist_ok=True)
    partial, pending = out / f".{DUMP}.partial", out / f".{MANIFEST}.partial"
    try:
        return _write_parts(graphs, out, partial, pending)
    finally:  # after a failure, no half-written part stays; after success they were renamed away
        partial.unlink(missing_ok=True)
        pending.unlink(missing_ok=True)


def _write_parts(
    graphs: Iterable[tuple[CatalogEntry, list[ox.Triple]]], out: Path, partial: Path, pending: Path
) -> DumpSummary:
    listed = []
    total = 0
    file_hash = hashlib.sha256()
    with partial.open("wb") as f:
        for entry, triples in graphs:
            body = _graph_bytes(triples)
            g = str(ox.NamedNode(entry.graph))
            chunk = "".join(f"{line[:-1]}{g} .\n" for line in body.decode().splitlines()).encode()
            f.write(chunk)
            file_hash.update(chunk)
            count = body.count(b"\n")
            total += count
            listed.append(
                {
                    "graph": entry.graph,
                    "kind": entry.kind,
                    "version": entry.version,
                    "active": entry.active,
                    "triples": count,
                    "sha256": hashlib.sha256(body).hexdigest(),
                    "extra": [[p, str(o)] for p, o in entry.extra],
                }
            )
        f.flush()
        os.fsync(f.fileno())
    digest = file_hash.hexdigest()
    manifest = {"format": FORMAT, "file": DUMP, "sha256": digest, "triples": total, "graphs": listed}
    pending.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(partial, out / DUMP)
    os.replace(pending, out / MANIFEST)
    return DumpSummary(len(listed), total, digest)


def verify(source: Path) -> tuple[dict, bool]:  # type: ignore[type-arg]
    """The dump's manifest, and whether the file was checked whole against its checksums in one pass
    (a dump as ``dump`` writes it); an ``InputError`` when it is damaged. Asked before a store is
    opened, a damaged dump leaves no store behind."""
    manifest = _manifest(source)
    return manifest, _check_in_one_pass(source / DUMP, manifest)


def restore(store: Store, source: Path, verified: tuple[dict, bool] | None = None) -> DumpSummary:  # type: ignore[type-arg]
    """Replace the store's contents with a dump, after checking every checksum.

    A dump as ``dump`` writes it (each graph's lines together and sorted) is checked in one pass
    over the file, line by line; an on-disk embedded store with nothing archived then loads it with
    pyoxigraph's bulk loader and swaps it in whole. Any other dump or store takes the general path:
    parse, check each graph, one ``replace_graphs`` write. ``verified``: what ``verify`` gave, when
    the caller asked it first.
    """
    manifest, checked = verified or verify(source)  # the file's own checksum: raises when it differs
    path = source / DUMP
    if checked and store.can_replace_all() and all(g["active"] for g in manifest["graphs"]):
        store.replace_all(path)
        return _summary(manifest)
    data = path.read_bytes()
    by_graph: dict[str, list[ox.Triple]] = {}
    try:
        for quad in ox.parse(data, format=ox.RdfFormat.N_QUADS):
            by_graph.setdefault(quad.graph_name.value, []).append(quad.triple)
    except SyntaxError as exc:
        raise InputError(f"the dump is not valid N-Quads: {exc}", source=str(path)) from None
    unlisted = sorted(set(by_graph) - {g["graph"] for g in manifest["graphs"]})
    if unlisted:
        raise _unlisted(path, unlisted)
    contents, entries = [], []
    for g in manifest["graphs"]:
        triples = by_graph.get(g["graph"], [])
        body = _graph_bytes(triples)
        if not checked and hashlib.sha256(body).hexdigest() != g["sha256"]:
            raise InputError(
                f"graph <{g['graph']}> does not match its checksum",
                source=str(path),
                fix="the dump is damaged: take it again",
            )
        contents.append(GraphData(g["graph"], body, ox.RdfFormat.N_TRIPLES))
        extra = tuple(
            (p, ox.NamedNode(o[1:-1]) if o.startswith("<") else ox.Literal(o)) for p, o in g["extra"]
        )
        entries.append(CatalogEntry(g["graph"], g["kind"], g["version"], active=g["active"], extra=extra))
    present = {e.graph for e in store.catalog()} | set(store.graph_names())
    store.replace_graphs(contents, entries, drop=sorted(present - {g["graph"] for g in manifest["graphs"]}))
    return _summary(manifest)


def _summary(manifest: dict) -> DumpSummary:  # type: ignore[type-arg]
    return DumpSummary(
        len(manifest["graphs"]), sum(g["triples"] for g in manifest["graphs"]), manifest["sha256"]
    )


def _damaged(path: Path) -> InputError:
    return InputError(
        "the dump does not match its manifest's checksum",
        source=str(path),
        fix="the file is damaged or was edited: take the dump again",
    )


def _check_in_one_pass(path: Path, manifest: dict) -> bool:  # type: ignore[type-arg]
    """Check the file's SHA-256 and every graph's, reading the file once, line by line.

    True when every checksum matches a dump laid out as ``dump`` writes it (graphs one after the
    other in manifest order, lines sorted); False when the layout differs, and the general path
    decides. A file that does not match its own checksum raises ``InputError`` at once.
    """
    expected = [(str(ox.NamedNode(g["graph"])), g["sha256"], g["triples"]) for g in manifest["graphs"]]
    file_hash = hashlib.sha256()
    seen: list[tuple[str, str, int]] = []
    graph, graph_hash, count, previous = None, hashlib.sha256(), 0, b""
    layout = True
    try:
        with path.open("rb") as f:
            for line in f:
                file_hash.update(line)
                if not layout:
                    continue
                head, _, name = line.rstrip(b" .\n").rpartition(b" ")
                if name.decode(errors="replace") != graph:
                    if graph is not None:
                        seen.append((graph, graph_hash.hexdigest(), count))
                    graph, graph_hash, count, previous = (
                        name.decode(errors="replace"),
                        hashlib.sha256(),
                        0,
                        b"",
                    )
                triple = head + b" .\n"
                if triple <= previous:
                    layout = False
                    continue
                graph_hash.update(triple)
                count += 1
                previous = triple
    except OSError as exc:
        raise InputError(f"cannot read the dump: {exc.strerror}", source=str(path)) from None
    if file_hash.hexdigest() != manifest["sha256"]:
        raise _damaged(path)
    if graph is not None:
        seen.append((graph, graph_hash.hexdigest(), count))
    listed = {e[0] for e in expected}
    unlisted = [name for name, _, _ in seen if name not in listed]
    if layout and unlisted:
        raise _unlisted(path, [name[1:-1] for name in unlisted])
    nonempty = [e for e in expected if e[2]]
    return layout and seen == nonempty


def _unlisted(path: Path, graphs: list[str]) -> InputError:
    return InputError(
        f"the dump holds {len(graphs)} graph(s) its manifest does not list, e.g. <{min(graphs)}>",
        source=str(path),
        fix="restore from a folder written by `aiskills dump`, unedited",
    )


def _manifest(source: Path) -> dict:  # type: ignore[type-arg]
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(
            f"cannot read the dump's manifest: {exc}",
            source=str(source / MANIFEST),
            fix="restore from a folder written by `aiskills dump`",
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        given = manifest.get("format") if isinstance(manifest, dict) else None
        raise InputError(
            f"unknown dump format {given!r}",
            source=str(source / MANIFEST),
            fix=f"this version restores {FORMAT}",
        )
    _check_manifest(manifest, str(source / MANIFEST))
    return manifest


_HEX64 = re.compile(r"[0-9a-f]{64}")
#: Kinds a graph may be recorded as besides the one its IRI says (``catalog.kind_of``).
_OWN_KINDS = frozenset({"provision", "scheme", "other"})


def _check_manifest(manifest: dict, where: str) -> None:  # type: ignore[type-arg]
    """Every field ``write_dump`` writes, of the type it writes, so that an edited or truncated
    manifest is refused by name (item and field) before anything is read, never a traceback."""

    def bad(what: str) -> InputError:
        return InputError(
            f"the manifest {what}",
            source=where,
            fix="restore from a folder written by `aiskills dump`, unedited",
        )

    if not isinstance(manifest.get("sha256"), str) or not _HEX64.fullmatch(manifest["sha256"]):
        raise bad("has no sha256 of the dump file (64 hexadecimal digits)")
    graphs = manifest.get("graphs")
    if not isinstance(graphs, list):
        raise bad("has no list of graphs (graphs)")
    seen: set[str] = set()
    for number, g in enumerate(graphs, start=1):
        item = f"graph {number}"
        if not isinstance(g, dict):
            raise bad(f"{item} is not an object")
        missing = [
            k for k in ("graph", "kind", "version", "active", "triples", "sha256", "extra") if k not in g
        ]
        if missing:
            raise bad(f"{item} has no {', '.join(missing)}")
        if not isinstance(g["graph"], str) or not _is_iri(g["graph"]):
            raise bad(f"{item}: graph {g['graph']!r} is not an IRI")
        item = f"graph {number} <{g['graph']}>"
        if g["graph"] in seen:
            raise bad(f"lists {item} twice")
        seen.add(g["graph"])
        if not isinstance(g["kind"], str) or g["kind"] != kind_of(g["graph"]) and g["kind"] not in _OWN_KINDS:
            raise bad(f"{item}: kind {g['kind']!r} is not what the graph holds ({kind_of(g['graph'])})")
        if g["version"] is not None and (not isinstance(g["version"], str) or not g["version"].strip()):
            raise bad(f"{item}: version {g['version']!r} is not a version")
        if not isinstance(g["active"], bool):
            raise bad(f"{item}: active {g['active']!r} is not true or false")
        if not isinstance(g["triples"], int) or isinstance(g["triples"], bool) or g["triples"] < 0:
            raise bad(f"{item}: triples {g['triples']!r} is not a count")
        if not isinstance(g["sha256"], str) or not _HEX64.fullmatch(g["sha256"]):
            raise bad(f"{item}: sha256 {g['sha256']!r} is not 64 hexadecimal digits")
        extra = g["extra"]
        if not isinstance(extra, list) or not all(
            isinstance(e, list)
            and len(e) == 2
            and all(isinstance(v, str) for v in e)
            and _is_iri(e[0])
            and (not e[1].startswith("<") or _is_iri(e[1][1:-1]))
            for e in extra
        ):
            raise bad(f"{item}: extra is not a list of [predicate IRI, value] pairs")
    current = [g["graph"] for g in graphs if g["kind"] == "framework" and g["active"]]
    if len(current) > 1:  # the store would answer from several versions at once
        raise bad(f"makes {len(current)} framework versions current ({', '.join(current)}): one at most")


def _is_iri(text: str) -> bool:
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True
