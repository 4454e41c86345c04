"""The storage port: one small interface, two backends (embedded pyoxigraph, remote SPARQL 1.1).

Terms are pyoxigraph terms (``NamedNode``, ``BlankNode``, ``Literal``) whatever the backend, so the
layers above never see a backend's own result format.

Query dataset: unless a query names graphs itself, its default graph is the union of the active graphs
(the ontology, the current framework version, stored curricula); earlier framework versions are kept
but not queried. Writes are atomic per call: a reader sees every graph of a write replaced, or none.
How each backend keeps to that is in its module (``embedded``: one store of active graphs queried as a
union, an archive beside it, one SPARQL update per write; ``remote``: a catalogue graph, staging graphs
and one update that moves them into place).
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self, TypeVar

import pyoxigraph as ox

from aiskills.errors import StoreError

Term = ox.NamedNode | ox.BlankNode | ox.Literal
QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples
Progress = Callable[[int, int], None]
T = TypeVar("T")


@dataclass(frozen=True)
class Table:
    """A SELECT result: column names and rows of terms (``None`` where unbound)."""

    columns: tuple[str, ...]
    rows: list[tuple[Term | None, ...]] = field(default_factory=list)

    def values(self) -> list[tuple[str | None, ...]]:
        """Rows as plain strings (IRI text or literal value)."""
        return [tuple(None if t is None else t.value for t in row) for row in self.rows]

    def column(self, name: str) -> list[Term | None]:
        i = self.columns.index(name)
        return [row[i] for row in self.rows]


@dataclass(frozen=True)
class GraphData:
    """RDF content for one named graph, as serialised bytes in a pyoxigraph format."""

    graph: str
    data: bytes
    format: ox.RdfFormat


@dataclass(frozen=True)
class CatalogEntry:
    """A graph the catalogue records; ``active`` graphs make up the query dataset."""

    graph: str
    kind: str  # "ontology", "framework" or "curriculum"
    version: str | None = None
    active: bool = True
    extra: tuple[tuple[str, Term], ...] = ()  # further (predicate IRI, object) facts on the graph


class Store(abc.ABC):
    """Port every backend implements. Implementations do all I/O; callers pass settings in."""

    name: str = "store"

    # -- reads -----------------------------------------------------------------------------------
    @abc.abstractmethod
    def select(self, query: str, bindings: Mapping[str, Term] | None = None, *, union: bool = False) -> Table:
        """Run a SELECT query. ``bindings`` pre-bind variables through a ``VALUES`` block of
        escaped terms (``binding.bind``), the same way on every backend; never spliced in as text.

        ``union`` makes the default graph the union of every named graph (for ad-hoc queries
        that should also see inactive graphs); otherwise it is the active dataset.
        """

    @abc.abstractmethod
    def ask(self, query: str, bindings: Mapping[str, Term] | None = None) -> bool:
        """Run an ASK query over the active dataset."""

    @abc.abstractmethod
    def construct(self, query: str, bindings: Mapping[str, Term] | None = None) -> list[ox.Triple]:
        """Run a CONSTRUCT or DESCRIBE query over the active dataset."""

    @abc.abstractmethod
    def graph_names(self) -> list[str]:
        """Every non-empty named graph in the store (staging graphs excluded)."""

    @abc.abstractmethod
    def triples(self, graph: str) -> list[ox.Triple]:
        """All triples of one named graph."""

    @abc.abstractmethod
    def count(self, graph: str | None = None) -> int:
        """Number of triples in one named graph, or in all of ours when ``graph`` is None."""

    def protocol_query(
        self,
        query: str,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        *,
        base_iri: str | None = None,
        timeout: float | None = None,
    ) -> QueryResult:
        """Run a query as the SPARQL Protocol asks, returning pyoxigraph's lazy result.

        With neither list given, the default graph is the active dataset (the union of the active
        graphs) and every active graph is a named graph. Otherwise the default graph is the merge of
        ``default_graphs`` and the named graphs are ``named_graphs`` (either may be empty), each of
        which must be an active graph of this store (``InputError`` names the first that is not:
        remote graphs are never fetched). ``timeout`` bounds a query sent over the network (an embedded
        store is bounded by ``run_query`` instead). Backends that cannot do this raise
        ``ProtocolUnsupported``.
        """
        raise ProtocolUnsupported(
            f"the {self.name} store does not answer SPARQL Protocol queries itself: query its SPARQL "
            "server directly, or serve an embedded store"
        )

    def run_query(self, work: Callable[[Store], T], timeout: float) -> T:
        """``work(store)`` (which runs a user's query on ``store`` and renders its answer) within
        ``timeout`` seconds, or ``QueryTimeout``. Here it runs in-process on this store: a backend whose
        queries go over the network passes the timeout to its requests instead (``protocol_query``); a
        served embedded store sends ``work`` (picklable) to a query process that is stopped at the
        deadline (``aiskills.store.engine``)."""
        return work(self)

    def generation(self) -> bytes | None:
        """A name of the store's contents as they are now, which every write changes: what was read
        under one name may be given again while the store still names it (``aiskills.web.answers``).
        ``None``: none now (or never, on a store that names none), so that nothing kept is given."""
        return None

    # -- the SPARQL Update and Graph Store protocols (a write token has been checked by the caller) --
    def protocol_update(
        self,
        update: str,
        using_graphs: Sequence[str] | None = None,
        using_named_graphs: Sequence[str] | None = None,
        *,
        base_iri: str | None = None,
    ) -> None:
        """Apply a SPARQL 1.1 Update as one transaction; ``using_graphs``/``using_named_graphs`` are
        the protocol's ``using-graph-uri``/``using-named-graph-uri``. Backends that cannot do this
        raise ``ProtocolUnsupported``."""
        raise ProtocolUnsupported(
            f"the {self.name} store does not take SPARQL updates through this "
            "server: send them to its own update endpoint"
        )

    def graph_read(self, graph: str | None) -> list[ox.Triple] | None:
        """Graph Store GET: the triples of one graph, a kept version's too (``None`` when it holds
        none), or of the default graph (the union of the active graphs) when ``graph`` is None."""
        raise ProtocolUnsupported(f"the {self.name} store has no Graph Store Protocol here: use its own")

    def graph_write(self, graph: str, triples: Sequence[ox.Triple], *, replace: bool) -> bool:
        """Graph Store PUT (``replace``) or POST (merge) into one named graph, atomically; True when
        the graph did not exist before."""
        raise ProtocolUnsupported(f"the {self.name} store has no Graph Store Protocol here: use its own")

    def graph_delete(self, graph: str) -> bool:
        """Graph Store DELETE of one named graph; False when there was no such graph."""
        raise ProtocolUnsupported(f"the {self.name} store has no Graph Store Protocol here: use its own")

    # -- writes ----------------------------------------------------------------------------------
    @abc.abstractmethod
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
        """Atomically replace each graph in ``contents``, drop graphs in ``drop``, and record
        ``catalog`` entries (an entry for a graph replaces any earlier entry for it).

        ``progress(done, total)`` is called as each content is staged.

        ``before`` and ``after`` are SPARQL updates run in the same transaction as the replacement,
        just before and just after it, so that what they write is worked out from the data as that
        transaction sees it (no value read earlier is written back). In them ``?written`` is bound
        (``update.bind_written``) to the graphs of ``contents`` and ``drop`` that the transaction
        replaces; a backend that needs more than one transaction for a write (the Virtuoso dialect,
        past ``graphs_per_update`` graphs) runs them in each, bound to that transaction's graphs."""

    def can_replace_all(self) -> bool:
        """Whether ``replace_all`` can load a whole N-Quads dump in place of everything (a fast path)."""
        return False

    def replace_all(self, nquads: Path) -> None:
        """Replace every graph with those of ``nquads``, whole or not at all (when ``can_replace_all``)."""
        raise ProtocolUnsupported("this store cannot replace all its contents from a dump in one step")

    @abc.abstractmethod
    def close(self) -> None:
        """Release files and connections."""

    def check_writes(self) -> None:
        """Raise ``StoreError`` (or ``ConfigError``) now if a write would be refused later for a reason
        of the setup (a server's update endpoint or credentials), so that a server says so when it
        starts, not at its first write. A store on this machine has nothing to check."""

    @abc.abstractmethod
    def catalog(self, kinds: Collection[str] | None = None) -> list[CatalogEntry]:
        """The catalogue: every graph of ours, what it holds and whether it is active; with ``kinds``
        (entry kinds, such as ``ontology``, ``framework`` and ``curriculum``), only the entries of
        those kinds, which a store may read without reading the others (a store with thousands of
        curricula holds a handful of framework and ontology graphs)."""

    # -- shared helpers --------------------------------------------------------------------------
    def dataset(self) -> list[str]:
        """IRIs of the active graphs: the default graph of every query."""
        return [e.graph for e in self.catalog() if e.active]

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ProtocolUnsupported(StoreError):
    """This backend cannot run raw SPARQL Protocol queries."""
