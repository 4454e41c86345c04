"""Embedded backend: a pyoxigraph store on disk (or in memory when no directory is given)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pyoxigraph as ox

from aiskills.errors import QueryError, StoreError
from aiskills.namespaces import CATALOG_GRAPH, GRAPH, STAGING_GRAPH_PREFIX
from aiskills.store.binding import bind
from aiskills.store.base import CatalogEntry, GraphData, Progress, Store, Table, Term
from aiskills.store.catalog import catalog_triples, merge_catalog


class EmbeddedStore(Store):
    """pyoxigraph ``Store``; ``path=None`` keeps everything in memory (tests, one-off checks)."""

    name = "embedded"

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        try:
            if path is None:
                self._store = ox.Store()
            else:
                path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(path))
        except OSError as exc:
            raise StoreError(f"cannot open the store at {path}: {exc} "
                             "(is another aiskills process using it? set AISKILLS_STORE "
                             "or --store to another directory)") from exc

    # -- reads -----------------------------------------------------------------------------------
    def _query(self, query: str, bindings: Mapping[str, Term] | None, union: bool = False):  # type: ignore[no-untyped-def]
        kwargs: dict[str, object] = {}
        if union:
            kwargs["use_default_graph_as_union"] = True
        else:
            graphs = [ox.NamedNode(g) for g in self.dataset()]
            kwargs["default_graph"] = graphs or [ox.DefaultGraph()]
        try:
            return self._store.query(bind(query, bindings), **kwargs)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from exc
        except (OSError, ValueError, RuntimeError) as exc:
            raise QueryError(f"query failed: {exc}") from exc

    def select(self, query: str, bindings: Mapping[str, Term] | None = None,
               *, union: bool = False) -> Table:
        result = self._query(query, bindings, union)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError("expected a SELECT query")
        columns = tuple(v.value for v in result.variables)
        try:
            variables = result.variables
            rows = [tuple(sol[v] for v in variables) for sol in result]
        except (OSError, ValueError, RuntimeError) as exc:
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

    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs()
                      if isinstance(g, ox.NamedNode) and not g.value.startswith(STAGING_GRAPH_PREFIX))

    def triples(self, graph: str) -> list[ox.Triple]:
        quads = self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
        return [q.triple for q in quads]

    def count(self, graph: str | None = None) -> int:
        if graph is not None:
            return sum(1 for _ in self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
        return sum(self.count(g) for g in self.graph_names() if g.startswith(GRAPH))

    # -- writes ----------------------------------------------------------------------------------
    def _drop_staging(self) -> None:
        for g in list(self._store.named_graphs()):
            if isinstance(g, ox.NamedNode) and g.value.startswith(STAGING_GRAPH_PREFIX):
                self._store.remove_graph(g)

    def replace_graphs(self, contents: Sequence[GraphData], catalog: Sequence[CatalogEntry] = (),
                       *, drop: Iterable[str] = (), progress: Progress | None = None) -> None:
        dropped = list(drop)
        self._drop_staging()
        run = uuid.uuid4().hex
        moves: list[tuple[str, str]] = []
        try:
            for i, item in enumerate(contents):
                staging = f"{STAGING_GRAPH_PREFIX}{run}/{i}"
                self._store.bulk_load(item.data, format=item.format, to_graph=ox.NamedNode(staging))
                moves.append((staging, item.graph))
                if progress:
                    progress(i + 1, len(contents))
            new_catalog = merge_catalog(self.catalog(), catalog, dropped)
            staging = f"{STAGING_GRAPH_PREFIX}{run}/catalog"
            self._store.extend(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(staging))
                               for t in catalog_triples(new_catalog))
            moves.append((staging, CATALOG_GRAPH))
            self._store.update(_swap_update(moves, dropped, self._store))
        except SyntaxError as exc:
            self._drop_staging()
            raise StoreError(f"the data could not be parsed: {exc}") from exc
        except (OSError, ValueError) as exc:
            self._drop_staging()
            raise StoreError(f"the write failed and nothing was changed: {exc}") from exc
        self._store.flush()

    def close(self) -> None:
        self._store.flush()
        del self._store


def _swap_update(moves: Sequence[tuple[str, str]], dropped: Sequence[str], store: ox.Store) -> str:
    """One SPARQL update that puts every staging graph in place and drops ``dropped``.

    Graph IRIs are ours (checked by ``NamedNode``); the update runs as one transaction.
    """
    ops = []
    for staging, target in moves:
        s, t = ox.NamedNode(staging), ox.NamedNode(target)
        if store.contains_named_graph(s) and next(iter(store.quads_for_pattern(None, None, None, s)), None):
            ops.append(f"MOVE SILENT GRAPH {s} TO GRAPH {t}")
        else:
            ops.append(f"DROP SILENT GRAPH {t}")
            ops.append(f"DROP SILENT GRAPH {s}")
    ops.extend(f"DROP SILENT GRAPH {ox.NamedNode(g)}" for g in dropped)
    return " ;\n".join(ops)
