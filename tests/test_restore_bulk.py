"""Restoring a dump into an on-disk embedded store through pyoxigraph's bulk loader.

What these tests prove: the bulk path gives exactly the dumped store (same checksums when dumped
again); a dump that is not valid N-Quads (with checksums that match) changes nothing; what a crash
can leave behind (an unfinished load, a finished load not yet swapped in, the old store after the
swap) is tidied when the store is next opened, leaving the old data or the new, whole.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from aiskills import backup
from aiskills.errors import StoreError
from aiskills.store.base import CatalogEntry, GraphData
from aiskills.store.embedded import EmbeddedStore

EX = "http://example.org/"


def graph(n: int) -> str:
    return f"https://w3id.org/aiskills/graph/curriculum/{n:064x}"


def content(label: str, graphs: int = 3) -> list[GraphData]:
    out = []
    for n in range(graphs):
        triples = [ox.Triple(ox.NamedNode(f"{EX}{label}/{n}/{i}"), ox.NamedNode(EX + "v"), ox.Literal(f"{label} {i}"))
                   for i in range(20)]
        out.append(GraphData(graph(n), ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"",
                             ox.RdfFormat.N_TRIPLES))
    return out


def filled(path: Path, label: str, graphs: int = 3) -> EmbeddedStore:
    store = EmbeddedStore(path)
    store.replace_graphs(content(label, graphs), [CatalogEntry(g.graph, "curriculum") for g in content(label, graphs)])
    return store


def snapshot(store: EmbeddedStore) -> dict[str, set[str]]:
    return {g: {str(t) for t in store.triples(g)} for g in store.graph_names()}


def test_bulk_restore_gives_exactly_the_dumped_store(tmp_path: Path) -> None:
    source = filled(tmp_path / "source", "new", graphs=4)
    backup.dump(source, tmp_path / "dump")
    expected = snapshot(source)
    source.close()
    target = filled(tmp_path / "target", "old", graphs=2)
    assert target.can_replace_all()
    inode = (tmp_path / "target" / "active").stat().st_ino
    backup.restore(target, tmp_path / "dump")
    assert (tmp_path / "target" / "active").stat().st_ino != inode  # loaded aside and swapped in
    assert snapshot(target) == expected
    backup.dump(target, tmp_path / "again")
    target.close()
    first = json.loads((tmp_path / "dump" / backup.MANIFEST).read_text())
    again = json.loads((tmp_path / "again" / backup.MANIFEST).read_text())
    assert again["sha256"] == first["sha256"]
    assert sorted(p.name for p in (tmp_path / "target").iterdir()) == ["active", "archive"]
    reopened = EmbeddedStore(tmp_path / "target")
    assert snapshot(reopened) == expected


def test_dump_that_is_not_n_quads_changes_nothing(tmp_path: Path) -> None:
    target = filled(tmp_path / "target", "old")
    before = snapshot(target)
    line = b'<http://example.org/a> <http://example.org/v> "unterminated <' + graph(0).encode() + b"> .\n"
    triple = line.rsplit(b" ", 2)[0] + b" .\n"
    folder = tmp_path / "dump"
    folder.mkdir()
    (folder / backup.DUMP).write_bytes(line)
    (folder / backup.MANIFEST).write_text(json.dumps({
        "format": backup.FORMAT, "file": backup.DUMP, "sha256": hashlib.sha256(line).hexdigest(), "triples": 1,
        "graphs": [{"graph": graph(0), "kind": "curriculum", "version": None, "active": True, "triples": 1,
                    "sha256": hashlib.sha256(triple).hexdigest(), "extra": []}]}))
    with pytest.raises(StoreError, match="nothing was changed"):
        backup.restore(target, folder)
    assert snapshot(target) == before
    assert sorted(p.name for p in (tmp_path / "target").iterdir()) == ["active", "archive"]


@pytest.mark.parametrize("leftover, wins", [("active.loading", "old"), ("active.new", "old"), ("active.old", "new")])
def test_what_a_crash_leaves_is_tidied_on_open(tmp_path: Path, leftover: str, wins: str) -> None:
    """``active.loading``: a load that never finished; ``active.new``: a finished load not swapped in
    yet; ``active.old``: the old store once the swap was done. Either way one whole store remains."""
    old = filled(tmp_path / "store", "old")
    old_data = snapshot(old)
    old.close()
    new = filled(tmp_path / "other", "new")
    new_data = snapshot(new)
    new.close()
    store_dir = tmp_path / "store"
    if wins == "old":
        (tmp_path / "other" / "active").rename(store_dir / leftover)
    else:
        (store_dir / "active").rename(store_dir / leftover)
        (tmp_path / "other" / "active").rename(store_dir / "active")
    reopened = EmbeddedStore(store_dir)
    assert snapshot(reopened) == (old_data if wins == "old" else new_data)
    assert sorted(p.name for p in store_dir.iterdir()) == ["active", "archive"]


def test_finished_load_with_no_active_store_is_swapped_in_on_open(tmp_path: Path) -> None:
    """The crash between the two renames where ``renameat2`` is missing: the new store wins."""
    new = filled(tmp_path / "other", "new")
    new_data = snapshot(new)
    new.close()
    store_dir = tmp_path / "store"
    filled(store_dir, "old").close()
    (store_dir / "active").rename(store_dir / "active.old")
    (tmp_path / "other" / "active").rename(store_dir / "active.new")
    assert snapshot(EmbeddedStore(store_dir)) == new_data
