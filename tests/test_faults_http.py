"""Faults over HTTP: the real server (``aiskills serve``) killed with SIGKILL while it stores a new
version of a curriculum leaves, after a restart, exactly the old version or exactly the new one (its
content and its provenance), never a mix."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from aiskills import curricula
from aiskills import namespaces as ns
from aiskills.errors import StoreError
from aiskills.store.embedded import EmbeddedStore
from support.curricula import base, to_json

TOKEN = "faults-http-write-token"
CURRICULUM = "https://provider.example/curricula/ai-foundations"
GRAPH = curricula.curriculum_graph(CURRICULUM)
CHECKSUM = "http://spdx.org/rdf/terms#checksumValue"


def big(modules: int) -> bytes:
    """A different, large version of the same curriculum (ten outcomes a module), so storing it takes
    long enough for a kill to land in the middle."""
    doc = base()
    doc["title"] = "AI foundations, the long edition"
    caps = ["6-01", "6-02", "6-03"]
    doc["modules"] = [{"title": f"Module {i}", "notionalHours": 2, "learningOutcomes": [
        {"statement": f"Explain topic {i}.{j} in clinical practice", "bloomLevel": "understand",
         "alignedTo": [caps[(i + j) % 3]]} for j in range(10)]} for i in range(modules)]
    return to_json(doc)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``python -m aiskills.cli serve`` in its own process group (gunicorn runs a worker beside its
    master: the kill must reach both)."""

    def __init__(self, store: Path) -> None:
        self.port = free_port()
        env = {**os.environ, "AISKILLS_WRITE_TOKEN": TOKEN}
        env.pop("AISKILLS_ENDPOINT", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "aiskills.cli", "serve", "--store", str(store), "--port", str(self.port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.url("/api/curricula"), timeout=5) as r:
                    json.load(r)
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.kill()
                    pytest.fail("`aiskills serve` did not start within 60 s")
                time.sleep(0.2)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def submit(self, data: bytes, timeout: float = 60) -> dict[str, Any]:
        request = urllib.request.Request(self.url("/api/curricula"), data=data, method="POST", headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"})
        with urllib.request.urlopen(request, timeout=timeout) as r:
            assert r.status == 201
            return json.load(r)  # type: ignore[no-any-return]

    def kill(self) -> None:
        """SIGKILL to the group this test started (master and worker); returns once both are gone."""
        kill_group(self.proc)


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL to a process group (the server, its worker, its spawned loader); returns once all are gone."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


def stored(path: Path) -> tuple[frozenset[str], list[str]]:
    """The curriculum's triples without provenance (which carries the time of storing), and the
    checksums its provenance names."""
    deadline = time.monotonic() + 30
    while True:
        try:
            with EmbeddedStore(path) as s:
                triples = s.triples(GRAPH)
            break
        except StoreError:  # the killed worker's lock, until the system has reaped it
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    content = frozenset(str(t) for t in triples if not t.subject.value.startswith(GRAPH))
    return content, [t.object.value for t in triples if t.predicate.value == CHECKSUM]


@pytest.mark.slow
def test_a_killed_submission_leaves_the_old_or_the_new_curriculum_whole(tmp_path: Path) -> None:
    path = tmp_path / "store"
    versions = {"old": to_json(base()), "new": big(600)}
    sha = {name: hashlib.sha256(data).hexdigest() for name, data in versions.items()}
    content: dict[str, frozenset[str]] = {}
    took = 0.0
    for name in ("new", "old"):  # each stored once, whole, to know its content; the old one stays
        server = Server(path)
        try:
            began = time.monotonic()
            server.submit(versions[name])
            took = max(took, time.monotonic() - began)
        except TimeoutError:
            pytest.fail("`aiskills serve` answered no write within 60 s: the embedded store must be opened "
                        "in the gunicorn worker, after the fork, not in the master before it")
        finally:
            server.kill()
        content[name], checksums = stored(path)
        assert checksums == [sha[name]]
    assert content["old"] != content["new"] and len(content["new"]) > 10 * len(content["old"])

    rng = random.Random(7)
    outcomes = []
    current = "old"
    # kills from just after the start to past the longest submission measured above (so some land
    # after one has finished, however fast this machine is today)
    for moment in [rng.uniform(0.05, max(3.0, 1.5 * took)) for _ in range(5)]:
        server = Server(path)
        other = "new" if current == "old" else "old"
        thread = threading.Thread(target=_quietly, args=(server, versions[other]), daemon=True)
        thread.start()
        try:
            time.sleep(moment)
        finally:
            server.kill()
        thread.join(timeout=30)
        got, checksums = stored(path)
        matches = [name for name in content if content[name] == got]
        assert matches in (["old"], ["new"]), f"killed at {moment:.2f}s: neither version whole"
        assert checksums == [sha[matches[0]]], "the provenance belongs to the other version"
        assert matches[0] in (current, other)
        outcomes.append(matches[0] == other)
        current = matches[0]
    with EmbeddedStore(path) as s:
        records = curricula.records(s)
        assert not any(g.startswith(ns.STAGING_GRAPH_PREFIX) for g in s.graph_names())
    assert [r.curriculum for r in records] == [CURRICULUM]
    assert any(outcomes), "no kill landed after a submission finished"


def _quietly(server: Server, data: bytes) -> None:
    """Send a submission whose connection the kill will cut."""
    try:
        server.submit(data)
    except (OSError, urllib.error.URLError, ConnectionError):
        pass


def _framework_state(path: Path) -> tuple[int, int]:
    """(framework triples, ontology triples) held by the store at ``path``."""
    from aiskills.loading import current_framework

    store = EmbeddedStore(path)
    try:
        current = current_framework(store)
        return (len(current.triples) if current else 0), store.count(ns.ONTOLOGY_GRAPH)
    finally:
        store.close()


def test_a_server_killed_while_it_loads_the_framework_restarts_with_none_or_all_of_it(tmp_path: Path) -> None:
    """On first start `aiskills serve` loads the bundled framework into the empty store; SIGKILL at
    random moments of that start leaves no framework or the whole one, and the next start serves it."""
    from aiskills.framework import bundle

    whole = (len(bundle.framework().triples), len(bundle.ontology()[0]))
    rng = random.Random(7)
    seen = set()
    for attempt in range(4):
        store = tmp_path / f"store-{attempt}"
        env = {k: v for k, v in os.environ.items() if k != "AISKILLS_ENDPOINT"}
        proc = subprocess.Popen([sys.executable, "-m", "aiskills.cli", "serve", "--store", str(store),
                                 "--port", str(free_port())], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rng.uniform(0.4, 2.5))
        kill_group(proc)  # the spawned loader shares the group: it dies too
        state = _framework_state(store) if (store / "active").exists() else (0, 0)
        assert state in ((0, 0), whole), f"a partial framework after a kill: {state} of {whole}"
        seen.add(state)
        server = Server(store)
        server.kill()
        assert _framework_state(store) == whole
    assert seen  # the kills landed; which side each fell on depends on the machine's speed
