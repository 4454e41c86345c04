"""``/graph-store``: the SPARQL 1.1 Graph Store HTTP Protocol, indirect identification.

``?graph=IRI`` names one graph, ``?default`` the default graph (the union of the active graphs, as
for queries). GET and HEAD are reads (open like queries, or closed with the server's reads); PUT
(replace), POST (merge) and DELETE are writes and exist only when a write token is configured: 403
saying how to enable writes when none is, 401 with ``WWW-Authenticate`` for a missing or wrong token.

Answers: GET 200 with the graph in the negotiated RDF format (Turtle by default), 404 for a graph
the store does not hold; PUT/POST 201 when they create the graph, else 204; DELETE 204, or 404.
Bodies are Turtle, N-Triples, RDF/XML or JSON-LD by ``Content-Type`` (415 otherwise; 400 with the
parser's place for a syntax error; nothing is written half-way). The default graph can be read but
not written (405): this store keeps data in named graphs only (``aiskills.store.embedded``). A graph
larger than ``Settings.result_max_rows`` triples is refused, never cut.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, request

from aiskills.formats import Format, read_as
from aiskills.web.auth import check_write
from aiskills.web.context import settings as _settings
from aiskills.web.context import store as _store
from aiskills.web.sparql import GRAPH, ProtocolError, negotiate

graph_store = Blueprint("graph_store", __name__)

METHODS = ("GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS")
READS = ("GET", "HEAD", "OPTIONS")
#: Media types a PUT or POST body may have, with their pyoxigraph format.
BODY_FORMATS = read_as("graph-store")  # media type → RDF format, from the one registry


@graph_store.route("/graph-store", methods=list(METHODS) + ["PATCH"])
def endpoint() -> Response:
    """One URL, the graph named by its parameters."""
    if request.method == "OPTIONS":
        return Response(
            status=204,
            headers={
                "Allow": ", ".join(METHODS),
                "Access-Control-Allow-Methods": ", ".join(READS),
                "Access-Control-Allow-Headers": "Accept",
            },
        )
    if request.method not in METHODS:
        raise ProtocolError(
            405,
            f"{request.method} is not part of the Graph Store Protocol: use " + ", ".join(METHODS),
            {"Allow": ", ".join(METHODS)},
        )
    graph = target()
    if request.method in ("GET", "HEAD"):
        return read(graph)
    refused = check_write()
    if refused is not None:
        return refused
    if graph is None:
        raise ProtocolError(
            405,
            "the default graph is the union of the stored graphs and cannot be "
            "written: name a graph with ?graph=IRI",
            {"Allow": "GET, HEAD"},
        )
    store = _store()
    if request.method == "DELETE":
        if not store.graph_delete(graph):
            raise ProtocolError(404, f"there is no graph <{graph}> in this store")
        return Response(status=204)
    created = store.graph_write(graph, body_triples(graph), replace=request.method == "PUT")
    if created:
        return Response(
            status=201, headers={"Location": request.base_url + "?" + urlencode({"graph": graph})}
        )
    return Response(status=204)


@graph_store.after_request
def _cors(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.vary.add("Accept")
    return response


def target() -> str | None:
    """The graph IRI of ``?graph=``, or None for ``?default``; exactly one must be given."""
    graphs = request.args.getlist("graph")
    default = "default" in request.args
    if default == bool(graphs) or len(graphs) > 1:
        raise ProtocolError(
            400, "name exactly one graph: ?graph=IRI (an absolute IRI, URL-encoded) or ?default"
        )
    if default:
        return None
    try:
        return ox.NamedNode(graphs[0]).value
    except ValueError as exc:
        raise ProtocolError(400, f"?graph={graphs[0]!r} is not an absolute IRI: {exc}") from exc


def read(graph: str | None) -> Response:
    """GET/HEAD: the graph in the negotiated format, or 404."""
    fmt = negotiate(GRAPH)  # Turtle when nothing is asked
    triples = _store().graph_read(graph)
    if triples is None:
        raise ProtocolError(404, f"there is no graph <{graph}> in this store")
    cap = _settings().result_max_rows
    if len(triples) > cap:
        raise ProtocolError(
            400,
            f"the graph has {len(triples)} triples, more than the {cap} this server "
            "returns at once: query it through /sparql with ORDER BY, LIMIT and OFFSET",
        )
    body = ox.serialize(triples, format=fmt.rdf) or b""
    return Response(
        body, content_type=_content_type(fmt)
    )  # for HEAD, Werkzeug sends the length, not the body


def body_triples(graph: str) -> list[ox.Triple]:
    """The request body as triples, parsed in the format its ``Content-Type`` names."""
    mimetype = request.mimetype
    if mimetype not in BODY_FORMATS:
        given = mimetype or "no Content-Type"
        raise ProtocolError(415, f"cannot read a body of {given}: send " + ", ".join(sorted(BODY_FORMATS)))
    try:
        parsed = ox.parse(request.get_data(), format=BODY_FORMATS[mimetype], base_iri=graph)
        return [q.triple if isinstance(q, ox.Quad) else q for q in parsed]
    except SyntaxError as exc:
        raise ProtocolError(
            400, f"the {mimetype} body could not be parsed, nothing was written: {exc}"
        ) from exc


def _content_type(fmt: Format) -> str:
    textual = fmt.media_type.startswith("text/") or fmt.name in ("nt", "jsonld")
    return f"{fmt.media_type}; charset=utf-8" if textual else fmt.media_type


def _text(message: str, status: int, headers: dict[str, Any] | None = None) -> Response:
    return Response(
        message + "\n", status=status, headers=headers or {}, content_type="text/plain; charset=utf-8"
    )
