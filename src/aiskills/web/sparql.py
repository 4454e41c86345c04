"""``/sparql``: a read-only SPARQL 1.1 Protocol query endpoint, with a service description.

Queries come by GET (``?query=``), URL-encoded POST or direct POST (``application/sparql-query``);
``default-graph-uri`` and ``named-graph-uri`` set the dataset, else the query's FROM / FROM NAMED,
else the active dataset (the union of the active graphs). Results are negotiated by ``Accept`` (or
``?format=``). Safe by default: updates, ``SERVICE`` and ``LOAD`` are refused before anything runs,
graphs the store does not hold are refused (never fetched), and the query length and result size
are capped (a capped result is an error, never a silent cut). Every error is ``text/plain``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request
from markupsafe import escape

from aiskills.config import Settings
from aiskills.errors import InputError, QueryError, StoreError
from aiskills.store.base import ProtocolUnsupported, QueryResult, Store
from aiskills.store.binding import mask, query_form

sparql = Blueprint("sparql", __name__)

QUERY_METHODS = ("GET", "POST", "OPTIONS")
FORM = "application/x-www-form-urlencoded"
DIRECT_QUERY = "application/sparql-query"
DIRECT_UPDATE = "application/sparql-update"
SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@dataclass(frozen=True)
class Format:
    """One result format: its ``?format=`` name, media type, W3C format IRI, pyoxigraph format."""

    name: str
    media_type: str
    iri: str
    results: ox.QueryResultsFormat | None = None
    rdf: ox.RdfFormat | None = None


JSON = Format("json", "application/sparql-results+json", FORMATS_NS + "SPARQL_Results_JSON",
              results=ox.QueryResultsFormat.JSON)
XML = Format("xml", "application/sparql-results+xml", FORMATS_NS + "SPARQL_Results_XML",
             results=ox.QueryResultsFormat.XML)
CSV = Format("csv", "text/csv", FORMATS_NS + "SPARQL_Results_CSV", results=ox.QueryResultsFormat.CSV)
TSV = Format("tsv", "text/tab-separated-values", FORMATS_NS + "SPARQL_Results_TSV",
             results=ox.QueryResultsFormat.TSV)
TURTLE = Format("turtle", "text/turtle", FORMATS_NS + "Turtle", rdf=ox.RdfFormat.TURTLE)
NTRIPLES = Format("nt", "application/n-triples", FORMATS_NS + "N-Triples", rdf=ox.RdfFormat.N_TRIPLES)
JSONLD = Format("jsonld", "application/ld+json", FORMATS_NS + "JSON-LD", rdf=ox.RdfFormat.JSON_LD)
RDFXML = Format("rdfxml", "application/rdf+xml", FORMATS_NS + "RDF_XML", rdf=ox.RdfFormat.RDF_XML)

TABULAR = (JSON, XML, CSV, TSV)  # the first is the default
BOOLEAN = (JSON, XML)
GRAPH = (TURTLE, NTRIPLES, JSONLD, RDFXML)
ALIASES = {"application/json": JSON, "application/xml": XML, "text/xml": XML, "text/plain": NTRIPLES,
           "application/x-turtle": TURTLE, "application/json+ld": JSONLD}

_REFUSED = re.compile(r"(?<![\w:?$])(SERVICE|LOAD)(?![\w:\-])", re.IGNORECASE)
_FROM = re.compile(r"(?<![\w:?$])FROM(?![\w:\-])", re.IGNORECASE)
_FROM_TARGET = re.compile(r"(?:\s|#[^\n]*)*(NAMED(?![\w:\-]))?(?:\s|#[^\n]*)*(<[^<>]*>|[^\s{#]+)",
                          re.IGNORECASE)


class ProtocolError(Exception):
    """A request the protocol refuses: its HTTP status, the reason, and any extra headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class ResultTooLarge(Exception):
    """Raised while reading a result once it holds more than the cap."""


@dataclass(frozen=True)
class Operation:
    """A query request, read and checked: the query and the dataset the protocol named."""

    query: str
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]

    @property
    def names_dataset(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


# -- the route ---------------------------------------------------------------------------------------
@sparql.route("/sparql", methods=["GET", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"])
def endpoint() -> Response:
    """One URL for queries, the service description and the query form."""
    if request.method == "OPTIONS":
        return _preflight()
    if request.method not in QUERY_METHODS:
        raise ProtocolError(405, f"{request.method} is not allowed here: send a query by GET or POST",
                            {"Allow": ", ".join(QUERY_METHODS)})
    operation = read_request(request.method, _settings())
    if operation is None:
        return service_description()
    return answer(operation, _settings(), _store())


@sparql.after_request
def _cors(response: Response) -> Response:
    """Reads are open to any origin; the endpoint is read-only and needs no credentials."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers.add("Vary", "Accept")
    return response


def _preflight() -> Response:
    return Response(status=204, headers={
        "Allow": ", ".join(QUERY_METHODS),
        "Access-Control-Allow-Methods": ", ".join(QUERY_METHODS),
        "Access-Control-Allow-Headers": "Content-Type, Accept",
        "Access-Control-Max-Age": "86400"})


def _settings() -> Settings:
    return current_app.extensions["aiskills"]["settings"]  # type: ignore[no-any-return]


def _store() -> Store:
    return current_app.extensions["aiskills"]["store"]  # type: ignore[no-any-return]


# -- reading the request -----------------------------------------------------------------------------
def read_request(method: str, settings: Settings) -> Operation | None:
    """The query operation the request carries, or ``None`` for a GET without one (the service
    description). Raises ``ProtocolError`` for anything the protocol or our policy refuses."""
    _check_body_size(settings)
    if method == "GET":
        queries, updates = request.args.getlist("query"), request.args.getlist("update")
    else:
        queries, updates = _post_operation()
    if queries and updates:
        raise ProtocolError(400, "a request carries either a query or an update, not both")
    if updates:
        raise _update_refused()
    if not queries:
        if method == "GET":
            return None
        raise ProtocolError(400, "no query given: send it as the `query` parameter or as an "
                                 f"{DIRECT_QUERY} body")
    if len(queries) > 1:
        raise ProtocolError(400, f"{len(queries)} `query` parameters given: send exactly one")
    query = queries[0]
    if len(query) > settings.query_max_length:
        raise ProtocolError(413, f"the query is {len(query)} characters long; this endpoint takes at most "
                                 f"{settings.query_max_length}")
    return Operation(query, tuple(_params("default-graph-uri")), tuple(_params("named-graph-uri")))


def _post_operation() -> tuple[list[str], list[str]]:
    """(queries, updates) from a POST body, by its media type."""
    mimetype = request.mimetype
    if mimetype == FORM:
        return (request.args.getlist("query") + request.form.getlist("query"),
                request.args.getlist("update") + request.form.getlist("update"))
    if mimetype == DIRECT_UPDATE:
        raise _update_refused()
    if mimetype == DIRECT_QUERY:
        if request.args.getlist("query"):
            raise ProtocolError(400, f"a {DIRECT_QUERY} body and a `query` parameter: send one query")
        return [_utf8_body()], request.args.getlist("update")
    given = f"a {mimetype} body" if mimetype else "a body without Content-Type"
    raise ProtocolError(415, f"{given} cannot carry a query: use {FORM} (query=...) or {DIRECT_QUERY}")


def _utf8_body() -> str:
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise ProtocolError(415, f"the query must be sent as UTF-8, not {charset}")
    try:
        return request.get_data().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(400, f"the query is not valid UTF-8: {exc}") from exc


def _params(name: str) -> list[str]:
    """A repeatable parameter, from the URL and (for a form POST) the body."""
    values = request.args.getlist(name)
    if request.method == "POST" and request.mimetype == FORM:
        values += request.form.getlist(name)
    return values


def _check_body_size(settings: Settings) -> None:
    """Refuse a body too long to hold an acceptable query before reading it (UTF-8, percent-encoded)."""
    limit = settings.query_max_length * 12 + 64 * 1024
    if request.content_length is not None and request.content_length > limit:
        raise ProtocolError(413, f"the request body is {request.content_length} bytes; queries are limited "
                                 f"to {settings.query_max_length} characters")


def _update_refused() -> ProtocolError:
    return ProtocolError(403, "this endpoint is read-only: SPARQL updates need a configured write token, "
                              "and are not accepted here")


# -- checking and running the query ------------------------------------------------------------------
def check_safe(query: str) -> None:
    """Refuse SERVICE and LOAD (outside comments, IRIs and strings) before anything runs."""
    found = _REFUSED.search(mask(query))
    if found:
        keyword = found.group(1).upper()
        raise ProtocolError(400, f"{keyword} is not allowed on this endpoint: it never contacts other "
                                 "servers or fetches remote data")


def parse_check(query: str, base_iri: str) -> None:
    """Parse the query (on an empty store) so that a syntax error is a 400 with the parser's text."""
    try:
        ox.Store().query(query, base_iri=base_iri)
    except SyntaxError as exc:
        raise ProtocolError(400, f"SPARQL syntax error: {exc}") from exc


def query_dataset(query: str, base_iri: str) -> tuple[list[str], list[str]] | None:
    """The query's own FROM and FROM NAMED graphs as (default, named) IRIs, or ``None`` if it names none."""
    masked = mask(query)
    found = [(m.group(1) is not None, m.group(2)) for m in
             (_FROM_TARGET.match(query, f.end()) for f in _FROM.finditer(masked)) if m]
    if not found:
        return None
    prologue = query[:_form_start(query, masked)]
    default = [_resolve(prologue, token, base_iri) for named, token in found if not named]
    named = [_resolve(prologue, token, base_iri) for named, token in found if named]
    return default, named


def _form_start(query: str, masked: str) -> int:
    form, end = query_form(query, masked)
    return end - len(form)


def _resolve(prologue: str, token: str, base_iri: str) -> str:
    """An IRI or prefixed name of the query as a full IRI (its PREFIX and BASE applied by the parser)."""
    probe = f"{prologue}\nSELECT ?g WHERE {{ BIND ({token} AS ?g) }}"
    try:
        rows = list(ox.Store().query(probe, base_iri=base_iri))  # type: ignore[arg-type]
    except SyntaxError as exc:
        raise ProtocolError(400, f"FROM {token}: not an IRI ({exc})") from exc
    return str(rows[0]["g"].value)


def run(operation: Operation, store: Store, base_iri: str) -> QueryResult:
    """Check and run the query; the dataset named by the protocol wins over the query's own."""
    check_safe(operation.query)
    parse_check(operation.query, base_iri)
    if operation.names_dataset:
        # Graphs named by the protocol that this store does not hold are empty (never fetched);
        # a FROM in the query text naming one is refused (query_dataset) as a remote FROM.
        held = {e.graph for e in store.catalog() if e.active}
        dataset: tuple[Sequence[str], Sequence[str]] | None = (
            [g for g in operation.default_graphs if g in held], [g for g in operation.named_graphs if g in held])
    else:
        dataset = query_dataset(operation.query, base_iri)
    default, named = dataset if dataset is not None else (None, None)
    return store.protocol_query(operation.query, default, named, base_iri=base_iri)


# -- answering ---------------------------------------------------------------------------------------
def answer(operation: Operation, settings: Settings, store: Store) -> Response:
    """Run the query and serialise its result in the negotiated format."""
    result = run(operation, store, request.base_url)
    if isinstance(result, ox.QueryBoolean):
        fmt = negotiate(BOOLEAN)
        return _response(result.serialize(format=fmt.results), fmt)
    if isinstance(result, ox.QuerySolutions):
        fmt = negotiate(TABULAR)
        return _response(solutions_bytes(result, fmt, settings.result_max_rows), fmt)
    fmt = negotiate(GRAPH)
    return _response(triples_bytes(result, fmt, settings.result_max_rows), fmt)


def _response(body: bytes | None, fmt: Format) -> Response:
    return Response(body or b"", content_type=_content_type(fmt))


def _content_type(fmt: Format) -> str:
    textual = fmt.media_type.startswith("text/") or fmt.name in ("nt", "jsonld")
    return f"{fmt.media_type}; charset=utf-8" if textual else fmt.media_type


def negotiate(offers: Sequence[Format]) -> Format:
    """The format ``?format=`` names, else the best of ``offers`` for ``Accept``; 406 if none fits."""
    name = request.args.get("format")
    if name:
        return _by_name(name, offers)
    accept = request.accept_mimetypes
    if not accept:
        return offers[0]
    types = [f.media_type for f in offers] + [t for t, f in ALIASES.items() if f in offers]
    best = accept.best_match(types)
    if best is None:
        raise ProtocolError(406, f"cannot answer in any type the request accepts ({request.headers.get('Accept')}); "
                                 "this result can be: " + ", ".join(f.media_type for f in offers))
    return ALIASES.get(best) or next(f for f in offers if f.media_type == best)


def _by_name(name: str, offers: Sequence[Format]) -> Format:
    known = {f.name: f for f in TABULAR + GRAPH}
    if name.lower() not in known:
        raise ProtocolError(400, f"unknown format {name!r}: use one of {', '.join(known)}")
    fmt = known[name.lower()]
    if fmt not in offers:
        raise ProtocolError(406, f"this result cannot be given as {name}: use one of "
                                 + ", ".join(f.name for f in offers))
    return fmt


class _RowCounter:
    """A binary sink for pyoxigraph's TSV writer that stops the query once it has too many rows."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.lines = 0
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.lines += data.count(b"\n")
        if self.lines > self.cap + 1:  # the header line, then one line per row
            raise ResultTooLarge()
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Nothing buffered here."""


def solutions_bytes(solutions: ox.QuerySolutions, fmt: Format, cap: int) -> bytes:
    """The solutions in ``fmt``, read through TSV (exact for every term) so rows can be counted."""
    sink = _RowCounter(cap)
    try:
        solutions.serialize(sink, format=ox.QueryResultsFormat.TSV)  # type: ignore[arg-type]
    except ResultTooLarge:
        raise _too_large(cap, "rows") from None
    except (OSError, ValueError, RuntimeError) as exc:
        raise QueryError(f"query failed: {exc}") from exc
    tsv = b"".join(sink.chunks)
    if fmt is TSV:
        return tsv
    return ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV).serialize(  # type: ignore[union-attr]
        format=fmt.results) or b""


def triples_bytes(triples: Iterable[ox.Triple], fmt: Format, cap: int) -> bytes:
    """At most ``cap`` triples in ``fmt``; more is an error."""
    try:
        kept = list(islice(triples, cap + 1))
    except (OSError, ValueError, RuntimeError) as exc:
        raise QueryError(f"query failed: {exc}") from exc
    if len(kept) > cap:
        raise _too_large(cap, "triples")
    return ox.serialize(kept, format=fmt.rdf) or b""  # type: ignore[arg-type]


def _too_large(cap: int, what: str) -> ProtocolError:
    return ProtocolError(400, f"the result has more than {cap} {what}, the most this endpoint returns; "
                              "nothing was cut: ask for pages with ORDER BY, LIMIT and OFFSET "
                              f"(e.g. LIMIT {cap} OFFSET 0, then OFFSET {cap}, ...)")


# -- the service description and the query form ------------------------------------------------------
def service_description() -> Response:
    """The ``sd:Service`` in an RDF format, or the HTML query form for a browser."""
    name = request.args.get("format")
    if name:
        return _description(_by_name(name, GRAPH))
    accept = request.accept_mimetypes
    if not accept:
        return _description(TURTLE)
    offers = ["text/html"] + [f.media_type for f in GRAPH] + [t for t, f in ALIASES.items() if f in GRAPH]
    best = accept.best_match(offers)
    if best is None:
        raise ProtocolError(406, "the service description is available as text/html or "
                                 + ", ".join(f.media_type for f in GRAPH))
    if best == "text/html":
        return Response(query_form_page(request.base_url, _store()), content_type="text/html; charset=utf-8")
    return _description(ALIASES.get(best) or next(f for f in GRAPH if f.media_type == best))


def _description(fmt: Format) -> Response:
    triples = description_triples(request.base_url, _store().dataset())
    return _response(ox.serialize(triples, format=fmt.rdf), fmt)  # type: ignore[arg-type]


def description_triples(endpoint_url: str, graphs: Sequence[str]) -> list[ox.Triple]:
    """``sd:Service`` for this endpoint: language, result formats, features and its default dataset."""
    service, dataset, default = ox.BlankNode(), ox.BlankNode(), ox.BlankNode()
    a, sd = ox.NamedNode(RDF_TYPE), (lambda local: ox.NamedNode(SD + local))
    triples = [
        ox.Triple(service, a, sd("Service")),
        ox.Triple(service, sd("endpoint"), ox.NamedNode(endpoint_url)),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, a, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, a, sd("Graph")),
    ]
    triples += [ox.Triple(service, sd("resultFormat"), ox.NamedNode(f.iri)) for f in TABULAR + GRAPH]
    for graph in graphs:
        named = ox.BlankNode()
        triples += [ox.Triple(dataset, sd("namedGraph"), named), ox.Triple(named, a, sd("NamedGraph")),
                    ox.Triple(named, sd("name"), ox.NamedNode(graph))]
    return triples


_EXAMPLE = "SELECT ?s ?p ?o WHERE {\n  ?s ?p ?o\n}\nLIMIT 10"


def query_form_page(endpoint_url: str, store: Store) -> str:
    """A page with a query form that works without JavaScript; every dynamic value escaped."""
    graphs = "".join(f"<li><code>{escape(g)}</code></li>" for g in store.dataset())
    options = "".join(f'<option value="{escape(f.name)}">{escape(f.name)} ({escape(f.media_type)})</option>'
                      for f in TABULAR + GRAPH)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>SPARQL endpoint</title></head>"
        f"<body><h1>SPARQL endpoint</h1><p>Endpoint: <code>{escape(endpoint_url)}</code> "
        "(SPARQL 1.1 Protocol, read-only).</p>"
        '<form method="get" action="/sparql">'
        f'<p><label for="query">Query</label><br><textarea id="query" name="query" rows="12" cols="80">'
        f"{escape(_EXAMPLE)}</textarea></p>"
        f'<p><label for="format">Format</label> <select id="format" name="format">{options}</select> '
        '<button type="submit">Run</button></p></form>'
        f"<h2>Graphs</h2><p>The default graph is the union of:</p><ul>{graphs}</ul></body></html>\n")


# -- errors ------------------------------------------------------------------------------------------
@sparql.errorhandler(ProtocolError)
def _protocol_error(exc: ProtocolError) -> Response:
    return _text(exc.message, exc.status, exc.headers)


@sparql.errorhandler(InputError)
@sparql.errorhandler(QueryError)
def _bad_query(exc: Exception) -> Response:
    return _text(str(exc), 400)


@sparql.errorhandler(ProtocolUnsupported)
def _unsupported(exc: ProtocolUnsupported) -> Response:
    return _text(str(exc), 501)


@sparql.errorhandler(StoreError)
def _store_error(exc: StoreError) -> Response:
    return _text(str(exc), 503)


def _text(message: str, status: int, headers: dict[str, Any] | None = None) -> Response:
    return Response(message + "\n", status=status, headers=headers or {},
                    content_type="text/plain; charset=utf-8")
