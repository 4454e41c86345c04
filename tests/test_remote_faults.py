"""Network faults between the remote store and a real Virtuoso 7 server.

A fault-injecting TCP proxy (tests/support/faulty_proxy.py) sits between ``RemoteStore`` and the
server the tests start. What these tests prove: an unreachable store is one clear error naming the
endpoint (exit 2 and one line through the CLI); reads are retried with growing pauses, within the
store's timeout, and succeed when the fault passes; a write whose connection is cut leaves the
store with exactly the old data or exactly the new, and is never sent a second time.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from support.faulty_proxy import FaultyProxy
from support.ports import free_port
from support.virtuoso import VirtuosoServer

from aiskills.cli import main
from aiskills.config import Settings
from aiskills.errors import QueryError, StoreError
from aiskills.namespaces import CATALOG_GRAPH, STAGING_GRAPH_PREFIX, framework_graph
from aiskills.store.base import CatalogEntry, GraphData
from aiskills.store.catalog import serialize_triples
from aiskills.store.remote import FIRST_PAUSE, READ_ATTEMPTS, RemoteStore

EX = "http://example.org/"
V1, V2 = framework_graph("1.0"), framework_graph("2.0")
SWAP = b"MOVE+SILENT+GRAPH"  # the form-encoded update that ends every write
UPLOAD = b"PUT /sparql-graph-crud-auth"


def triples(label: str, n: int = 50) -> list[ox.Triple]:
    return [ox.Triple(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "v"), ox.Literal(f"{label} {i}"))
            for i in range(n)]


def write(store: RemoteStore, label: str) -> None:
    """Replace V1 with ``label`` data, make 1.0 current, and add V2 when ``label`` is new."""
    contents = [GraphData(V1, serialize_triples(triples(label)), ox.RdfFormat.N_TRIPLES)]
    entries = [CatalogEntry(V1, "framework", "1.0")]
    if label == "new":
        contents.append(GraphData(V2, serialize_triples(triples("second")), ox.RdfFormat.N_TRIPLES))
        entries.append(CatalogEntry(V2, "framework", "2.0", active=False))
    store.replace_graphs(contents, entries)


def state(store: RemoteStore) -> tuple[set[str], list[str], list[str]]:
    """V1's triples, our graphs and the catalogue's graphs, read without the proxy."""
    return ({str(t) for t in store.triples(V1)}, store.graph_names(), [e.graph for e in store.catalog()])


def staging_left(store: RemoteStore) -> list[str]:
    return store._graphs_under(STAGING_GRAPH_PREFIX)


@pytest.fixture
def direct(virtuoso: VirtuosoServer) -> Iterator[RemoteStore]:
    """A store talking straight to the server, holding the "old" data; emptied afterwards."""
    with RemoteStore.from_settings(virtuoso.settings()) as store:
        store.replace_graphs([], [], drop=store.graph_names())
        write(store, "old")
        yield store  # type: ignore[misc]
        store.replace_graphs([], [], drop=store.graph_names())


@pytest.fixture
def proxy(virtuoso: VirtuosoServer) -> Iterator[FaultyProxy]:
    with FaultyProxy("127.0.0.1", virtuoso.http_port) as p:
        yield p


def through_settings(virtuoso: VirtuosoServer, proxy: FaultyProxy, timeout: float = 20.0) -> Settings:
    """Settings of a store whose every request (query, update, graph store) passes the proxy."""
    return virtuoso.settings(
        endpoint=proxy.url("/sparql"), update_endpoint=proxy.url("/sparql-auth"),
        graph_store=proxy.url("/sparql-graph-crud-auth"), timeout=timeout)


def through(virtuoso: VirtuosoServer, proxy: FaultyProxy, timeout: float = 20.0) -> RemoteStore:
    """A store whose every request (query, update, graph store) passes the proxy."""
    return RemoteStore.from_settings(through_settings(virtuoso, proxy, timeout))


def pauses_within(timeout: float) -> list[float]:
    """The pauses a read that keeps failing takes within ``timeout`` s: doubling from
    ``FIRST_PAUSE``, ``READ_ATTEMPTS - 1`` at most, each only if it ends before the timeout (tries
    themselves counted as taking no time, so this is the most the code may pause)."""
    pauses: list[float] = []
    for attempt in range(1, READ_ATTEMPTS):
        pause = FIRST_PAUSE * 2 ** (attempt - 1)
        if sum(pauses) + pause >= timeout:
            break
        pauses.append(pause)
    return pauses


def next_pause(pauses: list[float]) -> float:
    """The pause the code would take after ``pauses`` before one try more: the doubling goes on.
    A read that took a try too many took this pause too, so it is the margin a test may give what
    the tries and the scheduler cost on a machine however busy, and still tell one try more apart."""
    return FIRST_PAUSE * 2 ** len(pauses)


OLD = ({str(t) for t in triples("old")}, [CATALOG_GRAPH, V1], [V1])


# -- an unreachable store ------------------------------------------------------------------------
def test_unreachable_store_is_one_error_naming_the_endpoint_after_a_few_quick_tries(
        virtuoso: VirtuosoServer) -> None:
    url = f"http://127.0.0.1:{free_port()}/sparql"
    with RemoteStore.from_settings(virtuoso.settings(endpoint=url, timeout=10.0)) as gone:
        began = time.monotonic()
        with pytest.raises(StoreError) as caught:
            gone.select("SELECT * WHERE { ?s ?p ?o }")
        took = time.monotonic() - began
    pauses = pauses_within(10.0)
    assert len(pauses) == READ_ATTEMPTS - 1  # 10 s leave room for every pause
    # Every pause taken, growing, and no try more: one more would have come after a pause of
    # 2 s (the next doubling), which the time taken leaves no room for.
    assert sum(pauses) <= took < sum(pauses) + next_pause(pauses)
    message = str(caught.value)
    assert url in message and f"{READ_ATTEMPTS} tries" in message
    assert "is it running" in message and "AISKILLS_ENDPOINT" in message and "\n" not in message


def test_unreachable_store_through_the_cli_is_exit_2_and_one_line(virtuoso: VirtuosoServer) -> None:
    url = f"http://127.0.0.1:{free_port()}/sparql"
    result = CliRunner().invoke(main, ["info", "--endpoint", url], env={"AISKILLS_TIMEOUT": "5"})
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("aiskills: error: cannot reach the SPARQL server")
    assert url in lines[0] and "Traceback" not in result.output


def test_retries_stop_within_the_timeout(virtuoso: VirtuosoServer, proxy: FaultyProxy) -> None:
    proxy.refuse(100)
    pauses = pauses_within(1.0)
    assert pauses == [FIRST_PAUSE, 2 * FIRST_PAUSE]  # 0.25 s + 0.5 s fit in 1 s; 1 s more would not
    with through(virtuoso, proxy, timeout=1.0) as store:
        began = time.monotonic()
        with pytest.raises(StoreError, match="cannot reach"):
            store.select("SELECT * WHERE { ?s ?p ?o }")
        took = time.monotonic() - began
    assert proxy.count("refused") == 3  # one try before the pauses, and one after each
    # The pauses the code may take within its 1 s and no more: a last pause before giving up (1 s,
    # the next doubling) would not fit in the time taken.
    assert sum(pauses) <= took < sum(pauses) + next_pause(pauses)


# -- transient faults on reads -------------------------------------------------------------------
def test_read_succeeds_when_the_first_two_connections_are_refused(
        virtuoso: VirtuosoServer, direct: RemoteStore, proxy: FaultyProxy) -> None:
    with through(virtuoso, proxy) as store:
        proxy.refuse(2)
        began = time.monotonic()
        rows = store.select("SELECT ?o WHERE { ?s ?p ?o }").values()
        took = time.monotonic() - began
    assert sorted(rows) == sorted((f"old {i}",) for i in range(50))
    assert proxy.count("refused") == 2
    assert took >= FIRST_PAUSE * 3  # paused 0.25 s, then 0.5 s


#: Virtuoso's answer when its cost estimate passes its limit, as a loaded server once sent it for a
#: question it answered in 0.3 s hundreds of times that minute (the estimate is sampled, not exact).
_REFUSAL = (b"Virtuoso 42000 Error The estimated execution time 13556417 (sec) exceeds the limit of 600 (sec).\n"
            b"\nSPARQL query:\nSELECT ?o WHERE { ?s ?p ?o }")
REFUSED_FOR_COST = (b"HTTP/1.1 500 SPARQL Request Failed\r\nServer: Virtuoso/07.20.3229 (Linux) "
                    b"x86_64-pc-linux-gnu\r\nConnection: close\r\nContent-Type: text/plain\r\n"
                    b"Content-Length: " + str(len(_REFUSAL)).encode() + b"\r\n\r\n" + _REFUSAL)
QUERY_REQUEST = b"POST /sparql "


def test_a_query_refused_for_its_estimated_cost_is_asked_again_and_answered(
        virtuoso: VirtuosoServer, direct: RemoteStore, proxy: FaultyProxy) -> None:
    """Virtuoso's refusal of a query for its estimated cost is the server's limit of the moment, not
    an error in the query: the read is asked again after a pause and gets the real answer."""
    with through(virtuoso, proxy) as store:
        proxy.answer(QUERY_REQUEST, REFUSED_FOR_COST, times=1)
        rows = store.select("SELECT ?o WHERE { ?s ?p ?o }").values()
    assert sorted(rows) == sorted((f"old {i}",) for i in range(50))
    assert proxy.count("answered") == 1


def test_a_query_refused_for_cost_on_every_try_is_a_store_error_not_the_users(
        virtuoso: VirtuosoServer, direct: RemoteStore, proxy: FaultyProxy) -> None:
    """Refused on every try, the read ends in ``StoreError`` (a 503 from the web error table), whose
    message gives the server's reason and says the query is not at fault; never ``QueryError`` (a
    400, the user's fault)."""
    with through(virtuoso, proxy) as store:
        proxy.answer(QUERY_REQUEST, REFUSED_FOR_COST, times=READ_ATTEMPTS + 1)
        with pytest.raises(StoreError, match="too costly") as caught:
            store.select("SELECT ?o WHERE { ?s ?p ?o }")
    assert not isinstance(caught.value, QueryError)
    assert "13556417 (sec) exceeds the limit" in str(caught.value)
    assert "not an error in the query" in str(caught.value)
    assert proxy.count("answered") == len(pauses_within(20.0)) + 1


#: Virtuoso's answer to an update that deadlocked with another writer's transaction, as one of three
#: hosts writing to one server at once got it: the server rolled that update back whole.
_DEADLOCK = b"Virtuoso 40001 Error SR172: Transaction deadlocked\n\nSPARQL query:\nMOVE SILENT GRAPH ..."
DEADLOCKED = (b"HTTP/1.1 500 SPARQL Request Failed\r\nServer: Virtuoso/07.20.3229 (Linux) "
              b"x86_64-pc-linux-gnu\r\nConnection: close\r\nContent-Type: text/plain\r\n"
              b"Content-Length: " + str(len(_DEADLOCK)).encode() + b"\r\n\r\n" + _DEADLOCK)
NEW = ({str(t) for t in triples("new")}, [CATALOG_GRAPH, V1, V2], [V1, V2])


def test_a_write_rolled_back_as_deadlocked_is_sent_again_and_applied_once(
        virtuoso: VirtuosoServer, direct: RemoteStore, proxy: FaultyProxy) -> None:
    """Virtuoso rolls a deadlocked update back whole, so the swap is sent again after a pause; the
    store then holds exactly the new data (one copy of each catalogue entry), with no staging left."""
    with through(virtuoso, proxy) as store:
        proxy.answer(SWAP, DEADLOCKED, times=1)
        write(store, "new")
    assert proxy.count("answered") == 1
    assert state(direct) == NEW
    assert [e.graph for e in direct.catalog() if e.active] == [V1]
    assert staging_left(direct) == []


def test_a_write_rolled_back_on_every_try_leaves_the_old_data_and_says_so(
        virtuoso: VirtuosoServer, direct: RemoteStore, proxy: FaultyProxy) -> None:
    """Deadlocked on every try, the write ends in one ``StoreError`` that gives the server's reason
    and says nothing was applied; the store holds exactly the old data and no staging graph."""
    with through(virtuoso, proxy) as store:
        proxy.answer(SWAP, DEADLOCKED, times=READ_ATTEMPTS + 1)
        with pytest.raises(StoreError) as caught:
            write(store, "new")
    message = str(caught.value)
    assert "deadlocked" in message and "SR172" in message and "nothing of it was applied" in message
    assert not isinstance(caught.value, QueryError)
    assert proxy.count("answered") == len(pauses_within(20.0)) + 1
    assert state(direct) == OLD
    assert staging_left(direct) == []


def test_read_whose_answer_is_cut_is_read_again(
        virtuoso: VirtuosoServer, direct: RemoteStore, proxy: FaultyProxy) -> None:
    with through(virtuoso, proxy) as store:
        proxy.cut_response(b"%3Fo")  # the form-encoded query below
        rows = store.select("SELECT ?o WHERE { ?s ?p ?o }").values()
    assert sorted(rows) == sorted((f"old {i}",) for i in range(50))
    assert proxy.count("cut") == 1


# -- writes cut half-way -------------------------------------------------------------------------
def test_write_cut_mid_request_leaves_exactly_the_old_data_and_is_not_sent_again(
        virtuoso: VirtuosoServer, direct: RemoteStore, proxy: FaultyProxy) -> None:
    with through(virtuoso, proxy) as store:
        proxy.cut_request(SWAP)
        with pytest.raises(StoreError) as caught:
            write(store, "new")
    message = str(caught.value)
    assert "did not apply" in message and "old data" in message and "\n" not in message
    assert state(direct) == OLD
    assert staging_left(direct) == []
    cut_at = proxy.events.index("cut")
    assert "marker" not in proxy.events[cut_at + 1:]  # the swap was not sent again


def test_write_whose_answer_is_cut_leaves_exactly_the_new_data_and_is_not_sent_again(
        virtuoso: VirtuosoServer, direct: RemoteStore, proxy: FaultyProxy) -> None:
    with through(virtuoso, proxy) as store:
        proxy.cut_response(SWAP)
        write(store, "new")  # the server applied it: the write reports success
    assert proxy.count("cut") == 1
    cut_at = proxy.events.index("cut")
    assert "marker" not in proxy.events[cut_at:]  # the swap was not sent again
    assert state(direct) == ({str(t) for t in triples("new")}, [CATALOG_GRAPH, V1, V2], [V1, V2])
    assert [e.graph for e in direct.catalog() if e.active] == [V1]
    assert staging_left(direct) == []


def test_upload_cut_half_way_leaves_exactly_the_old_data(
        virtuoso: VirtuosoServer, direct: RemoteStore, proxy: FaultyProxy) -> None:
    with through(virtuoso, proxy) as store:
        proxy.cut_request(UPLOAD)
        with pytest.raises(StoreError, match="before anything changed"):
            write(store, "new")
    assert state(direct) == OLD
    assert staging_left(direct) == []


def test_hundreds_of_leftover_staging_graphs_do_not_block_the_next_write(
        virtuoso: VirtuosoServer, direct: RemoteStore) -> None:
    """A crashed write of many graphs leaves many staging graphs; Virtuoso refuses one update with
    hundreds of DROPs (SQ156), so they are dropped in chunks and the next write goes through."""
    blocks = " ".join(f'GRAPH <{STAGING_GRAPH_PREFIX}crashed/{i}> {{ <urn:a> <urn:b> "{i}" }}' for i in range(250))
    direct._update(f"INSERT DATA {{ {blocks} }}")
    assert len(staging_left(direct)) == 250
    write(direct, "new")
    assert staging_left(direct) == []
    assert state(direct)[0] == {str(t) for t in triples("new")}


# -- many graphs -----------------------------------------------------------------------------------
def test_queries_answer_over_more_than_a_hundred_active_graphs(direct: RemoteStore) -> None:
    """Virtuoso echoes each dataset graph named by protocol parameter as a response header and
    Python's HTTP client refuses more than 100: the dataset must go in the query text."""
    for batch in range(2):
        graphs = [f"{V1}/part/{batch}/{i}" for i in range(75)]
        direct.replace_graphs(
            [GraphData(g, serialize_triples(triples(g, 2)), ox.RdfFormat.N_TRIPLES) for g in graphs],
            [CatalogEntry(g, "curriculum") for g in graphs])
    assert len(direct.dataset()) == 151
    count = direct.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").values()
    assert count == [(str(150 * 2 + 50),)]
    assert direct.ask("ASK { ?s ?p \"old 49\" }")
    assert len(direct.construct("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")) == 350


@pytest.mark.parametrize("query, expected", [
    ("SELECT * WHERE { ?s ?p ?o }", "SELECT * \nFROM <urn:d>\nFROM NAMED <urn:n>\nWHERE { ?s ?p ?o }"),
    ("PREFIX w: <urn:where#> SELECT ?x { ?x w:WHERE \"WHERE {\" }",
     "PREFIX w: <urn:where#> SELECT ?x \nFROM <urn:d>\nFROM NAMED <urn:n>\n{ ?x w:WHERE \"WHERE {\" }"),
    ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
     "CONSTRUCT { ?s ?p ?o } \nFROM <urn:d>\nFROM NAMED <urn:n>\nWHERE { ?s ?p ?o }"),
    ("CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT \nFROM <urn:d>\nFROM NAMED <urn:n>\nWHERE { ?s ?p ?o }"),
    ("ASK { ?s ?p (1) }", "ASK \nFROM <urn:d>\nFROM NAMED <urn:n>\n{ ?s ?p (1) }"),
    ("DESCRIBE <urn:x>", None),
])
def test_the_dataset_goes_before_the_where_group(query: str, expected: str | None) -> None:
    from aiskills.store.remote import with_dataset

    assert with_dataset(query, ["urn:d"], ["urn:n"]) == expected
