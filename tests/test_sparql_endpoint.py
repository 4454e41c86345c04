"""``/sparql``: the SPARQL 1.1 Protocol over the bundled framework, every result format, the status
codes, the safety checks, CORS and the service description."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest
import rdflib
from flask.testing import FlaskClient

from aiskills import alignment, loading
from aiskills.config import Settings
from aiskills.namespaces import ONTOLOGY_GRAPH
from aiskills.store.embedded import EmbeddedStore
from aiskills.web import create_app

CAPABILITIES = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?c ?notation WHERE { ?c skos:notation ?notation FILTER (CONTAINS(STR(?c), "/capability/")) }
ORDER BY ?notation"""
COUNT_CAPABILITIES = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT (COUNT(?c) AS ?n) WHERE { ?c skos:notation ?x FILTER (CONTAINS(STR(?c), "/capability/")) }"""
ARCHETYPES = """CONSTRUCT { ?a a <urn:archetype> } WHERE {
  ?a ?p ?o FILTER (STRSTARTS(STR(?a), "https://w3id.org/aiskills/id/archetype/")) }"""
SRX = "{http://www.w3.org/2005/sparql-results#}"
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")


@pytest.fixture(scope="module")
def store() -> Iterator[EmbeddedStore]:
    s = EmbeddedStore(None)
    loading.load_bundled(s)
    yield s
    s.close()


def _client(store: EmbeddedStore, **settings: int) -> FlaskClient:
    app = create_app(replace(Settings(), **settings), store=store)  # type: ignore[arg-type]
    app.testing = True
    return app.test_client()


@pytest.fixture(scope="module")
def client(store: EmbeddedStore) -> FlaskClient:
    return _client(store)


def _capability_count(client: FlaskClient) -> int:
    data = client.get("/sparql", query_string={"query": COUNT_CAPABILITIES}).get_json(force=True)
    return int(data["results"]["bindings"][0]["n"]["value"])


# -- the three ways to send a query ------------------------------------------------------------------
def test_get_query_answers_sparql_json_by_default(client: FlaskClient) -> None:
    res = client.get("/sparql", query_string={"query": CAPABILITIES})
    assert res.status_code == 200 and res.mimetype == "application/sparql-results+json"
    data = json.loads(res.data)
    assert data["head"]["vars"] == ["c", "notation"]
    assert len(data["results"]["bindings"]) == 187
    assert data["results"]["bindings"][0]["c"]["type"] == "uri"


@pytest.mark.parametrize(("accept", "query", "answered"), [
    ("text/csv; charset=utf-8", CAPABILITIES, "text/csv"),
    ("application/sparql-results+json;charset=utf-8", "ASK {}", "application/sparql-results+json"),
    ("text/csv; charset=utf-8; q=0.9, application/sparql-results+xml; q=0.8", CAPABILITIES, "text/csv"),
    ("text/turtle; charset=utf-8", "CONSTRUCT WHERE { ?s a <https://w3id.org/aiskills/ontology#Archetype> }",
     "text/turtle"),
    ("text/turtle; charset=utf-8", None, "text/turtle"),  # the service description
    ("text/n3", "CONSTRUCT WHERE { ?s a <https://w3id.org/aiskills/ontology#Archetype> }", "text/turtle"),
])
def test_an_accept_naming_a_charset_gets_that_type(client: FlaskClient, accept: str, query: str | None,
                                                   answered: str) -> None:
    """A media range's parameters (a charset) do not narrow it: the type it names is answered, as
    Fuseki and Virtuoso answer it, where it was 406 (or, beside another type, that other type)."""
    res = client.get("/sparql", query_string={"query": query} if query else {}, headers={"Accept": accept})
    assert res.status_code == 200 and res.mimetype == answered, res.get_data(as_text=True)[:200]
    assert res.headers.getlist("Vary") == ["Accept"]  # once, however many parts of the app add it


@pytest.mark.parametrize("parameter", ["default-graph-uri", "named-graph-uri"])
def test_a_dataset_graph_that_is_no_iri_is_a_400_naming_it(client: FlaskClient, parameter: str) -> None:
    """A protocol dataset graph that is no IRI is refused, not read as an empty graph (0 rows)."""
    res = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }", parameter: "not an iri"})
    assert res.status_code == 400 and f"{parameter} 'not an iri' is not an IRI" in res.get_data(as_text=True)


def test_head_answers_what_get_does_without_the_body(client: FlaskClient) -> None:
    """HEAD on a query and on the service description: GET's status, type and tag, and no body."""
    for params, accept in (({"query": CAPABILITIES}, "text/csv"), ({}, "text/turtle")):
        got = client.get("/sparql", query_string=params, headers={"Accept": accept})
        head = client.head("/sparql", query_string=params, headers={"Accept": accept})
        assert got.status_code == head.status_code == 200
        assert head.data == b"" and got.data
        assert head.headers["Content-Type"] == got.headers["Content-Type"]
        assert head.headers.get("ETag") == got.headers.get("ETag")
    assert "HEAD" in client.options("/sparql").headers["Allow"]


def test_url_encoded_post_and_direct_post_give_the_same_answer(client: FlaskClient) -> None:
    by_get = client.get("/sparql", query_string={"query": CAPABILITIES}).data
    form = client.post("/sparql", data={"query": CAPABILITIES})
    direct = client.post("/sparql", data=CAPABILITIES.encode(), content_type="application/sparql-query")
    assert form.status_code == direct.status_code == 200
    assert json.loads(form.data) == json.loads(direct.data) == json.loads(by_get)


# -- content negotiation -----------------------------------------------------------------------------
def test_xml_results_by_accept(client: FlaskClient) -> None:
    res = client.get("/sparql", query_string={"query": CAPABILITIES},
                     headers={"Accept": "application/sparql-results+xml"})
    assert res.mimetype == "application/sparql-results+xml"
    root = ET.fromstring(res.data)
    assert [v.get("name") for v in root.iter(SRX + "variable")] == ["c", "notation"]
    assert len(list(root.iter(SRX + "result"))) == 187


def test_csv_and_tsv_results_by_accept(client: FlaskClient) -> None:
    csv_res = client.get("/sparql", query_string={"query": CAPABILITIES}, headers={"Accept": "text/csv"})
    rows = list(csv.reader(io.StringIO(csv_res.get_data(as_text=True))))
    assert csv_res.mimetype == "text/csv" and rows[0] == ["c", "notation"] and len(rows) == 188
    tsv_res = client.get("/sparql", query_string={"query": CAPABILITIES},
                         headers={"Accept": "text/tab-separated-values"})
    lines = tsv_res.get_data(as_text=True).splitlines()
    assert tsv_res.mimetype == "text/tab-separated-values" and lines[0] == "?c\t?notation" and len(lines) == 188
    assert lines[1].split("\t")[0] == f"<{rows[1][0]}>"


def test_accept_q_values_pick_the_preferred_format(client: FlaskClient) -> None:
    res = client.get("/sparql", query_string={"query": "ASK {}"}, headers={
        "Accept": "application/sparql-results+json;q=0.5, application/sparql-results+xml;q=0.9"})
    assert res.mimetype == "application/sparql-results+xml"
    assert ET.fromstring(res.data).find(SRX + "boolean").text == "true"  # type: ignore[union-attr]


def test_format_parameter_overrides_accept(client: FlaskClient) -> None:
    res = client.get("/sparql", query_string={"query": CAPABILITIES, "format": "csv"},
                     headers={"Accept": "application/sparql-results+xml"})
    assert res.mimetype == "text/csv" and len(res.get_data(as_text=True).splitlines()) == 188


@pytest.mark.parametrize(("accept", "fmt", "rdflib_format"), [
    (None, "text/turtle", "turtle"), ("application/n-triples", "application/n-triples", "nt"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/rdf+xml", "application/rdf+xml", "xml")])
def test_construct_in_each_rdf_format(client: FlaskClient, accept: str | None, fmt: str,
                                      rdflib_format: str) -> None:
    res = client.get("/sparql", query_string={"query": ARCHETYPES},
                     headers={"Accept": accept} if accept else {})
    assert res.status_code == 200 and res.mimetype == fmt
    graph = rdflib.Graph().parse(data=res.data, format=rdflib_format)
    assert len(graph) == 5
    assert {str(s).rsplit("/", 1)[1] for s in graph.subjects()} == {
        "shaper", "driver", "creator", "embedder", "user"}


def test_describe_answers_a_graph(client: FlaskClient) -> None:
    res = client.get("/sparql", query_string={
        "query": "DESCRIBE <https://w3id.org/aiskills/id/archetype/user>", "format": "nt"})
    graph = rdflib.Graph().parse(data=res.data, format="nt")
    assert res.status_code == 200 and len(graph) > 0
    assert set(graph.subjects()) == {rdflib.URIRef("https://w3id.org/aiskills/id/archetype/user")}


def test_unacceptable_accept_is_406(client: FlaskClient) -> None:
    res = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Accept": "image/png"})
    assert res.status_code == 406 and res.mimetype == "text/plain"
    assert "application/sparql-results+json" in res.get_data(as_text=True)
    graph_as_csv = client.get("/sparql", query_string={"query": ARCHETYPES, "format": "csv"})
    assert graph_as_csv.status_code == 406 and graph_as_csv.mimetype == "text/plain"
    assert "cannot be given as csv" in graph_as_csv.get_data(as_text=True)


# -- failures the protocol names ---------------------------------------------------------------------
@pytest.mark.parametrize(("kwargs", "says"), [
    ({"method": "POST", "data": {"format": "json"}}, "no query given"),
    ({"method": "GET", "query_string": "query=ASK%20%7B%7D&query=ASK%20%7B%7D"}, "2 `query` parameters"),
    ({"method": "GET", "query_string": {"query": "ASK {", "format": "json"}}, "SPARQL syntax error at line 1, column 6"),
    # the parser's own text names character classes; every client gets it in words, as the page does
    ({"method": "GET", "query_string": {"query": "SELECT *\nWHERE { ?s skos:notation ?o }", "format": "json"}},
     "line 2, column 25: the prefix skos: is not declared (add PREFIX skos: <http://www.w3.org/2004/02/skos/core#>"),
    ({"method": "POST", "data": {"query": "ASK {}", "update": "CLEAR ALL"}}, "not both"),
])
def test_protocol_failures_are_400_with_the_reason(client: FlaskClient, kwargs: dict, says: str) -> None:  # type: ignore[type-arg]
    res = client.open("/sparql", **kwargs)
    assert res.status_code == 400 and res.mimetype == "text/plain"
    assert says in res.get_data(as_text=True)


@pytest.mark.parametrize("content_type", ["text/plain", None, "application/json"])
def test_post_with_unsupported_content_type_is_415(client: FlaskClient, content_type: str | None) -> None:
    res = client.post("/sparql", data=b"ASK {}", content_type=content_type)
    assert res.status_code == 415 and "application/sparql-query" in res.get_data(as_text=True)


def test_direct_post_not_in_utf8_is_refused(client: FlaskClient) -> None:
    res = client.post("/sparql", data="ASK {}".encode("utf-16"),
                      content_type="application/sparql-query; charset=UTF-16")
    assert res.status_code == 415 and "UTF-8" in res.get_data(as_text=True)


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405_with_allow(client: FlaskClient, method: str) -> None:
    res = client.open("/sparql", method=method, query_string={"query": "ASK {}"})
    assert res.status_code == 405 and res.headers["Allow"] == "GET, HEAD, POST, OPTIONS"
    assert res.mimetype == "text/plain"


# -- safe by default ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [
    {"method": "POST", "data": {"update": "CLEAR ALL"}},
    {"method": "POST", "data": b"CLEAR ALL", "content_type": "application/sparql-update"}])
def test_updates_are_refused_and_change_nothing(client: FlaskClient, kwargs: dict) -> None:  # type: ignore[type-arg]
    """Without a configured write token the endpoint is read-only, and says how to enable writes."""
    res = client.open("/sparql", **kwargs)
    assert res.status_code == 403 and "AISKILLS_WRITE_TOKEN" in res.get_data(as_text=True)
    assert _capability_count(client) == 187


def test_an_update_by_get_is_refused_as_the_protocol_says(client: FlaskClient) -> None:
    res = client.get("/sparql", query_string={"update": "CLEAR ALL"})
    assert res.status_code == 405 and "must be sent by POST" in res.get_data(as_text=True)
    assert _capability_count(client) == 187


@pytest.mark.parametrize(("query", "keyword"), [
    ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE"),
    ("select * where { service silent <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE"),
    ("LOAD <http://example.org/data.ttl>", "LOAD")])
def test_service_and_load_are_refused_before_running(client: FlaskClient, query: str, keyword: str) -> None:
    res = client.get("/sparql", query_string={"query": query})
    assert res.status_code == 400 and res.get_data(as_text=True).startswith(f"{keyword} is not allowed")


def test_the_quick_look_for_service_load_and_from_decides_as_the_full_scan_does() -> None:
    """check_safe and query_dataset look closely only at texts that hold the keyword's letters in
    any case (``str.casefold``: the long s too): over 5,000 random texts of keywords in mixed case,
    look-alike letters, prefixed names, variables, IRIs, strings and comments, check_safe refuses
    exactly when the full scan of the masked text finds SERVICE or LOAD (but for a keyword spelled
    with a dotless i, which the parser refuses as no keyword), and query_dataset looks at the graphs
    of every text in which the full scan finds FROM and a target after it."""
    import random

    from aiskills.errors import QueryError
    from aiskills.store.binding import mask
    from aiskills.web.sparql import _FROM, _FROM_TARGET, _REFUSED, ProtocolError, check_safe, query_dataset

    pieces = ["SERVICE", "service", "SeRvIcE", "LOAD", "lOaD", "FROM", "fRoM", "FROM NAMED", "ſervice",
              "ex:service", "?service", "$load", "service-x", "loads", "<http://x/SERVICE>", '"LOAD"',
              "# FROM\n", "{", "}", " ", "\n", "SELECT", "*", "WHERE", "?s", "servıce", "x:FROM",
              "<http://example.org/g>"]
    rng = random.Random(7)
    for _ in range(5000):
        text = " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        masked = mask(text)
        try:
            check_safe(text)
            refused = False
        except ProtocolError:
            refused = True
        if "ı" not in text:
            assert refused == bool(_REFUSED.search(masked)), text
        targets = [m for m in (_FROM_TARGET.match(text, f.end()) for f in _FROM.finditer(masked)) if m]
        try:
            found = query_dataset(text, "http://example.org/")
        except (ProtocolError, QueryError):  # looked at, and refused (no IRI, no query form)
            found = ([], [])
        assert (found is None) == (not targets), text


def test_service_inside_strings_iris_and_comments_is_not_refused(client: FlaskClient) -> None:
    query = ('# SERVICE in a comment\nSELECT ?x WHERE { BIND ("SERVICE and LOAD" AS ?x) '
             'FILTER (?x != <http://example.org/SERVICE>) }')
    res = client.get("/sparql", query_string={"query": query})
    assert res.status_code == 200
    assert json.loads(res.data)["results"]["bindings"][0]["x"]["value"] == "SERVICE and LOAD"


@pytest.mark.parametrize("query", ["SELECT * FROM <http://example.org/elsewhere> WHERE { ?s ?p ?o }",
                                   "SELECT * FROM NAMED <http://example.org/elsewhere> WHERE { ?s ?p ?o }"])
def test_a_remote_from_is_refused(client: FlaskClient, query: str) -> None:
    res = client.get("/sparql", query_string={"query": query})
    assert res.status_code == 400
    assert res.get_data(as_text=True).strip() == (
        "graph <http://example.org/elsewhere> is not in this store (remote graphs are never fetched)")


@pytest.mark.parametrize("param", ["default-graph-uri", "named-graph-uri"])
def test_protocol_graphs_the_store_does_not_hold_are_empty(client: FlaskClient, param: str) -> None:
    """As the W3C protocol tests expect: a dataset graph the service does not hold is empty, and is
    never fetched."""
    res = client.get("/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION "
                                                       "{ GRAPH ?g { ?s ?p ?o } } }",
                                              param: "http://example.org/elsewhere"})
    assert res.status_code == 200
    assert json.loads(res.data)["results"]["bindings"][0]["n"]["value"] == "0"


# -- the dataset -------------------------------------------------------------------------------------
def test_from_limits_the_default_graph_to_the_graph_named(client: FlaskClient) -> None:
    query = ("PREFIX g: <https://w3id.org/aiskills/graph/>\n" + COUNT_CAPABILITIES.replace(
        "WHERE", "FROM g:ontology WHERE"))
    res = client.get("/sparql", query_string={"query": query})
    assert res.status_code == 200
    assert json.loads(res.data)["results"]["bindings"][0]["n"]["value"] == "0"  # no capability in the ontology
    assert _capability_count(client) == 187


def test_default_graph_uri_parameter_sets_the_default_graph(client: FlaskClient) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    res = client.get("/sparql", query_string={"query": query, "default-graph-uri": ONTOLOGY_GRAPH})
    ontology = int(json.loads(res.data)["results"]["bindings"][0]["n"]["value"])
    everything = int(json.loads(client.get("/sparql", query_string={"query": query}).data)
                     ["results"]["bindings"][0]["n"]["value"])
    assert 0 < ontology < everything


def test_named_graph_uri_parameter_sets_the_named_graphs(client: FlaskClient) -> None:
    res = client.get("/sparql", query_string={
        "query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": ONTOLOGY_GRAPH})
    assert [b["g"]["value"] for b in json.loads(res.data)["results"]["bindings"]] == [ONTOLOGY_GRAPH]


# -- caps --------------------------------------------------------------------------------------------
def test_query_longer_than_the_cap_is_413(store: EmbeddedStore) -> None:
    client = _client(store, query_max_length=50)
    res = client.post("/sparql", data={"query": "ASK { " + "?s ?p ?o . " * 10 + "}"})
    assert res.status_code == 413 and "at most 50" in res.get_data(as_text=True)
    assert client.post("/sparql", data={"query": "ASK {}"}).status_code == 200


@pytest.mark.parametrize(("query", "what"), [(CAPABILITIES, "rows"), (ARCHETYPES, "triples")])
def test_result_over_the_cap_is_an_error_that_says_how_to_page(store: EmbeddedStore, query: str,
                                                               what: str) -> None:
    client = _client(store, result_max_rows=4)
    res = client.get("/sparql", query_string={"query": query})
    text = res.get_data(as_text=True)
    assert res.status_code == 400 and f"more than 4 {what}" in text and "LIMIT" in text and "OFFSET" in text


def test_result_at_the_cap_is_answered_whole(store: EmbeddedStore) -> None:
    client = _client(store, result_max_rows=5)
    res = client.get("/sparql", query_string={"query": ARCHETYPES, "format": "nt"})
    assert res.status_code == 200 and len(rdflib.Graph().parse(data=res.data, format="nt")) == 5
    rows = client.get("/sparql", query_string={"query": CAPABILITIES + " LIMIT 5"})
    assert len(json.loads(rows.data)["results"]["bindings"]) == 5


#: Five rows whose terms hold what the results writers put between rows (JSON's `},{`, a newline,
#: `<result>`), many times over: a count of those marks alone would put these rows over a cap of 5.
MARKED_ROWS = ('SELECT ?x WHERE { VALUES ?x { "},{ },{ },{" "a\\nb\\nc\\nd" "<result><result>" '
               '"{},{},{}" "plain" } }')


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_rows_are_counted_exactly_against_the_cap_in_every_results_format(store: EmbeddedStore,
                                                                          fmt: str) -> None:
    """Written straight in the asked format, a result is held to the cap by its real row count: five
    rows whose text mimics row separators pass a cap of 5 whole, and the same rows fail a cap of 4."""
    at_cap = _client(store, result_max_rows=5).get("/sparql", query_string={"query": MARKED_ROWS, "format": fmt})
    assert at_cap.status_code == 200, at_cap.get_data(as_text=True)
    parsed = rdflib.query.Result.parse(io.BytesIO(at_cap.data), format=fmt)
    assert sorted(str(row[0]) for row in parsed) == sorted(
        ["},{ },{ },{", "a\nb\nc\nd", "<result><result>", "{},{},{}", "plain"])
    over = _client(store, result_max_rows=4).get("/sparql", query_string={"query": MARKED_ROWS, "format": fmt})
    assert over.status_code == 400 and "more than 4 rows" in over.get_data(as_text=True)


# -- CORS --------------------------------------------------------------------------------------------
def test_query_responses_allow_any_origin(client: FlaskClient) -> None:
    assert client.get("/sparql", query_string={"query": "ASK {}"}).headers["Access-Control-Allow-Origin"] == "*"
    post = client.post("/sparql", data="ASK {}", content_type="application/sparql-query")
    assert post.headers["Access-Control-Allow-Origin"] == "*"


def test_options_preflight_is_answered(client: FlaskClient) -> None:
    res = client.options("/sparql", headers={"Origin": "https://example.org",
                                             "Access-Control-Request-Method": "POST"})
    assert res.status_code == 204 and res.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in res.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in res.headers["Access-Control-Allow-Headers"]


# -- service description and query form --------------------------------------------------------------
@pytest.mark.parametrize(("accept", "rdflib_format"), [("text/turtle", "turtle"),
                                                      ("application/rdf+xml", "xml"),
                                                      ("application/ld+json", "json-ld")])
def test_service_description_describes_the_endpoint(client: FlaskClient, store: EmbeddedStore,
                                                    accept: str, rdflib_format: str) -> None:
    res = client.get("/sparql", headers={"Accept": accept})
    assert res.status_code == 200 and res.mimetype == accept
    graph = rdflib.Graph().parse(data=res.data, format=rdflib_format)
    service = graph.value(predicate=rdflib.RDF.type, object=SD.Service)
    assert graph.value(service, SD.endpoint) == rdflib.URIRef("http://localhost/sparql")
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    formats = set(graph.objects(service, SD.resultFormat))
    assert rdflib.URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats and len(formats) == 8
    dataset = graph.value(service, SD.defaultDataset)
    assert graph.value(dataset, SD.defaultGraph) is not None
    names = {str(graph.value(n, SD.name)) for n in graph.objects(dataset, SD.namedGraph)}
    assert names == set(store.dataset()) and ONTOLOGY_GRAPH in names


def test_browser_gets_a_query_form_that_works_without_javascript(client: FlaskClient) -> None:
    res = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    page = res.get_data(as_text=True)
    assert res.status_code == 200 and res.mimetype == "text/html"
    assert '<form method="get" action="/sparql"' in page and '<textarea id="query" name="query"' in page
    assert '<label for="query">' in page and '<select id="format" name="format">' in page
    assert '<option value="html" selected>' in page  # a plain submit answers with this page
    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts and all("src=" in tag for tag in scripts)  # no inline script
    assert "&lt;/textarea&gt;" not in page


def test_the_page_shows_the_results_as_a_table_with_links_and_downloads(client: FlaskClient) -> None:
    query = CAPABILITIES + " LIMIT 3"
    res = client.get("/sparql", query_string={"query": query, "format": "html"})
    page = res.get_data(as_text=True)
    assert res.status_code == 200 and res.mimetype == "text/html"
    headers = re.findall(r'<th scope="col"[^>]*><a href="[^"]*sort=[^"]*"[^>]*>([^<]+)</a></th>', page)
    assert headers == ["c", "notation"] and "3 rows" in page  # each heading sorts by its column
    first = json.loads(client.get("/sparql", query_string={"query": query}).data)["results"]["bindings"][0]
    local = first["c"]["value"].removeprefix("https://w3id.org/aiskills/")
    short = "capability:" + first["c"]["value"].rsplit("/", 1)[-1]
    assert f'<a href="/{local}" title="{first["c"]["value"]}">{short}</a>' in page  # ours: its page, a prefixed name
    links = dict(re.findall(r'<a href="([^"]+)" download class="download" data-format="([^"]+)"', page))
    assert sorted(links.values()) == ["CSV", "JSON", "TSV", "XML"]
    csv_link = next(k for k, v in links.items() if v == "CSV").replace("&amp;", "&")
    rows = list(csv.reader(io.StringIO(client.get(csv_link).get_data(as_text=True))))
    assert rows[0] == ["c", "notation"] and len(rows) == 4 and rows[1][0] == first["c"]["value"]


def test_the_page_shows_errors_and_keeps_the_query(client: FlaskClient) -> None:
    res = client.get("/sparql", query_string={"query": "SELECT ?x WHERE { ?x", "format": "html"})
    page = res.get_data(as_text=True)
    assert res.status_code == 400 and res.mimetype == "text/html"
    assert "The query could not be answered" in page and "SPARQL syntax error" in page
    assert "SELECT ?x WHERE { ?x</textarea>" in page


def test_a_browser_accept_with_a_query_gets_the_page(client: FlaskClient) -> None:
    res = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"},
                     headers={"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert res.mimetype == "text/html" and "The answer is <strong>yes (true)</strong>" in res.get_data(as_text=True)


def test_every_example_runs_and_answers_rows(client: FlaskClient, store: EmbeddedStore) -> None:
    """Each alignment question is offered with its required parameters bound, and runs as it stands."""
    page = client.get("/sparql", headers={"Accept": "text/html"}).get_data(as_text=True)
    runs = re.findall(r'<a class="run-example" data-example="([^"]+)" href="([^"]+)"', page)
    assert sorted(n for n, _ in runs) == sorted(q.name for q in alignment.questions())
    for name, link in runs:
        res = client.get(html.unescape(link))
        assert res.status_code == 200, (name, res.get_data(as_text=True)[-500:])
        assert "The query could not be answered" not in res.get_data(as_text=True)
    archetype = next(html.unescape(link) for n, link in runs if n == "archetype-capabilities")
    query = parse_qs(urlsplit(archetype).query)["query"][0]
    assert "VALUES" in query and "archetype/embedder" in query.lower()
    rows = json.loads(client.get("/sparql", query_string={"query": query}).data)["results"]["bindings"]
    assert rows and all(r["capability"]["value"].startswith("https://w3id.org/aiskills/id/capability/") for r in rows)


def test_open_in_the_editor_fills_the_textarea(client: FlaskClient) -> None:
    page = client.get("/sparql", query_string={"example": "framework-summary"},
                      headers={"Accept": "text/html"}).get_data(as_text=True)
    text = alignment_text("framework-summary")
    assert html.escape(text.strip().splitlines()[-1], quote=False) in page


def test_the_page_escapes_the_query_and_the_results(client: FlaskClient) -> None:
    query = 'SELECT ?x WHERE { BIND ("</textarea><script>alert(1)</script>" AS ?x) }'
    page = client.get("/sparql", query_string={"query": query, "format": "html"}).get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2  # in the editor and in the table


def test_the_service_description_lists_updates_only_when_writes_are_enabled(store: EmbeddedStore) -> None:
    for env, expected in (({}, False), ({"AISKILLS_WRITE_TOKEN": "t0ken"}, True)):
        app = create_app(Settings.from_env(env), store=store)
        res = app.test_client().get("/sparql", headers={"Accept": "text/turtle"})
        graph = rdflib.Graph().parse(data=res.data, format="turtle")
        assert ((None, SD.supportedLanguage, SD.SPARQL11Update) in graph) is expected
        assert (None, SD.supportedLanguage, SD.SPARQL11Query) in graph


def alignment_text(name: str) -> str:
    return next(q.text for q in alignment.questions() if q.name == name)


SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


# -- the remote store --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def remote_client(virtuoso: object) -> Iterator[FlaskClient]:
    """The app over a real Virtuoso holding the bundled framework, with a 2 s query timeout."""
    from aiskills.store.remote import RemoteStore

    remote = RemoteStore.from_settings(virtuoso.settings())  # type: ignore[attr-defined]
    remote.replace_graphs([], [], drop=[e.graph for e in remote.catalog()] + remote.graph_names())
    loading.load_bundled(remote)
    app = create_app(replace(Settings(), query_timeout=2.0), store=remote)
    yield app.test_client()
    remote.replace_graphs([], [], drop=[e.graph for e in remote.catalog()] + remote.graph_names())
    remote.close()


@pytest.mark.remote
def test_a_remote_store_answers_protocol_queries_over_its_active_graphs(remote_client: FlaskClient) -> None:
    assert _capability_count(remote_client) == 187
    res = remote_client.get("/sparql", query_string={"query": ARCHETYPES, "format": "nt"})
    assert res.status_code == 200 and len(rdflib.Graph().parse(data=res.data, format="nt")) == 5
    res = remote_client.get("/sparql", query_string={"query": "SELECT * FROM <http://example.org/x> { ?s ?p ?o }"})
    assert res.status_code == 400 and "never fetched" in res.get_data(as_text=True)


@pytest.mark.remote
def test_a_slow_query_on_a_remote_store_is_503_at_the_timeout(remote_client: FlaskClient) -> None:
    before = _timed_count(remote_client)
    started = time.monotonic()
    res = remote_client.get("/sparql", query_string={"query": SLOW})
    took = time.monotonic() - started
    round_trip = max(before, _timed_count(remote_client))  # the machine's load just before and after
    assert res.status_code == 503 and res.headers["Retry-After"].isdigit()
    # The remote store gives the server's answer 2 s (the read timeout of its HTTP request). Past
    # that the 503 costs sending the query and answering the client (a trivial query's round trip
    # covers both), waking from the socket's timeout (a second round trip), one round trip to spare
    # for a busy machine's variance, and one switch interval for the woken thread to get the
    # interpreter's lock back.
    assert "gave no answer within 2 s" in res.get_data(as_text=True)  # the server named: it may be the cause
    assert 2 <= took < 2 + 3 * round_trip + sys.getswitchinterval()


def _timed_count(client: FlaskClient) -> float:
    """Seconds a trivial query (the capability count, checked) takes through ``client``, now."""
    started = time.monotonic()
    assert _capability_count(client) == 187
    return time.monotonic() - started


