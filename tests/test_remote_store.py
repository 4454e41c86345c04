"""The remote backend against a real Virtuoso 7 server on loopback (see tests/support/virtuoso.py).

Behaviour shared with the embedded backend is tested in tests/test_store.py; these tests cover what
is specific to a remote server: its result cap, its system graphs, credentials, unreachable
servers, atomic writes through staging graphs, and bindings sent as query text.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from requests.auth import HTTPDigestAuth
from support.ports import free_port
from support.virtuoso import VirtuosoServer, installed

from aiskills.errors import QueryError, StoreError
from aiskills.namespaces import CATALOG_GRAPH, GRAPH, STAGING_GRAPH_PREFIX, XSD, framework_graph
from aiskills.store.base import CatalogEntry, GraphData
from aiskills.store.catalog import serialize_triples
from aiskills.store.embedded import EmbeddedStore
from aiskills.store.remote import RemoteStore, count_query, paged_query, swap_update

NO_SERVER = "Virtuoso (virtuoso-t, isql-vt) is not installed: run scripts/install-virtuoso.sh"

CAP = 10_000  # ResultSetMaxRows of the session's test server
SMALL_CAP = 1_000  # ResultSetMaxRows of the server that reads past the cap (``small_cap_server``)
BIG = 2 * SMALL_CAP + SMALL_CAP // 2  # more triples than that cap: three pages of it
EX = "http://example.org/"
V1, V2 = framework_graph("1.0"), framework_graph("2.0")
HOSTILE = [
    'say "hi" } { # not a comment',
    "line one\nline two } # }\r\n'''\"\"\"",
    "back\\slash \\\" \\n }",
    "}", "{", "#", "", "tab\there", "café ☃ 𝄞",
]


def iri(local: str) -> ox.NamedNode:
    return ox.NamedNode(EX + local)


def graph_data(graph: str, triples: list[ox.Triple]) -> GraphData:
    return GraphData(graph, serialize_triples(triples), ox.RdfFormat.N_TRIPLES)


def framework(version: str, active: bool = True) -> CatalogEntry:
    return CatalogEntry(graph=framework_graph(version), kind="framework", version=version, active=active)


def hostile_triples() -> list[ox.Triple]:
    out = [ox.Triple(iri(f"s{i}"), iri("label"), ox.Literal(t)) for i, t in enumerate(HOSTILE)]
    out += [
        ox.Triple(iri("t"), iri("label"), ox.Literal("Hello", language="en-GB")),
        ox.Triple(iri("t"), iri("rank"), ox.Literal("3", datatype=ox.NamedNode(XSD + "integer"))),
        ox.Triple(iri("t"), iri("hours"), ox.Literal("1.5", datatype=ox.NamedNode(XSD + "decimal"))),
        ox.Triple(iri("t"), iri("flag"), ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))),
        ox.Triple(iri("t"), iri("when"), ox.Literal("2020-01-01", datatype=ox.NamedNode(XSD + "date"))),
        ox.Triple(iri("t"), iri("odd"), ox.Literal("zz", datatype=iri("type"))),
        ox.Triple(iri("t"), iri("link"), iri("a#frag")),
    ]
    return out


# -- fixtures ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(request: pytest.FixtureRequest) -> VirtuosoServer:
    """The session's Virtuoso server (``virtuoso`` in tests/conftest.py)."""
    if not installed():
        pytest.skip(NO_SERVER)
    srv: VirtuosoServer = request.getfixturevalue("virtuoso")
    assert srv.result_cap == CAP
    return srv


def run_update(server: VirtuosoServer, update: str) -> requests.Response:
    """Send an update straight to the server (test set-up, bypassing the store)."""
    return requests.post(server.update_endpoint, data={"update": update}, timeout=60,
                         auth=HTTPDigestAuth(server.user, server.password))


def graphs_under(server: VirtuosoServer, prefix: str) -> list[str]:
    query = f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER STRSTARTS(STR(?g), "{prefix}") }}'
    r = requests.post(server.endpoint, data={"query": query}, timeout=60,
                      headers={"Accept": "application/sparql-results+json"})
    r.raise_for_status()
    return sorted(b["g"]["value"] for b in r.json()["results"]["bindings"])


def drop_ours(server: VirtuosoServer) -> None:
    """Drop every graph under our prefix, staging graphs included."""
    graphs = graphs_under(server, GRAPH)
    if graphs:
        run_update(server, " ; ".join(f"DROP SILENT GRAPH <{g}>" for g in graphs)).raise_for_status()


@pytest.fixture(scope="module")
def small_cap_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    """A Virtuoso of this module's own with a small row cap, so that a result three times the cap
    takes 2,500 triples: on the session's server (10,000) it took 25,000, and Virtuoso 7.2 takes from
    0.4 s to 40 s, two threads spinning, to move a staged graph that size onto one written before."""
    if not installed():
        pytest.skip(NO_SERVER)
    with VirtuosoServer(tmp_path_factory.mktemp("virtuoso-small-cap"), result_cap=SMALL_CAP) as srv:
        yield srv


@pytest.fixture
def remote(server: VirtuosoServer) -> Iterator[RemoteStore]:
    """A remote store on an empty server, emptied again afterwards."""
    drop_ours(server)
    with RemoteStore.from_settings(server.settings()) as s:
        yield s  # type: ignore[misc]
    drop_ours(server)


# -- system triples stay out of sight ----------------------------------------------------------
def test_empty_store_shows_no_system_triples(remote: RemoteStore) -> None:
    assert remote.select("SELECT * WHERE { ?s ?p ?o }").rows == []
    assert remote.select("SELECT * WHERE { ?s ?p ?o }", union=True).rows == []
    assert remote.select("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }").rows == []
    assert remote.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").values() == [("0",)]
    assert remote.ask("ASK { ?s ?p ?o }") is False
    assert remote.construct("CONSTRUCT WHERE { ?s ?p ?o }") == []
    assert remote.graph_names() == []
    assert remote.count() == 0


def test_queries_see_only_active_graphs(remote: RemoteStore) -> None:
    remote.replace_graphs([graph_data(V1, [ox.Triple(iri("a"), iri("v"), ox.Literal("one"))])],
                         [framework("1.0", active=False)])
    remote.replace_graphs([graph_data(V2, [ox.Triple(iri("a"), iri("v"), ox.Literal("two"))])],
                         [framework("2.0")])
    query = "SELECT ?o WHERE { ?s <http://example.org/v> ?o }"
    assert remote.select(query).values() == [("two",)]
    assert sorted(remote.select(query, union=True).values()) == [("one",), ("two",)]
    assert remote.graph_names() == [CATALOG_GRAPH, V1, V2]
    named = remote.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }").values()
    assert sorted(named) == [(V2,)]  # as on the embedded store: the active graphs only


# -- result cap --------------------------------------------------------------------------------
def test_reads_past_the_result_cap(small_cap_server: VirtuosoServer) -> None:
    """Every read (a graph, counts, SELECT with and without ORDER BY) gets the whole of a result three
    times the server's row cap, which the store finds out from the server, where one request to the
    server alone gets the cap's worth."""
    server = small_cap_server
    with RemoteStore.from_settings(server.settings()) as remote:
        drop_ours(server)
        _reads_past_the_cap(remote, server)


def _reads_past_the_cap(remote: RemoteStore, server: VirtuosoServer) -> None:
    rank = iri("rank")
    big = [ox.Triple(iri(f"item/{i}"), rank, ox.Literal(str(i), datatype=ox.NamedNode(XSD + "integer")))
           for i in range(BIG)]
    remote.replace_graphs([graph_data(V1, big)], [framework("1.0")])
    raw = requests.post(server.endpoint, data={"query": f"SELECT * WHERE {{ GRAPH <{V1}> {{ ?s ?p ?o }} }}"},
                        headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert len(raw.json()["results"]["bindings"]) == SMALL_CAP  # the server alone cuts the result
    assert raw.headers["X-SPARQL-MaxRows"] == str(SMALL_CAP)

    read = remote.triples(V1)
    assert len(read) == BIG and set(read) == set(big)
    assert remote.count(V1) == BIG
    assert remote.count() == BIG + len(remote.triples(CATALOG_GRAPH))

    table = remote.select("SELECT ?s ?o WHERE { ?s ?p ?o }")
    assert len(table.rows) == BIG
    assert set(table.rows) == {(t.subject, t.object) for t in big}

    ordered = remote.select("PREFIX e: <http://example.org/>\n"
                           "SELECT ?o WHERE { ?s e:rank ?o } ORDER BY DESC(?o) # last line comment")
    assert [int(v) for (v,) in ordered.values()] == list(range(BIG - 1, -1, -1))

    counted = remote.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert counted.values() == [(str(BIG),)]


def test_cut_construct_result_is_an_error(small_cap_server: VirtuosoServer) -> None:
    """A CONSTRUCT the server cuts at its row cap is an error naming the cap, never a part taken
    for the whole; under the cap it answers."""
    with RemoteStore.from_settings(small_cap_server.settings()) as remote:
        drop_ours(small_cap_server)
        big = [ox.Triple(iri(f"item/{i}"), iri("p"), ox.Literal(str(i))) for i in range(SMALL_CAP + 5)]
        remote.replace_graphs([graph_data(V1, big)], [framework("1.0")])
        with pytest.raises(StoreError, match="ResultSetMaxRows"):
            remote.construct("CONSTRUCT WHERE { ?s ?p ?o }")
        assert len(remote.construct("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 10")) == 10


# -- terms and bindings ------------------------------------------------------------------------
def test_terms_come_back_as_written(remote: RemoteStore) -> None:
    data = hostile_triples()
    remote.replace_graphs([graph_data(V1, data)], [framework("1.0")])
    assert sorted(map(str, remote.triples(V1))) == sorted(map(str, data))
    assert sorted(map(str, remote.construct("CONSTRUCT WHERE { ?s ?p ?o }"))) == sorted(map(str, data))


def test_blank_nodes_can_be_read_and_bound_back(remote: RemoteStore) -> None:
    turtle = b'<http://example.org/a> <http://example.org/p> [ <http://example.org/q> "inner" ] .'
    remote.replace_graphs([GraphData(V1, turtle, ox.RdfFormat.TURTLE)], [framework("1.0")])
    (node,) = remote.select("SELECT ?b WHERE { ?a <http://example.org/p> ?b }").column("b")
    assert isinstance(node, ox.BlankNode)
    query = "SELECT ?v WHERE { ?b <http://example.org/q> ?v }"
    assert remote.select(query, {"b": node}).values() == [("inner",)]
    both = "SELECT ?a ?v WHERE { ?a <http://example.org/p> ?b . ?b <http://example.org/q> ?v }"
    assert remote.select(both, {"b": node, "v": ox.Literal("inner")}).values() == [(EX + "a", "inner")]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_bindings_answer_like_the_embedded_store(remote: RemoteStore, text: str) -> None:
    data = hostile_triples()
    write = ([graph_data(V1, data)], [framework("1.0")])
    remote.replace_graphs(*write)
    embedded = EmbeddedStore(None)
    embedded.replace_graphs(*write)
    queries = [
        "SELECT ?s ?o WHERE { ?s ?p ?o }",
        ("PREFIX e: <http://example.org/> # { comment }\n"
        "SELECT ?s ?o ('{' AS ?x) WHERE { ?s e:label ?o FILTER (?o != \"}\") }"),
    ]
    for query in queries:
        for bindings in ({"o": ox.Literal(text)}, {"o": ox.Literal(text), "s": iri("s0")}):
            got = sorted(remote.select(query, bindings).values(), key=str)
            assert got == sorted(embedded.select(query, bindings).values(), key=str)
    (row,) = remote.select(queries[0], {"o": ox.Literal(text)}).values()
    assert row == (EX + f"s{HOSTILE.index(text)}", text)
    assert remote.ask("ASK { ?s ?p ?o }", {"o": ox.Literal(text)}) is True
    embedded.close()


@pytest.mark.parametrize("name", ["o }", "?o", "o) { } #"])
def test_bad_binding_names_are_query_errors(remote: RemoteStore, name: str) -> None:
    with pytest.raises(QueryError):
        remote.select("SELECT * WHERE { ?s ?p ?o }", {name: ox.Literal("x")})


def test_syntax_error_is_a_query_error_with_the_server_message(remote: RemoteStore) -> None:
    with pytest.raises(QueryError, match="(?i)syntax|SP030"):
        remote.select("SELECT * WHERE { ?s ?p }")
    with pytest.raises(QueryError, match="expected a SELECT query"):
        remote.select("ASK { ?s ?p ?o }")


# -- writes --------------------------------------------------------------------------------------
def test_parse_error_leaves_old_graphs_and_catalogue(remote: RemoteStore) -> None:
    old = [ox.Triple(iri("a"), iri("v"), ox.Literal("old"))]
    remote.replace_graphs([graph_data(V1, old)], [framework("1.0")])
    catalogue = remote.triples(CATALOG_GRAPH)

    new = graph_data(V1, [ox.Triple(iri("a"), iri("v"), ox.Literal("new"))])
    broken = GraphData(V2, b'<http://example.org/a> <http://example.org/v> "unterminated .',
                       ox.RdfFormat.TURTLE)
    with pytest.raises(StoreError, match="could not be parsed"):
        remote.replace_graphs([new, broken], [framework("1.0", active=False), framework("2.0")])

    assert remote.triples(V1) == old
    assert sorted(map(str, remote.triples(CATALOG_GRAPH))) == sorted(map(str, catalogue))
    assert remote.graph_names() == [CATALOG_GRAPH, V1]


def test_failed_upload_leaves_old_graphs_and_no_staging(remote: RemoteStore, server: VirtuosoServer,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    old = [ox.Triple(iri("a"), iri("v"), ox.Literal("old"))]
    remote.replace_graphs([graph_data(V1, old)], [framework("1.0")])
    upload = remote._upload
    calls: list[str] = []

    def failing_upload(graph: str, data: bytes) -> None:
        calls.append(graph)
        if len(calls) == 2:
            raise StoreError("simulated network failure")
        upload(graph, data)

    monkeypatch.setattr(remote, "_upload", failing_upload)
    new = [ox.Triple(iri("a"), iri("v"), ox.Literal("new"))]
    with pytest.raises(StoreError, match="simulated"):
        remote.replace_graphs([graph_data(V1, new), graph_data(V2, new)], [framework("2.0")])
    assert calls[0].startswith(STAGING_GRAPH_PREFIX)
    assert remote.triples(V1) == old
    assert remote.graph_names() == [CATALOG_GRAPH, V1]
    assert graphs_under(server, STAGING_GRAPH_PREFIX) == []


def test_leftover_staging_graphs_are_dropped_on_next_write(remote: RemoteStore, server: VirtuosoServer) -> None:
    leftover = STAGING_GRAPH_PREFIX + "crashed/0"
    run_update(server, f'INSERT DATA {{ GRAPH <{leftover}> {{ <urn:a> <urn:b> "c" }} }}').raise_for_status()
    assert remote.graph_names() == []  # staging graphs are never listed
    remote.replace_graphs([graph_data(V1, [ox.Triple(iri("a"), iri("v"), ox.Literal("x"))])],
                         [framework("1.0")])
    assert graphs_under(server, STAGING_GRAPH_PREFIX) == []


def test_replace_and_drop_in_one_write(remote: RemoteStore) -> None:
    one = [ox.Triple(iri("a"), iri("v"), ox.Literal("one"))]
    remote.replace_graphs([graph_data(V1, one), graph_data(V2, one)], [framework("1.0"), framework("2.0")])
    remote.replace_graphs([graph_data(V2, [])], [framework("2.0")], drop=[V1])
    assert remote.graph_names() == [CATALOG_GRAPH]
    assert [e.graph for e in remote.catalog()] == [V2]


def test_without_graph_store_uploads_go_through_sparql_inserts(server: VirtuosoServer,
                                                            remote: RemoteStore) -> None:
    many = [ox.Triple(iri(f"item/{i}"), iri("p"), ox.Literal(f"{i} \"}} #")) for i in range(4500)]
    tree = b'<http://example.org/a> <http://example.org/p> [ <http://example.org/q> "inner" ] .'
    with RemoteStore.from_settings(server.settings(graph_store=None)) as plain:
        plain.replace_graphs([graph_data(V1, many), GraphData(V2, tree, ox.RdfFormat.TURTLE)],
                             [framework("1.0"), framework("2.0")])
        assert set(plain.triples(V1)) == set(many)
        assert plain.select("SELECT ?v WHERE { ?a ?p ?b . ?b ?q ?v }").values() == [("inner",)]
        bushy = [ox.Triple(ox.BlankNode(f"b{i}"), iri("p"), ox.Literal("x")) for i in range(4500)]
        with pytest.raises(StoreError, match="AISKILLS_GRAPH_STORE"):
            plain.replace_graphs([graph_data(V1, bushy)])
        assert set(plain.triples(V1)) == set(many)


def test_swap_uses_only_silent_operations() -> None:
    text = swap_update([("urn:s/0", "urn:t/0", True), ("urn:s/1", "urn:t/1", False)], ["urn:d"])
    assert text == ("MOVE SILENT GRAPH <urn:s/0> TO GRAPH <urn:t/0> ;\n"
                    "DROP SILENT GRAPH <urn:t/1> ;\nDROP SILENT GRAPH <urn:d>")


def test_virtuoso_keeps_the_start_of_a_failing_update(server: VirtuosoServer, remote: RemoteStore) -> None:
    """Why the swap is made of SILENT operations only: Virtuoso commits the operations that ran
    before a failing one in the same request (if this ever fails, Virtuoso became atomic)."""
    g = GRAPH + "quirk"
    response = run_update(server, f'INSERT DATA {{ GRAPH <{g}> {{ <urn:a> <urn:b> "c" }} }} ;\n'
                                  f"DROP GRAPH <{GRAPH}never-created>")
    assert response.status_code == 500
    assert graphs_under(server, g) == [g]


# -- access errors -------------------------------------------------------------------------------
def test_wrong_password_is_a_store_error_naming_the_endpoint(server: VirtuosoServer) -> None:
    with RemoteStore.from_settings(server.settings(password="wrong")) as bad, pytest.raises(StoreError) as caught:
        bad.replace_graphs([graph_data(V1, [ox.Triple(iri("a"), iri("v"), ox.Literal("x"))])])
    message = str(caught.value)
    assert "401" in message and f"127.0.0.1:{server.http_port}" in message
    assert "AISKILLS_PASSWORD" in message and "\n" not in message


def test_a_server_that_would_refuse_every_write_does_not_start(server: VirtuosoServer) -> None:
    """With a wrong password, or an update endpoint that is not one, `aiskills serve` had started and
    answered every write 503; with a write token configured it now stops at start, naming the cause."""
    import os
    import subprocess
    import sys

    with RemoteStore.from_settings(server.settings()) as good:
        good.check_writes()  # the right credentials: nothing to say
    with RemoteStore.from_settings(server.settings(password="wrong")) as bad, pytest.raises(StoreError) as caught:
        bad.check_writes()
    assert "takes no writes" in str(caught.value) and "AISKILLS_PASSWORD" in str(caught.value)
    assert "--user" not in str(caught.value)  # an option no command has
    settings = server.settings()
    env = {**os.environ, "AISKILLS_BACKEND": "sparql", "AISKILLS_ENDPOINT": settings.endpoint or "",
           "AISKILLS_USER": settings.user or "", "AISKILLS_PASSWORD": "wrong", "AISKILLS_WRITE_TOKEN": "t0ken-for-writes"}
    started = subprocess.run([sys.executable, "-m", "aiskills.cli", "serve", "--port", str(free_port())],
                             env=env, capture_output=True, text=True, timeout=120, check=False)
    assert started.returncode == 2, started.stderr[-800:]
    assert "takes no writes" in started.stderr and "401" in started.stderr


def test_unreachable_endpoint_is_a_store_error(server: VirtuosoServer) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/sparql"
    with RemoteStore.from_settings(server.settings(endpoint=url, timeout=5.0)) as gone:
        began = time.monotonic()
        with pytest.raises(StoreError) as caught:
            gone.select("SELECT * WHERE { ?s ?p ?o }")
        assert time.monotonic() - began < 5  # all tries within the timeout
    message = str(caught.value)
    assert url in message and "running" in message and "--endpoint" in message and "\n" not in message


def test_silent_server_is_a_store_error(server: VirtuosoServer) -> None:
    with socket.socket() as listener:  # accepts connections (backlog) but never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
        with (
            RemoteStore.from_settings(server.settings(endpoint=url, timeout=0.5)) as mute,
            pytest.raises(StoreError, match="did not answer within 0.5 s"),
        ):
            mute.select("SELECT * WHERE { ?s ?p ?o }")


def test_not_a_sparql_endpoint_is_a_store_error(server: VirtuosoServer) -> None:
    url = f"http://127.0.0.1:{server.http_port}/no-such-service"
    with RemoteStore.from_settings(server.settings(endpoint=url)) as wrong, pytest.raises(StoreError, match="404"):
        wrong.select("SELECT * WHERE { ?s ?p ?o }")


# -- the test server itself -----------------------------------------------------------------------
def test_server_starts_answers_and_stops(tmp_path: Path) -> None:
    if not installed():
        pytest.skip(NO_SERVER)
    with VirtuosoServer(tmp_path / "db") as srv:
        pid, port = srv.pid, srv.http_port
        assert srv.startup_seconds is not None and srv.startup_seconds < 60
        assert requests.get(srv.endpoint, params={"query": "ASK {}"}, timeout=10).ok
    assert pid is not None and not srv.running()
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0  # nothing listens any more
    assert (tmp_path / "db" / "virtuoso.ini").read_text().count("127.0.0.1:") == 2


# -- paging text (checked on pyoxigraph, no server needed) ---------------------------------------
PAGED = [  # (query, the column its ORDER BY sorts on)
    ("SELECT ?s ?o WHERE { ?s ?p ?o }", None),
    ("PREFIX e: <http://example.org/> # {\nSELECT ?s ?o WHERE { ?s e:rank ?o } ORDER BY DESC(?o) # end",
     "o"),
    ("SELECT ?o (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?o HAVING (COUNT(*) > 0) ORDER BY ?n",
     "n"),
    ("SELECT DISTINCT ?o WHERE { ?s ?p ?o FILTER (?o != 'limit {') } LIMIT 30 VALUES ?x { 1 }", None),
    ("SELECT * WHERE { ?s ?p ?o OPTIONAL { ?s ?q ?z } } ORDER BY (STR(?o))", None),
]


@pytest.mark.parametrize("query, ordered_on", PAGED)
def test_pages_add_up_to_the_whole_result(query: str, ordered_on: str | None) -> None:
    store = ox.Store()
    rank = ox.NamedNode(EX + "rank")
    for i in range(37):
        value = ox.Literal(str(i % 7), datatype=ox.NamedNode(XSD + "integer"))
        store.add(ox.Quad(iri(f"s{i % 13}"), rank, value))
    whole = store.query(query)
    columns = [v.value for v in whole.variables]  # type: ignore[union-attr]
    expected = [tuple(sol[c] for c in columns) for sol in whole]  # type: ignore[union-attr]
    rows: list[tuple[object, ...]] = []
    while True:
        page = list(store.query(paged_query(query, columns, len(rows), 3)))  # type: ignore[arg-type]
        rows.extend(tuple(sol[c] for c in columns) for sol in page)
        if len(page) < 3:
            break
    assert len(rows) > 3  # read in several pages
    assert sorted(map(str, rows)) == sorted(map(str, expected))
    if ordered_on is not None:  # the query's own order survives the paging
        i = columns.index(ordered_on)
        assert [r[i] for r in rows] == [r[i] for r in expected]
    (count,) = store.query(count_query(query))  # type: ignore[misc]
    assert int(count[0].value) == len(expected)


# -- writers on several hosts ------------------------------------------------------------------
HOSTS = 3
HOST_WRITES = 8


def _write_as_a_host(settings: object, tmp: str, start: object, k: int) -> None:
    """One "host": a process whose temporary directory (where the per-host write lock lives) is its
    own, so its writes do not take turns with the other hosts'; it writes graphs of its own, each
    with a catalogue entry. Virtuoso now and then rolls one host's update back as deadlocked with
    another's; the store sends it again."""
    import tempfile

    tempfile.tempdir = tmp
    store = RemoteStore.from_settings(settings)  # type: ignore[arg-type]
    start.wait()  # type: ignore[attr-defined]
    for j in range(HOST_WRITES):
        graph = f"{GRAPH}hosts/{k}/{j}"
        store.replace_graphs([graph_data(graph, [ox.Triple(iri(f"h{k}"), iri("write"), ox.Literal(str(j)))])],
                             [CatalogEntry(graph, "other", f"{k}.{j}")])
    store.close()


def test_writers_on_several_hosts_keep_every_graph_and_catalogue_entry(
        remote: RemoteStore, server: VirtuosoServer, tmp_path: Path) -> None:
    """Three hosts writing to one Virtuoso at the same time, each holding only its own host's lock:
    every graph each wrote is there, active, with its own catalogue entry, and no staging graph is
    left. Each write changes only its own graphs' catalogue entries, and drops only staging graphs
    old enough to be a crashed write's (a younger one may be another host's write in progress);
    a write that rewrote the whole catalogue, or dropped every staging graph first, loses other
    hosts' graphs here."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    start = context.Barrier(HOSTS)
    folders = [tmp_path / f"host-{k}" for k in range(HOSTS)]
    for folder in folders:
        folder.mkdir()
    processes = [context.Process(target=_write_as_a_host, args=(server.settings(), str(folders[k]), start, k))
                 for k in range(HOSTS)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(300)
    assert [p.exitcode for p in processes] == [0] * HOSTS
    written = {f"{GRAPH}hosts/{k}/{j}" for k in range(HOSTS) for j in range(HOST_WRITES)}
    entries = {e.graph: e for e in remote.catalog()}
    assert written <= set(remote.graph_names())
    assert {g for g in entries if g in written} == written
    assert all(entries[g].active and entries[g].version == g.split("hosts/")[1].replace("/", ".") for g in written)
    assert graphs_under(server, STAGING_GRAPH_PREFIX) == []
    rows = remote.select("SELECT ?s ?w WHERE { ?s <http://example.org/write> ?w }").values()
    assert len(rows) == HOSTS * HOST_WRITES


def test_a_young_staging_graph_is_left_to_its_writer_and_an_old_one_dropped(
        remote: RemoteStore, server: VirtuosoServer) -> None:
    """A write drops staging graphs that a crashed write left (named by a time six hours ago or
    more, or by none), with their hidden marks in the catalogue, and leaves younger ones: another
    host's write may be filling them."""
    now = int(time.time())
    young = f"{STAGING_GRAPH_PREFIX}{now - 60}-abc/0"
    old = f"{STAGING_GRAPH_PREFIX}{now - 7 * 3600}-def/0"
    unnamed = f"{STAGING_GRAPH_PREFIX}crashed/1"
    blocks = " ".join(f'GRAPH <{g}> {{ <urn:a> <urn:b> "c" }}' for g in (young, old, unnamed))
    marks = " ".join(f"<{CATALOG_GRAPH}> <{CATALOG_GRAPH}#hidden> <{g}> ." for g in (young, old, unnamed))
    run_update(server, f"INSERT DATA {{ {blocks} GRAPH <{CATALOG_GRAPH}> {{ {marks} }} }}").raise_for_status()
    remote.replace_graphs([graph_data(V1, [ox.Triple(iri("a"), iri("v"), ox.Literal("x"))])], [framework("1.0")])
    assert graphs_under(server, STAGING_GRAPH_PREFIX) == [young]
    hidden = [t.object.value for t in remote.triples(CATALOG_GRAPH) if t.predicate.value == CATALOG_GRAPH + "#hidden"]
    assert hidden == [young]


def test_a_write_of_more_graphs_than_one_update_takes_lands_whole_with_its_catalogue(
        remote: RemoteStore) -> None:
    """450 graphs in one write go into place in batches of Virtuoso's 200, each batch with its own
    graphs' catalogue entries; then dropping them all in one write empties the catalogue of them."""
    graphs = [f"{GRAPH}many/{i}" for i in range(450)]
    remote.replace_graphs([graph_data(g, [ox.Triple(iri("m"), iri("i"), ox.Literal(str(i)))])
                           for i, g in enumerate(graphs)],
                          [CatalogEntry(g, "other", str(i)) for i, g in enumerate(graphs)])
    assert {e.graph: e.version for e in remote.catalog()} == {g: str(i) for i, g in enumerate(graphs)}
    assert len(remote.select("SELECT ?i WHERE { ?m <http://example.org/i> ?i }").values()) == 450
    remote.replace_graphs([], [], drop=graphs)
    assert remote.catalog() == [] and remote.graph_names() == []
