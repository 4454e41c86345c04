"""`aiskills check` passes on the bundled framework and catches each broken fixture with its message."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from aiskills.checks import (
    CheckResult,
    CheckStatus,
    owl_check,
    qc_check,
    removal_check,
    run_checks,
    shacl_check,
)
from aiskills.framework.model import Framework

BROKEN = sorted((Path(__file__).parent / "fixtures" / "broken").glob("*.ru"))
CHECKS = {"owl": owl_check, "shacl": shacl_check, "qc": qc_check}


def _header(path: Path, key: str) -> str:
    m = re.search(rf"^# {key}: (.*)$", path.read_text(encoding="utf-8"), re.MULTILINE)
    assert m, f"{path.name} has no '# {key}:' line"
    return m.group(1).strip()


def _broken(framework: Framework, fixture: Path) -> list[ox.Triple]:
    """The bundled framework with the fixture's SPARQL update applied."""
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in framework.triples)
    store.update(fixture.read_text(encoding="utf-8"))
    return [q.triple for q in store]


def test_bundled_framework_passes_every_check(bundled_ontology, bundled_framework: Framework) -> None:  # type: ignore[no-untyped-def]
    results = run_checks(bundled_ontology[0], bundled_framework.triples)
    assert [(r.name, r.status, r.findings) for r in results] == [
        ("owl", CheckStatus.PASSED, []), ("shacl", CheckStatus.PASSED, []), ("qc", CheckStatus.PASSED, [])]


@pytest.mark.parametrize("fixture", BROKEN, ids=[p.stem for p in BROKEN])
def test_check_catches_broken_fixture(bundled_ontology, bundled_framework: Framework, fixture: Path) -> None:  # type: ignore[no-untyped-def]
    check, expected = _header(fixture, "check"), _header(fixture, "expect")
    result: CheckResult = CHECKS[check](bundled_ontology[0], _broken(bundled_framework, fixture))
    assert result.status is CheckStatus.FAILED
    messages = [f.message for f in result.findings]
    assert any(expected in m for m in messages), messages


def test_fixtures_cover_every_check_and_qc_query() -> None:
    from aiskills.queries import query_names

    checks = {_header(p, "check") for p in BROKEN}
    assert checks == set(CHECKS)
    qc_fixtures = " ".join(p.stem for p in BROKEN if _header(p, "check") == "qc")
    assert len([p for p in BROKEN if _header(p, "check") == "qc"]) >= len(query_names("qc"))
    assert qc_fixtures


def test_missing_java_is_could_not_run(bundled_ontology, bundled_framework: Framework, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = owl_check(bundled_ontology[0], bundled_framework.triples, java=str(tmp_path / "no-java"))
    assert result.status is CheckStatus.COULD_NOT_RUN
    assert "HermiT did not run" in result.detail


def _deprecate(framework: Framework, notation: str, *extra: tuple[str, ox.NamedNode | ox.Literal]) -> list[ox.Triple]:
    cap = ox.NamedNode(f"https://w3id.org/aiskills/id/capability/{notation}")
    true = ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))
    return [*framework.triples, ox.Triple(cap, ox.NamedNode("http://www.w3.org/2002/07/owl#deprecated"), true),
            *(ox.Triple(cap, ox.NamedNode(p), o) for p, o in extra)]


def test_deprecation_with_a_replacement_or_the_no_replacement_marker_passes(bundled_ontology, bundled_framework: Framework) -> None:  # type: ignore[no-untyped-def]
    replaced = _deprecate(bundled_framework, "6-02", ("http://purl.org/dc/terms/isReplacedBy",
                                                      ox.NamedNode("https://w3id.org/aiskills/id/capability/6-03")))
    withdrawn = _deprecate(bundled_framework, "6-02", ("https://w3id.org/aiskills/ontology#noReplacement",
                                                       ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))))
    for framework in (replaced, withdrawn):
        assert qc_check(bundled_ontology[0], framework).status is CheckStatus.PASSED
        assert shacl_check(bundled_ontology[0], framework).status is CheckStatus.PASSED


def test_deprecation_without_a_decision_names_the_capability_and_the_fix(bundled_ontology, bundled_framework: Framework) -> None:  # type: ignore[no-untyped-def]
    result = qc_check(bundled_ontology[0], _deprecate(bundled_framework, "6-02"))
    assert result.status is CheckStatus.FAILED
    (finding,) = result.findings
    assert finding.focus.endswith("/capability/6-02")
    assert "capability 6-02 is deprecated but names no replacement" in finding.message
    assert "dct:isReplacedBy" in finding.message and "ais:noReplacement true" in finding.message


def test_removal_against_the_previous_version_fails_naming_the_capability(bundled_ontology, bundled_framework: Framework) -> None:  # type: ignore[no-untyped-def]
    gone = [t for t in bundled_framework.triples if not t.subject.value.endswith("/capability/6-01")]
    results = run_checks(bundled_ontology[0], gone, java="/nonexistent/java", previous=bundled_framework.triples)
    removal = results[-1]
    assert removal.name == "removal" and removal.status is CheckStatus.FAILED
    assert [f.focus for f in removal.findings] == ["https://w3id.org/aiskills/id/capability/6-01"]
    assert "capability 6-01 was in the previous version and is missing now" in removal.findings[0].message
    kept = _deprecate(bundled_framework, "6-01")
    assert removal_check(bundled_framework.triples, kept).status is CheckStatus.PASSED


def test_cli_check_against_a_previous_release_fails_on_a_missing_capability(tmp_path: Path, bundled_framework: Framework) -> None:
    from click.testing import CliRunner

    from aiskills.cli import main

    previous = tmp_path / "previous.nt"
    previous.write_bytes(ox.serialize(bundled_framework.triples, format=ox.RdfFormat.N_TRIPLES) or b"")
    now = tmp_path / "now.nt"
    now.write_bytes(ox.serialize([t for t in bundled_framework.triples if not t.subject.value.endswith("/capability/6-01")],
                                 format=ox.RdfFormat.N_TRIPLES) or b"")
    result = CliRunner().invoke(main, ["check", str(now), "--previous", str(previous)])
    assert result.exit_code == 1, result.output
    assert "removal FAILED (1 problem)" in result.output
    assert "capability 6-01 was in the previous version and is missing now" in result.output
