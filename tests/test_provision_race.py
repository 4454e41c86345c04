"""The provision counts (how many curricula, and how many providers, teach each capability) stay equal
to a recount from the curricula graphs when curricula are stored, replaced and removed, one at a time
and by many writers at the same time, on every backend (the ``store`` fixture): the store works the
counts out inside the write's own transaction (``queries/kept/provision-*.ru``), so no count read
before a write is written back over another writer's.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import multiprocessing
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from support import alignment_data as data
from support.clearing import clear_all as _clear_all
from support.served import engine
from test_alignment_kept import assert_rankings_are_read_off_their_parts, direct

from aiskills import alignment, curricula, kept
from aiskills.errors import QueryError
from aiskills.queries import load_query
from aiskills.store.base import Store
from aiskills.store.dialects import DIALECTS
from aiskills.store.engine import EngineStore
from aiskills.store.lease import CLAIMED
from aiskills.store.remote import RemoteStore
from aiskills.store.update import bind_written
from aiskills.submission.readers import read_bytes
from aiskills.validation.report import Report

WRITERS = 8
ROUNDS = 3
NOTATIONS = [c[0] for c in data.CAPABILITIES]
RECOUNT = """
PREFIX ais: <https://w3id.org/aiskills/ontology#>
PREFIX schema: <https://schema.org/>
SELECT ?capability ?provider (COUNT(DISTINCT ?curriculum) AS ?n) WHERE {
  { ?curriculum schema:teaches ?capability }
  UNION { ?curriculum schema:teaches ?capability ; ais:provider ?provider }
}
GROUP BY ?capability ?provider
"""
ROWS = """
PREFIX aisv: <https://w3id.org/aiskills/validation#>
SELECT ?row ?capability ?provider WHERE {
  GRAPH ?graph { ?row aisv:capability ?capability OPTIONAL { ?row aisv:provider ?provider } }
}
"""
TOTALS = """
PREFIX aisv: <https://w3id.org/aiskills/validation#>
SELECT ?capability ?taughtBy ?providers WHERE {
  GRAPH ?graph { ?capability aisv:taughtBy ?taughtBy OPTIONAL { ?capability aisv:providers ?providers } }
}
"""


def provider(k: int) -> dict[str, str]:
    return {"id": f"https://provider-{k}.example/", "name": f"Provider {k}"}


def doc(name: str, who: dict[str, str] | None, first: int, many: int = 6) -> dict[str, Any]:
    """A curriculum aligned to ``many`` capabilities from the ``first`` (overlapping other writers')."""
    out: dict[str, Any] = {
        "id": f"https://example.org/curricula/{name}", "title": f"Course {name}", "targetArchetypes": ["Embedder"],
        "modules": [{"title": "Module", "learningOutcomes": [
            {"statement": "Apply what was learnt", "bloomLevel": "apply",
             "alignedTo": NOTATIONS[first % 40: first % 40 + many]}]}],
    }
    if who is not None:
        out["provider"] = who
    return out


def kept_rows(store: Store) -> Counter[tuple[str, str | None]]:
    """The provision graph's rows; a row read twice (two counts on one row) fails."""
    table = store.select(load_query("kept", "provision").text, {"graph": ox.NamedNode(kept.PROVISION_GRAPH)})
    rows: Counter[tuple[str, str | None]] = Counter()
    for cap, who, n in table.values():
        assert cap is not None and n is not None
        assert (cap, who) not in rows, f"two counts on the row of {(cap, who)}"
        rows[(cap, who)] = int(n)
    return rows


def recounted(store: Store) -> Counter[tuple[str, str | None]]:
    """The rows worked out from scratch from the stored curricula."""
    return Counter({(cap, who): int(n) for cap, who, n in store.select(RECOUNT).values()
                    if cap is not None and n is not None})


def assert_counts_are_a_recount(store: Store) -> None:
    """Rows, totals and the capability-provision answer all equal a recount from the curricula, and
    every whole ranking, read off its ranking parts, equals the direct query."""
    rows = recounted(store)
    assert kept_rows(store) == rows
    totals: dict[str, tuple[int, int]] = {}
    for (cap, who), n in rows.items():
        taught, providers = totals.get(cap, (0, 0))
        totals[cap] = (n, providers) if who is None else (taught, providers + 1)
    table = store.select(TOTALS, {"graph": ox.NamedNode(kept.PROVISION_GRAPH)})
    totals_kept = [(cap, int(t or 0), int(p or 0)) for cap, t, p in table.values()]
    assert len(totals_kept) == len({cap for cap, _, _ in totals_kept}), "a capability with two totals"
    assert {cap: (t, p) for cap, t, p in totals_kept} == totals
    asked = alignment.ask(store, "capability-provision", {}).table.values()
    assert asked == direct(store, "capability-provision", {})
    assert_rankings_are_read_off_their_parts(store)


@pytest.fixture
def writer(store: Store, request: pytest.FixtureRequest) -> Iterator[Callable[[], Store]]:
    """A store for one more writer: the same store object for pyoxigraph (one process holds it), a
    client of its own on a SPARQL server (as another front end over the same server would be)."""
    opened: list[Store] = []
    backend = request.node.callspec.params["store"]

    def another() -> Store:
        if backend == "embedded":
            return store
        server = request.getfixturevalue("virtuoso" if backend == "virtuoso" else "oxigraph_server")
        client = RemoteStore.from_settings(server.settings())
        opened.append(client)
        return client

    yield another
    for client in opened:
        client.close()


def run_together(jobs: list[Callable[[], object]], done: Callable[[], object] = lambda: None) -> None:
    """Run ``jobs`` on threads of their own, released at once, each calling ``done`` at its end;
    re-raise the first error."""
    start = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job: Callable[[], object]) -> None:
        start.wait()
        try:
            job()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            done()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def test_writers_at_the_same_time_keep_the_counts_equal_to_a_recount(
        store: Store, writer: Callable[[], Store]) -> None:
    """Eight writers at once, three times over: four store new curricula (two providers, overlapping
    capabilities), two replace the same curriculum with versions of different providers and
    capabilities, one removes a curriculum, one stores two curricula in one write. Every count equals
    a recount from the curricula afterwards, and every curriculum written is there. With the counts
    read before the write and written back after, writers at the same time overwrite each other's
    counts and this fails (on every backend). On a SPARQL server each writer is a client of its own
    (in this process)."""
    race(store, [writer() for _ in range(WRITERS)])


def test_writers_through_the_engine_of_a_served_store_keep_the_counts_equal_to_a_recount(tmp_path: Path) -> None:
    """The same writers through the engine of a served store (``aiskills serve``), as the web app's
    workers and the command line write: the engine runs each write, with its counting, one at a time."""
    path = tmp_path / "store"
    with engine(path, load_bundled=False):
        clients = [EngineStore.connect(path) for _ in range(WRITERS)]
        try:
            assert all(c is not None for c in clients)
            # a client keeps a connection per thread: each writer thread closes its own
            race(clients[0], clients, lambda: [c._drop_connection() for c in clients])  # type: ignore[arg-type,union-attr]
        finally:
            for c in clients:
                if c is not None:
                    c.close()


def race(store: Store, stores: list[Store], done: Callable[[], object] = lambda: None) -> None:
    """The writers of the tests above on ``stores`` (one each), checked on ``store``; ``done`` is
    called on each writer's thread when it ends."""
    data.load_all(store)
    for r in range(ROUNDS):
        replacements = [doc("embedding", provider(2 + r), 3 * r + 1), doc("embedding", provider(9), 3 * r + 20, 4)]
        for one in replacements:
            one["id"] = data.EMBEDDING
        removed = [data.SECOND, data.CREATORS, data.EMPTY][r]
        pair = [doc(f"pair-{r}-a", provider(5), 7 * r), doc(f"pair-{r}-b", None, 7 * r + 2)]
        jobs: list[Callable[[], object]] = [
            *(lambda i=i, r=r: data.store_curriculum(stores[i], doc(f"new-{r}-{i}", provider(i % 2), 5 * r + 2 * i))
              for i in range(4)),
            lambda one=replacements[0]: data.store_curriculum(stores[4], one),
            lambda one=replacements[1]: data.store_curriculum(stores[5], one),
            lambda gone=removed: curricula.remove(stores[6], gone),
            lambda both=pair: _store_many(stores[7], both),
        ]
        run_together(jobs, done)
        stored = {rec.curriculum for rec in curricula.records(store)}
        assert {f"https://example.org/curricula/new-{r}-{i}" for i in range(4)} <= stored
        assert {p["id"] for p in pair} <= stored and data.EMBEDDING in stored and removed not in stored
        assert_counts_are_a_recount(store)


def _store_many(store: Store, docs: list[dict[str, Any]]) -> list[int]:
    """``docs`` stored in one write (``curricula.store_many``), as if validated with no results."""
    items = []
    for one in docs:
        submission = read_bytes(json.dumps(one).encode("utf-8"), "curriculum.json")
        items.append((submission, Report(submission.source, submission.format, submission.curriculum_id, [], "2026.1")))
    return curricula.store_many(store, items)


def test_replacing_and_removing_keep_the_counts_equal_to_a_recount_and_to_refresh(store: Store) -> None:
    """A curriculum replaced with another provider and other capabilities, one removed, one stored
    in two writes with a provider whose IRI is not ASCII: the counts equal a recount after each
    step, and the provision graph written step by step is the one ``refresh`` writes from scratch
    (the same rows, named the same); rows whose capability and provider IRIs are ASCII are named as
    they were before the store kept the counts (so stored counts stay valid), others as
    ``provision_row`` names them (but on Virtuoso, which hashes such stored IRIs otherwise)."""
    data.load_all(store)
    assert_counts_are_a_recount(store)
    changed = copy.deepcopy(data.EMBEDDING_DOC)
    changed["provider"] = data.COLLEGE_TWO
    changed["modules"][0]["learningOutcomes"][0]["alignedTo"] = ["2-01", "5-01", "6.4-03"]
    data.store_curriculum(store, changed)
    assert_counts_are_a_recount(store)
    curricula.remove(store, data.CREATORS)
    assert_counts_are_a_recount(store)
    accented = doc("accented", {"id": "https://école.example/faculté", "name": "École"}, 3)
    data.store_curriculum(store, accented)
    data.store_curriculum(store, doc("accented", {"id": "https://école.example/faculté", "name": "École"}, 9))
    assert_counts_are_a_recount(store)
    for row, cap, who in store.select(ROWS, {"graph": ox.NamedNode(kept.PROVISION_GRAPH)}).values():
        assert row is not None and cap is not None
        if f"{cap} {who or ''}".isascii():  # named as before the store counted: stored rows stay valid
            key = hashlib.sha256(f"{cap} {who or ''}".encode()).hexdigest()[:24]
            assert row == f"{kept.PROVISION_GRAPH}#{key}" == kept.provision_row(cap, who)
        elif not isinstance(store, RemoteStore) or store.dialect.name != "virtuoso":
            assert row == kept.provision_row(cap, who)
    written = provision_graph(store)
    kept.refresh(store)
    assert provision_graph(store) == written
    for one in [changed, data.SECOND_DOC, data.EMPTY_DOC, accented]:
        curricula.remove(store, one["id"])
    assert kept_rows(store) == Counter() and store.triples(kept.PROVISION_GRAPH) == []


def provision_graph(store: Store) -> set[tuple[str, ...]]:
    """The provision graph's triples, a ranking part's rows (``aisv:rows``, gathered in no set order)
    as its sorted lines."""
    return {(str(t.subject), str(t.predicate), *(sorted(t.object.value.split("\n")) if t.predicate == ROWS_OF
                                                 else [str(t.object)]))
            for t in store.triples(kept.PROVISION_GRAPH)}


ROWS_OF = ox.NamedNode("https://w3id.org/aiskills/validation#rows")


def test_written_graphs_are_bound_in_every_sub_select_that_reads_them() -> None:
    """The hooks of a write see its graphs through a VALUES block in each sub-SELECT that uses
    ``?written`` itself (not one around a nested sub-SELECT); ``?written`` anywhere else would match
    every graph and is refused; with no graphs there is nothing to run."""
    update = ("INSERT { GRAPH <urn:p> { ?c <urn:n> ?k } } WHERE { { SELECT ?c (COUNT(?written) AS ?k) WHERE {"
              " { SELECT DISTINCT ?c WHERE { GRAPH ?written { ?c a <urn:C> } } } GRAPH ?written { ?c ?p ?o } }"
              " GROUP BY ?c } }")
    bound = bind_written([update], ["urn:g1", "urn:g2", "urn:g1"])
    assert bound.count("VALUES ?written { <urn:g1> <urn:g2> }") == 2
    assert bound.index("VALUES") > bound.index("SELECT ?c (COUNT")
    ox.Store().update(bound)
    with pytest.raises(QueryError, match="outside a sub-SELECT"):
        bind_written(["DELETE WHERE { GRAPH ?written { ?s ?p ?o } }"], ["urn:g1"])
    with pytest.raises(QueryError, match="not a valid IRI"):
        bind_written([update], ["not an IRI"])
    assert bind_written([update], []) == ""


def test_a_write_moved_into_place_in_several_updates_counts_each_with_its_own_graphs(virtuoso: Any) -> None:
    """Virtuoso takes a limited number of graphs per update (``graphs_per_update``), so a bigger write
    moves its graphs into place in several requests; each request runs the counting for the graphs it
    moves. With 3 graphs per update, ten curricula stored in one write, replaced (with other
    capabilities and providers) in another, and then half removed keep the counts equal to a recount."""
    settings = virtuoso.settings()
    store = RemoteStore(settings.endpoint or "", update_endpoint=settings.update_endpoint,
                        graph_store=settings.graph_store, user=settings.user, password=settings.password,
                        dialect=dataclasses.replace(DIALECTS["virtuoso"], graphs_per_update=3))
    _clear_all(store)
    try:
        data.load_framework(store)
        _store_many(store, [doc(f"batch-{i}", provider(i % 3), 2 * i) for i in range(10)])
        assert len(kept_rows(store)) > 10
        assert_counts_are_a_recount(store)
        _store_many(store, [doc(f"batch-{i}", provider(i % 4 + 3), 3 * i + 1, 3) for i in range(10)])
        assert_counts_are_a_recount(store)
        for i in range(0, 10, 2):
            curricula.remove(store, f"https://example.org/curricula/batch-{i}")
        assert_counts_are_a_recount(store)
    finally:
        _clear_all(store)
        store.close()


def _write_in_a_process(settings: Any, start: Any, k: int, tmp: str | None = None) -> None:
    """One writer process: three new curricula, and (the first two) a replacement and a removal.
    With ``tmp``, its temporary directory (where this host's write lock lives) is its own: a writer
    on a host of its own."""
    if tmp is not None:
        import tempfile

        tempfile.tempdir = tmp
    store = RemoteStore.from_settings(settings)
    start.wait()
    for j in range(3):
        data.store_curriculum(store, doc(f"process-{k}-{j}", provider(k % 2), 4 * k + j))
        if (k, j) == (0, 1):
            data.store_curriculum(store, {**doc("embedding", provider(7), 30), "id": data.EMBEDDING})
        if (k, j) == (1, 1):
            curricula.remove(store, data.SECOND)
    store.close()


@pytest.mark.parametrize("hosts", ["one host", "four hosts"])
@pytest.mark.parametrize("server", ["virtuoso", "oxigraph_server"])
def test_writers_in_several_processes_keep_the_counts_equal_to_a_recount(
        server: str, hosts: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Four processes writing to one SPARQL server at once: the counts equal a recount afterwards.
    The servers run concurrent update requests without ordering them (a count read in one is
    overwritten by another), so writes to one server take turns: on one host (as a server's web
    workers) on the host's lock file, and on four hosts (each process with a temporary directory
    of its own, so no lock file is shared) on the lease each write holds in the store itself
    (``store/lease.py``); without it the four-host case fails."""
    settings = request.getfixturevalue(server).settings()
    store = RemoteStore.from_settings(settings)
    _clear_all(store)
    folders: list[str | None] = [None] * 4
    if hosts == "four hosts":
        folders = [str(tmp_path / f"host-{k}") for k in range(4)]
        for folder in folders:
            Path(folder).mkdir()  # type: ignore[arg-type]
    try:
        data.load_all(store)
        context = multiprocessing.get_context("spawn")
        start = context.Barrier(4)
        processes = [context.Process(target=_write_in_a_process, args=(settings, start, k, folders[k]))
                     for k in range(4)]
        for p in processes:
            p.start()
        for p in processes:
            p.join(300)
        assert [p.exitcode for p in processes] == [0, 0, 0, 0]
        stored = {rec.curriculum for rec in curricula.records(store)}
        assert {f"https://example.org/curricula/process-{k}-{j}" for k in range(4) for j in range(3)} <= stored
        assert data.SECOND not in stored
        assert_counts_are_a_recount(store)
        claims = store._select(
            f"SELECT ?c WHERE {{ {{ ?c {CLAIMED} ?t }} UNION {{ GRAPH ?g {{ ?c {CLAIMED} ?t }} }} }}", [])
        assert claims.rows == []  # every writer withdrew its claim
    finally:
        _clear_all(store)
        store.close()
