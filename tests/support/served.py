"""A served embedded store for tests, as ``aiskills serve`` runs one: its engine process
(``aiskills engine``) holding the store, and either

- ``served_app``: the web app in this process (Werkzeug's threaded server on loopback) reading through
  query processes, or
- ``aiskills_serve``: the real ``aiskills serve`` (granian) as a child process on a free port.

Query processes are children of the process that holds the ``EngineStore`` (this one for
``served_app``); ``descendants`` lists a process tree from /proc, for checks on CPU use and leftovers.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from aiskills.config import Settings
from aiskills.store.engine import EngineStore
from aiskills.web import create_app
from support.live import serving_app
from support.ports import free_port, owns_port

PRELOAD = ("aiskills.web.sparql", "aiskills.alignment")


@contextmanager
def engine(store_path: Path, *, load_bundled: bool = True) -> Iterator[subprocess.Popen[bytes]]:
    """The engine process on ``store_path`` while the block runs."""
    cmd = [sys.executable, "-m", "aiskills.cli", "engine", "--store", str(store_path)]
    proc = subprocess.Popen(cmd + (["--load-bundled"] if load_bundled else []), stdout=subprocess.PIPE)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == b"ready", f"the engine did not start ({line!r})"
    try:
        yield proc
    finally:
        proc.terminate()
        proc.wait(30)
        proc.stdout.close()


@contextmanager
def served_app(store_path: Path, settings: Settings, processes: int = 4) -> Iterator[tuple[str, EngineStore]]:
    """(base URL, the app's store) of the web app in this process over an engine on ``store_path``."""
    with engine(store_path):
        store = EngineStore.connect(store_path, pool_size=processes, timeout=settings.query_timeout,
                                    preload=PRELOAD, answer_bytes=settings.answer_cache_bytes)
        assert store is not None
        try:
            with serving_app(create_app(settings, store)) as url:
                yield url, store
        finally:
            store.close()



@contextmanager
def aiskills_serve(store_path: Path | None, env: dict[str, str] | None = None,
                   args: tuple[str, ...] = (), *, log: Path | None = None
                   ) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """(base URL, process) of ``aiskills serve --store store_path`` on a free port (without ``--store``
    when ``store_path`` is None: the store the settings in ``env`` name); its output goes to ``log``
    (by default beside the store)."""
    port = free_port()
    where = ["--store", str(store_path)] if store_path is not None else []
    cmd = [sys.executable, "-m", "aiskills.cli", "serve", *where, "--port", str(port), *args]
    if log is None:
        assert store_path is not None, "name a log file for a server without a store directory"
        log = store_path.parent / f"serve-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, f"aiskills serve exited: {log.read_text()[-2000:]}"
            try:
                answered = requests.get(f"{base}/sparql", params={"query": "ASK {}"}, timeout=5).status_code
                if answered in (200, 503) and owns_port(proc.pid, port):
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, f"aiskills serve did not answer: {log.read_text()[-2000:]}"
            time.sleep(0.2)
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (children, their children, ...)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes have used (those that ended since are not counted)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


def command_line(pid: int) -> list[str]:
    try:
        return [a.decode() for a in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if a]
    except OSError:
        return []


def query_processes(pid: int) -> list[int]:
    """The query processes below ``pid``."""
    return [p for p in descendants(pid) if "aiskills.store.isolated" in command_line(p)]


def fresh(query: str) -> str:
    """``query`` as a request no one sent before (a comment of its own), so that a query process
    evaluates it rather than the server giving an answer it kept (``aiskills.store.answers``)."""
    return f"{query}\n# {uuid.uuid4()}"
