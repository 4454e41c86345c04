"""Answers kept per snapshot (``aiskills.store.answers``): a read asked again is answered without being
evaluated again while no write has changed the store, and never after one.

First the cache on its own (a snapshot name the test moves on by hand), then the served store (a real
engine process, real query processes, writes through the engine, ``aiskills serve`` over HTTP).
"""

from __future__ import annotations

import pickle
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
import requests
from support.served import PRELOAD, aiskills_serve, engine

from aiskills.store.answers import AnswerCache, keepable

CAPABILITIES = """PREFIX ais: <https://w3id.org/aiskills/ontology#>
SELECT ?c WHERE { ?c a ais:Capability } ORDER BY ?c"""
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <urn:x-test:kept> { ?s ?p ?o } }"
TOKEN = "answer-cache-token"


class Snapshots:
    """A stand-in for the ``current`` file: its name changes when the test says a write happened."""

    def __init__(self) -> None:
        self.name: bytes | None = b"active-1 archive-1"

    def __call__(self) -> bytes | None:
        return self.name


def request(text: str) -> bytes:
    return pickle.dumps(("call", "select", (text, None), {}))


# -- the cache on its own ---------------------------------------------------------------------------
def test_an_answer_is_given_again_for_the_same_snapshot_and_dropped_when_the_snapshot_changes() -> None:
    snapshots = Snapshots()
    cache = AnswerCache(1 << 20, snapshots)
    name, kept = cache.get(request(CAPABILITIES))
    assert name == snapshots.name and kept is None
    cache.put(name, request(CAPABILITIES), b"the answer")
    assert cache.get(request(CAPABILITIES)) == (snapshots.name, b"the answer")
    assert cache.get(request(COUNT))[1] is None, "another request was given this request's answer"
    snapshots.name = b"active-2 archive-1"  # a write published a new snapshot
    assert cache.get(request(CAPABILITIES)) == (b"active-2 archive-1", None)
    assert cache.stats().kept == 0 and cache.stats().bytes == 0


def test_an_answer_stored_under_a_snapshot_the_cache_has_moved_past_is_not_kept() -> None:
    """A request sent before a write may come back after a later request has seen the write: its
    answer is stored under the old name, which is no longer the one the cache holds."""
    snapshots = Snapshots()
    cache = AnswerCache(1 << 20, snapshots)
    old = b"active-1 archive-1"
    assert cache.get(request(CAPABILITIES)) == (old, None)
    snapshots.name = b"active-2 archive-1"
    assert cache.get(request(COUNT)) == (b"active-2 archive-1", None)  # a later request sees the write
    cache.put(old, request(CAPABILITIES), b"read before the write")
    assert cache.get(request(CAPABILITIES))[1] is None
    assert cache.stats().kept == 0


def test_the_cache_keeps_within_its_bytes_dropping_the_least_recently_used_first() -> None:
    snapshots = Snapshots()
    size = 8 * 1024
    cache = AnswerCache(size, snapshots)
    requests_ = [request(f"SELECT * WHERE {{ ?s ?p {i} }}") for i in range(40)]
    answer = b"x" * (size // 10)
    name = b"active-1 archive-1"  # the snapshot the stand-in names first
    for r in requests_[:5]:
        assert cache.get(r) == (name, None)
        cache.put(name, r, answer)
    assert cache.get(requests_[0])[1] == answer  # used again: now the most recent
    for r in requests_[5:]:
        assert cache.get(r) == (name, None)
        cache.put(name, r, answer)
        assert cache.stats().bytes <= size
    assert cache.get(requests_[1])[1] is None, "the least recently used answer was kept"
    assert cache.get(requests_[-1])[1] == answer, "the newest answer was dropped"
    assert cache.get(request("ASK {}")) == (name, None)
    cache.put(name, request("ASK {}"), b"y" * (size // 4))  # more than an eighth of the cache
    assert cache.get(request("ASK {}"))[1] is None


@pytest.mark.parametrize(
    "text", ["SELECT (NOW() AS ?t) {}", "SELECT (rand () AS ?r) {}", "SELECT (UUID() AS ?u) {}",
             "SELECT (STRUUID() AS ?u) {}", "CONSTRUCT { ?x <urn:p> ?b } WHERE { BIND (BNODE() AS ?b) }"]
)
def test_a_query_naming_a_function_whose_value_is_not_fixed_by_the_data_is_never_kept(text: str) -> None:
    assert not keepable(request(text))
    cache = AnswerCache(1 << 20, Snapshots())
    assert cache.get(request(text)) == (None, None)


def test_names_that_only_look_like_those_functions_are_kept() -> None:
    assert keepable(request("SELECT ?now ?snow WHERE { ?now <urn:p> ?snow }"))
    assert keepable(request("SELECT (ex:grand(?x) AS ?y) {}"))


def test_nothing_is_kept_while_the_store_is_not_served() -> None:
    snapshots = Snapshots()
    snapshots.name = None
    assert AnswerCache(1 << 20, snapshots).get(request(CAPABILITIES)) == (None, None)


# -- a served store --------------------------------------------------------------------------------
def test_a_served_store_answers_a_read_again_from_the_cache_and_a_write_is_seen_at_once(tmp_path: Path) -> None:
    """Through the real engine and query processes: the second ask of a read is a kept answer, equal
    to the first and a fresh object (changing it changes nothing the next caller gets); a write
    through the engine is in the very next read; a query with ``STRUUID()`` is evaluated every time."""
    from aiskills.store.engine import EngineStore

    path = tmp_path / "store"
    with engine(path):
        store = EngineStore.connect(path, pool_size=2, timeout=60.0, preload=PRELOAD, answer_bytes=1 << 24)
        assert store is not None and store.wait_started()
        try:
            first = store.select(CAPABILITIES)
            assert len(first.rows) > 100
            stats = store.answer_stats()
            assert stats is not None and (stats.hits, stats.misses, stats.kept) == (0, 1, 1)
            assert stats.bytes > len(CAPABILITIES)
            again = store.select(CAPABILITIES)
            after = store.answer_stats()
            assert after == replace(stats, hits=1), "the second ask was evaluated again"
            assert again.rows == first.rows and again is not first
            again.rows.clear()
            assert store.select(CAPABILITIES).rows == first.rows, "a caller's change reached the cache"

            assert store.select(COUNT).rows[0][0].value == "0"
            for n in range(1, 4):
                store.protocol_update(f"INSERT DATA {{ GRAPH <urn:x-test:kept> {{ <urn:x-test:s> <urn:x-test:n> {n} }} }}")
                assert store.select(COUNT).rows[0][0].value == str(n), "a read after a write missed it"

            unfixed = "SELECT (STRUUID() AS ?u) WHERE {}"
            assert store.select(unfixed).rows != store.select(unfixed).rows
        finally:
            store.close()


def test_the_endpoint_gives_the_same_answer_again_and_sees_an_update_at_once(tmp_path: Path) -> None:
    """``aiskills serve`` with its default cache: the same GET twice answers the same bytes; an update
    through ``/sparql`` changes the very next answer; with ``AISKILLS_ANSWER_CACHE_MB=0`` the server
    answers the same (nothing kept)."""
    graph = f"urn:x-test:{uuid.uuid4()}"
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"

    def seen(base: str) -> int:
        res = requests.get(f"{base}/sparql", params={"query": count}, timeout=60,
                           headers={"Accept": "application/sparql-results+json"})
        assert res.status_code == 200, res.text
        return int(res.json()["results"]["bindings"][0]["n"]["value"])

    for kept in ("64", "0"):
        env = {"AISKILLS_WRITE_TOKEN": TOKEN, "AISKILLS_ANSWER_CACHE_MB": kept}
        with aiskills_serve(tmp_path / f"store-{kept}", env) as (base, _):
            caps = [requests.get(f"{base}/sparql", params={"query": CAPABILITIES}, timeout=60) for _ in range(2)]
            assert caps[0].status_code == 200 and caps[0].content == caps[1].content
            for n in range(1, 4):
                assert seen(base) == n - 1
                res = requests.post(
                    f"{base}/sparql", timeout=60, headers={"Authorization": f"Bearer {TOKEN}"},
                    data={"update": f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:x-test:s> <urn:x-test:n> {n} }} }}"},
                )
                assert res.status_code == 204, res.text
                assert seen(base) == n, f"(cache {kept} MiB) the read after an update missed it"


@pytest.mark.parametrize(("value", "says"), [("-1", "must be 0 or more"), ("lots", "must be a whole number")])
def test_a_wrong_cache_size_is_refused_naming_the_setting(value: str, says: str) -> None:
    from aiskills.config import Settings
    from aiskills.errors import ConfigError

    with pytest.raises(ConfigError, match=f"AISKILLS_ANSWER_CACHE_MB {says}"):
        Settings.from_env({"AISKILLS_ANSWER_CACHE_MB": value})
    assert Settings.from_env({"AISKILLS_ANSWER_CACHE_MB": "0"}).answer_cache_bytes == 0
    assert Settings.from_env({}).answer_cache_bytes == 64 * 2**20
