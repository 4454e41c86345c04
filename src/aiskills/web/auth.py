"""Access: who may read and who may write.

Writes (the submissions API, SPARQL Update, the Graph Store Protocol) need ``Authorization: Bearer
<token>`` with a ``write`` token; reads are open unless ``AISKILLS_READS=closed``, when any token is
needed. Tokens are held only as SHA-256 hashes, every configured hash is compared (in constant time)
whatever the outcome, and neither the secret nor its hash is ever logged or echoed.

The tokens file is read again when it changes (its modification time, size or inode; one ``stat`` per
request that needs a token), in every web worker: a token added with ``aiskills token new`` works at
once, and one removed (``aiskills token revoke``) stops working at once, with no restart. A file that
cannot be read any more, or holds no valid token, grants nothing until it is fixed (it fails closed),
and the log says why.
"""

from __future__ import annotations

import hmac
import logging
import os
import threading
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Response, current_app, g, request

from aiskills.config import Settings, Token, hash_secret, read_tokens_file
from aiskills.errors import ConfigError

F = TypeVar("F", bound=Callable[..., Any])

REALM = 'Bearer realm="aiskills"'


class Keyring:
    """The tokens a server accepts at this moment: ``AISKILLS_WRITE_TOKEN``'s, and those of the tokens
    file as it is now (``Settings.tokens`` is what they were when the settings were read)."""

    def __init__(self, settings: Settings, log: logging.Logger | None = None) -> None:
        self.path = settings.tokens_file
        self.log = log or logging.getLogger(__name__)
        self._lock = threading.Lock()
        self._seen = self._stamp()
        from_file = self._read() if self.path is not None else ()
        # Settings.from_env puts the file's tokens after the others
        self._fixed = settings.tokens[: len(settings.tokens) - len(from_file)]
        self._tokens = settings.tokens

    def tokens(self) -> tuple[Token, ...]:
        if self.path is None:
            return self._tokens
        stamp = self._stamp()
        if stamp != self._seen:
            with self._lock:
                if stamp != self._seen:
                    self._tokens = self._fixed + self._read()
                    self._seen = stamp
                    self.log.warning(
                        "read the tokens file %s again: %d token(s)", self.path, len(self._tokens)
                    )
        return self._tokens

    def _read(self) -> tuple[Token, ...]:
        assert self.path is not None
        try:
            return read_tokens_file(self.path)
        except ConfigError as exc:
            self.log.error("%s; until it is fixed, none of its tokens is accepted", exc)
            return ()

    def _stamp(self) -> tuple[int, int, int] | None:
        if self.path is None:
            return None
        try:
            status = os.stat(self.path)
        except OSError:
            return None
        return (status.st_mtime_ns, status.st_size, status.st_ino)


def current_tokens() -> tuple[Token, ...]:
    """The tokens the app accepts now (its ``Keyring``)."""
    keyring: Keyring = current_app.extensions["aiskills"]["keyring"]
    return keyring.tokens()


def token_for(tokens: tuple[Token, ...], header: str | None) -> Token | None:
    """The token an ``Authorization`` header carries, or None. Compares against every token."""
    if not header or header[:7].lower() != "bearer ":
        return None
    digest = hash_secret(header[7:].strip())
    found: Token | None = None
    for token in tokens:
        if hmac.compare_digest(digest, token.sha256) and found is None:
            found = token
    return found


def denied(status: int, message: str) -> Response:
    """401 (no or unknown token, with the challenge) or 403 (a token without the scope)."""
    response = Response(message + "\n", status=status, mimetype="text/plain")
    if status == 401:
        response.headers["WWW-Authenticate"] = REALM
    return response


def writes_enabled(tokens: tuple[Token, ...]) -> bool:
    """Whether this server takes writes at all (a write token is configured)."""
    return any(t.scope == "write" for t in tokens)


def write_refusal() -> tuple[int, str] | None:
    """None when the request carries a write token; otherwise the status (403 or 401) and why."""
    tokens = current_tokens()
    if not writes_enabled(tokens):
        keyring: Keyring = current_app.extensions["aiskills"]["keyring"]
        if keyring.path is not None:  # a tokens file is set, and grants no write now
            return 403, (
                f"writes are refused on this server now: its tokens file ({keyring.path.name}) grants no "
                "write token (it is missing, empty or malformed, or holds read tokens only; the server's "
                "log says which)"
            )
        return 403, (
            "writes are disabled on this server: it has no write token "
            "(set AISKILLS_WRITE_TOKEN or AISKILLS_TOKENS_FILE)"
        )
    token = token_for(tokens, request.headers.get("Authorization"))
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
    token = token_for(current_tokens(), request.headers.get("Authorization"))
    if token is None:
        return denied(401, "reads on this server need a token: send 'Authorization: Bearer <token>'")
    g.token_name = token.name
    return None
