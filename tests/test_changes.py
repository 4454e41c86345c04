"""`aiskills diff`: every kind of change between two framework versions, found and named."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
from click.testing import CliRunner

from aiskills import namespaces as ns
from aiskills.changes import Change, as_markdown, compare
from aiskills.cli import main
from aiskills.framework import bundle
from aiskills.framework.model import Framework, capability_rows
from aiskills.framework.template import write_csv


def _edited(framework: Framework) -> list[ox.Triple]:
    """2.1-01 reworded, 2.1-02 moved to 2.2, 2.1-03 re-levelled, 3.1-01 re-badged, 6-01 removed,
    6-02 deprecated in favour of 6-03, and 9-01 added (in domain 6)."""
    cap = lambda n: ox.NamedNode(ns.capability_iri(n))
    p = lambda local, base=ns.AIS: ox.NamedNode(base + local)
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
        if t.subject == cap(RELABELLED) and t.predicate == p("hiddenLabel", ns.SKOS):
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


#: A capability with hidden labels, which the edit takes away.
RELABELLED = next(r.notation for r in capability_rows(bundle.framework().triples) if r.hidden_labels)


def test_every_kind_of_change_is_found(bundled_framework: Framework) -> None:
    log = compare(bundled_framework.triples, _edited(bundled_framework), "2026.1", "2026.2")
    found = {(c.kind, c.notation) for c in log.changes}
    assert found == {("reworded", "2.1-01"), ("moved", "2.1-02"), ("re-levelled", "2.1-03"),
                     ("re-badged", "3.1-01"), ("removed", "6-01"), ("deprecated", "6-02"), ("added", "9-01"),
                     ("relabelled", RELABELLED)}
    (relabelled,) = [c for c in log.changes if c.kind == "relabelled"]  # its hidden labels feed the suggestions
    assert relabelled.old.split(" | ")[1] and relabelled.new.split(" | ")[1] == ""
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


def test_rdf_form_round_trips_every_change(bundled_framework: Framework) -> None:
    from aiskills.changes import as_rdf, from_rdf

    log = compare(bundled_framework.triples, _edited(bundled_framework), "2026.1", "2026.2")
    triples = as_rdf(log)
    assert not any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in triples)
    back = from_rdf(triples)
    assert (back.old_version, back.new_version) == ("2026.1", "2026.2")
    assert sorted(map(Change.as_dict, back.changes), key=str) == sorted(map(Change.as_dict, log.changes), key=str)
    kinds = {t.object.value for t in triples if t.predicate.value == ns.RDF + "type"}
    assert ns.AIS + "CapabilityMoved" in kinds and ns.AIS + "CapabilityDeprecated" in kinds


def test_html_form_lists_each_change_and_escapes_text(bundled_framework: Framework) -> None:
    from aiskills.changes import as_html

    log = compare(bundled_framework.triples, _edited(bundled_framework), "2026.1", "<b>2026.2</b>")
    log.changes.append(Change("reworded", "9-99", "old <script>", "new & improved"))
    page = as_html(log)
    assert "<script>" not in page and "old &lt;script&gt;" in page and "new &amp; improved" in page
    assert "<h1>Changes from 2026.1 to &lt;b&gt;2026.2&lt;/b&gt;</h1>" in page
    assert '<th scope="row">2.1-02</th><td>2.1</td><td>2.2</td>' in page
    assert "replaced by 6-03" in page


def test_cli_diff_in_html_and_turtle(tmp_path: Path, bundled_framework: Framework) -> None:
    old, new = tmp_path / "old.nt", tmp_path / "new.nt"
    old.write_bytes(ox.serialize(bundled_framework.triples, format=ox.RdfFormat.N_TRIPLES))
    new.write_bytes(ox.serialize(_edited(bundled_framework), format=ox.RdfFormat.N_TRIPLES))
    page = CliRunner().invoke(main, ["diff", str(old), str(new), "--format", "html"])
    assert page.exit_code == 0 and '<tr class="change added"><th scope="row">9-01</th>' in page.output
    turtle = CliRunner().invoke(main, ["diff", str(old), str(new), "--format", "turtle"])
    assert turtle.exit_code == 0
    triples = [q.triple for q in ox.parse(turtle.output.encode(), format=ox.RdfFormat.TURTLE)]
    assert sum(1 for t in triples if t.predicate.value == ns.AIS + "change") == 8  # one per change of _edited


def test_template_round_trips_the_deprecation_columns(tmp_path: Path, bundled_framework: Framework) -> None:
    from aiskills.framework.model import section_codes
    from aiskills.framework.template import DEPRECATION_COLUMNS, read_template, write_xlsx

    edited = _edited(bundled_framework) + [
        ox.Triple(ox.NamedNode(ns.capability_iri("6-04")), ox.NamedNode(ns.OWL + "deprecated"),
                  ox.Literal("true", datatype=ox.NamedNode(ns.XSD + "boolean"))),
        ox.Triple(ox.NamedNode(ns.capability_iri("6-04")), ox.NamedNode(ns.AIS + "noReplacement"),
                  ox.Literal("true", datatype=ox.NamedNode(ns.XSD + "boolean")))]
    rows = capability_rows(edited)
    codes = section_codes(bundled_framework.triples)
    for name, data in (("t.csv", write_csv(rows)), ("t.xlsx", write_xlsx(rows))):
        (tmp_path / name).write_bytes(data)
        back = {r.notation: (r.deprecated, r.replaced_by) for r in read_template(tmp_path / name, codes)}
        assert back["6-02"] == (True, "6-03") and back["6-04"] == (True, "none") and back["6-03"] == (False, None)
    # the deprecation columns come after the label columns, and only the CTID column after them
    assert write_csv(rows).decode().splitlines()[0].endswith(",".join([*DEPRECATION_COLUMNS, "ctid"]))
    assert "deprecated" not in write_csv(capability_rows(bundled_framework.triples)).decode().splitlines()[0]


def test_template_refuses_an_unclear_deprecation(tmp_path: Path, bundled_framework: Framework) -> None:
    import pytest

    from aiskills.framework.model import section_codes
    from aiskills.framework.template import TemplateError, read_template

    path = tmp_path / "t.csv"
    path.write_text("notation,statement,level,domain,archetypes,deprecated,replaced_by\n"
                    "6.1-01,One.,1,6.1,U,maybe,\n6.1-02,Two.,1,6.1,U,,6.1-01\n6.1-03,Three.,1,6.1,U,true,not a code\n",
                    encoding="utf-8")
    with pytest.raises(TemplateError) as info:
        read_template(path, section_codes(bundled_framework.triples))
    found = {(p.row, p.column) for p in info.value.problems}
    assert found == {(2, "deprecated"), (3, "replaced_by"), (4, "replaced_by")}
    assert "is filled in but the capability is not deprecated" in str(info.value)
