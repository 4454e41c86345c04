"""SSSOM crosswalks: the example reads, becomes SKOS mappings with provenance and comes back as the
same TSV; every kind of bad file is reported with its line, column and fix."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from aiskills import namespaces as ns
from aiskills.cli import main
from aiskills.crosswalk import (
    SEMAPV,
    SSSOM,
    CrosswalkError,
    from_triples,
    mapping_triples,
    parse_sssom,
    read_sssom,
    write_sssom,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "crosswalks"
EXAMPLE = EXAMPLES / "demo.sssom.tsv"
HEADER = ("#curie_map:\n#  aiscap: https://w3id.org/aiskills/id/capability/\n#  demo: https://example.org/demo/\n"
          "#mapping_set_id: https://example.org/set\n#license: https://creativecommons.org/licenses/by/4.0/\n")
COLUMNS = "subject_id\tpredicate_id\tobject_id\tmapping_justification\tconfidence\tmapping_date\n"
GOOD = "aiscap:1-01\tskos:exactMatch\tdemo:a\tsemapv:ManualMappingCuration\t0.9\t2026-01-01\n"


def test_example_reads_and_maps_only_to_the_shipped_demo_scheme() -> None:
    ms = read_sssom(EXAMPLE)
    assert len(ms.mappings) == 5 and ms.license == "https://creativecommons.org/licenses/by/4.0/"
    scheme = {q.triple.subject.value for q in ox.parse(path=str(EXAMPLES / "demo-scheme.ttl"), format=ox.RdfFormat.TURTLE)}
    assert {m.object_id for m in ms.mappings} <= scheme
    assert {m.predicate_id.rsplit("#", 1)[1] for m in ms.mappings} == {
        "exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch"}


def test_mappings_become_skos_triples_with_provenance() -> None:
    ms = read_sssom(EXAMPLE)
    triples = mapping_triples(ms, "demo.sssom.tsv")
    cap, target = ox.NamedNode(ns.capability_iri("6.1-03")), ox.NamedNode("https://example.org/demo-digital-skills/ml-types")
    assert ox.Triple(cap, ox.NamedNode(ns.SKOS + "exactMatch"), target) in triples
    (node,) = [t.subject for t in triples if t.predicate.value == ns.OWL + "annotatedTarget" and t.object == target]
    facts = {t.predicate.value: t.object for t in triples if t.subject == node}
    assert facts[ns.OWL + "annotatedSource"] == cap
    assert facts[SSSOM + "mapping_justification"] == ox.NamedNode(SEMAPV + "ManualMappingCuration")
    assert facts[SSSOM + "confidence"].value == "0.95"
    assert facts[ns.DCT + "isPartOf"] == ox.NamedNode(ms.mapping_set_id)
    kinds = {t.object.value for t in triples if t.subject == ox.NamedNode(ms.mapping_set_id) and t.predicate.value == ns.RDF + "type"}
    assert kinds == {SSSOM + "MappingSet", ns.PROV + "Entity"}


def test_round_trip_through_rdf_gives_back_the_same_tsv() -> None:
    ms = read_sssom(EXAMPLE)
    text = ox.serialize(mapping_triples(ms), format=ox.RdfFormat.TURTLE) or b""
    (back,) = from_triples(q.triple for q in ox.parse(text, format=ox.RdfFormat.TURTLE))
    assert back == ms
    assert write_sssom(back) == write_sssom(ms)
    assert parse_sssom(write_sssom(ms), "again") == ms


@pytest.mark.parametrize("text, line, column, message", [
    (HEADER + COLUMNS + GOOD.replace("skos:exactMatch", "skos:sameAs"), 7, "predicate_id", "is not a SKOS mapping property"),
    (HEADER + COLUMNS + GOOD.replace("demo:a", "other:a"), 7, "object_id", "is not a CURIE with a known prefix"),
    (HEADER + COLUMNS + GOOD.replace("0.9", "1.5"), 7, "confidence", "is not a number from 0 to 1"),
    (HEADER + COLUMNS + GOOD.replace("2026-01-01", "01/02/2026"), 7, "mapping_date", "is not a date"),
    (HEADER + COLUMNS + GOOD.replace("semapv:ManualMappingCuration", "semapv:Guess"), 7, "mapping_justification",
     "is not a SEMAPV justification"),
    (HEADER + COLUMNS + GOOD + GOOD, 8, "subject_id", "repeats the mapping on line 7"),
    (HEADER + COLUMNS + GOOD.replace("\t0.9", ""), 7, None, "has 5 cells, the header has 6"),
    (HEADER + COLUMNS.replace("object_id\t", "") + GOOD, 6, None, "missing column(s) object_id"),
    (HEADER.replace("#license: https://creativecommons.org/licenses/by/4.0/\n", "") + COLUMNS + GOOD, 1, None,
     "the metadata has no license"),
    (HEADER + "#colour: blue\n" + COLUMNS + GOOD, 6, None, "unknown metadata key 'colour'"),
])
def test_bad_file_is_reported_with_line_column_and_fix(text: str, line: int, column: str | None, message: str) -> None:
    with pytest.raises(CrosswalkError) as info:
        parse_sssom(text, "bad.sssom.tsv")
    problems = info.value.problems
    assert any(p.line == line and p.column == column and message in p.message and p.fix for p in problems), problems
    assert str(info.value).startswith("bad.sssom.tsv: ") and "nothing was loaded" in str(info.value)


def test_cli_validate_rdf_and_export(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(main, ["crosswalk", "validate", str(EXAMPLE)])
    assert ok.exit_code == 0 and "ok, 5 mappings" in ok.output
    bad = tmp_path / "bad.sssom.tsv"
    bad.write_text(HEADER + COLUMNS + GOOD.replace("0.9", "high"), encoding="utf-8")
    failed = runner.invoke(main, ["crosswalk", "validate", str(bad)])
    assert failed.exit_code == 1 and "line 7, column confidence: 'high' is not a number from 0 to 1" in failed.output
    rdf = tmp_path / "demo.ttl"
    assert runner.invoke(main, ["crosswalk", "rdf", str(EXAMPLE), "--out", str(rdf)]).exit_code == 0
    back = tmp_path / "back.sssom.tsv"
    exported = runner.invoke(main, ["crosswalk", "export", str(rdf), "--out", str(back)])
    assert exported.exit_code == 0, exported.output
    assert back.read_text(encoding="utf-8") == write_sssom(read_sssom(EXAMPLE))


def test_release_refuses_a_crosswalk_from_something_that_is_not_a_capability(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sssom.tsv"
    bad.write_text(HEADER + COLUMNS + GOOD.replace("aiscap:1-01", "aiscap:99-99"), encoding="utf-8")
    result = CliRunner().invoke(main, ["release", "--version", "2026.1", "--date", "2026-03-01",
                                       "--out", str(tmp_path / "out"), "--crosswalk", str(bad)])
    assert result.exit_code == 2
    line = (HEADER + COLUMNS).count("\n") + 1
    assert f"line {line}, column subject_id: <https://w3id.org/aiskills/id/capability/99-99> is not a " \
           "capability of the framework" in result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    checked = CliRunner().invoke(main, ["crosswalk", "validate", str(bad)])  # said ok before the release refused
    assert checked.exit_code == 1 and f"line {line}, column subject_id" in checked.output
