"""One table from domain error to HTTP status, and one way to answer an error: JSON, HTML or plain text,
by what the client accepts (``/api/*`` answers JSON unless asked otherwise; the protocol endpoints
plain text). A storage failure is a 503 (or 500 for a setting) with its cause in the log, never a 400.
A blueprint whose protocol fixes the body's shape (CASE's ``imsx_StatusInfo``) gives its own renderer
(``answer_in``); the status still comes from ``STATUS`` and 5xx causes are still logged here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from flask import Blueprint, Flask, Response, current_app, jsonify, render_template, request

from aiskills.errors import AiskillsError, ConfigError, InputError, QueryError, StoreError
from aiskills.store.base import ProtocolUnsupported
from aiskills.store.isolated import QueryTimeout

#: Seconds a client is asked to wait before retrying a request answered 503 (a query out of time, a
#: store out of reach).
RETRY_AFTER = "5"

#: Domain error → HTTP status, most specific first (the first class the error is an instance of wins).
STATUS: tuple[tuple[type[Exception], int], ...] = (
    (ProtocolUnsupported, 501),  # the store cannot do this (updates on a remote store)
    (QueryTimeout, 503),
    (StoreError, 503),
    (InputError, 400),
    (QueryError, 400),
    (ConfigError, 500),
    (AiskillsError, 500),
)

_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    406: "Not acceptable",
    413: "Too large",
    415: "Unsupported media type",
    500: "Server error",
    501: "Not implemented",
    503: "Unavailable",
}


def status_of(exc: Exception) -> tuple[int, dict[str, str]]:
    """The status and extra headers for ``exc``: a protocol error carries its own status (and headers);
    a domain error's comes from ``STATUS``; anything else is a bug, 500."""
    own = getattr(exc, "status", None)
    if isinstance(own, int):
        return own, dict(getattr(exc, "headers", None) or {})
    status = next((code for cls, code in STATUS if isinstance(exc, cls)), 500)
    # every 503 says when to try again: a query out of time, and a store out of reach too
    return status, {"Retry-After": RETRY_AFTER} if status == 503 else {}


#: A blueprint's body for an error: (the error, its status, its message) → the response (status set here).
Renderer = Callable[[Exception, int, str], Response]


def answer(exc: Exception, render: Renderer | None = None) -> Response:
    """The HTTP answer to ``exc``, in ``render``'s shape if given, else by what the client accepts;
    a 5xx is logged with its cause."""
    status, headers = status_of(exc)
    message = str(exc)
    if isinstance(exc, QueryTimeout):  # the client's query, not a fault of ours: one line, no traceback
        current_app.logger.warning("%s %s answered %d: %s", request.method, request.path, status, message)
    elif status >= 500:
        cause = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
        current_app.logger.error(
            "%s %s answered %d: %s%s",
            request.method,
            request.path,
            status,
            message,
            f" (cause: {cause!r})" if cause else "",
            exc_info=exc,
        )
    if render is not None:
        response = render(exc, status, message)
    else:
        response = _negotiated(status, message)
        response.vary.add("Accept")
    response.status_code = status
    response.headers.update(headers)
    return response


def _negotiated(status: int, message: str) -> Response:
    """The error as JSON, HTML or plain text, by what the client accepts."""
    offered = ["text/plain", "application/json", "text/html"]
    if request.path.startswith("/api/"):
        offered = ["application/json", "text/plain", "text/html"]
    kind = request.accept_mimetypes.best_match(offered, default=offered[0])
    if kind == "application/json":
        response = jsonify(error=message)
    elif kind == "text/html":
        title = _TITLES.get(status, f"Error {status}")
        response = Response(render_template("error.html", title=title, message=message), mimetype="text/html")
    else:
        response = Response(message + "\n", content_type="text/plain; charset=utf-8")
    return response


def register(app: Flask, *own_status: type[Exception]) -> None:
    """Answer every domain error (and each of ``own_status``, errors that carry their status) by the
    table, app-wide."""
    for cls in (*(c for c, _ in STATUS), *own_status):
        app.register_error_handler(cls, answer)


def answer_in(blueprint: Blueprint, render: Renderer) -> None:
    """Answer every domain error raised under ``blueprint`` in ``render``'s shape, with the status
    from ``STATUS`` and 5xx causes logged as everywhere else."""
    for cls, _ in STATUS:
        blueprint.register_error_handler(cls, partial(answer, render=render))
