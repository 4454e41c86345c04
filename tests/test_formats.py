"""One registry of formats (``aiskills.formats``): every format it says an endpoint offers is served there
by its name and by its media type, as the media type the registry gives; the Graph Store reads every
media type the registry lists for it."""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient

from aiskills import formats, loading
from aiskills.config import Settings
from aiskills.store.embedded import EmbeddedStore
from aiskills.web import create_app

TOKEN = "formats-test-token"
CAPABILITY = "/id/capability/6.1-03"


@pytest.fixture(scope="module")
def client() -> Iterator[FlaskClient]:
    store = EmbeddedStore(None)
    loading.load_bundled(store)
    app = create_app(Settings.from_env({"AISKILLS_WRITE_TOKEN": TOKEN}), store=store)
    app.testing = True
    yield app.test_client()
    store.close()


def _media(response: object) -> str:
    return response.headers["Content-Type"].split(";")[0]  # type: ignore[attr-defined]


@pytest.mark.parametrize("fmt", formats.offered("sparql"), ids=lambda f: f.name)
def test_the_sparql_endpoint_serves_each_registered_format_by_name_and_by_media_type(
        client: FlaskClient, fmt: formats.Format) -> None:
    query = "SELECT * WHERE { ?s ?p ?o } LIMIT 3" if fmt.results else "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 3"
    by_name = client.get("/sparql", query_string={"query": query, "format": fmt.name})
    by_accept = client.get("/sparql", query_string={"query": query}, headers={"Accept": fmt.media_type})
    assert by_name.status_code == by_accept.status_code == 200
    assert _media(by_name) == _media(by_accept) == fmt.media_type
    if fmt.rdf is not None:
        assert len(list(ox.parse(by_name.data, format=fmt.rdf))) == 3


@pytest.mark.parametrize("fmt", formats.offered("id"), ids=lambda f: f.name)
def test_a_framework_iri_is_served_in_each_registered_format_by_extension_and_media_type(
        client: FlaskClient, fmt: formats.Format) -> None:
    by_name = client.get(CAPABILITY, query_string={"format": fmt.extension})
    by_accept = client.get(CAPABILITY, headers={"Accept": fmt.media_type})
    assert _media(by_name) == _media(by_accept) == fmt.media_type
    assert fmt.rdf is not None and len(list(ox.parse(by_name.data, format=fmt.rdf))) > 3


@pytest.mark.parametrize("media", sorted(formats.read_as("graph-store")))
def test_the_graph_store_reads_every_media_type_the_registry_lists(client: FlaskClient, media: str) -> None:
    fmt = formats.read_as("graph-store")[media]
    triple = ox.Triple(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/p"), ox.Literal(media))
    body = ox.serialize([triple], format=fmt) or b""
    graph = f"http://example.org/formats/{media.replace('/', '-')}"
    put = client.put("/graph-store", query_string={"graph": graph}, data=body,
                     headers={"Content-Type": media, "Authorization": f"Bearer {TOKEN}"})
    assert put.status_code in (200, 201, 204), put.get_data(as_text=True)
    back = client.get("/graph-store", query_string={"graph": graph}, headers={"Accept": "application/n-triples"})
    assert [t.object.value for t in ox.parse(back.data, format=ox.RdfFormat.N_TRIPLES)] == [media]


#: The ``?format=`` names the SPARQL endpoint answered before the registry held them (other servers'
#: names, which SPARQLWrapper sends), as (format for SELECT and ASK, format for CONSTRUCT and DESCRIBE).
NAMES_BEFORE = {
    "json": (formats.JSON, formats.JSONLD),
    "xml": (formats.XML, formats.RDFXML),
    "csv": (formats.CSV, None),
    "tsv": (formats.TSV, None),
    "turtle": (None, formats.TURTLE),
    "ttl": (None, formats.TURTLE),
    "n3": (None, formats.TURTLE),
    "nt": (None, formats.NTRIPLES),
    "ntriples": (None, formats.NTRIPLES),
    "n-triples": (None, formats.NTRIPLES),
    "jsonld": (None, formats.JSONLD),
    "json-ld": (None, formats.JSONLD),
    "rdfxml": (None, formats.RDFXML),
    "rdf+xml": (None, formats.RDFXML),
    "rdf": (None, formats.RDFXML),
}


@pytest.mark.parametrize("name", NAMES_BEFORE)
def test_the_registry_resolves_each_format_name_sparqlwrapper_sends_to_the_same_format_as_before(name: str) -> None:
    results, graph = NAMES_BEFORE[name]
    assert formats.by_name(name, "sparql") is results
    assert formats.by_name(name.upper(), "sparql", graph=True) is graph
    assert formats.names("sparql") == tuple(NAMES_BEFORE)


def test_sparqlwrapper_s_format_names_reach_the_endpoint_as_the_registry_resolves_them(client: FlaskClient) -> None:
    import SPARQLWrapper  # the real client: its own names for each return format

    select, construct = "SELECT * WHERE { ?s ?p ?o } LIMIT 2", "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 2"
    sent = {SPARQLWrapper.JSON, SPARQLWrapper.XML, SPARQLWrapper.CSV, SPARQLWrapper.TSV, SPARQLWrapper.TURTLE,
            SPARQLWrapper.N3, SPARQLWrapper.RDFXML, SPARQLWrapper.JSONLD}
    for name in sorted(sent):
        for query, graph in ((select, False), (construct, True)):
            fmt = formats.by_name(name, "sparql", graph=graph)
            answer = client.get("/sparql", query_string={"query": query, "format": name})
            if fmt is None:
                assert answer.status_code == 406, (name, graph)
            else:
                assert (answer.status_code, _media(answer)) == (200, fmt.media_type), (name, graph)


@pytest.mark.parametrize("path", ["/api/ask/framework-summary", "/api/curricula"])
def test_api_answers_in_the_format_the_registry_gives_a_name_and_refuses_a_name_it_gives_no_api_format(
        client: FlaskClient, path: str) -> None:
    assert formats.by_name("CSV", "api") is formats.CSV and formats.by_name("json", "api") is formats.API_JSON
    assert _media(client.get(path, query_string={"format": "CSV"})) == "text/csv"
    assert _media(client.get(path, query_string={"format": "Json"})) == "application/json"
    assert _media(client.get(path, headers={"Accept": "text/csv"})) == "text/csv"
    assert _media(client.get(path)) == "application/json"
    for name in ("tsv", ""):  # a format of /sparql's only; none
        refused = client.get(path, query_string={"format": name})
        assert refused.status_code == 400 and f"unknown format {name!r}" in refused.get_json()["error"]
