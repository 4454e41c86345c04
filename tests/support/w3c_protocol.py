"""The W3C SPARQL 1.1 Protocol test suite (rdf-tests ``sparql/sparql11/protocol``): read its manifest
of HTTP exchanges (the "HTTP in RDF" vocabulary), replay each request against a Flask test client,
and say what differs from the expected response.

Each ``mf:ProtocolTest`` has one or more ``ht:Request``s (method, ``ht:absolutePath`` starting with
``/sparql/``, headers, a ``cnt:ContentAsText`` body in a ``cnt:characterEncoding``) whose ``ht:resp``
gives ``mf:expectedStatus`` (status classes), ``mf:expectedFormat`` ("boolean", "tabular" or "RDF")
and ``mf:expectedBoolean``. ``ut:graphData`` names the graphs the test needs: each is a local
``dataN.nt`` file loaded under its ``rdfs:label`` IRI (``http://kasei.us/.../dataN.rdf``); nothing is
fetched.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rdflib
from rdflib.collection import Collection

SETTING = "AISKILLS_CONFORMANCE_DIR"
MANIFEST = Path("sparql11") / "protocol" / "manifest.ttl"
SD_MANIFEST = Path("sparql11") / "service-description" / "manifest.ttl"

MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
HTS = rdflib.Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

TABULAR_TYPES = {"application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                 "text/tab-separated-values"}
BOOLEAN_TYPES = {"application/sparql-results+json", "application/sparql-results+xml"}
RDF_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml",
             "application/ld+json": "json-ld"}


def conformance_dir() -> Path | None:
    """The suites' folder, from the setting; None when unset or when it holds no protocol suite."""
    value = os.environ.get(SETTING)
    if not value:
        return None
    path = Path(value).resolve()
    return path if (path / MANIFEST).is_file() else None


def missing_dir_message() -> str:
    value = os.environ.get(SETTING)
    found = f"it is {value!r}, which holds no {MANIFEST}" if value else "it is not set"
    return (f"The W3C SPARQL Protocol conformance tests need the conformance suites folder, named by the "
            f"environment variable {SETTING} ({found}). `make test` sets it to ../shared/conformance "
            f"next to the repository; set it yourself when running pytest directly.")


@dataclass(frozen=True)
class Request:
    """One HTTP request of a test and what its response must be."""

    method: str
    path: str  # the manifest's absolute path with /sparql/ mapped to /sparql
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    statuses: frozenset[int]  # allowed status classes: 2 for 2xx, 4 for 4xx, ...
    format: str | None  # "boolean", "tabular" or "RDF"
    boolean: bool | None


@dataclass(frozen=True)
class Case:
    """One ``mf:ProtocolTest``: its id, name, the graphs it needs and its requests in order."""

    id: str
    name: str
    graphs: tuple[tuple[str, Path], ...]  # (graph IRI, local N-Triples file)
    requests: tuple[Request, ...]

    @property
    def is_update(self) -> bool:
        return "update" in self.id  # update_*, bad_update_*, bad_multiple_updates


def collect(manifest: Path) -> list[Case]:
    """Every entry of the manifest, in order."""
    graph = rdflib.Graph().parse(manifest, format="turtle")
    head = graph.value(rdflib.URIRef(manifest.as_uri()), MF.entries)
    return [_case(graph, entry, manifest.parent) for entry in Collection(graph, head)]


def _case(graph: rdflib.Graph, entry: Any, folder: Path) -> Case:
    data = tuple(sorted((str(graph.value(g, rdflib.RDFS.label)), folder / Path(str(graph.value(g, UT.graph))).name)
                        for g in graph.objects(entry, UT.graphData)))
    action = graph.value(entry, MF.action)
    requests = Collection(graph, graph.value(action, HT.requests)) if action is not None else []
    return Case(str(entry).rsplit("#", 1)[1], str(graph.value(entry, MF.name)), data,
                tuple(_request(graph, r) for r in requests))


def _request(graph: rdflib.Graph, node: Any) -> Request:
    headers_node = graph.value(node, HT.headers)
    headers = tuple((str(graph.value(h, HT.fieldName)), str(graph.value(h, HT.fieldValue)))
                    for h in (Collection(graph, headers_node) if headers_node is not None else []))
    body = graph.value(node, HT.body)
    data = None
    if body is not None:
        encoding = str(graph.value(body, CNT.characterEncoding) or "UTF-8")
        data = str(graph.value(body, CNT.chars)).encode(encoding)
    resp = graph.value(node, HT.resp)
    statuses = frozenset(int(re.search(r"StatusCode(\d)xx", str(s)).group(1))  # type: ignore[union-attr]
                         for s in graph.objects(resp, MF.expectedStatus))
    fmt = graph.value(resp, MF.expectedFormat)
    boolean = graph.value(resp, MF.expectedBoolean)
    path = str(graph.value(node, HT.absolutePath))
    return Request(str(graph.value(node, HT.methodName)), re.sub(r"^/sparql/", "/sparql", path), headers,
                   data, statuses, None if fmt is None else str(fmt),
                   None if boolean is None else bool(boolean.toPython()))


def check(request: Request, status: int, content_type: str, body: bytes) -> list[str]:
    """What is wrong with a response to ``request`` (empty: it is as expected)."""
    shown = body[:300].decode("utf-8", "replace")
    if status // 100 not in request.statuses:
        wanted = " or ".join(f"{s}xx" for s in sorted(request.statuses))
        return [f"{request.method} {request.path}: status {status}, expected {wanted}: {shown}"]
    mimetype = content_type.split(";")[0].strip().lower()
    problems = []
    if request.format == "boolean" and mimetype not in BOOLEAN_TYPES:
        problems.append(f"expected a boolean result, got {mimetype}")
    if request.format == "tabular" and mimetype not in TABULAR_TYPES:
        problems.append(f"expected a tabular result, got {mimetype}")
    if request.format == "RDF" and mimetype not in RDF_TYPES:
        problems.append(f"expected an RDF graph, got {mimetype}")
    if request.format == "RDF" and mimetype in RDF_TYPES:
        rdflib.Graph().parse(data=body, format=RDF_TYPES[mimetype])  # raises if it is not that format
    if request.boolean is not None and not problems:
        got = parse_boolean(mimetype, body)
        if got is not request.boolean:
            problems.append(f"expected the boolean {request.boolean}, got {got}")
    return problems


def parse_boolean(mimetype: str, body: bytes) -> bool | None:
    """The boolean of a SPARQL JSON or XML ASK result."""
    if mimetype == "application/sparql-results+json":
        value = json.loads(body).get("boolean")
        return value if isinstance(value, bool) else None
    found = ET.fromstring(body).find("{http://www.w3.org/2005/sparql-results#}boolean")
    return None if found is None else found.text == "true"


def sd_cases(root: Path) -> list[str]:
    """The ids of the service-description manifest's entries (their checks live in the test)."""
    manifest = root / SD_MANIFEST
    graph = rdflib.Graph().parse(manifest, format="turtle")
    head = graph.value(rdflib.URIRef(manifest.as_uri()), MF.entries)
    return [str(e).rsplit("#", 1)[1] for e in Collection(graph, head)]
