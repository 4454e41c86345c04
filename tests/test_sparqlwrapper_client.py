"""A researcher's SPARQL client against the live endpoint: SPARQLWrapper (the client the README shows)
asks SELECT, ASK and CONSTRUCT questions over HTTP and reads the answers as it reads any endpoint's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import rdflib
from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper
from support.live import serving_app

from aiskills import loading
from aiskills.config import Settings
from aiskills.store.embedded import EmbeddedStore
from aiskills.web import create_app

PREFIXES = "PREFIX ais: <https://w3id.org/aiskills/ontology#>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = EmbeddedStore(tmp_path_factory.mktemp("sparqlwrapper") / "store")
    loading.load_bundled(store)
    try:
        with serving_app(create_app(Settings.from_env({}), store=store)) as url:
            yield f"{url}/sparql"
    finally:
        store.close()


def _client(endpoint: str, query: str) -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint)
    client.setQuery(PREFIXES + query)
    return client


def test_sparqlwrapper_counts_the_187_capabilities_by_get_and_by_post(endpoint: str) -> None:
    for method in (None, POST):
        client = _client(endpoint, "SELECT (COUNT(?c) AS ?n) WHERE { ?c a ais:Capability }")
        client.setReturnFormat(JSON)
        if method:
            client.setMethod(method)
        bindings = client.query().convert()["results"]["bindings"]  # type: ignore[index,call-overload]
        assert [b["n"]["value"] for b in bindings] == ["187"]


def test_sparqlwrapper_reads_an_ask_answer_as_a_boolean(endpoint: str) -> None:
    yes = _client(endpoint, "ASK { ?c a ais:Capability ; skos:notation '6.1-03' }")
    no = _client(endpoint, "ASK { ?c a ais:Capability ; skos:notation 'no-such-code' }")
    for client in (yes, no):
        client.setReturnFormat(JSON)
    assert yes.query().convert()["boolean"] is True  # type: ignore[index,call-overload]
    assert no.query().convert()["boolean"] is False  # type: ignore[index,call-overload]


def test_sparqlwrapper_turns_a_construct_answer_into_an_rdflib_graph(endpoint: str) -> None:
    client = _client(endpoint, "CONSTRUCT { ?c skos:notation ?n } WHERE { ?c a ais:Capability ; skos:notation ?n }")
    client.setReturnFormat(TURTLE)
    graph = rdflib.Graph().parse(data=client.query().convert(), format="turtle")  # type: ignore[arg-type]
    notations = {str(o) for o in graph.objects(None, rdflib.SKOS.notation)}
    assert len(graph) == 187 and "6.1-03" in notations
