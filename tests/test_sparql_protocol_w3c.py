"""The W3C SPARQL 1.1 Protocol test suite (34 HTTP exchanges) and service-description suite (3 tests),
replayed against ``/sparql`` through the Flask test client.

The suites are read from the folder named by AISKILLS_CONFORMANCE_DIR (``make test`` sets it); without
it the guard test below fails rather than the suite silently collecting nothing. Each test gets a fresh
in-memory store holding the graphs its ``ut:graphData`` names (local ``dataN.nt`` files under their
``http://kasei.us/...`` IRIs; nothing is fetched).
"""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest
import rdflib
from flask.testing import FlaskClient
from support import w3c_protocol as w3c

from aiskills.config import Settings
from aiskills.store.base import GraphData
from aiskills.store.embedded import EmbeddedStore
from aiskills.web import create_app

#: The write token the app is configured with; update exchanges carry it (the suite's requests have no
#: Authorization header: the protocol leaves access control to the service).
WRITE_TOKEN = "w3c-protocol-suite-token"

# Tests that fail for a reason outside the endpoint; each is a strict xfail pinned to its failure mode.
KNOWN_FAILURES: dict[str, str] = {}
_SIGNATURES: dict[str, str] = {}


class KnownFailure(Exception):
    """A test failed exactly as its KNOWN_FAILURES entry says."""


_DIR = w3c.conformance_dir()
CASES = w3c.collect(_DIR / w3c.MANIFEST) if _DIR else []
_BY_ID = {c.id: c for c in CASES}
SD_CASES = w3c.sd_cases(_DIR) if _DIR else []


def _param(case: w3c.Case) -> object:
    reason = KNOWN_FAILURES.get(case.id)
    marks = [pytest.mark.xfail(strict=True, reason=reason, raises=KnownFailure)] if reason else []
    return pytest.param(case, id=case.id, marks=marks)


def _client(case: w3c.Case | None) -> FlaskClient:
    store = EmbeddedStore(None)
    graphs = case.graphs if case else ()
    store.replace_graphs([GraphData(iri, path.read_bytes(), ox.RdfFormat.N_TRIPLES) for iri, path in graphs])
    app = create_app(Settings.from_env({"AISKILLS_WRITE_TOKEN": WRITE_TOKEN}), store=store)
    app.testing = True
    return app.test_client()


def replay(case: w3c.Case, requests: tuple[w3c.Request, ...] | None = None) -> list[str]:
    """Send the requests in order; what differs from the expected responses (empty: it passes)."""
    client = _client(case)
    problems: list[str] = []
    for request in requests or case.requests:
        headers = list(request.headers)
        if _is_update(request):
            headers.append(("Authorization", f"Bearer {WRITE_TOKEN}"))
        res = client.open(request.path, method=request.method, data=request.body,
                          headers=headers, base_url="http://www.example/")
        problems += w3c.check(request, res.status_code, res.headers.get("Content-Type", ""), res.data)
    return problems


def _is_update(request: w3c.Request) -> bool:
    """A request that carries an update (by form or directly): it is sent with the write token."""
    types = {v.split(";")[0].strip().lower() for k, v in request.headers if k.lower() == "content-type"}
    return request.method == "POST" and ("application/sparql-update" in types or (
        "application/x-www-form-urlencoded" in types and b"update=" in (request.body or b"")))


def test_conformance_dir_is_set() -> None:
    if _DIR is None:
        pytest.fail(w3c.missing_dir_message(), pytrace=False)
    assert len(CASES) == 34 and all(c.requests for c in CASES)
    assert len([c for c in CASES if not c.is_update]) == 20  # query tests: 13 positive, 7 negative
    assert SD_CASES == ["has-endpoint-triple", "returns-rdf", "conforms-to-schema"]


def test_known_failures_are_tests() -> None:
    if _DIR is None:
        pytest.skip("the guard test reports the missing folder")
    assert sorted(set(KNOWN_FAILURES) - set(_BY_ID)) == []


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_w3c_protocol(case: w3c.Case) -> None:
    problems = replay(case)
    if not problems:
        return
    text = "".join(p + "\n" for p in problems)
    reason = KNOWN_FAILURES.get(case.id)
    if reason is not None:
        if re.fullmatch(_SIGNATURES[reason], text, re.DOTALL):
            raise KnownFailure(text)
        pytest.fail(f"{case.id} is a known failure, but it now fails differently:\n{text}", pytrace=False)
    pytest.fail(f"{case.id} ({case.name}):\n  " + text.replace("\n", "\n  "), pytrace=False)


# -- service description ---------------------------------------------------------------------------
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
_SD_ACCEPT = "text/turtle, application/rdf+xml;q=0.9, application/n-triples;q=0.8"


def _description() -> tuple[rdflib.Graph, str]:
    res = _client(None).get("/sparql", headers={"Accept": _SD_ACCEPT}, base_url="http://www.example/")
    assert res.status_code == 200 and res.mimetype in w3c.RDF_TYPES, (res.status_code, res.mimetype)
    return rdflib.Graph().parse(data=res.data, format=w3c.RDF_TYPES[res.mimetype]), "http://www.example/sparql"


def _sd_returns_rdf(graph: rdflib.Graph, url: str) -> list[str]:
    return [] if len(graph) else ["the service description is empty"]


def _sd_has_endpoint_triple(graph: rdflib.Graph, url: str) -> list[str]:
    services = set(graph.subjects(SD.endpoint, rdflib.URIRef(url)))
    return [] if services else [f"no sd:endpoint <{url}> triple"]


def _sd_conforms_to_schema(graph: rdflib.Graph, url: str) -> list[str]:
    """The suite's own check: an sd:Service with sd:endpoint and sd:supportedLanguage, the language one
    of the three sd defines, every sd:resultFormat an IRI."""
    problems = []
    languages = {SD.SPARQL10Query, SD.SPARQL11Query, SD.SPARQL11Update}
    for service in graph.subjects(rdflib.RDF.type, SD.Service):
        if graph.value(service, SD.endpoint) is None:
            problems.append("an sd:Service without sd:endpoint")
        used = set(graph.objects(service, SD.supportedLanguage))
        if not used or not used <= languages:
            problems.append(f"sd:supportedLanguage {sorted(used)} is not one of sd's languages")
        problems += [f"sd:resultFormat {f!r} is not an IRI"
                     for f in graph.objects(service, SD.resultFormat) if not isinstance(f, rdflib.URIRef)]
    return problems or ([] if set(graph.subjects(rdflib.RDF.type, SD.Service)) else ["no sd:Service"])


_SD_CHECKS = {"returns-rdf": _sd_returns_rdf, "has-endpoint-triple": _sd_has_endpoint_triple,
              "conforms-to-schema": _sd_conforms_to_schema}


@pytest.mark.parametrize("name", SD_CASES)
def test_w3c_service_description(name: str) -> None:
    graph, url = _description()
    assert _SD_CHECKS[name](graph, url) == []
