"""Faults over HTTP: the real server (``aiskills serve``) killed with SIGKILL while it stores a new
version of a curriculum leaves, after a restart, exactly the old version or exactly the new one (its
content and its provenance), never a mix."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from support.curricula import base, to_json
from support.ports import free_port, owns_port

from aiskills import curricula
from aiskills import namespaces as ns
from aiskills.errors import StoreError
from aiskills.store.embedded import EmbeddedStore

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



class Server:
    """``python -m aiskills.cli serve`` in its own process group (granian runs workers beside its
    master: the kill must reach both)."""

    def __init__(self, store: Path) -> None:
        self.port = free_port()
        env = {**os.environ, "AISKILLS_WRITE_TOKEN": TOKEN}
        env.pop("AISKILLS_ENDPOINT", None)
        self.proc = subprocess.Popen(
            # one web worker: what is killed here is the store's writer, which the web workers do not
            # change; the second worker of the default would only lengthen every start
            [sys.executable, "-m", "aiskills.cli", "serve", "--store", str(store), "--port", str(self.port),
             "--workers", "1"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.url("/api/curricula"), timeout=5) as r:
                    json.load(r)
                if owns_port(self.proc.pid, self.port):  # not another test's server on the same port
                    return
            except OSError:
                pass
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
    """The kill moments are fractions of how long each version took to store on this machine, in
    this run (so they fall inside a submission however busy the machine is); the last kill comes
    only once the server has answered, and that version must survive it."""
    path = tmp_path / "store"
    versions = {"old": to_json(base()), "new": big(600)}
    sha = {name: hashlib.sha256(data).hexdigest() for name, data in versions.items()}
    content: dict[str, frozenset[str]] = {}
    took: dict[str, float] = {}
    for name in ("new", "old"):  # each stored once, whole, to know its content; the old one stays
        server = Server(path)
        try:
            started = time.monotonic()
            server.submit(versions[name])
            took[name] = time.monotonic() - started
        except TimeoutError:
            pytest.fail("`aiskills serve` answered no write within 60 s: the embedded store must be opened "
                        "in the web worker, after the fork, not in the master before it")
        finally:
            server.kill()
        content[name], checksums = stored(path)
        assert checksums == [sha[name]]
    assert content["old"] != content["new"] and len(content["new"]) > 10 * len(content["old"])

    outcomes = []
    current = "old"
    for fraction in (0.1, 0.35, 0.6, 0.85, None):  # None: after the answer
        server = Server(path)
        other = "new" if current == "old" else "old"
        answered: list[bool] = []
        thread = threading.Thread(target=_quietly, args=(server, versions[other], answered), daemon=True)
        thread.start()
        try:
            if fraction is None:
                thread.join(timeout=60 + 10 * took[other])
                assert answered == [True], "the server did not answer the submission"
            else:
                time.sleep(fraction * took[other])
        finally:
            server.kill()
        thread.join(timeout=30)
        got, checksums = stored(path)
        matches = [name for name in content if content[name] == got]
        moment = "after the answer" if fraction is None else f"at {fraction:.0%} of {took[other]:.2f}s"
        assert matches in (["old"], ["new"]), f"killed {moment}: neither version whole"
        assert checksums == [sha[matches[0]]], "the provenance belongs to the other version"
        assert matches[0] in (current, other)
        outcomes.append((fraction, matches[0] == other))
        current = matches[0]
    with EmbeddedStore(path) as s:
        records = curricula.records(s)
        assert not any(g.startswith(ns.STAGING_GRAPH_PREFIX) for g in s.graph_names())
    assert [r.curriculum for r in records] == [CURRICULUM]
    assert outcomes[-1] == (None, True), "a submission the server had answered did not survive the kill"


def _quietly(server: Server, data: bytes, answered: list[bool]) -> None:
    """Send a submission whose connection the kill may cut; note whether it was answered."""
    try:
        server.submit(data)
        answered.append(True)
    except (OSError, urllib.error.URLError, ConnectionError):
        answered.append(False)


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
    moments spread over how long that first start took here (measured in this run, so they fall
    inside it however busy the machine is) leaves no framework or the whole one, and the next start
    serves it."""
    from aiskills.framework import bundle

    whole = (len(bundle.framework().triples), len(bundle.ontology()[0]))
    started = time.monotonic()
    Server(tmp_path / "measured").kill()
    took = time.monotonic() - started
    assert _framework_state(tmp_path / "measured") == whole
    for attempt, fraction in enumerate((0.15, 0.4, 0.65, 0.9)):
        store = tmp_path / f"store-{attempt}"
        env = {k: v for k, v in os.environ.items() if k != "AISKILLS_ENDPOINT"}
        proc = subprocess.Popen([sys.executable, "-m", "aiskills.cli", "serve", "--store", str(store),
                                 "--port", str(free_port()), "--workers", "1"], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(fraction * took)
        kill_group(proc)  # the spawned loader shares the group: it dies too
        state = _framework_state(store) if (store / "active").exists() else (0, 0)
        assert state in ((0, 0), whole), f"killed at {fraction:.0%} of {took:.2f}s: a partial framework {state}"
        server = Server(store)
        server.kill()
        assert _framework_state(store) == whole
