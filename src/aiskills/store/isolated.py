"""Run one piece of work in a forked child process, with a deadline the parent enforces.

pyoxigraph cannot cancel a running query, and while it evaluates one it may hold the GIL, so a
query given to it in-process could stall every other request of the server for as long as it runs.
``run_forked`` forks: the child (a copy-on-write snapshot of the store as it was at the fork) does
the work and writes its pickled result to a pipe, then exits without running any cleanup of the
parent's; the parent reads the pipe until the deadline (waiting in ``select``, which releases the
GIL) and SIGKILLs the child if it is not done. The child only reads: writes always happen in the
parent, so a killed child can never leave the store half-written.

A child that dies without answering (killed by the kernel for memory, or crashed) is a
``StoreError``; the deadline passing is a ``QueryTimeout``.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import TypeVar

from aiskills.errors import StoreError

T = TypeVar("T")

_CHUNK = 1 << 16


class QueryTimeout(StoreError):
    """The work ran past its deadline and was stopped."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(
            f"the query ran for more than {seconds:g} s, the most this server allows, and "
            "was stopped: narrow it (more specific patterns, LIMIT, fewer OPTIONALs or "
            "property paths) and try again"
        )


class ForkGate:
    """Keeps forks and in-process store work apart: a child forked while another thread is inside
    the store (RocksDB holds its own mutexes) inherits those mutexes locked, with no thread left to
    unlock them, and can hang until its deadline. Store calls hold the gate shared (re-entrant per
    thread); a fork holds it exclusive for the fork alone (milliseconds), and waiting forks go first."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._forking = False
        self._waiting = 0
        self._depth = threading.local()
        self._pid = os.getpid()

    @contextmanager
    def shared(self) -> Iterator[None]:
        if os.getpid() != self._pid:  # in a forked child: its copy of the gate means nothing
            yield
            return
        depth = getattr(self._depth, "n", 0)
        if depth == 0:
            with self._cond:
                while self._forking or self._waiting:
                    self._cond.wait()
                self._readers += 1
        self._depth.n = depth + 1
        try:
            yield
        finally:
            self._depth.n = depth
            if depth == 0:
                with self._cond:
                    self._readers -= 1
                    self._cond.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            self._waiting += 1
            while self._forking or self._readers:
                self._cond.wait()
            self._waiting -= 1
            self._forking = True
        try:
            yield
        finally:
            if os.getpid() == self._pid:  # the child leaves this block too, and must touch nothing here
                with self._cond:
                    self._forking = False
                    self._cond.notify_all()


def can_fork() -> bool:
    """Whether this platform forks (POSIX); elsewhere work runs in-process without a deadline."""
    return hasattr(os, "fork")


def run_forked(work: Callable[[], T], timeout: float, gate: ForkGate | None = None) -> T:
    """``work()`` evaluated in a child process; its result (pickled) or ``QueryTimeout``.

    Exceptions raised by ``work`` are sent back and raised here when they can be pickled; ``work``
    should turn the errors it expects into values itself (as the SPARQL endpoint does)."""
    read_fd, write_fd = os.pipe()
    with gate.exclusive() if gate is not None else nullcontext():
        pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_fd)
        _child(work, write_fd)
    os.close(write_fd)
    try:
        data = _read_until(read_fd, time.monotonic() + timeout)
    except QueryTimeout:
        _kill(pid)
        raise QueryTimeout(timeout) from None
    finally:
        os.close(read_fd)
    _reap(pid)
    if not data:
        raise StoreError(
            "the query process ended without an answer (it may have run out of memory): "
            "narrow the query and try again"
        )
    ok, value = pickle.loads(data)
    if ok:
        return value  # type: ignore[no-any-return]
    raise value


def _child(work: Callable[[], object], write_fd: int) -> None:
    """Do the work, write ``(ok, value)`` and leave at once (no atexit, no buffered output flushed)."""
    code = 0
    try:
        try:
            payload = pickle.dumps((True, work()), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # noqa: BLE001 -- everything goes back to the parent
            try:
                payload = pickle.dumps((False, exc), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # noqa: BLE001
                payload = pickle.dumps((False, StoreError(f"the query failed: {exc}")))
        view = memoryview(payload)
        while view:
            written = os.write(write_fd, view[:_CHUNK])
            view = view[written:]
    except BaseException:  # noqa: BLE001 -- the parent sees an empty answer
        code = 1
    finally:
        os._exit(code)


def _read_until(fd: int, deadline: float) -> bytes:
    """Everything written to ``fd`` until the writer closes it; ``QueryTimeout`` at the deadline."""
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise QueryTimeout(0)
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, _CHUNK)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    _reap(pid)


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
