"""A served store written for long keeps its snapshots small and quick to open.

RocksDB logs each change of a database's files in its manifest (a few kilobytes per write) and writes
a fresh one only when the database is opened. The engine makes a checkpoint after every write, which
copies the manifest, and every query process replays it when it opens the checkpoint: without
``EmbeddedStore.renew``, a server taking a write a second grew each snapshot by megabytes a minute
(6 GB of snapshots within the grace period after 2 minutes of the protocol suite replayed).
"""

from __future__ import annotations

import itertools
from pathlib import Path

from support.served import engine

from aiskills.store.embedded import MANIFEST_LIMIT, EmbeddedStore, _manifest_bytes
from aiskills.store.snapshots import SNAPSHOT_DIR, current_path, engine_dir

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def insert(n: int) -> str:
    return f"INSERT DATA {{ GRAPH <urn:x-test:g{n % 7}> {{ <urn:x-test:s> <urn:x-test:n> {n} }} }}"


def test_renew_reopens_a_database_whose_manifest_has_grown_and_keeps_every_triple(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    try:
        limit = 16 * 1024
        n = 0
        while _manifest_bytes(tmp_path / "store" / "active") <= limit:
            store.protocol_update(insert(n))
            n += 1
            assert n < 10_000, "the manifest does not grow with writes: nothing to renew"
        before = store.select(COUNT).rows[0][0]
        assert store.renew(limit) == ["active"]
        assert _manifest_bytes(tmp_path / "store" / "active") < limit
        assert store.select(COUNT).rows[0][0] == before, "a triple was lost when the database was reopened"
        store.protocol_update(insert(n))
        assert store.select(COUNT).rows[0][0] != before, "the reopened database takes no writes"
        assert store.renew(limit) == []
    finally:
        store.close()


def test_the_snapshots_of_a_store_written_many_times_stay_below_the_limit(tmp_path: Path) -> None:
    """Writes through the engine, each published as a snapshot: the current snapshot's manifest stays
    within the limit plus what one write adds (measured here), whatever the number of writes."""
    from aiskills.store.engine import EngineStore

    path = tmp_path / "store"
    with engine(path, load_bundled=False):
        store = EngineStore.connect(path)
        assert store is not None
        try:
            sizes = []
            for n in range(400):
                store.protocol_update(insert(n))
                sizes.append(_manifest_bytes(current_snapshot(path)))
            step = max(b - a for a, b in itertools.pairwise(sizes))
            assert step > 0
            assert max(sizes) <= MANIFEST_LIMIT + step, f"a snapshot's manifest grew to {max(sizes):,} bytes"
            assert any(b < a for a, b in itertools.pairwise(sizes)), "the database was never renewed"
            assert int(store.select(COUNT).rows[0][0].value) == 400
        finally:
            store.close()


def current_snapshot(store_path: Path) -> Path:
    names = Path(current_path(store_path)).read_text(encoding="utf-8").split()
    return engine_dir(store_path) / SNAPSHOT_DIR / names[0]
