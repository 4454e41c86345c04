"""`aiskills diff`: every kind of change between two framework versions, found and named."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
from click.testing import CliRunner

from aiskills import namespaces as ns
from aiskills.changes import as_markdown, compare
from aiskills.cli import main
from aiskills.framework.model import Framework, capability_rows
from aiskills.framework.template import write_csv


def _edited(framework: Framework) -> list[ox.Triple]:
    """2.1-01 reworded, 2.1-02 moved to 2.2, 2.1-03 re-levelled, 3.1-01 re-badged, 6-01 removed,
    6-02 deprecated in favour of 6-03, and 9-01 added (in domain 6)."""
    cap = lambda n: ox.NamedNode(ns.capability_iri(n))  # noqa: E731
    p = lambda local, base=ns.AIS: ox.NamedNode(base + local)  # noqa: E731
    out = []
    for t in framework.triples:
        if t.subject == cap("6-01"):
            continue
        if t.subject == cap("2.1-01") and t.predicate == p("prefLabel", ns.SKOS):
            t = ox.Triple(t.subject, t.predicate, ox.Literal("A new wording of the statement.", language="en-GB"))
        if t.subject == cap("2.1-02") and t.predicate in (p("section"), p("broader", ns.SKOS)):
            t = ox.Triple(t.subject, t.predicate, ox.NamedNode(ns.section_iri("2.2")))
        if t.subject == cap("2.1-03") and t.predicate == p("level"):
            t = ox.Triple(t.subject, t.predicate, ox.NamedNode(ns.level_iri(4)))
        if t.subject == cap("3.1-01") and t.predicate == p("archetype") and t.object.value.endswith("/user"):
            continue
        out.append(t)
    out += [ox.Triple(cap("6-02"), ox.NamedNode(ns.OWL + "deprecated"), ox.Literal("true", datatype=ox.NamedNode(ns.XSD + "boolean"))),
            ox.Triple(cap("6-02"), ox.NamedNode(ns.DCT + "isReplacedBy"), cap("6-03"))]
    template = next(t for t in framework.triples if t.subject == cap("6-01"))
    out += [ox.Triple(cap("9-01"), t.predicate, t.object) if t.predicate != ox.NamedNode(ns.SKOS + "notation")
            else ox.Triple(cap("9-01"), t.predicate, ox.Literal("9-01"))
            for t in framework.triples if t.subject == cap("6-01")]
    assert template
    return out


def test_every_kind_of_change_is_found(bundled_framework: Framework) -> None:
    log = compare(bundled_framework.triples, _edited(bundled_framework), "2026.1", "2026.2")
    found = {(c.kind, c.notation) for c in log.changes}
    assert found == {("reworded", "2.1-01"), ("moved", "2.1-02"), ("re-levelled", "2.1-03"),
                     ("re-badged", "3.1-01"), ("removed", "6-01"), ("deprecated", "6-02"), ("added", "9-01")}
    (moved,) = [c for c in log.changes if c.kind == "moved"]
    assert (moved.old, moved.new) == ("2.1", "2.2")
    (badged,) = [c for c in log.changes if c.kind == "re-badged"]
    assert badged.old.endswith(";U") and not badged.new.endswith("U")
    text = as_markdown(log)
    assert "# Changes from 2026.1 to 2026.2" in text and "replaced by 6-03" in text


def test_no_changes(bundled_framework: Framework) -> None:
    log = compare(bundled_framework.triples, bundled_framework.triples, "a", "b")
    assert log.changes == [] and "No changes to capabilities." in as_markdown(log)


def test_cli_diff_between_a_template_and_rdf(tmp_path: Path, bundled_framework: Framework) -> None:
    old = tmp_path / "old.csv"
    old.write_bytes(write_csv(capability_rows(bundled_framework.triples)))
    new = tmp_path / "new.nt"
    new.write_bytes(ox.serialize(_edited(bundled_framework), format=ox.RdfFormat.N_TRIPLES))
    result = CliRunner().invoke(main, ["diff", str(old), str(new), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["from"] == "old.csv" and data["to"] == "2026.1"
    assert data["summary"]["removed"] == 1 and data["summary"]["added"] == 1
