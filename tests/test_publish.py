"""`aiskills publish` against the real Virtuoso: one named graph per artefact, counts verified, a second
run writes nothing, a damaged graph is repaired, a tampered release folder is refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from requests.auth import HTTPDigestAuth

from aiskills import namespaces as ns
from aiskills.cli import main
from aiskills.crosswalk import read_sssom
from aiskills.errors import InputError
from aiskills.framework import bundle
from aiskills.publish import MANIFEST_GRAPH, artefacts, publish
from aiskills.release import ReleaseInputs, write_release
from aiskills.store.remote import RemoteStore

pytestmark = pytest.mark.remote
EXAMPLE = Path(__file__).resolve().parent.parent / "crosswalks" / "demo.sssom.tsv"


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("publish") / "2026.1"
    ontology, _ = bundle.ontology()
    write_release(ReleaseInputs("2026.1", date(2026, 3, 1), ontology, bundle.framework().triples,
                                crosswalks=[(read_sssom(EXAMPLE), EXAMPLE.name)]), out)
    return out


@pytest.fixture
def server(virtuoso: object) -> Iterator[object]:
    """The session's Virtuoso with none of the project's graphs in it."""
    store = RemoteStore.from_settings(virtuoso.settings())  # type: ignore[attr-defined]
    store.replace_graphs([], [], drop=[e.graph for e in store.catalog()] + store.graph_names())
    store.close()
    yield virtuoso


def _counts(server: object, graphs: list[str]) -> dict[str, int]:
    store = RemoteStore.from_settings(server.settings())  # type: ignore[attr-defined]
    try:
        return {g: store.count(g) for g in graphs}
    finally:
        store.close()


def test_publish_writes_one_graph_per_artefact_then_nothing(server: object, release: Path) -> None:
    settings = server.settings()  # type: ignore[attr-defined]
    expected = {a.graph: a.triples for a in artefacts(release)}
    assert set(expected) == {ns.ONTOLOGY_GRAPH, ns.framework_graph("2026.1"), read_sssom(EXAMPLE).graph,
                             ns.GRAPH + "release/2026.1"}
    first = publish(release, settings)
    assert {o.graph: o.action for o in first} == dict.fromkeys([*expected, ns.CATALOG_GRAPH], "written")
    assert _counts(server, list(expected)) == expected
    second = publish(release, settings)
    assert {o.graph: o.action for o in second} == dict.fromkeys([*expected, ns.CATALOG_GRAPH], "unchanged")
    assert _counts(server, list(expected)) == expected
    assert _counts(server, [MANIFEST_GRAPH])[MANIFEST_GRAPH] == 2 * len(expected)


def test_the_published_framework_is_current_for_a_server_over_the_store(server: object, release: Path) -> None:
    from aiskills.loading import current_framework

    publish(release, server.settings())  # type: ignore[attr-defined]
    store = RemoteStore.from_settings(server.settings())  # type: ignore[attr-defined]
    try:
        current = current_framework(store)
        assert current is not None and current.version == "2026.1"
        assert len(current.triples) == next(a.triples for a in artefacts(release) if a.graph == ns.framework_graph("2026.1"))
        entries = {e.graph: (e.kind, e.version, e.active) for e in store.catalog()}
        assert entries[ns.ONTOLOGY_GRAPH] == ("ontology", "2026.1", True)
    finally:
        store.close()


def test_a_damaged_graph_is_rewritten_and_only_that_one(server: object, release: Path) -> None:
    settings = server.settings()  # type: ignore[attr-defined]
    publish(release, settings)
    damaged = ns.framework_graph("2026.1")
    update = (f"DELETE WHERE {{ GRAPH <{damaged}> {{ <{ns.capability_iri('1-01')}> "
              "<http://www.w3.org/2004/02/skos/core#prefLabel> ?o } }")
    r = requests.post(server.update_endpoint, data={"update": update}, timeout=60,  # type: ignore[attr-defined]
                      auth=HTTPDigestAuth(server.user, server.password))  # type: ignore[attr-defined]
    r.raise_for_status()
    expected = {a.graph: a.triples for a in artefacts(release)}
    assert _counts(server, [damaged])[damaged] == expected[damaged] - 1
    again = publish(release, settings)
    assert [o.graph for o in again if o.action == "written"] == [damaged]
    assert _counts(server, list(expected)) == expected


def test_cli_publish_reports_each_graph(server: object, release: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AISKILLS_USER", server.user)  # type: ignore[attr-defined]
    monkeypatch.setenv("AISKILLS_PASSWORD", server.password)  # type: ignore[attr-defined]
    args = ["publish", str(release), "--endpoint", server.endpoint, "--graph-store", server.graph_store]  # type: ignore[attr-defined]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "5 graph(s) written, 0 unchanged; counts verified" in first.output
    second = CliRunner().invoke(main, args)
    assert "0 graph(s) written, 5 unchanged" in second.output
    assert f"unchanged <{ns.framework_graph('2026.1')}>" in second.output
    # the catalogue by name, read back: a server may keep it in its default graph, not in <graph/catalog>
    assert "written   the catalogue (" in first.output and "unchanged the catalogue (" in second.output


def test_a_tampered_release_folder_is_refused(tmp_path: Path, release: Path) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in release.rglob("*"):
        if path.is_file():
            target = copy / path.relative_to(release)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    (copy / "framework.ttl").write_bytes((copy / "framework.ttl").read_bytes() + b"\n# edited\n")
    with pytest.raises(InputError, match="framework.ttl is missing or differs from its checksum"):
        artefacts(copy)
