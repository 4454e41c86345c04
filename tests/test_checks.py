"""`aiskills check` passes on the bundled framework and catches each broken fixture with its message."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from aiskills.checks import CheckResult, CheckStatus, owl_check, qc_check, run_checks, shacl_check
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
