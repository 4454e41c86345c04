"""Remote backend: a SPARQL 1.1 Protocol and Graph Store Protocol client. What one server does
differently lives in its dialect (``aiskills.store.dialects``: generic, Virtuoso, Oxigraph).

Reads go to the query endpoint (SPARQL JSON results, N-Triples for graphs) and are retried on
connection failures; updates go to the update endpoint and uploads to the Graph Store Protocol
endpoint, both with HTTP Digest auth and never retried. Every term is turned into a pyoxigraph
term, so callers see what the embedded backend gives them. Data to upload is parsed here by
pyoxigraph, as the embedded store parses it, and sent as N-Triples: Virtuoso's Graph Store
Protocol takes no N-Quads, TriG or JSON-LD, answers a Turtle syntax error with "unsupported
type text/plain" and resolves relative IRIs that pyoxigraph rejects.

Virtuoso behaviours handled here (the others are in its dialect):

* Its default graph holds system triples and ``GRAPH ?g`` sees its system graphs, so every query
  names its dataset (FROM and FROM NAMED clauses, an unused IRI when empty; not the protocol's
  parameters, which it echoes as one response header each: see ``dataset_in_text``).
* SELECT results stop silently at ``ResultSetMaxRows`` (the ``X-SPARQL-MaxRows`` header tells);
  such results are read again in pages ordered on every column, inside a sub-query because a
  top-level ``ORDER BY`` with a large ``OFFSET`` is refused, and checked against a COUNT.
  CONSTRUCT results reaching the cap cannot be paged: they raise ``StoreError``.
* A connection cut during the update that ends a write leaves the old data or the new, whole; which
  one is read back (are the write's staging graphs still there?) instead of sending it again.
* A write is uploaded to staging graphs (recorded as hidden), then moved into place by updates of at
  most ``graphs_per_update`` graphs, each with those graphs' catalogue entries and a marker graph it
  drops; the catalogue is never rewritten whole, so writers on other hosts keep their entries.
  Writers take turns through a lease kept in the store (``aiskills.store.lease``), on every server.
* An update Virtuoso rolled back whole as deadlocked with another (40001, SR172) is sent again
  after a random pause (``Dialect.rolled_back``).
* A failing multi-operation update is not rolled back (the endpoint commits what ran before the
  error), so the swap that ends a write uses only ``MOVE SILENT`` and ``DROP SILENT``, which do
  not fail on missing graphs; a transaction timeout or deadlock does roll the whole request back.
  A write's hooks (``before``/``after``: the provision counts) ride in the same request, before and
  after the moves; they are ``DELETE``/``INSERT … WHERE`` operations over graphs that exist, which
  fail only as the whole request does (a deadlock or timeout).
* Blank nodes come back as ``nodeID://…``; bound back into a query they are written as that IRI
  (with ``BIND`` when alone: a one-variable ``VALUES`` does not match them).
* Booleans come back as ``"1"``/``"0"`` in JSON results and are restored to ``true``/``false``.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import random
import re
import tempfile
import time
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import requests

from aiskills.config import Settings
from aiskills.errors import AiskillsError, ConfigError, InputError, QueryError, StoreError
from aiskills.namespaces import CATALOG_GRAPH, DCT, GRAPH, STAGING_GRAPH_PREFIX, XSD
from aiskills.store.base import CatalogEntry, GraphData, Progress, QueryResult, Store, Table, Term
from aiskills.store.binding import (
    bind,
    check_name,
    group_end,
    group_start,
    insert_into_where,
    mask,
    query_form,
)
from aiskills.store.catalog import (
    FACTS_QUERY,
    HIDDEN,
    catalog_triples,
    entry_from_facts,
    kind_of,
    read_catalog,
    serialize_triples,
)
from aiskills.store.dialects import ARCHIVED, Dialect, detect, named
from aiskills.store.isolated import QueryTimeout
from aiskills.store.lease import Lease, generation_of, generation_query
from aiskills.store.update import NAMED_GRAPHS_ONLY, around, default_graph_write, graphs_named, with_union

RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
#: Named in a dataset that must be empty; never written.
EMPTY_GRAPH = "urn:x-aiskills:empty-dataset"
VIRTUOSO_BNODE = "nodeID://"
#: A read is tried up to this many times on a connection failure, a 502/503/504 answer or a refusal
#: for cost (``Dialect.refused_for_cost``), and a write on an answer that says the server rolled it
#: back whole (``Dialect.rolled_back``), pausing 0.25 s, 0.5 s, 1 s… between tries (a write's pause
#: drawn between half and all of that, so that two writers that clashed do not clash again), and
#: never retried past the store's timeout.
READ_ATTEMPTS = 4
FIRST_PAUSE = 0.25
RETRY_STATUS = frozenset({502, 503, 504})
CAP_HEADER = "X-SPARQL-MaxRows"
CAP_QUERY = "SELECT (bif:virtuoso_ini_item_value ('SPARQL', 'ResultSetMaxRows') AS ?cap) {}"
#: Without a Graph Store Protocol endpoint: triples per INSERT DATA request, and the most
#: triples with blank nodes that one INSERT {…} WHERE {} takes (see ``sparql_inserts``).
INSERT_CHUNK = 2000
#: Staging graphs dropped per request: Virtuoso refuses an update of many hundreds of operations
#: ("SQ156 … Query too large").
DROP_CHUNK = 100
#: Seconds after which a staging graph is taken for one a crashed write left (no write takes so long).
STALE_STAGING = 6 * 3600
#: A write's lease on the store lives this much longer than one request may take, unrenewed.
LEASE_MARGIN = 30.0
_HAS_PART = ox.NamedNode(DCT + "hasPart")
TEMPLATE_LIMIT = 1000
_BOOLEAN = XSD + "boolean"
_ARCHIVED = ox.NamedNode(ARCHIVED)
_MODIFIER = re.compile(r"(?<![\w:?$])(ORDER\s+BY|LIMIT|OFFSET|VALUES)(?![\w:\-])", re.IGNORECASE)
_ERRNO = re.compile(r"\[Errno -?\d+\] [^'\")]+")
_BNODE_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")
_WHERE_NEXT = re.compile(r"\s*WHERE(?![\w:\-])", re.IGNORECASE)
_WHERE_BEFORE = re.compile(r"(?<![\w:?$])WHERE\s*$", re.IGNORECASE)


#: SPARQL updates run in a write's transaction: before and after its graphs are replaced.
_Hooks = tuple[Sequence[str], Sequence[str]]


@contextmanager
def _write_lock(update_endpoint: str) -> Iterator[None]:
    """Writes to one update endpoint from this host, one at a time: an ``flock`` on a file named
    after the endpoint in the temporary directory, opened anew for each write, so that it holds back
    this process's other threads as well as other processes of this user (a server's web workers,
    the command line). Neither Virtuoso 7 nor Oxigraph's server runs concurrent update requests one
    after the other: an update that reads what it writes (the provision counts) can lose another's
    change on Oxigraph and on Virtuoso (or be refused as deadlocked there). Writers on other hosts
    are held back by the store's write lease, taken next (``aiskills.store.lease``); should two
    write at once all the same, what they write is kept, as each write changes only its own graphs'
    catalogue entries and clears away only staging graphs old enough to be a crashed write's
    (``_drop_staging``)."""
    digest = hashlib.sha256(update_endpoint.encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"aiskills-{os.getuid()}-writes-{digest}.lock"
    try:
        handle = open(path, "a+b")  # noqa: SIM115 - held for the whole write
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # a lock per open file: threads of one process wait too
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(frozen=True)
class Upload:
    """One graph's content, parsed and written out again as N-Triples."""

    graph: str
    data: bytes
    size: int  # number of triples
    blank_nodes: bool


@dataclass(frozen=True)
class _Batch:
    """What one update of a staged write moves into place (``_stage``)."""

    moves: list[tuple[str, str, bool]]  # (staging graph, target graph, staging graph holds triples)
    dropped: list[str]
    marker: str  # a staging graph the update drops: gone means the update was applied
    graphs: tuple[str, ...]  # graphs whose catalogue entries this update changes
    entries: tuple[CatalogEntry, ...]  # their new entries (none for a dropped graph)

    def catalogue_update(self, staging: Sequence[str]) -> str:
        """Operations changing only this batch's graphs in the catalogue: their old entries and
        marks out (and the hidden marks of the batch's own staging graphs), the new entries in."""
        catalogue = ox.NamedNode(CATALOG_GRAPH)
        marks = [f"{catalogue} {p} {ox.NamedNode(g)} ." for g in self.graphs for p in (_HAS_PART, HIDDEN)] + [
            f"{catalogue} {HIDDEN} {ox.NamedNode(g)} ." for g in [*staging, self.marker]
        ]
        ops = [f"DELETE DATA {{ GRAPH {catalogue} {{ {' '.join(marks)} }} }}"]
        if self.graphs:
            values = " ".join(str(ox.NamedNode(g)) for g in self.graphs)
            ops.insert(
                0,
                f"DELETE {{ GRAPH {catalogue} {{ ?g ?p ?o }} }} "
                f"WHERE {{ VALUES ?g {{ {values} }} GRAPH {catalogue} {{ ?g ?p ?o }} }}",
            )
        added = serialize_triples(catalog_triples(self.entries)).decode()
        if added:
            ops.append(f"INSERT DATA {{ GRAPH {catalogue} {{\n{added}}} }}")
        return " ;\n".join(ops)


def _is_stale(staging_graph: str) -> bool:
    """Whether a staging graph's write began ``STALE_STAGING`` seconds ago or more (or its name
    tells no time: a write of an earlier version)."""
    began = staging_graph[len(STAGING_GRAPH_PREFIX) :].split("/", 1)[0].split("-", 1)[0]
    return not began.isdigit() or time.time() - int(began) >= STALE_STAGING


@dataclass(frozen=True)
class _Page:
    """One SELECT answer; ``cap`` is the server's row limit when the answer reached it."""

    table: Table
    cap: int | None = None


class RemoteStore(Store):
    """A SPARQL 1.1 Protocol (+ Graph Store Protocol) server seen through the ``Store`` port; what
    the server does differently is its ``Dialect`` (named, or detected from its first answer)."""

    name = "remote"

    def __init__(
        self,
        endpoint: str,
        *,
        update_endpoint: str | None = None,
        graph_store: str | None = None,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        dialect: str | Dialect | None = None,
    ) -> None:
        self.endpoint = endpoint
        self._given = (update_endpoint, graph_store)
        self.timeout = timeout
        self._session = requests.Session()
        self._credentials = (user, password or "") if user else None
        self._dialect: Dialect | None = named(dialect) if isinstance(dialect, str) else dialect
        self._layout_checked = False  # the store's layout matches the dialect (``_check_layout``)
        self._cap: int | None = None
        if self._dialect is not None:
            self._configure(self._dialect)

    @classmethod
    def from_settings(cls, settings: Settings) -> RemoteStore:
        """A store for the settings' endpoint, update endpoint, graph store, user, password, dialect."""
        if not settings.endpoint:
            raise ConfigError("no SPARQL endpoint given: set --endpoint or AISKILLS_ENDPOINT")
        return cls(
            settings.endpoint,
            update_endpoint=settings.update_endpoint,
            graph_store=settings.graph_store,
            user=settings.user,
            password=settings.password,
            timeout=settings.timeout,
            dialect=settings.dialect,
        )

    # -- the server's dialect --------------------------------------------------------------------
    @property
    def dialect(self) -> Dialect:
        """The server's dialect: as named, or detected from its answer to ``ASK {}`` (once: it is the
        server's identity, not data that changes)."""
        if self._dialect is None:
            try:
                response = self._send(
                    "GET",
                    self.endpoint,
                    write=False,
                    params={"query": "ASK {}"},
                    headers={"Accept": RESULTS_JSON},
                )
            except (StoreError, QueryError) as exc:  # ASK {} refused: not a SPARQL query endpoint's answer
                if re.search(r"\(HTTP (400|405|406|415)\)", str(exc)):
                    raise ConfigError(
                        f"{self.endpoint} does not answer SPARQL queries ({exc}): AISKILLS_ENDPOINT must be "
                        "the server's query endpoint (Oxigraph: http://HOST:7878/query; Virtuoso: "
                        "http://HOST:8890/sparql; Fuseki: http://HOST:3030/DATASET/query)"
                    ) from exc
                raise
            self._configure(detect(response))
        assert self._dialect is not None
        return self._dialect

    def _configure(self, dialect: Dialect) -> None:
        self._dialect = dialect
        update, graph_store = dialect.urls(self.endpoint)
        self._update_endpoint = self._given[0] or update
        self._graph_store = self._given[1] or graph_store
        if self._credentials is not None:
            self._session.auth = dialect.auth(*self._credentials)

    @property
    def update_endpoint(self) -> str:
        self.dialect  # noqa: B018 - the endpoints follow from the dialect
        return self._update_endpoint

    @property
    def graph_store(self) -> str | None:
        self.dialect  # noqa: B018
        return self._graph_store

    # -- reads -----------------------------------------------------------------------------------
    def select(self, query: str, bindings: Mapping[str, Term] | None = None, *, union: bool = False) -> Table:
        text = _bound(query, bindings)
        _expect(text, {"SELECT"}, "a SELECT query")
        if union and self.dialect.catalog_graph is None:
            return self._everything_select(text)
        text, params = self._scoped(text, union)
        return self._select(text, params)

    def ask(self, query: str, bindings: Mapping[str, Term] | None = None) -> bool:
        text = _bound(query, bindings)
        _expect(text, {"ASK"}, "an ASK query")
        text, params = self._scoped(text)
        doc = self._json(self._query(text, RESULTS_JSON, params))
        value = doc.get("boolean")
        if not isinstance(value, bool):
            raise StoreError(f"{self.endpoint} answered an ASK query without a boolean")
        return value

    def construct(self, query: str, bindings: Mapping[str, Term] | None = None) -> list[ox.Triple]:
        text = _bound(query, bindings)
        _expect(text, {"CONSTRUCT", "DESCRIBE"}, "a CONSTRUCT or DESCRIBE query")
        text, params = self._scoped(text)
        response = self._query(text, N_TRIPLES, params)
        triples = parse_graph(response, self.endpoint)
        cap = self._known_cap() if triples and self.dialect.row_cap else 0
        if cap and len(triples) >= cap:
            raise StoreError(
                f"the {len(triples)} triples from {self.endpoint} reach its result "
                f"limit ({cap}, Virtuoso ResultSetMaxRows) and may be cut: narrow the "
                "query, use a SELECT (read in pages) or raise the limit"
            )
        return triples

    def generation(self) -> bytes | None:
        """The generation every write names when it lets the write lease go (``lease``); ``None``
        while a claim on the lease stands. One short request."""
        return generation_of(self._select(generation_query(self.dialect.catalog_graph), []).values())

    def graph_names(self) -> list[str]:
        """The store's graphs: those under our namespace and those the catalogue records (a graph a
        user wrote under another IRI, through the Graph Store Protocol or an update); on a server whose
        default graph is the union of all its graphs (the oxigraph dialect) every graph is the
        store's, as it is part of every query's dataset. Never staging graphs."""
        held = set(self._graphs_under(""))  # the graphs that hold triples
        if self.dialect.catalog_graph is None:
            names = held | set(self._archived())
        else:
            names = {g for g in held if g.startswith(GRAPH)} | (held & {e.graph for e in self._catalog()})
        return sorted(g for g in names if not g.startswith(STAGING_GRAPH_PREFIX))

    def triples(self, graph: str) -> list[ox.Triple]:
        if self.dialect.catalog_graph is None:
            if graph == CATALOG_GRAPH:
                return catalog_triples(self.catalog())
            archived = self._archived(graph)
            if archived:
                return _parse_nt(archived[graph], graph)
        return self._graph_triples(graph)

    def _graph_triples(self, graph: str) -> list[ox.Triple]:
        table = self._select(f"SELECT ?s ?p ?o WHERE {{ GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }} }}", [])
        try:
            return [ox.Triple(s, p, o) for s, p, o in table.rows]  # type: ignore[arg-type]
        except TypeError as exc:
            raise StoreError(f"{self.endpoint} returned a malformed triple: {exc}") from exc

    def count(self, graph: str | None = None) -> int:
        if graph is None:
            return sum(self.count(g) for g in self.graph_names())
        if self.dialect.catalog_graph is None and self._archived(graph):
            return len(self.triples(graph))
        table = self._select(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }} }}", []
        )
        return _single_int(table, self.endpoint)

    def catalog(self, kinds: Collection[str] | None = None) -> list[CatalogEntry]:
        entries = self._catalog()
        return entries if kinds is None else [e for e in entries if e.kind in kinds]

    def _catalog(self) -> list[CatalogEntry]:
        if not self._layout_checked:
            self._check_layout()
        if self.dialect.catalog_graph is not None:
            return read_catalog(self.triples(self.dialect.catalog_graph))
        facts: dict[str, tuple[str | None, str | None]] = {}
        for g, version, subject in self._select(FACTS_QUERY, []).values():  # every graph: see graph_names
            if g is not None and not g.startswith(STAGING_GRAPH_PREFIX):
                facts[g] = (version, subject)
        entries = [entry_from_facts(g, *f, active=True) for g, f in facts.items()]
        entries += [entry_from_facts(g, None, None, active=False) for g in self._archived() if g not in facts]
        return sorted(entries, key=lambda e: e.graph)

    def _check_layout(self) -> None:
        """Refuse a store another dialect wrote: the ``oxigraph`` dialect keeps the catalogue in the
        server's default graph, the others in a graph of its own. Read with the wrong one, a store
        looked empty, and a server started on it loaded a second framework beside the first (a
        dialect detected from a proxy's ``Server`` header, or named wrongly)."""
        own_graph = self.dialect.catalog_graph is not None
        catalogue = self._holds(CATALOG_GRAPH)
        if own_graph and not catalogue:
            ours = [g for g in self._graphs_under(GRAPH) if not g.startswith(STAGING_GRAPH_PREFIX)]
            if ours:
                raise ConfigError(
                    f"{self.endpoint} holds {len(ours)} aiskills graph(s) (e.g. <{ours[0]}>) but no "
                    f"catalogue graph, as the {self.dialect.name} dialect keeps it: the store was written "
                    "with the oxigraph dialect (its catalogue is in the server's default graph); set "
                    "AISKILLS_SPARQL_DIALECT=oxigraph (a proxy in front of the server may hide its name)"
                )
        elif not own_graph and catalogue:
            raise ConfigError(
                f"{self.endpoint} holds a catalogue graph <{CATALOG_GRAPH}>, as the generic and virtuoso "
                "dialects keep it: the store was written with one of those, not the oxigraph dialect; set "
                "AISKILLS_SPARQL_DIALECT=generic"
            )
        self._layout_checked = True

    def _archived(self, graph: str | None = None) -> dict[str, bytes]:
        """Earlier versions kept in the server's default graph (dialects without a catalogue graph):
        graph IRI → N-Triples; only ``graph`` when given."""
        if graph is None:
            query = f"SELECT ?g ?data WHERE {{ ?g {_ARCHIVED} ?data }}"
        else:
            query = f"SELECT ?g ?data WHERE {{ BIND ({ox.NamedNode(graph)} AS ?g) ?g {_ARCHIVED} ?data }}"
        table = self._select(query, [])  # the server's own default graph
        return {g: (d or "").encode() for g, d in table.values() if g is not None}

    def _everything_select(self, text: str) -> Table:
        """A SELECT over every graph, archived ones too (``union=True`` on a server that keeps them
        as literals): answered here over a copy, as it is rare and only for ad-hoc queries."""
        copy = ox.Store()
        for g in self.graph_names():
            node = ox.NamedNode(g)
            copy.extend(ox.Quad(t.subject, t.predicate, t.object, node) for t in self.triples(g))
        try:
            result = copy.query(text, use_default_graph_as_union=True)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from exc
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError("expected a SELECT query")
        variables = result.variables
        return Table(tuple(v.value for v in variables), [tuple(s) for s in result])

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
        dropped = list(drop)
        uploads = []
        for i, item in enumerate(contents):
            uploads.append(to_upload(item))
            if progress:
                progress(i + 1, len(contents))
        with _write_lock(self.update_endpoint), self._lease() as lease:
            self._replace(uploads, catalog, dropped, (before, after), lease.renew)

    def _lease(self) -> Lease:
        """This write's lease on the store, so that writers on other hosts wait for it (``lease``)."""
        return Lease(
            self._update,
            lambda query: self._select(query, []).values(),  # the server's own default graph
            self.dialect.catalog_graph,
            ttl=self.timeout + LEASE_MARGIN,
            wait=self.timeout,
        )

    def _replace(
        self,
        uploads: Sequence[Upload],
        catalog: Sequence[CatalogEntry],
        dropped: Sequence[str],
        hooks: _Hooks,
        renew: Callable[[], None],
    ) -> None:
        """The write of ``replace_graphs``, its contents parsed; ``renew`` is called between its
        requests (the lease's)."""
        if self.dialect.atomic_updates:
            self._write_in_one(uploads, catalog, dropped, hooks)
            return
        self._drop_staging(stale=True)
        run = f"{int(time.time())}-{uuid.uuid4().hex}"
        try:
            batches = self._stage(run, uploads, catalog, dropped, renew)
        except _Cut as cut:
            self._drop_staging(run=run, quiet=True)
            raise StoreError(
                f"{cut}; the write stopped before anything changed: the store holds the "
                "old data (run it again)"
            ) from cut
        except AiskillsError:
            self._drop_staging(run=run, quiet=True)
            raise
        for batch in batches:
            renew()
            self._swap_one(run, batch, hooks)

    def close(self) -> None:
        self._session.close()

    # -- write steps -----------------------------------------------------------------------------
    def _write_in_one(
        self,
        uploads: Sequence[Upload],
        catalog: Sequence[CatalogEntry],
        dropped: Sequence[str],
        hooks: _Hooks = ((), ()),
    ) -> None:
        """One update for a server that applies an update as one transaction (Oxigraph): graphs
        replaced and dropped, earlier versions moved to (or back from) the default graph, with the
        ``before`` hooks first and the ``after`` hooks last."""
        inactive = {e.graph for e in catalog if not e.active}
        given = {u.graph for u in uploads}
        archive = [(g, serialize_triples(self._graph_triples(g))) for g in sorted(inactive - given)]
        ops: list[str] = []
        for item in uploads:
            node = ox.NamedNode(item.graph)
            ops.append(f"DROP SILENT GRAPH {node}")
            ops.append(f"DELETE WHERE {{ {node} {_ARCHIVED} ?data }}")
            if item.graph in inactive:
                archive.append((item.graph, item.data))
            elif item.size:
                ops.append(f"INSERT DATA {{ GRAPH {node} {{\n{item.data.decode()}}} }}")
        for graph in dropped:
            ops.append(f"DROP SILENT GRAPH {ox.NamedNode(graph)}")
            ops.append(f"DELETE WHERE {{ {ox.NamedNode(graph)} {_ARCHIVED} ?data }}")
        for graph, data in archive:
            if not data:
                continue
            node = ox.NamedNode(graph)
            ops.append(f"DROP SILENT GRAPH {node}")
            ops.append(f"DELETE WHERE {{ {node} {_ARCHIVED} ?data }}")
            ops.append(f"INSERT DATA {{ {node} {_ARCHIVED} {ox.Literal(data.decode())} }}")
        if not ops:
            return
        written = [u.graph for u in uploads] + list(dropped)
        try:
            self._update(around(hooks[0], " ;\n".join(ops), hooks[1], written))
        except _Cut as cut:
            raise StoreError(
                f"{cut}; the server applies an update whole or not at all: the store holds the old "
                "or the new data (check with `aiskills info` before running it again)"
            ) from cut

    def _stage(
        self,
        run: str,
        uploads: Sequence[Upload],
        catalog: Sequence[CatalogEntry],
        dropped: Sequence[str],
        renew: Callable[[], None] = lambda: None,
    ) -> list[_Batch]:
        """Upload every content to a staging graph of its own, and a marker graph for each batch the
        write will be moved into place in; return the batches. The staging graphs are first
        recorded as hidden in the catalogue, so that no question reads them.

        A batch holds at most ``graphs_per_update`` graphs (moved or dropped) and the catalogue
        entries of those graphs; entries for no graph written ride in the last batch. Each batch
        changes only its own graphs' entries (``_Batch.catalogue_update``), never the catalogue
        whole, so writers on other hosts, whose graphs are others, keep theirs."""
        targets: list[Upload | str] = [*uploads, *dropped]
        limit = self.dialect.graphs_per_update or len(targets) or 1
        groups = [targets[i : i + limit] for i in range(0, len(targets), limit)] or [[]]
        staging = {id(u): f"{STAGING_GRAPH_PREFIX}{run}/{i}" for i, u in enumerate(uploads)}
        markers = [f"{STAGING_GRAPH_PREFIX}{run}/batch-{k}" for k in range(len(groups))]
        hidden = [
            ox.Triple(ox.NamedNode(CATALOG_GRAPH), HIDDEN, ox.NamedNode(g))
            for g in [*staging.values(), *markers]
        ]
        record = Upload(CATALOG_GRAPH, serialize_triples(hidden), len(hidden), False)
        for update in sparql_inserts(CATALOG_GRAPH, record):
            self._update(update)
        for item in uploads:
            if item.size:
                renew()
                self._upload(staging[id(item)], item)
        for chunk in range(0, len(markers), DROP_CHUNK):
            self._update(
                " ;\n".join(
                    f"INSERT DATA {{ GRAPH {ox.NamedNode(m)} {{ {ox.NamedNode(m)} {HIDDEN} {ox.Literal(run)} }} }}"
                    for m in markers[chunk : chunk + DROP_CHUNK]
                )
            )
        entries = {e.graph: e for e in catalog}
        placed: set[str] = set()
        batches = []
        for k, group in enumerate(groups):
            moves = [(staging[id(u)], u.graph, u.size > 0) for u in group if isinstance(u, Upload)]
            gone = [g for g in group if isinstance(g, str)]
            graphs = [t for _, t, _ in moves] + gone
            placed.update(graphs)
            if k == len(groups) - 1:
                graphs += [g for g in entries if g not in placed]
            batches.append(
                _Batch(
                    moves,
                    gone,
                    markers[k],
                    tuple(graphs),
                    tuple(entries[g] for g in graphs if g in entries and g not in gone),
                )
            )
        return batches

    def _swap_one(self, run: str, batch: _Batch, hooks: _Hooks = ((), ())) -> None:
        """Move one batch's staged graphs into place, drop its dropped graphs and change their
        catalogue entries, in one update never sent twice. When the connection is cut on the way,
        the batch's marker graph tells whether the server applied it.

        The hooks ride in the same request as the moves and drops of the graphs they are bound to:
        each batch runs them for its own graphs (a batch is a transaction of its own, so counts
        kept by the hooks always match the graphs in place)."""
        moves, dropped = batch.moves, batch.dropped
        ops = " ;\n".join(
            op
            for op in (
                swap_update(moves, dropped),
                f"DROP SILENT GRAPH {ox.NamedNode(batch.marker)}",
                batch.catalogue_update([s for s, _, _ in moves]),
            )
            if op
        )
        try:
            self._update(around(hooks[0], ops, hooks[1], [t for _, t, _ in moves] + list(dropped)))
        except _Cut as cut:
            if self._swapped(run, [*moves, (batch.marker, batch.marker, True)], cut):
                return
            if cut.timed_out:  # a slow server may still apply it: leave the staging graphs be
                raise StoreError(
                    f"{cut}; it had not applied the write when asked and may still: the "
                    "store holds the old or the new data, whole (check with `aiskills "
                    "info` before running it again)"
                ) from cut
            self._drop_staging(run=run, quiet=True)
            raise StoreError(
                f"{cut}; the server did not apply the write: the store holds the old "
                "data, whole (the write was not sent again: run it again)"
            ) from cut
        except AiskillsError as exc:
            self._drop_staging(run=run, quiet=True)
            if "SQ156" in str(exc):
                raise StoreError(
                    f"{self.update_endpoint} cannot move {len(moves) + len(dropped)} graphs "
                    "into place in one update (Virtuoso SQ156: query too large); nothing "
                    "changed: write fewer graphs at once"
                ) from exc
            raise

    def _swapped(self, run: str, moves: Sequence[tuple[str, str, bool]], cut: _Cut) -> bool:
        """True when the server applied the swap of ``run`` whose answer was lost."""
        staged = {s for s, _, filled in moves if filled}
        try:
            left = set(self._graphs_under(f"{STAGING_GRAPH_PREFIX}{run}/"))
        except AiskillsError as exc:
            raise StoreError(
                f"{cut}; whether the server applied the write is unknown, it cannot be "
                f"asked ({exc}): the store holds the old or the new data, whole (check "
                "with `aiskills info` once the server answers)"
            ) from cut
        if not staged:
            raise StoreError(
                f"{cut}; whether the server applied the write (drops only) is unknown: "
                "the store holds the old or the new data, whole (check with `aiskills info`)"
            ) from cut
        return not left & staged

    def _drop_staging(self, *, run: str | None = None, stale: bool = False, quiet: bool = False) -> None:
        """Drop the staging graphs of write ``run``, or (``stale``) those that writes crashed or cut
        off left: named by no run time, or by one ``STALE_STAGING`` seconds ago or more (a writer on
        another host may still be using younger ones); and their hidden marks in the catalogue.
        Errors are ignored when ``quiet``."""
        try:
            prefix = STAGING_GRAPH_PREFIX + (f"{run}/" if run else "")
            marked = self._select(
                f"SELECT ?g WHERE {{ GRAPH {ox.NamedNode(CATALOG_GRAPH)} {{ "
                f"{ox.NamedNode(CATALOG_GRAPH)} {HIDDEN} ?g FILTER (STRSTARTS(STR(?g), {ox.Literal(prefix)})) }} }}",
                [],
            ).values()
            found = set(self._graphs_under(prefix)) | {g for (g,) in marked if g}
            graphs = sorted(g for g in found if run or not stale or _is_stale(g))
            chunk = self.dialect.graphs_per_update or DROP_CHUNK
            for i in range(0, len(graphs), chunk):  # staging graphs are unseen: no need for one request
                part = graphs[i : i + chunk]
                marks = " ".join(f"{ox.NamedNode(CATALOG_GRAPH)} {HIDDEN} {ox.NamedNode(g)} ." for g in part)
                self._update(
                    " ;\n".join(f"DROP SILENT GRAPH {ox.NamedNode(g)}" for g in part)
                    + f" ;\nDELETE DATA {{ GRAPH {ox.NamedNode(CATALOG_GRAPH)} {{ {marks} }} }}"
                )
        except AiskillsError:
            if not quiet:
                raise

    def _upload(self, graph: str, item: Upload) -> None:
        """Put ``item`` into ``graph``: Graph Store Protocol PUT, or SPARQL inserts without one."""
        if self.graph_store is not None:
            self._send(
                "PUT",
                self.graph_store,
                write=True,
                params={"graph": graph},
                data=item.data,
                headers={"Content-Type": N_TRIPLES},
            )
            return
        for update in sparql_inserts(graph, item):
            self._update(update)

    def _update(self, update: str) -> None:
        """Run one SPARQL update request (never retried)."""
        self._send(
            "POST",
            self.update_endpoint,
            write=True,
            data={"update": update},
            headers={"Accept": RESULTS_JSON},
        )

    # -- the SPARQL Protocol ----------------------------------------------------------------------
    def protocol_query(
        self,
        query: str,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        *,
        base_iri: str | None = None,
        timeout: float | None = None,
    ) -> QueryResult:
        """Forwarded to the server with the dataset named (the active dataset unless the caller
        names graphs, each of which must be active here) and ``timeout`` on the request: past it the
        caller gets ``QueryTimeout``. A result the server cut at its row limit is an error, never
        passed on."""
        text = f"BASE {ox.NamedNode(base_iri)}\n{query}" if base_iri else query
        if default_graphs is None and named_graphs is None:
            text, params = self._scoped(text)
        else:
            held = set(self.dataset())
            for graph in [*(default_graphs or []), *(named_graphs or [])]:
                if graph not in held:
                    raise InputError(
                        f"graph <{graph}> is not in this store (remote graphs are never fetched)"
                    )
            params = [("default-graph-uri", g) for g in default_graphs or [EMPTY_GRAPH]] + [
                ("named-graph-uri", g) for g in named_graphs or [EMPTY_GRAPH]
            ]
        form, _ = query_form(query)
        is_graph = form in ("CONSTRUCT", "DESCRIBE")
        response = self._query(
            text, N_TRIPLES if is_graph else RESULTS_JSON, params, deadline=timeout or self.timeout
        )
        cap = _cap_of(response)
        if (
            cap is not None
            and not is_graph
            and form != "ASK"
            and len(self._json(response).get("results", {}).get("bindings", [])) >= cap
        ):
            raise StoreError(
                _cut(
                    cap,
                    "a protocol query is not read again in pages: add LIMIT and OFFSET to read it in parts",
                )
            )
        try:
            if is_graph:
                return parse_graph(response, self.endpoint)  # type: ignore[return-value]
            media = response.headers.get("Content-Type", RESULTS_JSON).split(";")[0].strip()
            fmt = ox.QueryResultsFormat.from_media_type(media) or ox.QueryResultsFormat.JSON
            return ox.parse_query_results(response.content, format=fmt)
        except SyntaxError as exc:
            raise StoreError(f"{self.endpoint} answered with a malformed result: {exc}") from exc

    # -- the SPARQL Update and Graph Store protocols (through our server, with a write token) ------
    def protocol_update(
        self,
        update: str,
        using_graphs: Sequence[str] | None = None,
        using_named_graphs: Sequence[str] | None = None,
        *,
        base_iri: str | None = None,
    ) -> None:
        """Sent to the server's update endpoint as it is (with the protocol's dataset parameters),
        taking turns with every other write to the store (the host's lock, then the lease); the
        server's own rules apply to it (Virtuoso: not one transaction; an operation that fails leaves
        those before it applied). An update that writes into the default graph is refused before it
        is sent (``update.default_graph_write``): this store keeps data only in named graphs. Where the
        dialect asks (``update_using``) and the protocol names no dataset, the WHERE of each operation
        reads the active dataset, as every query does, through ``USING`` clauses."""
        found = default_graph_write(update, base_iri, holds_catalog=self.dialect.catalog_graph is None)
        if found is not None:
            raise QueryError(f"the update {found}; {NAMED_GRAPHS_ONLY}")
        entries = self._catalog()  # read once: the dataset of the WHERE, and what the update adds to it
        sent, before = update, ""
        if not using_graphs and not using_named_graphs:
            if self.dialect.update_using:
                sent = with_union(update, [e.graph for e in entries if e.active], base_iri)
            elif self.dialect.reads_hidden:
                before = self.dialect.update_text(self._hidden())
        text = before + (f"BASE {ox.NamedNode(base_iri)}\n{sent}" if base_iri else sent)
        data = [("update", text)]
        data += [("using-graph-uri", g) for g in using_graphs or []]
        data += [("using-named-graph-uri", g) for g in using_named_graphs or []]
        try:
            with _write_lock(self.update_endpoint), self._lease():
                self._send(
                    "POST", self.update_endpoint, write=True, data=data, headers={"Accept": RESULTS_JSON}
                )
        except StoreError as exc:
            if "HTTP 400" in str(exc) or "HTTP 500" in str(exc):
                raise QueryError(f"the update failed: {exc}") from exc
            raise
        self._catalogue_written(graphs_named(update, base_iri), {e.graph for e in entries})

    def _holds(self, graph: str) -> bool:
        """Whether ``graph`` holds a triple (one row read, however large the graph)."""
        query = f"SELECT ?s WHERE {{ GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }} }} LIMIT 1"
        return bool(self._select(query, []).rows)

    def check_writes(self) -> None:
        """A write that changes nothing (``DROP SILENT`` of a graph no one names), sent as every
        write is: a wrong update endpoint or wrong credentials fail here, once, when a server starts."""
        probe = f"DROP SILENT GRAPH <{STAGING_GRAPH_PREFIX}write-check>"
        try:
            self._send("POST", self.update_endpoint, write=True, data=[("update", probe)], headers={})
        except StoreError as exc:
            raise StoreError(
                f"the store takes no writes at {self.update_endpoint}: {exc} (check AISKILLS_UPDATE_ENDPOINT, "
                "and AISKILLS_USER and AISKILLS_PASSWORD)"
            ) from exc

    def _catalogue_written(self, graphs: Sequence[str], known: set[str]) -> None:
        """Keep the catalogue as the graphs an update named now are, as a Graph Store write does and
        as the embedded store reads it off its graphs: a graph it filled is recorded (then in the
        dataset, the dump and ``info``), one it emptied (``DROP``, ``CLEAR``) is no longer. ``known``:
        the graphs the catalogue recorded before the update. Dialects whose catalogue is read off the
        graphs need nothing."""
        if self.dialect.catalog_graph is None or not graphs:
            return
        named = [g for g in dict.fromkeys(graphs) if not g.startswith(STAGING_GRAPH_PREFIX)]
        holding = {g: self._holds(g) for g in named}
        filled = [g for g in named if holding[g] and g not in known]
        emptied = [g for g in named if not holding[g] and g in known]
        if filled or emptied:
            self.replace_graphs([], [CatalogEntry(g, kind_of(g)) for g in filled], drop=emptied)

    def graph_read(self, graph: str | None) -> list[ox.Triple] | None:
        if graph is None:
            return self.construct("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
        triples = self.triples(graph)  # a kept version too, where the dialect archives it
        return triples or None

    def graph_write(self, graph: str, triples: Sequence[ox.Triple], *, replace: bool) -> bool:
        before = self._graph_triples(graph)
        content = list(triples) if replace else list(dict.fromkeys([*before, *triples]))
        data = GraphData(graph, serialize_triples(content), ox.RdfFormat.N_TRIPLES)
        self.replace_graphs([data], [CatalogEntry(graph, kind_of(graph))])
        return not before

    def graph_delete(self, graph: str) -> bool:
        if not self._graph_triples(graph):
            return False
        self.replace_graphs([], drop=[graph])
        return True

    # -- query plumbing --------------------------------------------------------------------------
    def _scoped(self, query: str, union: bool = False) -> tuple[str, list[tuple[str, str]]]:
        """``query`` and protocol parameters that make its dataset the active graphs (or, with
        ``union``, every graph of ours), as the server's dialect allows."""
        dialect = self.dialect
        if union or dialect.names_graphs:
            names = self.graph_names()
            default = names if union else self.dataset()
            return query, [("default-graph-uri", g) for g in default or [EMPTY_GRAPH]] + [
                ("named-graph-uri", g) for g in names or [EMPTY_GRAPH]
            ]
        if dialect.reads_hidden:
            return dialect.dataset_text(self._hidden(), query) + query, []
        return query, dialect.dataset_params()

    def _hidden(self) -> list[str]:
        """Graphs the catalogue records as no part of the dataset (earlier versions, staging)."""
        table = self._select(
            f"SELECT ?g WHERE {{ GRAPH {ox.NamedNode(CATALOG_GRAPH)} {{ {ox.NamedNode(CATALOG_GRAPH)} "
            f"{HIDDEN} ?g }} }}",
            [],
        )
        return [g for (g,) in table.values() if g]

    def _graphs_under(self, prefix: str) -> list[str]:
        """Sorted IRIs of the graphs that hold triples and start with ``prefix`` (every graph for ``""``:
        no filter then, as Virtuoso takes an empty string for no value)."""
        literal = ox.Literal(prefix)
        test = f"FILTER (STRSTARTS(STR(?g), {literal}))" if prefix else ""
        table = self._select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {test} }}", [])
        return sorted(t.value for (t,) in table.rows if isinstance(t, ox.NamedNode))

    def _select(self, query: str, params: Sequence[tuple[str, str]]) -> Table:
        """A complete SELECT result: read again in pages when the server cut it."""
        first = self._select_page(query, params)
        if first.cap is None:
            return first.table
        return self._select_pages(query, params, first.table.columns, first.cap)

    def _select_pages(
        self, query: str, params: Sequence[tuple[str, str]], columns: tuple[str, ...], cap: int
    ) -> Table:
        """Every row of ``query``, ``cap`` at a time, checked against a COUNT of the rows."""
        rows: list[tuple[Term | None, ...]] = []
        try:
            while True:
                page = self._select_page(paged_query(query, columns, len(rows), cap), params)
                rows.extend(_reorder(page.table, columns))
                if len(page.table.rows) < cap:
                    break
            expected = _single_int(self._select_page(count_query(query), params).table, self.endpoint)
        except QueryError as exc:
            raise StoreError(_cut(cap, f"reading it in pages failed: {exc}")) from exc
        if expected != len(rows):
            raise StoreError(_cut(cap, f"{len(rows)} rows were read in pages but it has {expected}"))
        return Table(columns, rows)

    def _select_page(self, query: str, params: Sequence[tuple[str, str]]) -> _Page:
        """One SELECT request; notes the server's row limit when the answer reached it."""
        response = self._query(query, RESULTS_JSON, params)
        table = parse_table(self._json(response), self.endpoint)
        cap = _cap_of(response)
        if cap is not None:
            self._cap = cap
        return _Page(table, cap if cap is not None and len(table.rows) >= cap else None)

    def _known_cap(self) -> int:
        """The server's row limit (asked of Virtuoso once; 0 when unknown)."""
        if self._cap is None:
            try:
                self._cap = _single_int(self._select_page(CAP_QUERY, []).table, self.endpoint)
            except AiskillsError:
                self._cap = 0
        return self._cap

    def _query(
        self, query: str, accept: str, params: Sequence[tuple[str, str]], deadline: float | None = None
    ) -> requests.Response:
        """A query with its dataset written into the text (see ``dataset_in_text``)."""
        text, rest = dataset_in_text(query, params)
        return self._send(
            "POST",
            self.endpoint,
            write=False,
            data=[("query", text), *rest],
            headers={"Accept": accept},
            deadline=deadline,
        )

    def _json(self, response: requests.Response) -> dict[str, Any]:
        try:
            doc = response.json()
        except ValueError as exc:
            kind = response.headers.get("Content-Type", "no type")
            raise StoreError(
                f"{response.url} did not answer with SPARQL JSON results ({kind}): "
                "is it a SPARQL query endpoint? check --endpoint"
            ) from exc
        if not isinstance(doc, dict):
            raise StoreError(f"{response.url} answered with malformed SPARQL JSON results")
        return doc

    # -- HTTP ------------------------------------------------------------------------------------
    def _send(
        self, method: str, url: str, *, write: bool, deadline: float | None = None, **kwargs: Any
    ) -> requests.Response:
        """One HTTP exchange. A read is tried again on a connection failure, a 502/503/504 answer or
        a refusal its dialect reads as the server's cost limit (then, out of tries, ``StoreError``:
        a 503, never the user's 400), with pauses doubling from ``FIRST_PAUSE``, ``READ_ATTEMPTS`` tries at most and
        never past its time limit in all; a write is sent once (``_Cut`` when its connection fails),
        and again only when the server answers that it rolled the whole write back (a deadlock with
        another writer: nothing of it was applied).
        With ``deadline`` (a user's query) the request is given that many seconds and then
        ``QueryTimeout``."""
        limit = deadline or self.timeout
        began = time.monotonic()
        pause = FIRST_PAUSE
        for attempt in range(1, READ_ATTEMPTS + 1):
            more = attempt < READ_ATTEMPTS and time.monotonic() - began + pause < limit
            again = more and not write
            try:
                response = self._session.request(method, url, timeout=limit, **kwargs)
            except requests.ReadTimeout as exc:  # a ConnectTimeout is a ConnectionError: tried again below
                if deadline is not None and not write:
                    raise QueryTimeout(deadline, url) from exc
                if write:
                    raise _Cut(_too_slow(url, self.timeout, write), timed_out=True) from exc
                raise StoreError(_too_slow(url, self.timeout, write)) from exc
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                if again:
                    time.sleep(pause)
                    pause *= 2
                    continue
                if write:
                    raise _Cut(_cut_write(url, exc)) from exc
                raise StoreError(_unreachable(url, exc, attempt)) from exc
            except requests.RequestException as exc:
                raise StoreError(f"request to {url} failed: {exc} (check --endpoint)") from exc
            if write and response.status_code >= 400 and self._rolled_back(response):
                if more:
                    time.sleep(pause * random.uniform(0.5, 1.0))
                    pause *= 2
                    continue
                raise StoreError(
                    f"{url} rolled the write back as deadlocked with other writes, {attempt} tries "
                    f"({server_message(response)}): nothing of it was applied; run it again"
                )
            refused = response.status_code >= 400 and self._refused_for_cost(response)
            if (response.status_code in RETRY_STATUS or refused) and again:
                time.sleep(pause)
                pause *= 2
                continue
            if refused:
                raise StoreError(
                    f"{url} would not run the query: it judged it too costly ({server_message(response)}); "
                    "this is the server's limit, not an error in the query: try again later"
                )
            check_response(response, url, write)
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _refused_for_cost(self, response: requests.Response) -> bool:
        """Whether the server refused the request as too costly (its dialect reads the answer)."""
        return self._dialect_of(response).refused_for_cost(server_message(response))

    def _rolled_back(self, response: requests.Response) -> bool:
        """Whether the server rolled a write back whole (its dialect reads the answer)."""
        return self._dialect_of(response).rolled_back(server_message(response))

    def _dialect_of(self, response: requests.Response) -> Dialect:
        return self._dialect or detect(response)  # the first answer may come before detection


def _cap_of(response: requests.Response) -> int | None:
    """The server's row limit, when its answer says it applied one (Virtuoso's X-SPARQL-MaxRows)."""
    header = response.headers.get(CAP_HEADER, "")
    return int(header) if header.isdigit() and int(header) > 0 else None


class _Cut(StoreError):
    """A write whose connection failed or timed out: the server may or may not have applied it."""

    def __init__(self, message: str, *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.timed_out = timed_out


# -- pure helpers ------------------------------------------------------------------------------
def check_response(response: requests.Response, url: str, write: bool) -> None:
    """Turn an HTTP error status into ``StoreError`` (server, access) or ``QueryError`` (query)."""
    status = response.status_code
    if status < 400:
        return
    message = server_message(response)
    if status == 401:
        raise StoreError(
            f"{url} refused the user name or password (HTTP 401): check AISKILLS_USER and AISKILLS_PASSWORD"
        )
    if status == 403 or "SECURITY" in message:
        raise StoreError(
            f"{url} refused access (HTTP {status}): {message} (the user needs "
            'write permission, for Virtuoso: GRANT SPARQL_UPDATE TO "user")'
        )
    if status == 404:
        raise StoreError(
            f"no SPARQL service at {url} (HTTP 404): check --endpoint / "
            "AISKILLS_ENDPOINT, AISKILLS_UPDATE_ENDPOINT, AISKILLS_GRAPH_STORE"
        )
    if status in (400, 500) and not write:
        raise QueryError(f"the SPARQL server rejected the query (HTTP {status}): {message}")
    raise StoreError(f"{url} failed (HTTP {status}): {message}")


def server_message(response: requests.Response) -> str:
    """The server's error text on one line, without the echoed query or HTML around it."""
    text = response.text or response.reason or ""
    if "<xmp>" in text:
        text = text.split("<xmp>", 1)[1].split("</xmp>", 1)[0]
    text = re.split(r"\n\s*SPARQL query:", text, maxsplit=1)[0]
    text = re.sub(r"<[^>]+>", " ", text)
    line = " ".join(text.split())
    return line[:500] + ("…" if len(line) > 500 else "")


def _reason(exc: Exception) -> str:
    found = _ERRNO.search(str(exc))
    if found:
        return found.group(0).strip()
    for name in ("RemoteDisconnected", "Connection aborted", "IncompleteRead", "ProtocolError"):
        if name in str(exc):
            return f"{name}: the connection was closed"
    return type(exc).__name__


def _unreachable(url: str, exc: Exception, attempts: int = 1) -> str:
    tries = f", {attempts} tries" if attempts > 1 else ""
    return (
        f"cannot reach the SPARQL server at {url} ({_reason(exc)}{tries}): is it running, and are "
        "--endpoint / AISKILLS_ENDPOINT (and the update and graph store URLs) right?"
    )


def _cut_write(url: str, exc: Exception) -> str:
    return f"the connection to {url} failed during a write ({_reason(exc)})"


def _too_slow(url: str, timeout: float, write: bool) -> str:
    after = (
        " the write may still complete on the server (it was not retried)"
        if write
        else " is the server overloaded, or the query too heavy? (AISKILLS_TIMEOUT)"
    )
    return f"{url} did not answer within {timeout:g} s:{after}"


def _cut(cap: int, detail: str) -> str:
    return (
        f"the server cut the result at {cap} rows (Virtuoso ResultSetMaxRows) and {detail}; "
        "no incomplete result is returned"
    )


def _expect(query: str, forms: set[str], what: str) -> None:
    if query_form(query)[0] not in forms:
        raise QueryError(f"expected {what}")


def _bound(query: str, bindings: Mapping[str, Term] | None) -> str:
    """``query`` with ``bindings`` as a VALUES block; blank nodes become Virtuoso's
    ``<nodeID://…>`` references (with ``BIND`` when alone, which Virtuoso matches)."""
    if not bindings:
        return query
    if len(bindings) == 1:
        ((name, term),) = bindings.items()
        if isinstance(term, ox.BlankNode):
            return insert_into_where(query, f" BIND ({_node_ref(term)} AS ?{check_name(name)}) ")
    return bind(query, {k: _node_ref(v) if isinstance(v, ox.BlankNode) else v for k, v in bindings.items()})


def _node_ref(node: ox.BlankNode) -> ox.NamedNode:
    return ox.NamedNode(VIRTUOSO_BNODE + node.value)


def paged_query(query: str, columns: Sequence[str], offset: int, limit: int) -> str:
    """``query`` as a sub-query ordered on every column, cut to ``limit`` rows from ``offset``.

    The order extends the query's own ``ORDER BY`` (or is added before LIMIT/OFFSET/VALUES);
    the outer query carries no ORDER BY, which Virtuoso refuses with large offsets.
    """
    masked = mask(query)
    form, end = query_form(query, masked)
    begin = end - len(form)
    at, ordered = _modifier_insertion(masked, group_end(masked, group_start(masked, end)) + 1)
    keys = " ".join(f"?{c}" for c in columns)
    body = query[begin:at] + ("\n" if ordered else "\nORDER BY ") + keys + "\n" + query[at:]
    return f"{query[:begin]}SELECT * WHERE {{\n{{\n{body}\n}}\n}} OFFSET {offset} LIMIT {limit}"


def dataset_in_text(query: str, params: Sequence[tuple[str, str]]) -> tuple[str, list[tuple[str, str]]]:
    """``query`` with the protocol's dataset parameters written into it as FROM / FROM NAMED
    clauses, and the parameters left. Virtuoso echoes each ``default-graph-uri`` and
    ``named-graph-uri`` as a response header, and Python's HTTP client refuses an answer with more
    than 100 headers: past a hundred stored curricula every question would fail. A query with no
    WHERE group (``DESCRIBE <x>``) keeps the parameters."""
    keys = ("default-graph-uri", "named-graph-uri")
    default = [v for k, v in params if k == keys[0]]
    named = [v for k, v in params if k == keys[1]]
    text = with_dataset(query, default, named) if default or named else None
    if text is None:
        return query, list(params)
    return text, [(k, v) for k, v in params if k not in keys]


def with_dataset(query: str, default: Sequence[str], named: Sequence[str]) -> str | None:
    """``query`` with FROM and FROM NAMED clauses before its WHERE group (None when it has none)."""
    masked = mask(query)
    form, end = query_form(query, masked)
    try:
        at = group_start(masked, end)
        if form == "CONSTRUCT" and not _WHERE_NEXT.match(masked, end):
            at = group_start(masked, group_end(masked, at) + 1)  # past the template
    except QueryError:
        return None
    where = _WHERE_BEFORE.search(masked, 0, at)
    if where is not None:
        at = where.start()
    clauses = "".join(f"FROM {ox.NamedNode(g)}\n" for g in default)
    clauses += "".join(f"FROM NAMED {ox.NamedNode(g)}\n" for g in named)
    return f"{query[:at]}\n{clauses}{query[at:]}"


def count_query(query: str) -> str:
    """A query counting the rows of the SELECT ``query``."""
    form, end = query_form(query)
    begin = end - len(form)
    return f"{query[:begin]}SELECT (COUNT(*) AS ?n) WHERE {{\n{{\n{query[begin:]}\n}}\n}}"


def _modifier_insertion(masked: str, start: int) -> tuple[int, bool]:
    """Where to add ordering keys after the WHERE group ending before ``start``: before the
    first top-level LIMIT, OFFSET or VALUES (or at the end); and whether ORDER BY is there."""
    ordered = False
    for found in _MODIFIER.finditer(masked, start):
        if _depth(masked[start : found.start()]):
            continue
        if found.group(1).upper().startswith("ORDER"):
            ordered = True
            continue
        return found.start(), ordered
    return len(masked), ordered


def _depth(text: str) -> int:
    return text.count("(") + text.count("{") - text.count(")") - text.count("}")


def swap_update(moves: Sequence[tuple[str, str, bool]], dropped: Sequence[str]) -> str:
    """One SPARQL update moving each filled staging graph onto its target (an empty one just
    drops the target) and dropping ``dropped``. Only SILENT operations: none can fail half-way."""
    ops = [
        f"MOVE SILENT GRAPH {ox.NamedNode(s)} TO GRAPH {ox.NamedNode(t)}"
        if filled
        else f"DROP SILENT GRAPH {ox.NamedNode(t)}"
        for s, t, filled in moves
    ]
    ops.extend(f"DROP SILENT GRAPH {ox.NamedNode(g)}" for g in dropped)
    return " ;\n".join(ops)


def to_upload(item: GraphData) -> Upload:
    """``item``'s data parsed by pyoxigraph (as the embedded store would) and written as
    N-Triples, which every server reads the same way."""
    try:
        triples = [
            q.triple if isinstance(q, ox.Quad) else q
            for q in ox.parse(item.data, format=item.format, without_named_graphs=True)
        ]
    except (SyntaxError, ValueError) as exc:
        raise StoreError(f"the data could not be parsed (graph <{item.graph}>): {exc}") from exc
    blank = any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in triples)
    return Upload(item.graph, serialize_triples(triples), len(triples), blank)


def sparql_inserts(graph: str, item: Upload) -> list[str]:
    """SPARQL updates that insert ``item`` into ``graph`` (for servers without the Graph Store
    Protocol). Virtuoso's limits: ``INSERT DATA`` runs out of parser memory near 5,000 triples
    and refuses blank nodes; ``INSERT {…} WHERE {}`` takes them, up to about 1,000 triples, and
    blank nodes must stay in one request to stay the same nodes."""
    lines = item.data.decode().splitlines()
    name = ox.NamedNode(graph)
    if not item.blank_nodes:
        return [
            f"INSERT DATA {{ GRAPH {name} {{\n" + "\n".join(lines[i : i + INSERT_CHUNK]) + "\n} }"
            for i in range(0, len(lines), INSERT_CHUNK)
        ]
    if len(lines) > TEMPLATE_LIMIT:
        raise StoreError(
            f"<{item.graph}> has blank nodes and more than {TEMPLATE_LIMIT} triples: "
            "it can only be uploaded through the Graph Store Protocol (set "
            "AISKILLS_GRAPH_STORE, for Virtuoso http://host:8890/sparql-graph-crud-auth)"
        )
    return [f"INSERT {{ GRAPH {name} {{\n" + "\n".join(lines) + "\n} } WHERE {}"]


def parse_table(doc: Mapping[str, Any], url: str) -> Table:
    """A ``Table`` from SPARQL JSON results."""
    try:
        columns = tuple(doc["head"].get("vars", []))
        rows = [tuple(term(b[c]) if c in b else None for c in columns) for b in doc["results"]["bindings"]]
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise StoreError(f"{url} answered with malformed SPARQL JSON results: {exc!r}") from exc
    return Table(columns, rows)


def parse_graph(response: requests.Response, url: str) -> list[ox.Triple]:
    """Triples of an RDF answer, in the format its Content-Type names (N-Triples by default)."""
    media = response.headers.get("Content-Type", N_TRIPLES).split(";")[0].strip()
    fmt = ox.RdfFormat.from_media_type(media) or ox.RdfFormat.N_TRIPLES
    try:
        return [q.triple if isinstance(q, ox.Quad) else q for q in ox.parse(response.content, format=fmt)]
    except (SyntaxError, ValueError) as exc:
        raise StoreError(f"{url} answered with RDF that cannot be read ({media}): {exc}") from exc


def term(cell: Mapping[str, str]) -> Term:
    """A pyoxigraph term from one SPARQL JSON results value."""
    kind, value = cell["type"], cell["value"]
    if kind == "bnode" or (kind == "uri" and value.startswith(VIRTUOSO_BNODE)):
        return blank_node(value)
    if kind == "uri":
        return ox.NamedNode(value)
    if kind not in ("literal", "typed-literal"):
        raise ValueError(f"unknown term type {kind!r}")
    if cell.get("xml:lang"):
        return ox.Literal(value, language=cell["xml:lang"])
    datatype = cell.get("datatype")
    if datatype == _BOOLEAN:
        value = {"1": "true", "0": "false"}.get(value, value)
    return ox.Literal(value, datatype=ox.NamedNode(datatype)) if datatype else ox.Literal(value)


def blank_node(label: str) -> ox.BlankNode:
    """A blank node keeping the server's label (``nodeID://b10`` and ``_:b10`` give ``b10``)."""
    for prefix in (VIRTUOSO_BNODE, "_:"):
        label = label.removeprefix(prefix)
    if not _BNODE_ID.fullmatch(label):
        label = "x" + label.encode().hex()
    return ox.BlankNode(label)


def _reorder(table: Table, columns: Sequence[str]) -> list[tuple[Term | None, ...]]:
    """``table``'s rows with their cells in ``columns`` order."""
    index = [table.columns.index(c) if c in table.columns else None for c in columns]
    return [tuple(None if i is None else row[i] for i in index) for row in table.rows]


def _parse_nt(data: bytes, graph: str) -> list[ox.Triple]:
    try:
        return [
            q.triple if isinstance(q, ox.Quad) else q for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
        ]
    except SyntaxError as exc:
        raise StoreError(f"the kept copy of <{graph}> cannot be read: {exc}") from exc


def _single_int(table: Table, url: str) -> int:
    try:
        cell = table.rows[0][0]
        return int(cell.value) if cell is not None else 0
    except (IndexError, ValueError) as exc:
        raise StoreError(f"{url} answered a COUNT query with {table.rows[:1]!r}") from exc
