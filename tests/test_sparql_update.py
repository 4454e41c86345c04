"""SPARQL 1.1 Update through ``POST /sparql``: only with a configured write token and the token sent;
applied as one transaction on the active graphs; the store's catalogue follows; the update's default
graph is the union of the active graphs, as for queries."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from aiskills import loading
from aiskills.config import Settings
from aiskills.namespaces import ONTOLOGY_GRAPH
from aiskills.store.embedded import EmbeddedStore
from aiskills.web import create_app

TOKEN = "update-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
G = "http://example.org/graph/notes"
INSERT = f"INSERT DATA {{ GRAPH <{G}> {{ <http://example.org/a> <http://example.org/p> \"one\" }} }}"


@pytest.fixture
def store() -> Iterator[EmbeddedStore]:
    s = EmbeddedStore(None)
    loading.load_bundled(s)
    yield s
    s.close()


@pytest.fixture
def client(store: EmbeddedStore) -> FlaskClient:
    app = create_app(Settings.from_env({"AISKILLS_WRITE_TOKEN": TOKEN}), store=store)
    app.testing = True
    return app.test_client()


def _ask(client: FlaskClient, query: str) -> bool:
    res = client.get("/sparql", query_string={"query": query})
    assert res.status_code == 200, res.get_data(as_text=True)
    return bool(json.loads(res.data)["boolean"])


def _count(client: FlaskClient, query: str) -> int:
    res = client.get("/sparql", query_string={"query": query})
    return int(json.loads(res.data)["results"]["bindings"][0]["n"]["value"])


@pytest.mark.parametrize("kwargs", [{"data": {"update": INSERT}},
                                    {"data": INSERT.encode(), "content_type": "application/sparql-update"}])
def test_an_update_with_the_token_is_applied_and_shows_in_the_catalogue(client: FlaskClient,
                                                                        store: EmbeddedStore,
                                                                        kwargs: dict) -> None:  # type: ignore[type-arg]
    res = client.post("/sparql", headers=AUTH, **kwargs)
    assert res.status_code == 204 and res.data == b""
    assert _ask(client, 'ASK { <http://example.org/a> <http://example.org/p> "one" }')  # in the union
    entry = next(e for e in store.catalog() if e.graph == G)
    assert entry.active and entry.kind == "other"


@pytest.mark.parametrize(("headers", "status", "says"), [
    ({}, 401, "needs a write token"),
    ({"Authorization": "Bearer wrong"}, 401, "needs a write token"),
    ({"Authorization": f"Basic {TOKEN}"}, 401, "needs a write token")])
def test_an_update_without_the_right_token_is_401_and_changes_nothing(client: FlaskClient, headers: dict,  # type: ignore[type-arg]
                                                                      status: int, says: str) -> None:
    before = _count(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    res = client.post("/sparql", data={"update": "CLEAR ALL"}, headers=headers)
    assert res.status_code == status and says in res.get_data(as_text=True)
    assert res.headers["WWW-Authenticate"].startswith("Bearer")
    assert _count(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == before > 0


def test_a_read_token_cannot_update(store: EmbeddedStore, tmp_path: object) -> None:
    from pathlib import Path

    from aiskills.config import Token

    path = Path(str(tmp_path)) / "tokens.tsv"
    reader = Token.from_secret("reader", "read-secret", "read")
    writer = Token.from_secret("writer", "write-secret", "write")
    path.write_text("".join(f"{t.name}\t{t.scope}\t{t.sha256}\n" for t in (reader, writer)))
    client = create_app(Settings.from_env({"AISKILLS_TOKENS_FILE": str(path)}), store=store).test_client()
    res = client.post("/sparql", data={"update": INSERT}, headers={"Authorization": "Bearer read-secret"})
    assert res.status_code == 403 and "may read but not write" in res.get_data(as_text=True)
    assert G not in store.graph_names()


def test_the_where_of_an_update_reads_the_union_of_the_active_graphs(client: FlaskClient) -> None:
    """As a query does: no USING needed to see the framework."""
    update = """PREFIX ais: <https://w3id.org/aiskills/ontology#>
    INSERT { GRAPH <http://example.org/graph/copy> { ?c a ais:Capability } } WHERE { ?c a ais:Capability }"""
    assert client.post("/sparql", data={"update": update}, headers=AUTH).status_code == 204
    assert _count(client, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <http://example.org/graph/copy> "
                          "{ ?s ?p ?o } }") == 187


def test_using_graph_uri_sets_the_default_graph_of_the_where(client: FlaskClient) -> None:
    update = "INSERT { GRAPH <http://example.org/graph/o> { ?s ?p ?o } } WHERE { ?s ?p ?o }"
    res = client.post("/sparql", query_string={"using-graph-uri": ONTOLOGY_GRAPH}, data=update,
                      content_type="application/sparql-update", headers=AUTH)
    assert res.status_code == 204
    copied = _count(client, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <http://example.org/graph/o> { ?s ?p ?o } }")
    ontology = _count(client, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ ?s ?p ?o }} }}")
    assert copied == ontology > 0


def test_using_graph_uri_with_using_in_the_update_is_400(client: FlaskClient) -> None:
    update = f"INSERT {{ GRAPH <{G}> {{ ?s ?p ?o }} }} USING <{ONTOLOGY_GRAPH}> WHERE {{ ?s ?p ?o }}"
    res = client.post("/sparql", query_string={"using-graph-uri": ONTOLOGY_GRAPH}, data=update,
                      content_type="application/sparql-update", headers=AUTH)
    assert res.status_code == 400 and "use one or the other" in res.get_data(as_text=True)


def test_data_outside_a_named_graph_is_refused_and_the_whole_update_undone(client: FlaskClient,
                                                                          store: EmbeddedStore) -> None:
    update = INSERT + ' ; INSERT DATA { <http://example.org/b> <http://example.org/p> "two" }'
    res = client.post("/sparql", data={"update": update}, headers=AUTH)
    text = res.get_data(as_text=True)
    assert res.status_code == 400 and "GRAPH <" in text and "Nothing was changed" in text
    assert G not in store.graph_names()  # the first operation was rolled back too


def test_a_syntax_error_is_400_with_the_parser_message(client: FlaskClient) -> None:
    res = client.post("/sparql", data={"update": "INSERT DATA { GRAPH <x:g> { "}, headers=AUTH)
    assert res.status_code == 400 and "SPARQL syntax error" in res.get_data(as_text=True)


def test_drop_graph_removes_a_curriculum_from_the_catalogue(client: FlaskClient, store: EmbeddedStore) -> None:
    from support.curricula import store_examples

    store_examples(store)
    curricula = [e.graph for e in store.catalog() if e.kind == "curriculum"]
    assert curricula
    res = client.post("/sparql", data={"update": f"DROP GRAPH <{curricula[0]}>"}, headers=AUTH)
    assert res.status_code == 204
    assert curricula[0] not in [e.graph for e in store.catalog()]
    assert len([e for e in store.catalog() if e.kind == "curriculum"]) == len(curricula) - 1


def test_load_in_an_update_is_refused(client: FlaskClient, store: EmbeddedStore) -> None:
    res = client.post("/sparql", data={"update": f"LOAD <http://127.0.0.1:9/x.ttl> INTO GRAPH <{G}>"},
                      headers=AUTH)
    assert res.status_code == 400 and res.get_data(as_text=True).startswith("LOAD is not allowed")
    assert G not in store.graph_names()


@pytest.mark.parametrize("update", [f"{INSERT} ;", f"{INSERT} ; # a comment at the end", f"PREFIX ex: <http://example.org/>\n{INSERT}"])
def test_updates_ending_in_a_semicolon_or_a_comment_are_applied(client: FlaskClient, store: EmbeddedStore,
                                                                update: str) -> None:
    """The grammar allows a trailing ';'; the store's own checks appended after it must not break it."""
    res = client.post("/sparql", data={"update": update}, headers=AUTH)
    assert res.status_code == 204, res.get_data(as_text=True)
    assert G in store.graph_names()


def test_an_update_of_only_a_prologue_changes_nothing(client: FlaskClient, store: EmbeddedStore) -> None:
    before = store.graph_names()
    res = client.post("/sparql", data={"update": "PREFIX ex: <http://example.org/>"}, headers=AUTH)
    assert res.status_code == 204 and store.graph_names() == before


def test_delete_with_a_template_reads_the_union_of_the_active_graphs(client: FlaskClient) -> None:
    """``DELETE { template } WHERE { pattern }`` (not the ``DELETE WHERE`` short form) reads the
    union of the active graphs, as INSERT … WHERE does: it removes what its pattern finds there and
    nothing else."""
    two = (f"INSERT DATA {{ GRAPH <{G}> {{ <http://example.org/a> <http://example.org/p> \"one\" . "
           "<http://example.org/b> <http://example.org/p> \"two\" } }")
    assert client.post("/sparql", data={"update": two}, headers=AUTH).status_code == 204
    update = (f"DELETE {{ GRAPH <{G}> {{ ?s <http://example.org/p> \"one\" }} }} "
              "WHERE { ?s <http://example.org/p> \"one\" }")
    assert client.post("/sparql", data={"update": update}, headers=AUTH).status_code == 204
    assert not _ask(client, f"ASK {{ GRAPH <{G}> {{ ?s ?p \"one\" }} }}")
    assert _ask(client, f"ASK {{ GRAPH <{G}> {{ <http://example.org/b> <http://example.org/p> \"two\" }} }}")


@pytest.mark.parametrize(("using", "left"), [(G, 0), (ONTOLOGY_GRAPH, 1)])
def test_using_graph_uri_sets_the_default_graph_of_a_delete_with_a_template(
    client: FlaskClient, using: str, left: int
) -> None:
    """The protocol's ``using-graph-uri`` is the default graph of a ``DELETE { … } WHERE { … }``:
    the triple is deleted when its own graph is named, and kept when another is."""
    assert client.post("/sparql", data={"update": INSERT}, headers=AUTH).status_code == 204
    update = f"DELETE {{ GRAPH <{G}> {{ ?s ?p ?o }} }} WHERE {{ ?s ?p ?o }}"
    res = client.post("/sparql", query_string={"using-graph-uri": using}, data=update,
                      content_type="application/sparql-update", headers=AUTH)
    assert res.status_code == 204, res.get_data(as_text=True)
    assert _count(client, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }}") == left


@pytest.mark.parametrize("update", [
    # a GRAPH pattern on the new graph, names in full
    ('INSERT DATA { GRAPH <http://example.org/g3> { <http://example.org/b> <http://example.org/q> "1" } } ; '
    "INSERT { GRAPH <http://example.org/g4> { ?s ?p ?o } } WHERE { GRAPH <http://example.org/g3> { ?s ?p ?o } }"),
    # the union, with prefixed names
    ("PREFIX ex: <http://example.org/> "
    'INSERT DATA { GRAPH ex:g3 { ex:b ex:q "1" } } ; INSERT { GRAPH ex:g4 { ?s ?p ?o } } WHERE { ?s ex:q ?o . ?s ?p ?o }'),
    # relative names against the request's base, and a graph made by COPY
    ('BASE <http://example.org/> INSERT DATA { GRAPH <g2> { <b> <q> "1" } } ; COPY <g2> TO <g3> ; '
    "INSERT { GRAPH <g4> { ?s ?p ?o } } WHERE { GRAPH <g3> { ?s ?p ?o } }"),
])
def test_an_operation_reads_a_graph_an_earlier_one_in_the_same_request_made(client: FlaskClient,
                                                                            update: str) -> None:
    """SPARQL 1.1 Update runs the operations of a request one after the other: a later WHERE sees a
    graph an earlier operation created (the union of the store's graphs, given to every WHERE, is
    read before the request; the graphs the update names are added to it). Before, g4 stayed empty."""
    res = client.post("/sparql", headers=AUTH, data={"update": update})
    assert res.status_code == 204, res.get_data(as_text=True)
    assert _ask(client, 'ASK { GRAPH <http://example.org/g4> { <http://example.org/b> <http://example.org/q> "1" } }')
    assert _count(client, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <http://example.org/g4> { ?s ?p ?o } }") == 1


@pytest.mark.parametrize("operation", ["COPY", "MOVE", "ADD", "copy silent", "MOVE SILENT"])
def test_copying_from_the_default_graph_is_refused_and_changes_nothing(client: FlaskClient, operation: str) -> None:
    """The default graph here is the union of the named graphs, not a graph of its own: COPY and
    MOVE from the store's real (empty) default graph emptied the target and answered 204; now each
    such operation is a 400 that says so, and the target keeps its triples."""
    assert client.post("/sparql", headers=AUTH, data={"update": INSERT}).status_code == 204
    res = client.post("/sparql", headers=AUTH, data={"update": f"{operation} DEFAULT TO <{G}>"})
    assert res.status_code == 400 and "union of its named graphs" in res.get_data(as_text=True)
    assert _ask(client, f'ASK {{ GRAPH <{G}> {{ <http://example.org/a> <http://example.org/p> "one" }} }}')
    quoted = f'INSERT DATA {{ GRAPH <{G}> {{ <http://example.org/a> <http://example.org/note> "COPY DEFAULT TO" }} }}'
    assert client.post("/sparql", headers=AUTH, data={"update": quoted}).status_code == 204  # in a string: data
