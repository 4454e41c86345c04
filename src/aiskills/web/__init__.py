"""The Flask front end: an application factory; one blueprint per feature."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, request
from werkzeug.exceptions import MethodNotAllowed, NotFound, RequestEntityTooLarge

from aiskills.config import Settings
from aiskills.resources import web_dir
from aiskills.store import Store, open_store
from aiskills.store.answers import AnswerCache
from aiskills.web import answers
from aiskills.web.accept import AcceptRequest
from aiskills.web.auth import Keyring, guard_reads


def create_app(settings: Settings | None = None, store: Store | None = None) -> Flask:
    """Build the app: settings from ``AISKILLS_*`` unless given; the store opened once and kept in
    ``app.extensions["aiskills"]`` (pass ``store`` to share one, as the tests do)."""
    settings = settings or Settings.from_env()
    web = web_dir()
    app = Flask(__name__, template_folder=str(web / "templates"), static_folder=str(web / "static"))
    app.request_class = AcceptRequest  # Accept's media-type parameters do not narrow it
    app.config["MAX_CONTENT_LENGTH"] = settings.upload_max_bytes + 64 * 1024  # multipart overhead; 413 beyond
    store = store or open_store(settings)
    if settings.load_bundled_on_start and not store.catalog():
        from aiskills.loading import load_bundled

        load_bundled(store)  # first start on an empty store: serve the bundled framework
    _check_public_base(app, settings, store)
    from aiskills import alignment

    questions = {q.name: q for q in alignment.questions()}  # parsed once: a broken query fails here
    from aiskills.validation.engine import Validators

    validators = Validators()
    validators.for_store(store)  # built now, not by the first concurrent uploads (and pySHACL imported once)
    kept = settings.answer_cache_bytes > 0  # whole answers kept per generation of the store (``answers``)
    app.extensions["aiskills"] = {
        "settings": settings,
        "store": store,
        "questions": questions,
        "validators": validators,
        "keyring": Keyring(settings, app.logger),
        "answers": AnswerCache(settings.answer_cache_bytes, store.generation) if kept else None,
    }

    from aiskills.web.alignment_pages import alignment_pages
    from aiskills.web.api import api
    from aiskills.web.case import case, ctdl
    from aiskills.web.curricula_api import curricula_api
    from aiskills.web.graph_store import graph_store
    from aiskills.web.linked import linked
    from aiskills.web.openapi import openapi
    from aiskills.web.sparql import sparql
    from aiskills.web.suggest import suggest
    from aiskills.web.validate import validate

    app.register_blueprint(api)
    app.register_blueprint(sparql)
    app.register_blueprint(graph_store)
    app.register_blueprint(linked)
    app.register_blueprint(validate)
    app.register_blueprint(suggest)
    app.register_blueprint(curricula_api)
    app.register_blueprint(alignment_pages)
    app.register_blueprint(openapi)
    app.register_blueprint(case)
    app.register_blueprint(ctdl)
    _errors(app)
    app.before_request(guard_reads)
    app.before_request(answers.lookup)  # after the guard: a kept answer is given to whom may read
    _template_links(app)
    app.add_url_rule("/favicon.ico", "favicon", lambda: ("", 204))  # browsers ask; nothing to show
    app.after_request(_finish)
    return app


#: On every response, unless its handler set its own: no inline script or framing, no content
#: sniffing, no referrer leaks.
SECURITY_HEADERS = (
    (
        "Content-Security-Policy",
        (
            "default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; "
            "base-uri 'none'; form-action 'self'"
        ),
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
)


def _finish(response: Any) -> Any:
    """What every response gets, in one step (one hook, and each header's presence read once: a
    Werkzeug header look-up that misses raises and catches an exception, which every request paid
    for each header before):

    - every read (GET, HEAD) may be made from a page of any origin, as ``/sparql`` and CASE allow: a
      notebook in the browser reads ``/api`` and the IRIs too (writes need a bearer token, which a
      cross-origin page cannot send without a preflight, and that is not allowed);
    - a 201 or 204 without a body names no content type (Werkzeug's default is ``text/html``);
    - ``_tagged`` (``_compressed`` first);
    - ``SECURITY_HEADERS``;
    - the answer kept whole (``answers.keep``), then made conditional (304 for a tag the client has)."""
    headers = response.headers
    present = {name.lower() for name, _ in headers}
    reads = request.method in ("GET", "HEAD")
    if reads and "access-control-allow-origin" not in present:
        headers.add("Access-Control-Allow-Origin", "*")
    if response.status_code in (201, 204) and response.is_sequence and not response.get_data():
        headers.remove("Content-Type")
    whole = reads and _tagged(response, present)
    for name, value in SECURITY_HEADERS:
        if name.lower() not in present:
            headers.add(name, value)
    if whole:
        answers.keep(response)
        response = response.make_conditional(request)
    return response


#: Answers at least this long are sent gzip-compressed to a client that accepts it.
COMPRESS_FROM = 32 * 1024
_COMPRESSIBLE = ("text/", "application/json", "application/ld+json", "application/sparql-results+json",
                 "application/sparql-results+xml", "application/rdf+xml", "application/n-triples",
                 "application/n-quads", "application/javascript", "application/xml")  # fmt: skip


def _compressed(response: Any, present: set[str]) -> None:
    """A long textual answer (a CASE package, a dump, a page of 10,000 curricula, a large SPARQL
    result) gzip-compressed for a client that accepts it (``Accept-Encoding``), as Fuseki and a reverse
    proxy would send it: several times smaller on the wire. Its tag says which encoding it is
    (``ETag`` with ``-gzip``), so a cache never gives one for the other (``Vary: Accept-Encoding``)."""
    if response.status_code != 200 or response.direct_passthrough or not response.is_sequence:
        return
    if "content-encoding" in present or not response.mimetype.startswith(_COMPRESSIBLE):
        return
    body = response.get_data()
    if len(body) < COMPRESS_FROM:  # sent as it is to every client: it varies by nothing more
        return
    response.vary.add("Accept-Encoding")
    if not request.accept_encodings.quality("gzip"):
        return
    import gzip

    tag, weak = response.get_etag()
    response.set_data(gzip.compress(body, compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    present.add("content-encoding")
    if tag:
        response.set_etag(tag + "-gzip", weak=bool(weak))


def _check_public_base(app: Flask, settings: Settings, store: Store) -> None:
    """Say so in the log when the store's framework is not minted under ``AISKILLS_PUBLIC_BASE``: then
    ``/id/…`` serves none of it and the pages link nowhere."""
    from aiskills.pages.links import Linker

    framework = Linker(settings.public_base).id_base + "framework"
    if store.catalog({"framework"}) and not store.ask(f"ASK {{ <{framework}> ?p ?o }}"):
        app.logger.warning(
            "AISKILLS_PUBLIC_BASE is %s, but the store holds no framework under it (no <%s>): /id/ serves "
            "none of the stored framework; load a framework whose IRIs are minted under that base, or unset "
            "AISKILLS_PUBLIC_BASE",
            settings.public_base,
            framework,
        )


def _tagged(response: Any, present: set[str]) -> bool:
    """A GET answered in full (not a stream or a file, which tag themselves; compressed by
    ``_compressed`` first) is tagged with a digest of its bytes (``ETag``; ``/sparql`` brings the one
    its query process worked out) and must be revalidated (``Cache-Control: no-cache``): a client or
    cache that sends the tag back (``If-None-Match``) gets 304 without the body while the answer is the
    same, and the new answer once a write has changed it. ``present``: the response's header names, in
    lower case. True when the response is such an answer."""
    if response.status_code != 200 or response.direct_passthrough or not response.is_sequence:
        return False
    _compressed(response, present)
    if "etag" not in present:
        response.add_etag()
    if "cache-control" not in present:
        response.headers.add("Cache-Control", "no-cache")
    return True


def _template_links(app: Flask) -> None:
    """Templates link with ``href('/path')`` and ``static_href('file')``: here they are server paths; a
    static release renders the same templates with relative file links instead."""
    from flask import request, url_for

    # a resource outside AISKILLS_PUBLIC_BASE has no page here (``Linker.path`` is None): no link target
    app.jinja_env.globals["href"] = lambda path: request.script_root + path if path is not None else "#"
    app.jinja_env.globals["static_href"] = lambda name: url_for("static", filename=name)


def _errors(app: Flask) -> None:
    """Errors to HTTP: the domain errors by the one table in ``aiskills.web.errors``; a missing thing
    404, a request too large 413."""

    @app.errorhandler(MethodNotAllowed)
    def not_allowed(exc: MethodNotAllowed) -> Any:
        if request.path.startswith("/ims/case/"):
            from aiskills.web.case import routing_error

            return routing_error(exc)
        return exc

    @app.errorhandler(NotFound)
    def not_found(exc: NotFound) -> Any:
        if request.path.startswith("/ims/case/"):
            from aiskills.web.case import routing_error

            return routing_error(exc)
        if not request.path.startswith("/api/"):
            from aiskills.web.linked import not_found as page_not_found

            wants_html = request.accept_mimetypes.best_match(["text/plain", "text/html"]) == "text/html"
            return page_not_found(None, "html" if wants_html else "text")  # the helpful page, not Werkzeug's
        return jsonify(
            error=f"there is nothing at {request.path}",
            fix="GET /api/openapi.json describes every /api route",
        ), 404

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(exc: RequestEntityTooLarge) -> tuple[Any, int]:
        limit = app.extensions["aiskills"]["settings"].upload_max_bytes
        return jsonify(
            error=f"the request is larger than the limit of {limit / 1e6:.0f} MB",
            fix="send less: split the curriculum or remove what is not part of it",
        ), 413

    from aiskills.web import errors
    from aiskills.web.linked import Unacceptable
    from aiskills.web.sparql import ProtocolError

    errors.register(app, ProtocolError, Unacceptable)  # every other error: the one table
