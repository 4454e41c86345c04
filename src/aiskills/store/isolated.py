"""Query processes: reads of a served store run in separate processes, each stopped at its deadline.

pyoxigraph cannot cancel a running query, so a query that must stop at a deadline has to run in a
process that can be killed. A ``ReaderPool`` keeps up to ``size`` such processes, each started fresh
(``python -m aiskills.store.isolated``: a new interpreter, never a copy of the server) and reading the
store through its read-only snapshots (``aiskills.store.snapshots``). A request is one pickled message
on the process's standard input (a store method and its arguments, or a picklable ``work(store)``), the
answer one pickled message on its output. The caller waits in ``select`` until the deadline; a process
still working then is killed (SIGKILL: its CPU work stops at once) and replaced, and the caller gets
``QueryTimeout``. Each process runs one query at a time on one thread, so a runaway query costs the
others one core at most. Query processes only read: a killed one can never leave the store half-written.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

from aiskills.errors import StoreError
from aiskills.store.answers import AnswerCache

_HEADER = struct.Struct("!Q")
_READY = b"ready\n"
#: Seconds a new query process may take to start (import pyoxigraph and aiskills) before it is an error.
START_TIMEOUT = 120.0


class QueryTimeout(StoreError):
    """The work ran past its deadline and was stopped."""

    def __init__(self, seconds: float, server: str | None = None) -> None:
        self.seconds = seconds
        self.server = server
        narrow = "narrow it (more specific patterns, LIMIT, fewer OPTIONALs or property paths) and try again"
        if server is None:
            said = f"the query ran for more than {seconds:g} s, the most this server allows, and was stopped"
        else:  # a remote store: the query may be slow, or the server may not be answering at all
            said = (
                f"the SPARQL server {server} gave no answer within {seconds:g} s, the most this server "
                "allows a query; if every query gets this, the server is overloaded or stopped, else"
            )
        super().__init__(f"{said}: {narrow}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (QueryTimeout, (self.seconds, self.server))


def die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when the process that started it exits (elsewhere: nothing)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class _Process:
    """One query process and its pipes."""

    def __init__(self, store_path: Path, preload: Sequence[str] = ()) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "aiskills.store.isolated", str(store_path), *preload],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin: IO[bytes] = self.proc.stdin
        self.out = self.proc.stdout.fileno()
        self.ready = False

    @property
    def pid(self) -> int:
        return self.proc.pid

    def poll_ready(self) -> bool:
        """Whether it has started (without waiting)."""
        if not self.ready and select.select([self.out], [], [], 0)[0]:
            self.wait_ready()
        return self.ready

    def wait_ready(self) -> None:
        if self.ready:
            return
        line = _read_exact(self.out, len(_READY), time.monotonic() + START_TIMEOUT, started=False)
        if line != _READY:
            raise StoreError("a query process failed to start: see the server's log")
        self.ready = True

    def send(self, message: bytes) -> None:
        view = memoryview(_HEADER.pack(len(message)) + message)
        while view:
            view = view[os.write(self.stdin.fileno(), view) :]

    def receive(self, deadline: float) -> bytes:
        (size,) = _HEADER.unpack(_read_exact(self.out, _HEADER.size, deadline))
        return _read_exact(self.out, size, deadline)

    def kill(self) -> None:
        try:
            self.proc.kill()
        except OSError:
            pass
        self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                if pipe is not None:
                    pipe.close()
            except OSError:
                pass


class ReaderPool:
    """Up to ``size`` query processes over the snapshots of the store at ``store_path``; each imports
    the ``preload`` modules when it starts (those that define the work it will be sent), so that their
    import does not count against a query's deadline."""

    def __init__(
        self, store_path: Path, size: int, preload: Sequence[str] = (), answers: AnswerCache | None = None
    ) -> None:
        self.store_path = store_path
        self.preload = tuple(preload)
        #: Answers kept per snapshot (``aiskills.store.answers``): a request asked again is answered
        #: from here while the snapshot it was read from is current.
        self.answers = answers
        self.size = max(1, size)
        self._cond = threading.Condition()
        self._idle: list[_Process] = []
        self._count = 0
        self._closed = False
        # Every query process is started from this one thread, which lives as long as the pool: Linux
        # delivers a process's parent-death signal (``die_with_parent``) when the *thread* that
        # started it exits, and a web server's request threads come and go (granian retires idle
        # ones), which would kill the query processes they had started.
        self._spawner = ThreadPoolExecutor(1, thread_name_prefix="query-process-spawner")
        for _ in range(self.size):  # started now, so the first queries do not wait for interpreters
            self._idle.append(self._start())
            self._count += 1

    def _start(self) -> _Process:
        """A new query process, started from the pool's own thread."""
        return self._spawner.submit(_Process, self.store_path, self.preload).result()

    def wait_started(self, timeout: float = START_TIMEOUT) -> bool:
        """Wait until every idle query process has started; False if some had not within ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._cond:
                if all(p.poll_ready() for p in self._idle) and len(self._idle) == self._count:
                    return True
            time.sleep(0.05)
        return False

    def pids(self) -> list[int]:
        """The process ids of the query processes (for monitoring and tests)."""
        with self._cond:
            return [p.pid for p in self._idle]

    def call(self, method: str, args: tuple[Any, ...], kwargs: dict[str, Any], timeout: float) -> Any:
        """``store.method(*args, **kwargs)`` in a query process, or ``QueryTimeout`` after ``timeout`` s."""
        return self._run(("call", method, args, kwargs), timeout)

    def run(self, work: Callable[[Any], Any], timeout: float) -> Any:
        """``work(store)`` in a query process (``work`` must be picklable), or ``QueryTimeout``."""
        return self._run(("work", work), timeout)

    def _run(self, request: tuple[Any, ...], timeout: float) -> Any:
        message = pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
        snapshot, kept = self.answers.get(message) if self.answers is not None else (None, None)
        if kept is not None:
            return _answer(kept)
        data = self._evaluate(message, timeout)
        value = _answer(data)
        # an answer, not an error, may be kept; a value that says it may not (a fault of ours the
        # work turned into an error reply, ``keepable`` false) is not
        if snapshot is not None and self.answers is not None and getattr(value, "keepable", True):
            self.answers.put(snapshot, message, data)
        return value

    def _evaluate(self, message: bytes, timeout: float) -> bytes:
        """The pickled answer of a query process to ``message``."""
        process = self._acquire()
        try:
            process.wait_ready()
            deadline = time.monotonic() + timeout
            process.send(message)
            data = process.receive(deadline)
        except QueryTimeout:
            self._discard(process)
            raise QueryTimeout(timeout) from None
        except (OSError, EOFError, ValueError, StoreError) as exc:
            self._discard(process)
            raise StoreError(
                f"the query process ended without an answer ({exc}; it may have run out of memory): "
                "narrow the query and try again"
            ) from None
        except BaseException:
            self._discard(process)
            raise
        self._release(process)
        return data

    def _acquire(self) -> _Process:
        with self._cond:
            while not self._idle and self._count >= self.size:
                self._cond.wait()
            if self._closed:
                raise StoreError("the server is shutting down")
            if self._idle:  # one that has started, if any: a fresh one may still be importing
                started = [p for p in self._idle if p.poll_ready()]
                chosen = started[-1] if started else self._idle[-1]
                self._idle.remove(chosen)
                return chosen
            self._count += 1
        try:
            return self._start()
        except OSError:
            with self._cond:
                self._count -= 1
                self._cond.notify()
            raise

    def _release(self, process: _Process) -> None:
        with self._cond:
            self._idle.append(process)
            self._cond.notify()

    def _discard(self, process: _Process) -> None:
        process.kill()
        with self._cond:
            self._count -= 1
            replace = not self._closed
        if replace:  # started now, so the pool is at full strength when the next query comes
            try:
                fresh = self._start()
            except (OSError, RuntimeError):  # RuntimeError: the pool closed meanwhile
                fresh = None
            with self._cond:
                if fresh is not None:
                    self._count += 1
                    self._idle.append(fresh)
                self._cond.notify()
        else:
            with self._cond:
                self._cond.notify()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._cond.notify_all()
        for process in idle:
            process.kill()
        self._spawner.shutdown(wait=False)


def _answer(data: bytes) -> Any:
    """The value a query process answered (each call unpickles afresh: no two callers share one),
    or the error it sent back, raised."""
    try:
        ok, value = pickle.loads(data)
    except Exception as exc:  # noqa: BLE001 -- an error type that cannot be rebuilt here
        raise StoreError(f"the query failed: {exc}") from None
    if ok:
        return value
    raise value


def _read_exact(fd: int, size: int, deadline: float, *, started: bool = True) -> bytes:
    """``size`` bytes from ``fd``; ``QueryTimeout`` at the deadline, ``EOFError`` if it closes."""
    chunks: list[bytes] = []
    left = size
    while left:
        wait = deadline - time.monotonic()
        if wait <= 0:
            if not started:
                raise StoreError("a query process did not start in time")
            raise QueryTimeout(0)
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            continue
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError("the query process closed its output")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _serve(store_path: Path, preload: Sequence[str]) -> None:
    """A query process: answer requests from standard input until it closes."""
    import importlib

    from aiskills.store.snapshots import Reader

    die_with_parent()
    for module in preload:
        importlib.import_module(module)
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything a library prints goes to the log, not into the answers
    requests = sys.stdin.buffer
    reader = Reader(store_path)
    out.write(_READY)
    out.flush()
    while True:
        header = requests.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return
        (size,) = _HEADER.unpack(header)
        body = requests.read(size)
        try:
            request = pickle.loads(body)
            store = reader.store()
            if request[0] == "call":
                value = getattr(store, request[1])(*request[2], **request[3])
            else:
                value = request[1](store)
            payload = pickle.dumps((True, value), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001 -- every error goes back to the caller
            try:
                payload = pickle.dumps((False, exc), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # noqa: BLE001
                payload = pickle.dumps((False, StoreError(f"the query failed: {exc}")))
        out.write(_HEADER.pack(len(payload)) + payload)
        out.flush()


if __name__ == "__main__":
    import importlib

    # this module under its own name (not __main__), so the errors it sends back unpickle as such
    importlib.import_module("aiskills.store.isolated")._serve(Path(sys.argv[1]), sys.argv[2:])
