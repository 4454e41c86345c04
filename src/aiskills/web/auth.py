"""Access: who may read and who may write.

Writes (the submissions API, SPARQL Update, the Graph Store Protocol) need ``Authorization: Bearer
<token>`` with a ``write`` token; reads are open unless ``AISKILLS_READS=closed``, when any token is
needed. Tokens are held only as SHA-256 hashes, every configured hash is compared (in constant time)
whatever the outcome, and neither the secret nor its hash is ever logged or echoed.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Response, current_app, g, request

from aiskills.config import Settings, Token, hash_secret

F = TypeVar("F", bound=Callable[..., Any])

REALM = 'Bearer realm="aiskills"'


def token_for(settings: Settings, header: str | None) -> Token | None:
    """The token an ``Authorization`` header carries, or None. Compares against every token."""
    if not header or header[:7].lower() != "bearer ":
        return None
    digest = hash_secret(header[7:].strip())
    found: Token | None = None
    for token in settings.tokens:
        if hmac.compare_digest(digest, token.sha256) and found is None:
            found = token
    return found


def denied(status: int, message: str) -> Response:
    """401 (no or unknown token, with the challenge) or 403 (a token without the scope)."""
    response = Response(message + "\n", status=status, mimetype="text/plain")
    if status == 401:
        response.headers["WWW-Authenticate"] = REALM
    return response


def writes_enabled(settings: Settings) -> bool:
    """Whether this server takes writes at all (a write token is configured)."""
    return any(t.scope == "write" for t in settings.tokens)


def write_refusal() -> tuple[int, str] | None:
    """None when the request carries a write token; otherwise the status (403 or 401) and why."""
    settings: Settings = current_app.extensions["aiskills"]["settings"]
    if not writes_enabled(settings):
        return 403, (
            "writes are disabled on this server: it has no write token "
            "(set AISKILLS_WRITE_TOKEN or AISKILLS_TOKENS_FILE)"
        )
    token = token_for(settings, request.headers.get("Authorization"))
    if token is None:
        return 401, "this needs a write token: send 'Authorization: Bearer <token>'"
    if token.scope != "write":
        return 403, f"the token {token.name!r} may read but not write"
    g.token_name = token.name
    return None


def check_write() -> Response | None:
    """None when the request carries a write token; otherwise the response that refuses it."""
    refused = write_refusal()
    return None if refused is None else denied(*refused)


def require_write(view: F) -> F:
    """Decorate a view that changes data."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        refused = check_write()
        return refused if refused is not None else view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def guard_reads() -> Response | None:
    """``before_request``: with reads closed, every request needs a token (CORS preflights excepted)."""
    settings: Settings = current_app.extensions["aiskills"]["settings"]
    if settings.reads_open or request.method == "OPTIONS" or request.endpoint == "static":
        return None
    token = token_for(settings, request.headers.get("Authorization"))
    if token is None:
        return denied(401, "reads on this server need a token: send 'Authorization: Bearer <token>'")
    g.token_name = token.name
    return None
