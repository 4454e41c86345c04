"""Storing curricula: conformant ones stored with provenance, replaced atomically, refused ones change
nothing; a killed submission leaves the old or the new curriculum, never a mix."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from support.curricula import base, to_json

from aiskills import curricula, loading
from aiskills import namespaces as ns
from aiskills.cli import main
from aiskills.errors import InputError
from aiskills.store.base import Store
from aiskills.store.embedded import EmbeddedStore
from aiskills.submission.readers import read_bytes
from aiskills.validation.engine import validator_for

CID = base()["id"]


def _submit(store: Store, doc: dict, name: str = "c.json") -> curricula.Stored:  # type: ignore[type-arg]
    sub = read_bytes(to_json(doc), name)
    return curricula.submit(store, sub, validator_for(store).validate(sub))


def test_conformant_curriculum_is_stored_with_provenance(store: Store) -> None:
    loading.load_bundled(store)
    stored = _submit(store, base())
    assert stored.replaced is False and stored.graph == curricula.curriculum_graph(CID)
    (record,) = curricula.records(store)
    assert (record.curriculum, record.title, record.provider, record.modules, record.outcomes) == (
        CID, "AI foundations for clinical staff", "Example University", 2, 3)
    assert record.framework_version == "2026.1" and record.source == "c.json"
    assert record.sha256 == __import__("hashlib").sha256(to_json(base())).hexdigest()
    prov = store.select("PREFIX prov: <http://www.w3.org/ns/prov#> SELECT ?label ?used WHERE { GRAPH ?g { "
                        "?g prov:wasGeneratedBy ?a . ?a <http://www.w3.org/2000/01/rdf-schema#label> ?label ; "
                        "prov:used ?used } }", union=True)
    assert prov.values() == [("validated: 0 violations, 0 warnings, 1 info", ns.framework_graph("2026.1"))]
    caps = store.select("PREFIX ais: <https://w3id.org/aiskills/ontology#> SELECT (COUNT(DISTINCT ?c) AS ?n) "
                        "WHERE { ?o ais:alignedTo ?c . ?c a ais:Capability }")
    assert caps.values() == [("3",)], "stored curricula are part of the query dataset, joined to the framework"


def test_resubmitting_replaces_the_whole_graph(store: Store) -> None:
    loading.load_bundled(store)
    _submit(store, base())
    doc = base()
    doc["title"] = "Renamed"
    del doc["modules"][1]
    stored = _submit(store, doc)
    assert stored.replaced is True
    (record,) = curricula.records(store)
    assert (record.title, record.modules, record.outcomes) == ("Renamed", 1, 2)
    titles = store.select("PREFIX dct: <http://purl.org/dc/terms/> SELECT ?t WHERE { ?c dct:title ?t }",
                          {"c": ox.NamedNode(CID)})
    assert titles.values() == [("Renamed",)]


def test_curriculum_with_violations_is_refused_and_changes_nothing(store: Store) -> None:
    loading.load_bundled(store)
    _submit(store, base())
    before = sorted(map(str, store.triples(curricula.curriculum_graph(CID))))
    doc = base()
    doc["modules"][0]["notionalHours"] = "ten"
    sub = read_bytes(to_json(doc), "bad.json")
    with pytest.raises(InputError, match="has 1 violation"):
        curricula.submit(store, sub, validator_for(store).validate(sub))
    assert sorted(map(str, store.triples(curricula.curriculum_graph(CID)))) == before


def test_remove(store: Store) -> None:
    loading.load_bundled(store)
    _submit(store, base())
    curricula.remove(store, CID)
    assert curricula.records(store) == []
    assert curricula.curriculum_graph(CID) not in store.graph_names()
    with pytest.raises(InputError, match="no stored curriculum has the id") as gone:
        curricula.remove(store, CID)
    assert "no curricula are stored" in str(gone.value.fix)
    _submit(store, base())
    with pytest.raises(InputError) as wrong:
        curricula.remove(store, CID + "-typo")
    assert f"for example: {CID} " in str(wrong.value.fix)  # names what is stored, read without the list


def test_cli_validate_submit_list_show_remove(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AISKILLS_STORE", str(tmp_path / "store"))
    runner = CliRunner()
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_bytes(to_json(base()))
    doc = base()
    doc["modules"][0]["learningOutcomes"][0]["alignedTo"] = ["6-99"]
    bad.write_bytes(to_json(doc))
    assert runner.invoke(main, ["load"]).exit_code == 0
    result = runner.invoke(main, ["validate", str(bad), "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["conforms"] is False and report["summary"]["violations"] == 1
    (v,) = [r for r in report["results"] if r["severity"] == "violation"]
    assert v["rule"] == "unknown-capability" and v["location"] == {"jsonPath": "$.modules[0].learningOutcomes[0].alignedTo[0]"}
    assert v["value"] == "6-99" and "Nearest existing codes: 6-" in v["hint"]
    refused = runner.invoke(main, ["submit", str(bad)])
    assert refused.exit_code == 1 and "not stored" in refused.output
    assert runner.invoke(main, ["curricula", "list", "--format", "json"]).output.count(CID) == 0
    stored = runner.invoke(main, ["submit", str(good)])
    assert stored.exit_code == 0 and f"stored <{CID}>" in stored.output
    assert f"replaced <{CID}>" in runner.invoke(main, ["submit", str(good)]).output
    listed = json.loads(runner.invoke(main, ["curricula", "list", "--format", "json"]).output)
    assert [r["curriculum"] for r in listed["rows"]] == [CID]
    shown = runner.invoke(main, ["curricula", "show", CID])
    assert "outcomes    3" in shown.output and "framework   2026.1" in shown.output
    assert runner.invoke(main, ["curricula", "remove", CID]).exit_code == 0
    gone = runner.invoke(main, ["curricula", "show", CID])
    assert gone.exit_code == 2 and "no stored curriculum has the id" in gone.output


def test_validate_exit_2_for_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text("[1, 2]")
    result = CliRunner().invoke(main, ["validate", "--bundled", str(path)])
    assert result.exit_code == 2 and "the JSON is list, not an object" in result.output
    assert "Traceback" not in result.output


CHILD = r"""
import json, sys
from pathlib import Path
from aiskills import curricula, loading
from aiskills.store.embedded import EmbeddedStore
from aiskills.submission.readers import read_bytes
from aiskills.validation.report import Report

store = EmbeddedStore(Path(sys.argv[1]))
subs = [read_bytes(Path(p).read_bytes(), Path(p).name) for p in sys.argv[2:4]]
reports = [Report(s.source, s.format, s.curriculum_id, [], "2026.1") for s in subs]  # validation is not under test
print("ready", flush=True)
i = 0
while True:
    curricula.submit(store, subs[i % 2], reports[i % 2])
    print("stored", flush=True)
    i += 1
"""


def _big(label: str) -> dict:  # type: ignore[type-arg]
    doc = base()
    doc["modules"] = [{"title": f"Module {m} {label}", "notionalHours": 5, "learningOutcomes": [
        {"statement": f"Explain topic {m}.{o} ({label})", "bloomLevel": "understand", "alignedTo": ["6-01"]}
        for o in range(40)]} for m in range(25)]
    return doc


@pytest.mark.slow
def test_killing_a_submission_leaves_old_or_new(tmp_path: Path) -> None:
    """SIGKILL at random moments while a 1,000-outcome curriculum is resubmitted in a loop; each time
    the store reopens with exactly one whole version (A or B), never a mix or nothing."""
    path = tmp_path / "store"
    with EmbeddedStore(path) as s:
        loading.load_bundled(s)
    files = []
    for label in ("A", "B"):
        f = tmp_path / f"{label}.json"
        f.write_bytes(to_json(_big(label)))
        files.append(f)
    expected = {label: set(map(str, read_bytes(f.read_bytes(), f.name).stored_triples()))
                for label, f in zip("AB", files)}
    # The first child is killed once it has stored a version, which measures how long one submission
    # takes on this machine in this run; later kills fall at fractions and multiples of that.
    took = 0.0
    seen = set()
    env = dict(os.environ)
    for fraction in (None, 0.1, 0.4, 0.7, 1.0, 1.5):
        with subprocess.Popen([sys.executable, "-c", CHILD, str(path), *map(str, files)],
                              stdout=subprocess.PIPE, text=True, env=env) as child:
            assert child.stdout is not None and child.stdout.readline().strip() == "ready"
            started = time.monotonic()
            if fraction is None:
                assert child.stdout.readline().strip() == "stored"
                took = time.monotonic() - started
            else:
                time.sleep(fraction * took)
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
        with EmbeddedStore(path) as s:
            triples = set(map(str, s.triples(curricula.curriculum_graph(CID))))
            staging = [g for g in s.graph_names() if g.startswith(ns.STAGING_GRAPH_PREFIX)]
            records = curricula.records(s)
        if not triples:
            assert records == []  # killed before the first submission finished
            continue
        version = next((k for k, v in expected.items() if v <= triples), None)
        assert version is not None, "the stored curriculum is neither A nor B"
        other = "B" if version == "A" else "A"
        assert not (expected[other] - expected[version]) & triples, "a mix of A and B"
        assert len(records) == 1 and records[0].outcomes == 1000
        assert staging == []
        seen.add(version)
    assert seen, "no kill landed after a submission finished"
