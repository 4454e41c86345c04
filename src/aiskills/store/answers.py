"""Answers kept for the snapshot they were read from, so that a read asked again is not evaluated again.

A served embedded store is read from snapshots (``aiskills.store.snapshots``): every write publishes a
new one and names it in the ``current`` file before the write returns. Everything a read returns is a
function of the snapshot it read and of the request (for the query processes, the pickled request:
the store method and its arguments, or the ``/sparql`` work with its query, dataset, formats and
limits). So an answer kept under the name of the snapshot that was current before it was asked can be
given again to the same request for as long as that snapshot is current, and never after: each lookup
reads ``current`` first, and a changed name drops every kept answer.

Kept only:

- answers, never errors raised by the work or timeouts (a timeout depends on the machine's load, not
  the data), nor a value that says it may not be kept (``keepable`` false: the ``/sparql`` reply of a
  fault of ours, 5xx); a reply refusing the query itself (a syntax error, 400) is kept like an answer;
- answers of requests that name none of SPARQL's functions whose value is not fixed by the data
  (``NOW``, ``RAND``, ``UUID``, ``STRUUID``, ``BNODE``): read as bytes of the pickled request, so
  such a name inside a string or a comment only means the answer is not kept;
- up to ``max_bytes`` in all (requests and answers, as pickled), the least recently used dropped
  first; an answer larger than an eighth of that is not kept.

Why this is exact: generations only move forward, the name is read before the request is sent, and an
answer read from that snapshot or a later one is what a client asking at that moment may be given. An
answer stored under a name that is no longer the one the cache holds is dropped, not kept.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

#: SPARQL 1.1 functions whose value changes from one evaluation to the next (§17.4).
UNFIXED = re.compile(rb"(?i)(?<![\w:])(NOW|RAND|UUID|STRUUID|BNODE)\s*\(")
#: The share of the cache one answer may take.
_LARGEST_SHARE = 8


@dataclass(frozen=True)
class CacheStats:
    """How the kept answers were used (for monitoring and tests)."""

    hits: int
    misses: int
    kept: int
    bytes: int


class AnswerCache:
    """Answers (pickled) by request (pickled), for one snapshot at a time; thread-safe."""

    def __init__(self, max_bytes: int, snapshot: Callable[[], bytes | None]) -> None:
        self.max_bytes = max_bytes
        self._snapshot = snapshot
        self._lock = threading.Lock()
        self._held: bytes | None = None
        self._answers: OrderedDict[bytes, bytes] = OrderedDict()
        self._bytes = 0
        self._hits = 0
        self._misses = 0

    def get(self, request: bytes) -> tuple[bytes | None, bytes | None]:
        """The current snapshot's name (``None``: the answer to ``request`` may not be kept) and
        the answer kept for ``request`` from that snapshot, if any."""
        if not keepable(request):
            return None, None
        name = self._snapshot()
        if name is None:
            return None, None
        with self._lock:
            if name != self._held:
                self._answers.clear()
                self._bytes = 0
                self._held = name
            answer = self._answers.get(request)
            if answer is None:
                self._misses += 1
                return name, None
            self._answers.move_to_end(request)
            self._hits += 1
            return name, answer

    def put(self, snapshot: bytes, request: bytes, answer: bytes) -> None:
        """Keep ``answer`` to ``request``, read from ``snapshot`` (the name ``get`` gave) or a later
        one, unless the cache holds another snapshot's answers by now or the answer is too large."""
        size = len(request) + len(answer)
        if size * _LARGEST_SHARE > self.max_bytes:
            return
        with self._lock:
            if snapshot != self._held or request in self._answers:
                return
            self._answers[request] = answer
            self._bytes += size
            while self._bytes > self.max_bytes:
                old_request, old_answer = self._answers.popitem(last=False)
                self._bytes -= len(old_request) + len(old_answer)

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(self._hits, self._misses, len(self._answers), self._bytes)


def keepable(request: bytes) -> bool:
    """Whether the answer to a pickled request may be kept: it names no function whose value is
    not fixed by the data."""
    return UNFIXED.search(request) is None
