"""Embedded backend: pyoxigraph on disk (or in memory when no directory is given).

Two pyoxigraph stores make one aiskills store:

- ``active/`` holds exactly the active graphs (the ontology, the current framework version, every
  stored curriculum), each as a named graph. Queries run with the union of its named graphs as their
  default graph, which Oxigraph answers from one index: listing the graphs one by one instead costs
  a hundred times more once a thousand curricula are stored.
- ``archive/`` holds what is kept but not queried: earlier framework versions.

The catalogue is read off the graphs themselves (their IRIs, the framework's version, a curriculum's
provenance), so there is no bookkeeping that could disagree with the data. Every write to the active
store is one SPARQL update, which Oxigraph applies as one transaction: readers see the old graphs or
the new ones, never a graph half-written.

pyoxigraph cannot cancel a query, so a served store is not queried in the server's own process:
``aiskills serve`` hands the store to one engine process that alone writes it (``aiskills.store.engine``)
and runs every read in query processes over read-only snapshots, each stopped at the query timeout
(``aiskills.store.isolated``, ``aiskills.store.snapshots``). An ``EmbeddedStore`` itself runs queries
in-process (``run_query`` has no deadline here): the command line and tests use it directly.

SPARQL Update and the Graph Store Protocol (only with a write token; checked by the web layer) map
onto this model as follows:

- They act on the active store only: a graph an update creates is active at once and shows in the
  catalogue (as kind ``other`` unless its IRI is under a framework, ontology or curriculum prefix);
  a graph it drops leaves the catalogue. Earlier framework versions in the archive are never touched.
- The default graph is, as for queries, the union of the active graphs: the WHERE of an update that
  names no dataset (no ``USING``, ``WITH`` or ``using-graph-uri``) reads every active graph as its
  default graph and each as a named graph. Pyoxigraph's own default graph is never part of the
  dataset, so an update that would leave triples there (``INSERT DATA { <s> <p> <o> }`` without
  ``GRAPH``) is refused as a whole, with nothing written: data goes into named graphs.
- The Graph Store Protocol's ``?default`` can be read (the union) but not written, for the same reason.
- Updates run in-process, in one transaction each; only token holders can send them.
"""

from __future__ import annotations

import ctypes
import gc
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox

from aiskills.errors import InputError, QueryError, StoreError
from aiskills.store.base import CatalogEntry, GraphData, Progress, QueryResult, Store, Table, Term
from aiskills.store.binding import bind, mask
from aiskills.store.catalog import FACTS_QUERY, entry_from_facts, kind_of
from aiskills.store.update import NAMED_GRAPHS_ONLY, around, with_dataset, with_union

T = TypeVar("T")
#: A graph the default-graph guard of an update writes to when the update left triples in
#: pyoxigraph's default graph; creating it then fails, which rolls the whole update back.
_GUARD = "urn:x-aiskills:default-graph-guard"
_OPERATION = re.compile(
    r"(?<![\w:?$])(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)(?![\w:\-])", re.IGNORECASE
)
_GUARD_UPDATE = (
    f"INSERT {{ GRAPH <{_GUARD}> {{ <{_GUARD}> <{_GUARD}> <{_GUARD}> }} }} "
    "WHERE { SELECT * WHERE { ?s ?p ?o } LIMIT 1 } ;\n"
    f"CREATE GRAPH <{_GUARD}> ;\nDROP GRAPH <{_GUARD}>"
)


#: Past this many bytes of manifest, ``EmbeddedStore.renew`` reopens a database (about a hundred
#: writes' worth: a reopen costs tens of milliseconds).
MANIFEST_LIMIT = 256 * 1024


class EmbeddedStore(Store):
    """pyoxigraph stores on disk; ``path=None`` keeps everything in memory (tests, one-off checks)."""

    name = "embedded"

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        if path is not None:
            _finish_swap(path)
        self._active = _open(None if path is None else path / "active")
        self._archive = _open(None if path is None else path / "archive")
        self.writable = True
        #: Writes from this process's threads, one at a time: pyoxigraph runs concurrent updates on
        #: a store on disk at once, and an update that reads what it writes (the provision counts)
        #: could then lose another's change.
        self._writing = threading.Lock()

    @classmethod
    def read_only(cls, active: ox.Store, archive: ox.Store) -> EmbeddedStore:
        """A store over two pyoxigraph stores opened read-only (a snapshot: ``aiskills.store.snapshots``)."""
        store = cls.__new__(cls)
        store.path = None
        store._active, store._archive = active, archive
        store.writable = False
        store._writing = threading.Lock()
        return store

    # -- reads -----------------------------------------------------------------------------------
    def _query(
        self, query: str, bindings: Mapping[str, Term] | None, union: bool = False
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        store = self._combined() if union and _has_graphs(self._archive) else self._active
        try:
            return store.query(bind(query, bindings), use_default_graph_as_union=True)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from exc
        except OSError as exc:  # the storage, not the query
            raise StoreError(f"the store could not be read: {exc}") from exc
        except (ValueError, RuntimeError) as exc:
            raise QueryError(f"query failed: {exc}") from exc

    def _combined(self) -> ox.Store:
        """Active and archived graphs together (for ``union=True``, which is rare)."""
        both = ox.Store()
        both.extend(self._active)
        both.extend(self._archive)
        return both

    def select(self, query: str, bindings: Mapping[str, Term] | None = None, *, union: bool = False) -> Table:
        result = self._query(query, bindings, union)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError("expected a SELECT query")
        columns = tuple(v.value for v in result.variables)
        try:
            rows = [tuple(sol) for sol in result]  # in the order of the variables, None where unbound
        except OSError as exc:  # the storage, not the query
            raise StoreError(f"the store could not be read: {exc}") from exc
        except (ValueError, RuntimeError) as exc:
            raise QueryError(f"query failed: {exc}") from exc
        return Table(columns, rows)

    def ask(self, query: str, bindings: Mapping[str, Term] | None = None) -> bool:
        result = self._query(query, bindings)
        if not isinstance(result, ox.QueryBoolean):
            raise QueryError("expected an ASK query")
        return bool(result)

    def construct(self, query: str, bindings: Mapping[str, Term] | None = None) -> list[ox.Triple]:
        result = self._query(query, bindings)
        if not isinstance(result, ox.QueryTriples):
            raise QueryError("expected a CONSTRUCT or DESCRIBE query")
        return list(result)

    def protocol_query(
        self,
        query: str,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        *,
        base_iri: str | None = None,
        timeout: float | None = None,
    ) -> QueryResult:
        if default_graphs is None and named_graphs is None:
            dataset: dict[str, object] = {"use_default_graph_as_union": True}
        else:
            dataset = {
                "default_graph": self._held(default_graphs or []),
                "named_graphs": self._held(named_graphs or []),
            }
        try:
            return self._active.query(query, base_iri=base_iri, **dataset)  # type: ignore[arg-type]
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from exc
        except OSError as exc:  # the storage, not the query
            raise StoreError(f"the store could not be read: {exc}") from exc
        except (ValueError, RuntimeError) as exc:
            raise QueryError(f"query failed: {exc}") from exc

    def run_query(self, work: Callable[[Store], T], timeout: float) -> T:
        """In-process, without a deadline: a served store runs it in a query process instead
        (``aiskills.store.engine``)."""
        return work(self)

    # -- the SPARQL Update and Graph Store protocols -----------------------------------------------
    def protocol_update(
        self,
        update: str,
        using_graphs: Sequence[str] | None = None,
        using_named_graphs: Sequence[str] | None = None,
        *,
        base_iri: str | None = None,
    ) -> None:
        if using_graphs is None and using_named_graphs is None:
            text = with_union(update, _names(self._active), base_iri)
        else:
            text = with_dataset(update, using_graphs or [], using_named_graphs or [], protocol=True)
        try:
            with self._writing:
                self._active.update(_guarded(text), base_iri=base_iri)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from exc
        except (OSError, ValueError, RuntimeError) as exc:
            if _GUARD in str(exc):
                raise QueryError(
                    f"the update writes triples outside any named graph; {NAMED_GRAPHS_ONLY}"
                ) from exc
            if isinstance(exc, OSError):  # the storage, not the update
                raise StoreError(f"the store could not be written, nothing was changed: {exc}") from exc
            raise QueryError(f"the update failed and nothing was changed: {exc}") from exc
        with self._writing:  # RocksDB can hang on flushes from two threads at once
            self._active.flush()

    def graph_read(self, graph: str | None) -> list[ox.Triple] | None:
        if graph is None:
            seen = dict.fromkeys(q.triple for q in self._active if isinstance(q.graph_name, ox.NamedNode))
            return list(seen)
        node = _node(graph)
        triples = [q.triple for q in self._active.quads_for_pattern(None, None, None, node)]
        if not triples:  # a kept version (archived): readable by its IRI, though outside the dataset
            triples = [q.triple for q in self._archive.quads_for_pattern(None, None, None, node)]
        return triples or None

    def graph_write(self, graph: str, triples: Sequence[ox.Triple], *, replace: bool) -> bool:
        node = _node(graph)
        created = next(iter(self._active.quads_for_pattern(None, None, None, node)), None) is None
        if replace:
            self._write(_replace_update([(graph, list(triples))], []))
        elif triples:
            self._write(_insert_data(node, triples))
        return created

    def graph_delete(self, graph: str) -> bool:
        node = _node(graph)
        if next(iter(self._active.quads_for_pattern(None, None, None, node)), None) is None:
            return False
        self._write(_replace_update([], [graph]))
        return True

    def _write(self, update: str) -> None:
        try:
            with self._writing:
                self._active.update(update)
        except (OSError, ValueError, RuntimeError) as exc:
            raise StoreError(f"the write failed and nothing was changed: {exc}") from exc
        with self._writing:  # RocksDB can hang on flushes from two threads at once
            self._active.flush()

    def _held(self, graphs: Sequence[str]) -> list[ox.NamedNode]:
        """The graphs as nodes, each checked to be an active graph of this store."""
        nodes = []
        for graph in graphs:
            node = _node(graph)
            if not self._active.contains_named_graph(node):
                raise InputError(f"graph <{graph}> is not in this store (remote graphs are never fetched)")
            nodes.append(node)
        return nodes

    def graph_names(self) -> list[str]:
        return sorted(set(_names(self._active)) | set(_names(self._archive)))

    def triples(self, graph: str) -> list[ox.Triple]:
        g = ox.NamedNode(graph)
        store = self._active if self._active.contains_named_graph(g) else self._archive
        return [q.triple for q in store.quads_for_pattern(None, None, None, g)]

    def count(self, graph: str | None = None) -> int:
        if graph is not None:
            return len(self.triples(graph))
        return sum(1 for q in self._active if isinstance(q.graph_name, ox.NamedNode))

    def catalog(self, kinds: Collection[str] | None = None) -> list[CatalogEntry]:
        """Read off the graphs: the active store's are active, the archive's are kept. With
        ``kinds``, only the graphs whose IRI says they hold those kinds are read."""
        active = _names(self._active, kinds)
        facts: dict[str, tuple[str | None, str | None]] = {}
        if active:
            rows = self._active.query(
                FACTS_QUERY, named_graphs=None if kinds is None else [ox.NamedNode(g) for g in active]
            )
            assert isinstance(rows, ox.QuerySolutions)  # a SELECT query
            for row in rows:
                g, version, subject = row["g"], row["version"], row["subject"]
                facts[g.value] = (
                    version.value if version is not None else None,
                    subject.value if subject is not None else None,
                )
        entries = [entry_from_facts(g, *facts.get(g, (None, None)), active=True) for g in active]
        entries += [
            entry_from_facts(g, None, None, active=False)
            for g in _names(self._archive, kinds)
            if not self._active.contains_named_graph(ox.NamedNode(g))
        ]
        return sorted(entries, key=lambda e: e.graph)

    # -- writes ----------------------------------------------------------------------------------
    def replace_graphs(
        self,
        contents: Sequence[GraphData],
        catalog: Sequence[CatalogEntry] = (),
        *,
        drop: Iterable[str] = (),
        progress: Progress | None = None,
        before: Sequence[str] = (),
        after: Sequence[str] = (),
    ) -> None:
        parsed = []
        for i, item in enumerate(contents):
            try:
                triples = [
                    q.triple if isinstance(q, ox.Quad) else q for q in ox.parse(item.data, format=item.format)
                ]
            except SyntaxError as exc:
                raise StoreError(f"the data could not be parsed: {exc}") from exc
            parsed.append((item.graph, triples))
            if progress:
                progress(i + 1, len(contents))
        inactive = {e.graph for e in catalog if not e.active}
        archive = [g for g in inactive if g not in {c.graph for c in contents}]
        kept = [(g, t) for g, t in parsed if g in inactive]  # written straight to the archive
        dropped = list(drop)
        written = [item.graph for item in contents] + dropped
        try:
            with self._writing:
                for graph in archive:  # copied first: a crash after this leaves it both active and kept
                    self._copy_to_archive(graph)
                for graph, triples in kept:
                    self._write_archive(graph, triples)
                active = [(g, t) for g, t in parsed if g not in inactive]
                replace = _replace_update(active, archive + [g for g, _ in kept] + dropped)
                # one update: the hooks read and write in the replacement's transaction
                self._active.update(around(before, replace, after, written))
                for graph in dropped:
                    if self._archive.contains_named_graph(ox.NamedNode(graph)):
                        self._archive.remove_graph(ox.NamedNode(graph))
        except (OSError, ValueError, RuntimeError) as exc:
            raise StoreError(f"the write failed and nothing was changed: {exc}") from exc
        with self._writing:  # RocksDB can hang on flushes from two threads at once
            self._active.flush()

    def _copy_to_archive(self, graph: str) -> None:
        g = ox.NamedNode(graph)
        triples = [q.triple for q in self._active.quads_for_pattern(None, None, None, g)]
        if triples:
            self._write_archive(graph, triples)

    def _write_archive(self, graph: str, triples: list[ox.Triple]) -> None:
        self._archive.update(_replace_update([(graph, triples)], []))
        self._archive.flush()

    def can_replace_all(self) -> bool:
        """True when ``replace_all`` applies: a store on disk with nothing kept in its archive."""
        return self.path is not None and not _has_graphs(self._archive)

    def replace_all(self, nquads: Path) -> None:
        """Make the graphs of the N-Quads file ``nquads`` the whole store, as fast as pyoxigraph's
        bulk loader: loaded into a fresh directory, then swapped with ``active/`` in one rename
        (``renameat2`` exchange on Linux). A crash or a syntax error leaves the old store whole;
        a crash after the swap leaves the new one (``_finish_swap`` tidies up on the next open)."""
        if self.path is None or not self.can_replace_all():
            raise StoreError("replace_all needs an on-disk store with an empty archive")
        loading, ready = self.path / "active.loading", self.path / "active.new"
        shutil.rmtree(loading, ignore_errors=True)
        loading.mkdir()
        try:
            fresh = ox.Store(str(loading))
            fresh.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
            fresh.flush()
            del fresh
        except SyntaxError as exc:
            shutil.rmtree(loading, ignore_errors=True)
            raise StoreError(f"{nquads}: the data could not be parsed, nothing was changed: {exc}") from exc
        except (OSError, ValueError, RuntimeError) as exc:
            shutil.rmtree(loading, ignore_errors=True)
            raise StoreError(f"the load failed and nothing was changed: {exc}") from exc
        with self._writing:  # no other write of this process meets the store while it is swapped
            os.rename(loading, ready)  # complete: from here on the new data wins
            self._active.flush()
            del self._active
            try:
                _exchange(ready, self.path / "active")
            finally:
                _finish_swap(self.path)
                self._active = _open(self.path / "active")

    def renew(self, limit: int = MANIFEST_LIMIT) -> list[str]:
        """Reopen each database of this on-disk store (``active``, ``archive``) whose manifest has
        grown past ``limit`` bytes, and return their names. RocksDB logs every change of a database's
        files in its manifest, a few kilobytes per write, and writes a fresh one (the current files
        only) when the database is opened; a checkpoint copies the manifest and a reader replays it
        when it opens one, so a store written for long without being reopened would make every
        snapshot (``aiskills.store.snapshots``) larger and slower to open than the last."""
        if self.path is None or not self.writable:
            return []
        renewed = []
        with self._writing:
            if _manifest_bytes(self.path / "active") > limit:
                self._active.flush()
                del self._active
                self._active = _reopen(self.path / "active")
                renewed.append("active")
            if _manifest_bytes(self.path / "archive") > limit:
                self._archive.flush()
                del self._archive
                self._archive = _reopen(self.path / "archive")
                renewed.append("archive")
        return renewed

    def close(self) -> None:
        if self.writable:
            for store in (self._active, self._archive):
                store.flush()
        del self._active, self._archive


def _guarded(update: str) -> str:
    """``update`` followed by the default-graph guard (after a ``;`` unless it already ends with one)."""
    masked = mask(update).rstrip()
    has_operation = _OPERATION.search(masked) is not None  # else a prologue alone, or nothing
    joint = "\n" if masked.endswith(";") or not has_operation else "\n;\n"
    return update + joint + _GUARD_UPDATE


def _node(graph: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(graph)
    except ValueError as exc:
        raise InputError(f"graph <{graph}> is not a valid IRI: {exc}") from exc


def _open(path: Path | None) -> ox.Store:
    try:
        if path is None:
            return ox.Store()
        path.mkdir(parents=True, exist_ok=True)
        return ox.Store(str(path))
    except OSError as exc:
        raise StoreError(
            f"cannot open the store at {path.parent if path else 'memory'}: {exc} "
            "(is another aiskills process using it? set AISKILLS_STORE or --store to "
            "another directory)"
        ) from exc


def _manifest_bytes(path: Path) -> int:
    """The size of the RocksDB database at ``path``'s manifest (the one ``CURRENT`` names)."""
    try:
        name = (path / "CURRENT").read_text(encoding="utf-8").strip()
        return (path / name).stat().st_size
    except OSError:
        return 0


def _reopen(path: Path) -> ox.Store:
    """The database at ``path`` opened again once this process has let go of it (RocksDB refuses a
    second open of a database its own process holds; a reference may outlive ``del`` until the
    collector runs)."""
    for attempt in range(10):
        gc.collect()
        try:
            return ox.Store(str(path))
        except OSError:
            time.sleep(0.01 * (attempt + 1))
    return _open(path)


def _exchange(a: Path, b: Path) -> None:
    """Swap two directories atomically (Linux ``renameat2`` with ``RENAME_EXCHANGE``); elsewhere,
    move ``b`` aside and ``a`` into its place (``_finish_swap`` completes it after a crash)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        at_fdcwd, exchange = -100, 2
        if libc.renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), exchange) == 0:
            return
    except (OSError, AttributeError):
        pass
    os.rename(b, b.with_name("active.old"))
    os.rename(a, b)


def _finish_swap(path: Path) -> None:
    """Tidy what ``replace_all`` leaves: a complete new store with no ``active/`` becomes
    ``active/``; any other leftover directory (old data or an unfinished load) is removed."""
    active, ready = path / "active", path / "active.new"
    if ready.is_dir() and not active.exists():
        os.rename(ready, active)
    for leftover in ("active.new", "active.old", "active.loading"):
        shutil.rmtree(path / leftover, ignore_errors=True)


def _names(store: ox.Store, kinds: Collection[str] | None = None) -> list[str]:
    """The store's non-empty named graphs (of ``kinds``, by their IRIs: ``catalog.kind_of``)."""
    return sorted(
        g.value
        for g in store.named_graphs()
        if isinstance(g, ox.NamedNode)
        and (kinds is None or kind_of(g.value) in kinds)
        and next(iter(store.quads_for_pattern(None, None, None, g)), None) is not None
    )


def _has_graphs(store: ox.Store) -> bool:
    return next(iter(store.named_graphs()), None) is not None


def _replace_update(parsed: Sequence[tuple[str, list[ox.Triple]]], dropped: Sequence[str]) -> str:
    """One SPARQL update that replaces each graph's content and drops ``dropped``.

    Graph IRIs are checked by ``NamedNode``; the data is written by pyoxigraph as N-Triples, which
    escapes every term. Oxigraph applies the whole update as one transaction.
    """
    ops = [f"DROP SILENT GRAPH {ox.NamedNode(g)}" for g in dropped]
    for graph, triples in parsed:
        g = ox.NamedNode(graph)
        ops.append(f"DROP SILENT GRAPH {g}")
        if triples:
            ops.append(_insert_data(g, triples))
    return " ;\n".join(ops) if ops else "DROP SILENT GRAPH <urn:aiskills:nothing>"


def _insert_data(graph: ox.NamedNode, triples: Sequence[ox.Triple]) -> str:
    """``INSERT DATA`` of ``triples`` into ``graph``, written by pyoxigraph as escaped N-Triples."""
    body = (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode()
    return f"INSERT DATA {{ GRAPH {graph} {{\n{body}}} }}"
