"""`aiskills dump` and `restore`: a store with 1,000 curricula and a kept framework version round-trips
exactly; a damaged dump is refused and changes nothing."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from aiskills import backup, loading
from aiskills import namespaces as ns
from aiskills.cli import main
from aiskills.curricula import curriculum_graph, graph_triples
from aiskills.errors import InputError, StoreError
from aiskills.framework.model import Framework
from aiskills.store.base import CatalogEntry, GraphData
from aiskills.store.embedded import EmbeddedStore
from aiskills.submission.readers import read_bytes
from aiskills.validation.report import Report

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from datagen import curricula


def _everything(store: EmbeddedStore) -> dict[str, bytes]:
    """Each graph as canonical sorted N-Triples (blank nodes compared up to isomorphism)."""
    return {e.graph: backup._graph_bytes(store.triples(e.graph)) for e in store.catalog()}


@pytest.fixture(scope="module")
def full_store(tmp_path_factory: pytest.TempPathFactory) -> EmbeddedStore:
    store = EmbeddedStore(tmp_path_factory.mktemp("full") / "store")
    loading.load_bundled(store)
    fw = loading.current_framework(store)
    assert fw is not None and fw.version == "2026.1"
    version = ox.NamedNode(ns.DCT + "hasVersion")
    newer = [t for t in fw.triples if t.predicate != version] + [
        ox.Triple(ox.NamedNode(ns.FRAMEWORK_IRI), version, ox.Literal("2027.1"))]
    loading.load_framework(store, Framework(newer, "2027.1"), "test")  # 2026.1 is now kept, not active
    contents, entries = [], []
    for i, doc in enumerate(curricula(1000, defect_share=0.0, seed=2)):
        sub = read_bytes(json.dumps(doc).encode(), f"c{i}.json")
        data = ox.serialize(graph_triples(sub, Report(sub.source, sub.format, sub.curriculum_id, [], "2027.1")),
                            format=ox.RdfFormat.N_TRIPLES)
        graph = curriculum_graph(doc["id"])
        contents.append(GraphData(graph, data or b"", ox.RdfFormat.N_TRIPLES))
        entries.append(CatalogEntry(graph, "curriculum", "2027.1"))
    store.replace_graphs(contents, entries)
    return store


def test_dump_and_restore_round_trip_1000_curricula_exactly(full_store: EmbeddedStore, tmp_path: Path) -> None:
    summary = backup.dump(full_store, tmp_path / "dump")
    assert summary.graphs == 1003  # ontology, two framework versions, 1,000 curricula
    target = EmbeddedStore(tmp_path / "restored")
    backup.restore(target, tmp_path / "dump")
    assert _everything(target) == _everything(full_store)
    assert [(e.graph, e.active) for e in target.catalog()] == [(e.graph, e.active) for e in full_store.catalog()]
    again = backup.dump(target, tmp_path / "again")
    assert again.sha256 == summary.sha256
    assert (tmp_path / "again" / "store.nq").read_bytes() == (tmp_path / "dump" / "store.nq").read_bytes()
    target.close()


def test_damaged_dump_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    source = EmbeddedStore(tmp_path / "source")
    loading.load_bundled(source)
    backup.dump(source, tmp_path / "dump")
    dump_file = tmp_path / "dump" / "store.nq"
    dump_file.write_bytes(dump_file.read_bytes().replace(b"Shaper", b"Shapes", 1))
    target = EmbeddedStore(tmp_path / "target")
    with pytest.raises(InputError, match="does not match its manifest's checksum"):
        backup.restore(target, tmp_path / "dump")
    assert target.catalog() == []


def test_cli_dump_restore(tmp_path: Path) -> None:
    runner = CliRunner()
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    assert runner.invoke(main, ["load", "--store", a]).exit_code == 0
    out = runner.invoke(main, ["dump", "--store", a, "--out", str(tmp_path / "d")])
    assert out.exit_code == 0 and "dumped 2 graphs" in out.output
    back = runner.invoke(main, ["restore", "--store", b, str(tmp_path / "d")])
    assert back.exit_code == 0 and "restored 2 graphs" in back.output
    missing = runner.invoke(main, ["restore", "--store", b, str(tmp_path)])
    assert missing.exit_code == 2 and "cannot read the dump's manifest" in missing.output
    # a damaged dump is refused before any store is opened: none is made on the way (it left one)
    dump_file = tmp_path / "d" / "store.nq"
    dump_file.write_bytes(dump_file.read_bytes().replace(b"Shaper", b"Shapes", 1))
    fresh = tmp_path / "new" / "store"
    damaged = runner.invoke(main, ["restore", "--store", str(fresh), str(tmp_path / "d")])
    assert damaged.exit_code == 2 and "does not match its manifest's checksum" in damaged.output
    assert not fresh.exists()


def _edit(manifest: dict, change: str) -> None:  # type: ignore[type-arg]
    first = manifest["graphs"][0]
    if change == "no graph checksum":
        del first["sha256"]
    elif change == "graphs not a list":
        manifest["graphs"] = 5
    elif change == "triples not a count":
        first["triples"] = "many"
    elif change == "no file checksum":
        del manifest["sha256"]
    elif change == "graph not an IRI":
        first["graph"] = "not an iri"
    elif change == "graph twice":
        manifest["graphs"].append(dict(first))
    elif change == "extra not pairs":
        first["extra"] = [["x y", "z"]]
    elif change == "active not a flag":
        first["active"] = "yes"
    elif change == "graph unlisted":
        del manifest["graphs"][1]
    elif change == "two frameworks current":
        manifest["graphs"].append({**first, "graph": first["graph"].replace("2026.1", "2026.9"), "version": "2026.9"})
    elif change == "kind not the graph's":
        first["kind"] = "curriculum"
    elif change == "version empty":
        first["version"] = " "


@pytest.mark.parametrize(("change", "says"), [
    ("no graph checksum", "graph 1 has no sha256"),
    ("graphs not a list", "has no list of graphs"),
    ("triples not a count", "graph 1 <https://w3id.org/aiskills/graph/framework/2026.1>: triples 'many' is not a count"),
    ("no file checksum", "has no sha256 of the dump file"),
    ("graph not an IRI", "graph 1: graph 'not an iri' is not an IRI"),
    ("graph twice", "lists graph 3 <https://w3id.org/aiskills/graph/framework/2026.1> twice"),
    ("extra not pairs", "extra is not a list of [predicate IRI, value] pairs"),
    ("active not a flag", "active 'yes' is not true or false"),
    ("graph unlisted", "holds 1 graph(s) its manifest does not list, e.g. <https://w3id.org/aiskills/graph/ontology>"),
    # still valid JSON of the right types, but not a store: each had been restored as it said
    ("two frameworks current", "makes 2 framework versions current"),
    ("kind not the graph's", "kind 'curriculum' is not what the graph holds (framework)"),
    ("version empty", "version ' ' is not a version"),
])
def test_an_edited_manifest_is_refused_by_item_and_field_before_a_store_is_made(
    tmp_path: Path, change: str, says: str
) -> None:
    """Each had been a traceback (KeyError, TypeError, ValueError), or restored what the manifest
    listed twice as two graphs."""
    runner = CliRunner()
    assert runner.invoke(main, ["load", "--store", str(tmp_path / "a")]).exit_code == 0
    assert runner.invoke(main, ["dump", "--store", str(tmp_path / "a"), "--out", str(tmp_path / "d")]).exit_code == 0
    path = tmp_path / "d" / "manifest.json"
    manifest = json.loads(path.read_text())
    _edit(manifest, change)
    path.write_text(json.dumps(manifest))
    fresh = tmp_path / "new" / "store"
    result = runner.invoke(main, ["restore", "--store", str(fresh), str(tmp_path / "d")])
    assert result.exit_code == 2, result.output
    assert says in result.output and "written by `aiskills dump`, unedited" in result.output
    assert not fresh.exists()


def test_a_dump_that_fails_half_way_leaves_the_earlier_dump_as_it_was(tmp_path: Path) -> None:
    """The dump had been written over from its first byte: a failure (a store that stops answering, a
    full disk) half-way through lost the earlier dump in the same folder. Now the earlier one stays,
    byte for byte, and no half-written part is left."""
    source = EmbeddedStore(tmp_path / "source")
    loading.load_bundled(source)
    backup.dump(source, tmp_path / "dump")
    before = {p.name: p.read_bytes() for p in (tmp_path / "dump").iterdir()}

    def failing() -> Iterator[tuple[CatalogEntry, list[ox.Triple]]]:
        entries = source.catalog()
        yield entries[0], source.triples(entries[0].graph)
        raise StoreError("the store stopped answering")

    with pytest.raises(StoreError, match="stopped answering"):
        backup.write_dump(failing(), tmp_path / "dump")
    assert {p.name: p.read_bytes() for p in (tmp_path / "dump").iterdir()} == before
    target = EmbeddedStore(tmp_path / "target")
    backup.restore(target, tmp_path / "dump")  # the earlier dump still restores
    assert {e.graph for e in target.catalog()} == {e.graph for e in source.catalog()}
