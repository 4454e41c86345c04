"""``/sparql``: the SPARQL 1.1 Protocol (query and, with a write token, update), a service
description, and the query page for people.

Queries come by GET (``?query=``), URL-encoded POST or direct POST (``application/sparql-query``);
``default-graph-uri`` and ``named-graph-uri`` set the dataset, else the query's FROM / FROM NAMED,
else the active dataset (the union of the active graphs). Results are negotiated by ``Accept`` (or
``?format=``; ``format=html`` is the query page with the results as a table). Safe by default:
``SERVICE`` and ``LOAD`` are refused before anything runs, graphs the store does not hold are refused
(never fetched), the query length and result size are capped (a capped result is an error, never a
silent cut), and every query runs under ``Settings.query_timeout`` (``Store.run_query``: a query
process for a served embedded store, killed at the deadline; 503 with ``Retry-After`` for the client).
The answer's format is negotiated here, before the query is sent off, so the query process needs no
request: ``answer`` hands it a picklable ``QueryWork``.

Updates (form ``update=`` or ``application/sparql-update``, with ``using-graph-uri`` and
``using-named-graph-uri``) exist only when a write token is configured and need it as
``Authorization: Bearer``: 403 saying how to enable writes when none is configured, 401 with
``WWW-Authenticate`` for a missing or wrong token. How they map onto the store is in its backend
(``aiskills.store.embedded``). Every error is ``text/plain``, except on the query page.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, request
from werkzeug.http import generate_etag
from werkzeug.sansio.utils import get_current_url

from aiskills import formats
from aiskills.config import Settings
from aiskills.errors import AiskillsError, QueryError, StoreError
from aiskills.formats import CSV, JSON, JSONLD, NTRIPLES, RDFXML, TSV, TURTLE, XML, Format
from aiskills.store.base import QueryResult, Store
from aiskills.store.binding import mask, query_form, resolve_iris
from aiskills.store.isolated import QueryTimeout
from aiskills.web.accept import accepted
from aiskills.web.auth import REALM, current_tokens, write_refusal, writes_enabled
from aiskills.web.context import settings as _settings
from aiskills.web.context import store as _store
from aiskills.web.errors import RETRY_AFTER, status_of
from aiskills.web.sparql_page import page_context, readable_error

sparql = Blueprint("sparql", __name__)

QUERY_METHODS = ("GET", "HEAD", "POST", "OPTIONS")
FORM = "application/x-www-form-urlencoded"
DIRECT_QUERY = "application/sparql-query"
DIRECT_UPDATE = "application/sparql-update"
SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
#: Seconds a client is asked to wait before retrying a query that ran out of time.


TABULAR = (JSON, XML, CSV, TSV)  # the first is the default
BOOLEAN = (JSON, XML, CSV, TSV)
GRAPH = (TURTLE, NTRIPLES, JSONLD, RDFXML)
#: ``?format=`` names: ours, and those other servers accept (Fuseki, Virtuoso, and so SPARQLWrapper,
#: which sends them), from the one registry (``formats.by_name``). A media type is accepted as a name too.
FORMAT_NAMES = formats.names("sparql")
#: Every format by its ``name``: how a query process is told which one to write.
BY_NAME = {f.name: f for f in TABULAR + GRAPH}
ALIASES = formats.sent_as("sparql")  # other media types clients send, from the one registry

_REFUSED = re.compile(r"(?<![\w:?$])(SERVICE|LOAD)(?![\w:\-])", re.IGNORECASE)
_FROM = re.compile(r"(?<![\w:?$])FROM(?![\w:\-])", re.IGNORECASE)
_DEFAULT_SOURCE = re.compile(r"(?<![\w:?$])(COPY|MOVE|ADD)\s+(?:SILENT\s+)?DEFAULT(?![\w:\-])", re.IGNORECASE)
_FROM_TARGET = re.compile(
    r"(?:\s|#[^\n]*)*(NAMED(?![\w:\-]))?(?:\s|#[^\n]*)*(<[^<>]*>|[^\s{#]+)", re.IGNORECASE
)


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


@dataclass(frozen=True)
class UpdateOperation:
    """An update request: the update and the protocol's ``using-graph-uri``/``using-named-graph-uri``."""

    update: str
    using_graphs: tuple[str, ...]
    using_named_graphs: tuple[str, ...]


@dataclass(frozen=True)
class Reply:
    """A query's answer as the query process hands it back: status, media type, body, and which of
    the three result kinds it is ("boolean", "solutions", "graph"; "" for an error)."""

    status: int
    content_type: str
    body: bytes
    kind: str = ""
    headers: tuple[tuple[str, str], ...] = field(default=())
    #: The ``ETag`` of an answer (200), as Werkzeug tags every other answer of the app (``add_etag``),
    #: worked out where the answer is written (the query process), so that an answer kept per
    #: snapshot is not digested again.
    digest: str = field(default="", init=False)

    def __post_init__(self) -> None:
        if self.status == 200:
            object.__setattr__(self, "digest", generate_etag(self.body))

    @property
    def keepable(self) -> bool:
        """Whether this answer may be given again while the store's snapshot is the same
        (``aiskills.store.answers``): anything but a fault of ours (5xx), which may pass."""
        return self.status < 500


# -- the route ---------------------------------------------------------------------------------------
@sparql.route("/sparql", methods=["GET", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"])
def endpoint() -> Response:
    """One URL for queries, updates, the service description and the query page."""
    if request.method == "OPTIONS":
        return _preflight()
    if request.method not in QUERY_METHODS:
        raise ProtocolError(
            405,
            f"{request.method} is not allowed here: send a query by GET or POST",
            {"Allow": ", ".join(QUERY_METHODS)},
        )
    settings = _settings()
    operation = read_request(request.method, settings)
    if operation is None:
        return service_description()
    if isinstance(operation, UpdateOperation):
        return update(operation, _store())
    return answer(operation, settings, _store())


@sparql.after_request
def _cors(response: Response) -> Response:
    """Reads are open to any origin; writes need a bearer token, which a cross-origin page cannot
    send without a preflight that does not allow it."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.vary.add("Accept")
    return response


def _preflight() -> Response:
    return Response(
        status=204,
        headers={
            "Allow": ", ".join(QUERY_METHODS),
            "Access-Control-Allow-Methods": ", ".join(QUERY_METHODS),
            "Access-Control-Allow-Headers": "Content-Type, Accept",
            "Access-Control-Max-Age": "86400",
        },
    )


# -- reading the request -----------------------------------------------------------------------------
def read_request(method: str, settings: Settings) -> Operation | UpdateOperation | None:
    """The operation the request carries, or ``None`` for a GET without one (the service
    description). Raises ``ProtocolError`` for anything the protocol or our policy refuses."""
    _check_body_size(settings)
    reads = method in ("GET", "HEAD")  # HEAD: what GET answers, without the body
    if reads:
        queries, updates = request.args.getlist("query"), request.args.getlist("update")
        if updates:
            raise ProtocolError(
                405,
                "a SPARQL update must be sent by POST (form update=... or an "
                f"{DIRECT_UPDATE} body), never by GET",
                {"Allow": "POST"},
            )
    else:
        queries, updates = _post_operation()
    if queries and updates:
        raise ProtocolError(400, "a request carries either a query or an update, not both")
    if updates:
        return _update_operation(updates, settings)
    if not queries:
        if reads:
            return None
        raise ProtocolError(
            400, f"no query given: send it as the `query` parameter or as an {DIRECT_QUERY} body"
        )
    if len(queries) > 1:
        raise ProtocolError(400, f"{len(queries)} `query` parameters given: send exactly one")
    query = queries[0]
    _check_length(query, settings, "query")
    return Operation(query, tuple(_params("default-graph-uri")), tuple(_params("named-graph-uri")))


def _update_operation(updates: list[str], settings: Settings) -> UpdateOperation:
    refused = write_refusal()
    if refused is not None:
        status, message = refused
        raise ProtocolError(status, message, {"WWW-Authenticate": REALM} if status == 401 else None)
    if len(updates) > 1:
        raise ProtocolError(400, f"{len(updates)} `update` parameters given: send exactly one")
    _check_length(updates[0], settings, "update")
    return UpdateOperation(
        updates[0], tuple(_params("using-graph-uri")), tuple(_params("using-named-graph-uri"))
    )


def _check_length(text: str, settings: Settings, what: str) -> None:
    if len(text) > settings.query_max_length:
        raise ProtocolError(
            413,
            f"the {what} is {len(text)} characters long; this endpoint takes at most "
            f"{settings.query_max_length}",
        )


def _post_operation() -> tuple[list[str], list[str]]:
    """(queries, updates) from a POST body, by its media type."""
    mimetype = request.mimetype
    if mimetype == FORM:
        return (
            request.args.getlist("query") + request.form.getlist("query"),
            request.args.getlist("update") + request.form.getlist("update"),
        )
    if mimetype == DIRECT_UPDATE:
        if request.args.getlist("update") or request.args.getlist("query"):
            raise ProtocolError(
                400, f"a {DIRECT_UPDATE} body and a `query` or `update` parameter: send one operation"
            )
        return [], [_utf8_body("update")]
    if mimetype == DIRECT_QUERY:
        if request.args.getlist("query"):
            raise ProtocolError(400, f"a {DIRECT_QUERY} body and a `query` parameter: send one query")
        return [_utf8_body("query")], request.args.getlist("update")
    given = f"a {mimetype} body" if mimetype else "a body without Content-Type"
    raise ProtocolError(
        415,
        f"{given} cannot carry a query: use {FORM} (query=... or update=...), "
        f"{DIRECT_QUERY} or {DIRECT_UPDATE}",
    )


def _utf8_body(what: str) -> str:
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise ProtocolError(415, f"the {what} must be sent as UTF-8, not {charset}")
    try:
        return request.get_data().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(400, f"the {what} is not valid UTF-8: {exc}") from exc


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
        raise ProtocolError(
            413,
            f"the request body is {request.content_length} bytes; queries are limited "
            f"to {settings.query_max_length} characters",
        )


# -- checking and running the query ------------------------------------------------------------------
def check_safe(query: str, masked: str | None = None) -> None:
    """Refuse SERVICE and LOAD (outside comments, IRIs and strings) before anything runs; ``masked``:
    the query's ``mask``, when the caller has it."""
    masked = mask(query) if masked is None else masked
    folded = masked.casefold()  # the keywords are ASCII: text without them needs no closer look
    found = _REFUSED.search(masked) if "service" in folded or "load" in folded else None
    if found:
        keyword = found.group(1).upper()
        raise ProtocolError(
            400,
            f"{keyword} is not allowed on this endpoint: it never contacts other "
            "servers or fetches remote data",
        )


def parse_check(query: str, base_iri: str) -> None:
    """Parse the query (on an empty store) so that a syntax error is a 400 with the parser's text."""
    try:
        ox.Store().query(query, base_iri=base_iri)
    except SyntaxError as exc:  # in words, with the line and a pointer, for every client (not only the page)
        raise ProtocolError(400, readable_error(f"SPARQL syntax error: {exc}", query)) from exc
    except (OSError, ValueError, RuntimeError) as exc:  # e.g. a custom function pyoxigraph does not know
        raise ProtocolError(400, f"the query cannot be run here: {exc}") from exc


def query_dataset(query: str, base_iri: str, masked: str | None = None) -> tuple[list[str], list[str]] | None:
    """The query's own FROM and FROM NAMED graphs as (default, named) IRIs, or ``None`` if it names none;
    ``masked``: the query's ``mask``, when the caller has it."""
    masked = mask(query) if masked is None else masked
    if "from" not in masked.casefold():
        return None
    found = [
        (m.group(1) is not None, m.group(2))
        for m in (_FROM_TARGET.match(query, f.end()) for f in _FROM.finditer(masked))
        if m
    ]
    if not found:
        return None
    prologue = query[: _form_start(query, masked)]
    resolved = resolve_iris(prologue, [token for _, token in found], base_iri)
    iris: tuple[list[str], list[str]] = ([], [])
    for named, token in found:
        iri = resolved[token]
        if isinstance(iri, QueryError):
            raise ProtocolError(400, f"FROM {iri}")
        iris[named].append(iri)
    return iris


def _form_start(query: str, masked: str) -> int:
    form, end = query_form(query, masked)
    return end - len(form)


def dataset_of(
    operation: Operation, store: Store, base_iri: str
) -> tuple[Sequence[str] | None, Sequence[str] | None]:
    """Check the query and work out its dataset; the dataset named by the protocol wins over the
    query's own. Runs in the web process: cheap, and it refuses before a query process is asked."""
    own = checked_dataset(operation.query, base_iri)
    for parameter, graphs in (
        ("default-graph-uri", operation.default_graphs),
        ("named-graph-uri", operation.named_graphs),
    ):
        for graph in graphs:
            try:
                ox.NamedNode(graph)
            except ValueError:
                raise ProtocolError(
                    400, f"{parameter} {graph!r} is not an IRI: give the graph's full IRI"
                ) from None
    if operation.names_dataset:
        # Graphs named by the protocol that this store does not hold are empty (never fetched);
        # a FROM in the query text naming one is refused (query_dataset) as a remote FROM.
        held = set(store.dataset())
        return (
            [g for g in operation.default_graphs if g in held],
            [g for g in operation.named_graphs if g in held],
        )
    return own if own is not None else (None, None)


@functools.lru_cache(maxsize=256)
def checked_dataset(query: str, base_iri: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """``check_safe``, ``parse_check`` and the query's own dataset (``query_dataset``) of a query text:
    a pure function of the text and base, so kept for the texts sent most (clients send the same
    queries again and again); a refusal is raised, never kept."""
    masked = mask(query)
    check_safe(query, masked)
    parse_check(query, base_iri)
    found = query_dataset(query, base_iri, masked)
    return None if found is None else (tuple(found[0]), tuple(found[1]))


# -- answering ---------------------------------------------------------------------------------------
def endpoint_url() -> str:
    """``request.base_url`` (the queries' base IRI), worked out once per scheme, host and path: it
    costs a request about 50 µs each time (Werkzeug builds and IRI-decodes the URL)."""
    return _base_url(request.scheme, request.host, request.root_path, request.path)


@functools.lru_cache(maxsize=64)
def _base_url(scheme: str, host: str, root: str, path: str) -> str:
    return get_current_url(scheme, host, root, path)


def answer(operation: Operation, settings: Settings, store: Store) -> Response:
    """Run the query under the timeout and serialise its result in the negotiated format."""
    html = wants_html()
    base_iri = endpoint_url()
    try:
        default, named = dataset_of(operation, store, base_iri)
    except ProtocolError as exc:
        if html:
            return query_page(operation.query, error=exc.message, status=exc.status)
        raise

    work = QueryWork(
        operation.query,
        None if default is None else tuple(default),
        None if named is None else tuple(named),
        base_iri,
        settings.result_max_rows,
        settings.query_timeout,
        negotiated(html),
    )
    try:
        reply = store.run_query(work, settings.query_timeout)
    except QueryTimeout as exc:
        if html:
            return query_page(
                operation.query, error=str(exc), status=503, headers={"Retry-After": RETRY_AFTER}
            )
        raise
    if html:
        return query_page(operation.query, reply=reply)
    if not reply.kind and reply.status >= 400:  # answered by the one error table, in the kind accepted
        raise ProtocolError(reply.status, reply.body.decode("utf-8").rstrip("\n"), dict(reply.headers))
    response = Response(
        reply.body, status=reply.status, content_type=reply.content_type, headers=list(reply.headers)
    )
    if reply.digest and request.method in ("GET", "HEAD"):  # the app makes the request conditional
        response.set_etag(reply.digest)
    return response


#: For each kind of result ("boolean", "solutions", "graph"), the name of the format to write it in,
#: or the (status, message) of the refusal when the request accepts none.
Choices = Mapping[str, "str | tuple[int, str]"]


def negotiated(html: bool) -> dict[str, str | tuple[int, str]]:
    """The format of each kind of result for this request (the query page: JSON, or N-Triples)."""
    return dict(_negotiated(format_param(), request.headers.get("Accept"), html))


@functools.lru_cache(maxsize=512)
def _negotiated(
    name: str | None, header: str | None, html: bool
) -> tuple[tuple[str, str | tuple[int, str]], ...]:
    choices: dict[str, str | tuple[int, str]] = {}
    for kind, offers, page in (
        ("boolean", BOOLEAN, JSON),
        ("solutions", TABULAR, JSON),
        ("graph", GRAPH, NTRIPLES),
    ):
        try:
            choices[kind] = page.name if html else _negotiate(name, header, offers).name
        except ProtocolError as exc:
            choices[kind] = (exc.status, exc.message)
    return tuple(choices.items())


@dataclass(frozen=True)
class QueryWork:
    """One query to run and render, as plain values: sent to a query process (``Store.run_query``)."""

    query: str
    default: tuple[str, ...] | None
    named: tuple[str, ...] | None
    base_iri: str
    max_rows: int
    timeout: float
    formats: Choices

    def __call__(self, store: Store) -> Reply:
        return evaluate_reply(self, store)


def evaluate_reply(work: QueryWork, store: Store) -> Reply:
    """Run the query and render its answer; every error it expects becomes an error ``Reply`` (this
    runs in the query process, and only plain values travel back)."""

    def result() -> QueryResult:
        return store.protocol_query(
            work.query, work.default, work.named, base_iri=work.base_iri, timeout=work.timeout
        )

    try:
        try:
            return render(result(), work.max_rows, work.formats)
        except RowsUncounted:  # near the cap, or terms holding the row mark: run it again, counting
            return render(result(), work.max_rows, work.formats, exact=True)
    except (ProtocolError, AiskillsError) as exc:  # the status and headers from the one table
        status, headers = status_of(exc)
        return _error_reply(status, str(exc), headers)


def render(result: QueryResult, cap: int, formats: Choices, *, exact: bool = False) -> Reply:
    """The result in the format negotiated for its kind (``negotiated``); ``exact``: solutions read
    through TSV so that their rows are counted exactly against the cap."""

    def chosen(kind: str) -> Format:
        choice = formats[kind]
        if isinstance(choice, tuple):
            raise ProtocolError(*choice)
        return BY_NAME[choice]

    if isinstance(result, ox.QueryBoolean):
        fmt = chosen("boolean")
        return Reply(200, _content_type(fmt), result.serialize(format=fmt.results) or b"", "boolean")
    if isinstance(result, ox.QuerySolutions):
        fmt = chosen("solutions")
        write = counted_solutions_bytes if exact else solutions_bytes
        return Reply(200, _content_type(fmt), write(result, fmt, cap), "solutions")
    fmt = chosen("graph")
    return Reply(200, _content_type(fmt), triples_bytes(result, fmt, cap), "graph")


def _error_reply(status: int, message: str, headers: dict[str, str] | None = None) -> Reply:
    return Reply(
        status,
        "text/plain; charset=utf-8",
        (message + "\n").encode("utf-8"),
        "",
        tuple((headers or {}).items()),
    )


def _response(body: bytes | None, fmt: Format) -> Response:
    return Response(body or b"", content_type=_content_type(fmt))


def _content_type(fmt: Format) -> str:
    textual = fmt.media_type.startswith("text/") or fmt.name in ("nt", "jsonld")
    return f"{fmt.media_type}; charset=utf-8" if textual else fmt.media_type


def wants_html() -> bool:
    """``?format=html``, or no ``format`` and an ``Accept`` that names text/html (a browser) first."""
    name = format_param()
    if name:
        return name.lower() == "html"
    header = request.headers.get("Accept", "")
    if "text/html" not in header:
        return False
    offers = ["text/html"] + [f.media_type for f in TABULAR + GRAPH]
    return request.accept_mimetypes.best_match(offers) == "text/html"


def negotiate(offers: Sequence[Format]) -> Format:
    """The format ``?format=`` names, else the best of ``offers`` for ``Accept``; 406 if none fits."""
    return _negotiate(format_param(), request.headers.get("Accept"), tuple(offers))


def format_param() -> str | None:
    """``format`` from the URL, or from a form body (where SPARQLWrapper and others put it with POST);
    the first when repeated (SPARQLWrapper sends ``format=tsv&format=text/tab-separated-values``)."""
    name = request.args.get("format")
    if name is None and request.method == "POST" and request.mimetype == FORM:
        name = request.form.get("format")
    return name


@functools.lru_cache(maxsize=512)
def _negotiate(name: str | None, header: str | None, offers: tuple[Format, ...]) -> Format:
    """``negotiate`` for a ``format`` parameter and an ``Accept`` header (a pure function, memoised:
    clients send the same few headers again and again)."""
    if name:
        return _by_name(name, offers)
    accept = accepted(header)
    if not accept:
        return offers[0]
    types = [f.media_type for f in offers] + [t for t, f in ALIASES.items() if f in offers]
    best = accept.best_match(types)
    if best is None:
        raise ProtocolError(
            406,
            f"cannot answer in any type the request accepts ({header}); "
            "this result can be: " + ", ".join(f.media_type for f in offers),
        )
    return ALIASES.get(best) or next(f for f in offers if f.media_type == best)


def _by_name(name: str, offers: Sequence[Format]) -> Format:
    key = name.lower().split(";")[0].strip()
    by_type = {f.media_type: f for f in TABULAR + GRAPH} | {t: f for t, f in ALIASES.items() if f in offers}
    if key not in FORMAT_NAMES and key not in by_type:
        raise ProtocolError(400, f"unknown format {name!r}: use one of {', '.join(FORMAT_NAMES)}, html")
    if key in FORMAT_NAMES:
        fmt = formats.by_name(key, "sparql", graph=offers == GRAPH)
    else:
        fmt = by_type[key]
    if fmt is None or fmt not in offers:
        raise ProtocolError(
            406, f"this result cannot be given as {name}: use one of " + ", ".join(f.name for f in offers)
        )
    return fmt


#: For each results format: a byte string pyoxigraph's writer puts once per row, what to add to its
#: count to bound the rows from above, and whether that bound is exact (no term's text can hold the
#: mark: TSV escapes newlines, XML escapes ``<``; a JSON string may hold ``},{``, a CSV field a newline).
_ROW_MARKS: dict[str, tuple[bytes, int, bool]] = {
    TSV.name: (b"\n", -1, True),  # a header line, then one line per row
    XML.name: (b"<result>", 0, True),
    JSON.name: (b"},{", 1, False),  # between two rows
    CSV.name: (b"\n", -1, False),
}


class RowsUncounted(Exception):
    """A result written straight in its format may hold more rows than the cap: count them exactly."""


class _RowCounter:
    """A binary sink for a results writer that stops the query once it may hold too many rows."""

    def __init__(self, cap: int, mark: bytes, offset: int) -> None:
        self.cap = cap
        self.mark = mark
        self.rows = offset
        self.tail = b""  # the end of the last chunk: a mark may straddle two chunks
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        chunk = bytes(data)
        self.rows += (self.tail + chunk).count(self.mark)
        if self.rows > self.cap:
            raise ResultTooLarge()
        keep = len(self.mark) - 1
        self.tail = (self.tail + chunk)[-keep:] if keep else b""
        self.chunks.append(chunk)
        return len(chunk)

    def flush(self) -> None:
        """Nothing buffered here."""


def solutions_bytes(solutions: ox.QuerySolutions, fmt: Format, cap: int) -> bytes:
    """The solutions written straight in ``fmt`` by pyoxigraph, with the rows counted on the way.
    Past the cap: 413 where the count is exact; ``RowsUncounted`` where it is only a bound (run the
    query again through ``counted_solutions_bytes``)."""
    mark, offset, exact = _ROW_MARKS[fmt.name]
    sink = _RowCounter(cap, mark, offset)
    try:
        solutions.serialize(sink, format=fmt.results)  # type: ignore[arg-type]
    except ResultTooLarge:
        if exact:
            raise _too_large(cap, "rows") from None
        raise RowsUncounted() from None
    except OSError as exc:  # the storage, not the query
        raise StoreError(f"the store could not be read: {exc}") from exc
    except (ValueError, RuntimeError) as exc:
        raise QueryError(f"query failed: {exc}") from exc
    return b"".join(sink.chunks)


def counted_solutions_bytes(solutions: ox.QuerySolutions, fmt: Format, cap: int) -> bytes:
    """The solutions in ``fmt``, read through TSV (exact for every term) so rows are counted exactly."""
    tsv = solutions_bytes(solutions, TSV, cap)
    if fmt is TSV:
        return tsv
    return ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV).serialize(format=fmt.results) or b""


def triples_bytes(triples: Iterable[ox.Triple], fmt: Format, cap: int) -> bytes:
    """At most ``cap`` triples in ``fmt``; more is an error."""
    try:
        kept = list(islice(triples, cap + 1))
    except OSError as exc:  # the storage, not the query
        raise StoreError(f"the store could not be read: {exc}") from exc
    except (ValueError, RuntimeError) as exc:
        raise QueryError(f"query failed: {exc}") from exc
    if len(kept) > cap:
        raise _too_large(cap, "triples")
    return ox.serialize(kept, format=fmt.rdf) or b""


def _too_large(cap: int, what: str) -> ProtocolError:
    return ProtocolError(
        400,
        f"the result has more than {cap} {what}, the most this endpoint returns; "
        "nothing was cut: ask for pages with ORDER BY, LIMIT and OFFSET "
        f"(e.g. LIMIT {cap} OFFSET 0, then OFFSET {cap}, ...)",
    )


# -- updates -----------------------------------------------------------------------------------------
def update(operation: UpdateOperation, store: Store) -> Response:
    """Apply an update (the write token was checked when the request was read): 204 when done."""
    masked = mask(operation.update)
    check_safe(operation.update, masked)
    _check_default_source(masked)
    protocol = bool(operation.using_graphs or operation.using_named_graphs)
    store.protocol_update(
        operation.update,
        list(operation.using_graphs) if protocol else None,
        list(operation.using_named_graphs) if protocol else None,
        base_iri=request.base_url,
    )
    return Response(status=204)


def _check_default_source(masked: str) -> None:
    """Refuse ``COPY``/``MOVE``/``ADD DEFAULT TO <g>``: the default graph here is the union of the
    named graphs, not a graph of its own, so the store's (always empty) default graph would be copied:
    ``COPY`` and ``MOVE`` would empty ``<g>`` and answer 204."""
    found = _DEFAULT_SOURCE.search(masked) if "default" in masked.casefold() else None
    if found:
        keyword = found.group(1).upper()
        raise ProtocolError(
            400,
            f"{keyword} DEFAULT is refused here: the default graph of this store is the union of its "
            f"named graphs, not a graph of its own, so nothing was changed; name the graph to "
            f"{keyword.lower()} from ({keyword} <graph> TO <other graph>)",
        )


# -- the service description -------------------------------------------------------------------------
def service_description() -> Response:
    """The ``sd:Service`` in an RDF format, or the query page for a browser."""
    name = request.args.get("format")
    if name and name.lower() == "html":
        return query_page(None)
    if name:
        return _description(_by_name(name, GRAPH))
    accept = request.accept_mimetypes
    if not accept:
        return _description(TURTLE)
    offers = ["text/html"] + [f.media_type for f in GRAPH] + [t for t, f in ALIASES.items() if f in GRAPH]
    best = accept.best_match(offers)
    if best is None:
        raise ProtocolError(
            406,
            "the service description is available as text/html or " + ", ".join(f.media_type for f in GRAPH),
        )
    if best == "text/html":
        return query_page(None)
    return _description(ALIASES.get(best) or next(f for f in GRAPH if f.media_type == best))


def _description(fmt: Format) -> Response:
    triples = description_triples(
        request.base_url, _store().dataset(), writes=writes_enabled(current_tokens())
    )
    return _response(ox.serialize(triples, format=fmt.rdf), fmt)


def description_triples(endpoint_url: str, graphs: Sequence[str], *, writes: bool = False) -> list[ox.Triple]:
    """``sd:Service`` for this endpoint: languages (Update only when writes are enabled), result
    formats, features and its default dataset. Its blank nodes carry fixed labels, so the same
    description is the same bytes (and ``ETag``) from one request to the next."""
    service, dataset, default = ox.BlankNode("service"), ox.BlankNode("dataset"), ox.BlankNode("default")
    a = ox.NamedNode(RDF_TYPE)

    def sd(local: str) -> ox.NamedNode:
        return ox.NamedNode(SD + local)

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
    if writes:
        triples.append(ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Update")))
    triples += [ox.Triple(service, sd("resultFormat"), ox.NamedNode(f.iri)) for f in TABULAR + GRAPH]
    for number, graph in enumerate(graphs):
        named = ox.BlankNode(f"graph{number}")
        triples += [
            ox.Triple(dataset, sd("namedGraph"), named),
            ox.Triple(named, a, sd("NamedGraph")),
            ox.Triple(named, sd("name"), ox.NamedNode(graph)),
        ]
    return triples


# -- the query page ----------------------------------------------------------------------------------
_EXAMPLE = "SELECT ?s ?p ?o WHERE {\n  ?s ?p ?o\n}\nLIMIT 10"


def query_page(
    query: str | None,
    *,
    reply: Reply | None = None,
    error: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """The query page: the editor (with ``query``, or the example ``?example=`` names), the examples,
    and the answer as a table with download links, or the error."""
    settings, store = _settings(), _store()
    context = page_context(
        query,
        request.args.get("example"),
        reply,
        error,
        store,
        settings,
        current_app.extensions["aiskills"]["questions"],
        _EXAMPLE,
    )
    if reply is not None and reply.status != 200:
        status = reply.status
        headers = dict(reply.headers)
    context["endpoint"] = request.base_url
    context["formats"] = _download_formats(query, reply)
    context["writes"] = writes_enabled(current_tokens())
    html = render_template("sparql.html", **context)
    return Response(html, status=status, headers=headers or {}, content_type="text/html; charset=utf-8")


def _download_formats(query: str | None, reply: Reply | None) -> list[tuple[str, str]]:
    """(label, link) for each format the answer can be downloaded in."""
    if not query or reply is None or reply.status != 200:
        return []
    offers = {"boolean": BOOLEAN, "solutions": TABULAR, "graph": GRAPH}[reply.kind]
    keep = [("default-graph-uri", g) for g in request.args.getlist("default-graph-uri")]
    keep += [("named-graph-uri", g) for g in request.args.getlist("named-graph-uri")]
    return [
        (
            f.label,
            request.script_root
            + request.path
            + "?"
            + urlencode([("query", query), *keep, ("format", f.name)]),
        )
        for f in offers
    ]


# -- errors: answered app-wide by aiskills.web.errors (one table from error to status and body) -------
def _text(message: str, status: int, headers: dict[str, Any] | None = None) -> Response:
    return Response(
        message + "\n", status=status, headers=headers or {}, content_type="text/plain; charset=utf-8"
    )
