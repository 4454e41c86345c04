"""Whole answers kept per generation of the store, so that a question asked again is answered from
what was sent before, without reading the store or rendering again.

An answer of ``KEPT_ENDPOINTS`` (``GET /api/ask/<name>``, ``GET /alignment``) is a function of the store's contents and of
the request: its URL, host, ``Accept`` and whether the client takes gzip. The store names its contents
(``Store.generation``): the current snapshot of a served embedded store, the generation every writer
names when it lets the write lease go on a SPARQL server (``aiskills.store.lease``), ``None`` while a
write is under way there and on a store read in this process alone. Each such request reads that name
first; an answer sent under the name it read is kept under it, whole as sent (headers, tag and
compression included), and given again to the same request for as long as the store names the same
generation. A new name drops every kept answer (``aiskills.store.answers.AnswerCache``, up to
``AISKILLS_ANSWER_CACHE_MB`` per web worker), so a request sent after a write returned never gets an
answer from before it, on this front end or any other over the same store. Only answers (200) are kept,
never an error.

A write made straight to a SPARQL server, not through aiskills, names no new generation: kept answers
do not see it until the next write through aiskills (nor do the counts aiskills keeps at write time,
``aiskills.kept``); set ``AISKILLS_ANSWER_CACHE_MB=0`` on front ends over a store that other tools write.
"""

from __future__ import annotations

import pickle
from typing import Any

from flask import Response, current_app, g, request

from aiskills.store.answers import AnswerCache

#: The endpoints whose whole answers are kept: the questions over HTTP, and the page that asks them.
KEPT_ENDPOINTS = frozenset({"api.ask", "alignment_pages.alignment_page"})


def lookup() -> Response | None:
    """``before_request``: the kept answer to this request, when the store still names the generation
    it was read from; otherwise notes the generation the answer about to be made will be kept under."""
    if request.method != "GET" or request.endpoint not in KEPT_ENDPOINTS:
        return None
    answers: AnswerCache | None = current_app.extensions["aiskills"]["answers"]
    if answers is None:
        return None
    key = _key()
    generation, answer = answers.get(key)
    if generation is None:
        return None
    if answer is None:
        g.keep_answer = (generation, key)
        return None
    headers, body = pickle.loads(answer)
    return Response(body, headers=headers)


def keep(response: Any) -> None:
    """Keep a finished answer (200, whole: the app's ``_finish`` calls this for those only, before a
    conditional request makes one a 304) under the generation ``lookup`` read for it."""
    noted = g.pop("keep_answer", None)
    if noted is None:
        return
    generation, key = noted
    answer = pickle.dumps((list(response.headers.items()), response.get_data()))
    current_app.extensions["aiskills"]["answers"].put(generation, key, answer)


def _key() -> bytes:
    """What an answer of ``KEPT_ENDPOINTS`` depends on besides the store."""
    gzip = "gzip" if request.accept_encodings.quality("gzip") else ""
    parts = (request.host_url, request.full_path, request.headers.get("Accept", ""), gzip)
    return "\n".join(parts).encode()
