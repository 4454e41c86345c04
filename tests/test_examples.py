"""The example curricula in examples/ report what examples/README.md says they report.

Every file there (except the README) is read with the reader for its format and validated against the
bundled framework: the realistic examples conform with no warnings and one coverage result per target
archetype; many-problems.json fires exactly the rules the README lists, each at the place it lists.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from aiskills.cli import main
from aiskills.submission.readers import read_submission
from aiskills.validation.engine import CurriculumValidator, validator_for
from aiskills.validation.report import Report, Severity

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FILES = sorted(p.name for p in EXAMPLES.iterdir() if p.is_file() and p.name != "README.md")

#: Conforming examples → the archetypes they target (as the coverage message names them).
CONFORMING: dict[str, tuple[str, ...]] = {
    "shaper-board-ai-strategy.json": ("Shapers",),
    "driver-ai-commissioning.csv": ("Drivers",),
    "creator-clinical-ml-msc.json": ("Creators",),
    "embedder-ai-deployment-safety.xlsx": ("Embedders",),
    "user-ai-foundations.ttl": ("Users",),
    "user-embedder-radiology-ai-go-live.json": ("Users", "Embedders"),
}

BROKEN = "many-problems.json"

#: many-problems.json: each rule fires once, at this place.
PROBLEMS: dict[str, tuple[Severity, str]] = {
    "curriculum-provider": (Severity.VIOLATION, "$"),
    "duplicate-id": (Severity.VIOLATION, "$.modules[0].learningOutcomes[1]"),
    "outcome-statement": (Severity.VIOLATION, "$.modules[0].learningOutcomes[2]"),
    "outcome-alignment": (Severity.VIOLATION, "$.modules[0].learningOutcomes[3]"),
    "unknown-capability": (Severity.VIOLATION, "$.modules[0].learningOutcomes[4].alignedTo[0]"),
    "module-title": (Severity.VIOLATION, "$.modules[1]"),
    "outcome-bloom": (Severity.VIOLATION, "$.modules[1].learningOutcomes[0].bloomLevel"),
    "hours-number": (Severity.VIOLATION, "$.modules[2].notionalHours"),
    "hours-positive": (Severity.VIOLATION, "$.modules[3].notionalHours"),
    "module-outcomes": (Severity.VIOLATION, "$.modules[4]"),
    "hours-missing": (Severity.VIOLATION, "$.modules[5]"),
    "unknown-archetype": (Severity.VIOLATION, "$.targetArchetypes[1]"),
    "bloom-below-level": (Severity.WARNING, "$.modules[2].learningOutcomes[0].bloomLevel"),
    "off-target-alignment": (Severity.WARNING, "$.modules[2].learningOutcomes[1].alignedTo[0]"),
    "observable-verb": (Severity.WARNING, "$.modules[2].learningOutcomes[2].statement"),
}


@pytest.fixture(scope="module")
def validator() -> CurriculumValidator:
    return validator_for(None)


@pytest.fixture(scope="module")
def reports(validator: CurriculumValidator) -> dict[str, Report]:
    """Each example validated once for the whole module."""
    return {name: validator.validate(read_submission(EXAMPLES / name)) for name in FILES}


def test_every_example_is_documented() -> None:
    assert set(FILES) == {*CONFORMING, BROKEN}
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    for name in FILES:
        assert f"`{name}`" in readme, f"examples/README.md does not describe {name}"


@pytest.mark.parametrize("name", FILES)
def test_example_reads(name: str, reports: dict[str, Report]) -> None:
    report = reports[name]
    assert report.source == name
    assert report.curriculum is not None and report.curriculum.startswith("https://")


@pytest.mark.parametrize("name", sorted(CONFORMING))
def test_realistic_example_conforms(name: str, reports: dict[str, Report]) -> None:
    report = reports[name]
    assert report.conforms
    assert report.rules(Severity.VIOLATION) == []
    assert report.rules(Severity.WARNING) == [], [str(r.location) + " " + r.message for r in report.results]
    assert report.rules(Severity.INFO) == ["archetype-coverage"]
    coverage = [r for r in report.results if r.rule == "archetype-coverage"]
    assert len(coverage) == len(CONFORMING[name])
    for archetype in CONFORMING[name]:
        assert any(f"badged for {archetype} (" in r.message for r in coverage), (archetype, coverage)


def test_many_problems(reports: dict[str, Report]) -> None:
    report = reports[BROKEN]
    assert not report.conforms
    for severity in (Severity.VIOLATION, Severity.WARNING):
        assert report.rules(severity) == sorted(rule for rule, (s, _) in PROBLEMS.items() if s is severity)
    assert report.rules(Severity.INFO) == ["archetype-coverage"]
    assert report.summary() == {"violations": 12, "warnings": 3, "infos": 1}
    found = {r.rule: (r.severity, str(r.location)) for r in report.results if r.rule != "archetype-coverage"}
    assert len(found) == len(report.results) - 1  # each rule fires once
    assert found == PROBLEMS


def test_many_problems_details(reports: dict[str, Report]) -> None:
    by_rule = {r.rule: r for r in reports[BROKEN].results}
    unknown = by_rule["unknown-capability"]
    assert unknown.value == "6.9-99"
    assert "Capability 6.9-99 is not in the framework" in unknown.message
    assert "Nearest existing codes:" in unknown.hint
    assert by_rule["unknown-archetype"].value == "Wizard"
    assert by_rule["outcome-bloom"].value == "memorise"
    assert by_rule["hours-number"].value == "ten hours"
    assert by_rule["hours-positive"].value == "-5"
    assert ("$.modules[0].learningOutcomes[1].id, $.modules[1].learningOutcomes[1].id"
            in by_rule["duplicate-id"].message)
    below = by_rule["bloom-below-level"]
    assert "(remember)" in below.message and "capability 6.2-03 at level 2" in below.message
    assert by_rule["off-target-alignment"].value == "6.1-11"
    assert "'understand'" in by_rule["observable-verb"].message
    assert "badged for Users (" in by_rule["archetype-coverage"].message


@pytest.mark.parametrize(("name", "code", "verdict"), [
    ("shaper-board-ai-strategy.json", 0, "conforms (0 violations, 0 warnings, 1 info"),
    ("embedder-ai-deployment-safety.xlsx", 0, "conforms (0 violations, 0 warnings, 1 info"),
    (BROKEN, 1, "does not conform (12 violations, 3 warnings, 1 info"),
])
def test_cli_validate(name: str, code: int, verdict: str, tmp_path: Path,
                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AISKILLS_STORE", str(tmp_path / "store"))
    monkeypatch.delenv("AISKILLS_ENDPOINT", raising=False)
    result = CliRunner().invoke(main, ["validate", "--bundled", str(EXAMPLES / name)])
    assert result.exit_code == code, result.output
    assert result.stdout.splitlines()[0].startswith(f"{name}: {verdict}")
