"""Every curriculum rule: a valid fixture that it leaves alone and an invalid one that fires exactly it,
in each submission format where the rule can be expressed, with the place the report points at."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from support.curricula import WRITERS, base

from aiskills.framework.model import capability_rows
from aiskills.submission.readers import read_bytes
from aiskills.validation.engine import CurriculumValidator
from aiskills.validation.report import Report, Severity

ALL = ("json", "csv", "xlsx", "ttl")
TABLES = ("json", "csv", "xlsx")  # formats that can say a thing twice or leave a thing out positionally


@pytest.fixture(scope="module")
def validator(bundled_ontology, bundled_framework) -> CurriculumValidator:  # type: ignore[no-untyped-def]
    return CurriculumValidator(bundled_ontology[0], bundled_framework.triples, bundled_framework.version)


@pytest.fixture(scope="module")
def caps(bundled_framework) -> list[Any]:  # type: ignore[no-untyped-def]
    return capability_rows(bundled_framework.triples)


def _validate(validator: CurriculumValidator, doc: dict[str, Any], fmt: str) -> Report:
    return validator.validate(read_bytes(WRITERS[fmt](doc), f"curriculum.{fmt}"))


@dataclass(frozen=True)
class Case:
    rule: str
    severity: Severity
    change: Callable[[dict[str, Any], list[Any]], None]
    formats: tuple[str, ...] = ALL
    places: tuple[tuple[str, str], ...] = ()  # (format, expected location text)
    also: frozenset[str] = frozenset()  # rules that follow from the same defect


def _set(path: str, value: Any) -> Callable[[dict[str, Any], list[Any]], None]:
    def change(doc: dict[str, Any], caps: list[Any]) -> None:
        *parents, last = path.split(".")
        target: Any = doc
        for p in parents:
            target = target[int(p)] if p.isdigit() else target[p]
        if value is _DELETE:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value
    return change


_DELETE = object()


def _align_first(pick: Callable[[Any], bool]) -> Callable[[dict[str, Any], list[Any]], None]:
    """Align every outcome to the first framework capability that ``pick`` accepts."""
    def change(doc: dict[str, Any], caps: list[Any]) -> None:
        code = next(c.notation for c in caps if pick(c))
        for m in doc["modules"]:
            for o in m["learningOutcomes"]:
                o["alignedTo"] = [code]
                o["bloomLevel"] = "create"
                o["statement"] = "Design " + o["statement"].split(" ", 1)[1]
    return change


def _duplicate_outcome_id(doc: dict[str, Any], caps: list[Any]) -> None:
    for o in doc["modules"][0]["learningOutcomes"]:
        o["id"] = "https://provider.example/curricula/ai-foundations/outcome/same"


CASES = [
    Case("curriculum-id", Severity.VIOLATION, _set("id", _DELETE)),
    Case("curriculum-title", Severity.VIOLATION, _set("title", _DELETE),
         places=(("json", "$"), ("csv", "row 2, column curriculum_title"))),
    Case("curriculum-provider", Severity.VIOLATION, _set("provider", _DELETE)),
    Case("curriculum-target", Severity.VIOLATION, _set("targetArchetypes", []),
         also=frozenset({"off-target-alignment"})),
    Case("unknown-archetype", Severity.VIOLATION, _set("targetArchetypes", ["Users", "Wizard"]),
         places=(("json", "$.targetArchetypes[1]"), ("csv", "row 2, column target_archetypes"),
                 ("xlsx", "row 2, column target_archetypes"))),
    Case("curriculum-modules", Severity.VIOLATION, _set("modules", []), formats=("json", "ttl"),
         also=frozenset({"level-1-coverage"})),
    Case("module-title", Severity.VIOLATION,
         lambda d, c: (d["modules"][1].update(id="https://provider.example/m2"), d["modules"][1].pop("title")),
         places=(("json", "$.modules[1]"), ("csv", "row 4, column module_title"))),
    Case("module-outcomes", Severity.VIOLATION, _set("modules.1.learningOutcomes", []), formats=("json", "ttl")),
    Case("hours-missing", Severity.VIOLATION, _set("modules.0.notionalHours", _DELETE),
         places=(("json", "$.modules[0]"), ("csv", "row 2, column notional_hours"),
                 ("xlsx", "row 2, column notional_hours"))),
    Case("hours-number", Severity.VIOLATION, _set("modules.0.notionalHours", "ten"),
         places=(("json", "$.modules[0].notionalHours"), ("csv", "row 2, column notional_hours"),
                 ("xlsx", "row 2, column notional_hours"))),
    Case("hours-positive", Severity.VIOLATION, _set("modules.1.notionalHours", -2),
         places=(("json", "$.modules[1].notionalHours"), ("csv", "row 4, column notional_hours"))),
    Case("outcome-statement", Severity.VIOLATION, _set("modules.0.learningOutcomes.1.statement", _DELETE),
         places=(("json", "$.modules[0].learningOutcomes[1]"), ("csv", "row 3, column outcome_statement"))),
    Case("outcome-alignment", Severity.VIOLATION, _set("modules.0.learningOutcomes.1.alignedTo", []),
         # a missing value's place is its empty cell: the row and the column to fill in
         places=(("json", "$.modules[0].learningOutcomes[1]"), ("csv", "row 3, column aligned_capabilities"),
                 ("xlsx", "row 3, column aligned_capabilities"))),
    Case("outcome-bloom", Severity.VIOLATION, _set("modules.0.learningOutcomes.0.bloomLevel", "memorise"),
         places=(("json", "$.modules[0].learningOutcomes[0].bloomLevel"), ("csv", "row 2, column bloom_level"))),
    Case("unknown-capability", Severity.VIOLATION, _set("modules.1.learningOutcomes.0.alignedTo", ["6-03", "6.9-99"]),
         places=(("json", "$.modules[1].learningOutcomes[0].alignedTo[1]"),
                 ("csv", "row 4, column aligned_capabilities"), ("xlsx", "row 4, column aligned_capabilities"))),
    Case("duplicate-id", Severity.VIOLATION, _duplicate_outcome_id, formats=TABLES,
         places=(("json", "$.modules[0].learningOutcomes[0]"), ("csv", "row 2"))),
    Case("level-1-coverage", Severity.WARNING,
         _align_first(lambda c: c.level == 4 and "user" in c.archetypes or c.level == 3 and "user" in c.archetypes),
         places=(("json", "$.targetArchetypes[0]"), ("csv", "row 2, column target_archetypes"))),
    Case("bloom-below-level", Severity.WARNING, _set("modules.0.learningOutcomes.0.bloomLevel", "remember"),
         places=(("json", "$.modules[0].learningOutcomes[0].bloomLevel"), ("csv", "row 2, column bloom_level"))),
    Case("off-target-alignment", Severity.WARNING,
         lambda d, c: d["modules"][1]["learningOutcomes"][0].update(
             alignedTo=[next(x.notation for x in c if "user" not in x.archetypes and x.level == 2)],
             bloomLevel="create"),
         places=(("json", "$.modules[1].learningOutcomes[0].alignedTo[0]"),
                 ("csv", "row 4, column aligned_capabilities"))),
    Case("outcome-length", Severity.WARNING,
         _set("modules.0.learningOutcomes.1.statement", "Describe " + "the uses of AI in care, " * 30),
         places=(("json", "$.modules[0].learningOutcomes[1].statement"),
                 ("csv", "row 3, column outcome_statement"))),
    Case("observable-verb", Severity.WARNING,
         _set("modules.0.learningOutcomes.1.statement", "Know about AI in healthcare"),
         places=(("json", "$.modules[0].learningOutcomes[1].statement"),
                 ("csv", "row 3, column outcome_statement"))),
]


@pytest.mark.parametrize("fmt", ALL)
def test_valid_fixture_conforms_with_only_coverage_info(validator: CurriculumValidator, fmt: str) -> None:
    report = _validate(validator, base(), fmt)
    assert report.conforms
    assert [(r.severity, r.rule) for r in report.results] == [(Severity.INFO, "archetype-coverage")]
    assert report.results[0].message.startswith("Covers 3 of the ")


def _params() -> list[Any]:
    return [pytest.param(case, fmt, id=f"{case.rule}-{fmt}") for case in CASES for fmt in case.formats]


@pytest.mark.parametrize(("case", "fmt"), _params())
def test_invalid_fixture_fires_exactly_its_rule(validator: CurriculumValidator, caps: list[Any],
                                                case: Case, fmt: str) -> None:
    doc = base()
    case.change(doc, caps)
    report = _validate(validator, doc, fmt)
    fired = [r for r in report.results if r.severity is not Severity.INFO]
    assert {r.rule for r in fired} - case.also == {case.rule}, [(r.rule, r.message) for r in fired]
    assert {r.rule for r in fired} >= case.also
    fired = [r for r in fired if r.rule == case.rule]
    assert all(r.severity is case.severity for r in fired)
    assert report.conforms is (case.severity is not Severity.VIOLATION)
    for r in fired:
        assert r.message and r.hint and r.item.kind in ("curriculum", "module", "outcome", "item")
    expected = dict(case.places).get(fmt)
    if expected is not None:
        assert expected in [str(r.location) for r in fired], [str(r.location) for r in fired]
    if fmt == "ttl":
        assert all(r.location is None or r.location.line for r in fired)


def test_every_rule_in_the_shapes_has_a_case(validator: CurriculumValidator) -> None:
    rules = {r.id for r in validator.rules.values()}
    assert rules - {c.rule for c in CASES} == {"archetype-coverage"}


@pytest.mark.parametrize(("taken", "other"), [
    ("/module/1", "$.modules[0]"),  # an outcome given the IRI its module was minted
    ("/module/1/outcome/2", "$.modules[0].learningOutcomes[1]"),  # the next outcome's minted IRI
])
def test_an_id_that_is_another_item_s_minted_iri_is_a_duplicate_id(validator: CurriculumValidator,
                                                                   taken: str, other: str) -> None:
    """Ids left out are minted from positions; a given id equal to one of them would merge two items
    into one node (a module that is its own learning outcome). Both are named by duplicate-id."""
    doc = base()
    doc["modules"][0]["learningOutcomes"][0]["id"] = doc["id"] + taken
    report = _validate(validator, doc, "json")
    (dup,) = [r for r in report.results if r.rule == "duplicate-id"]
    assert not report.conforms
    assert "$.modules[0].learningOutcomes[0]" in dup.message and other in dup.message


def test_unknown_capability_suggests_nearest_codes(validator: CurriculumValidator) -> None:
    doc = base()
    doc["modules"][0]["learningOutcomes"][0]["alignedTo"] = ["6.1-99"]
    (result,) = [r for r in _validate(validator, doc, "json").results if r.rule == "unknown-capability"]
    assert result.value == "6.1-99"
    assert "Capability 6.1-99 is not in the framework." == result.message
    assert "Nearest existing codes: 6.1-" in result.hint


def test_coverage_counts_are_exact(validator: CurriculumValidator, caps: list[Any]) -> None:
    """Coverage of Users is covered/badged by construction: 3 aligned level-1 capabilities."""
    report = _validate(validator, base(), "json")
    badged = sum(1 for c in caps if "user" in c.archetypes)
    (info,) = report.results
    assert info.message.startswith(f"Covers 3 of the {badged} capabilities badged for Users ")
    assert "6 3/" in info.message


def test_hostile_text_is_kept_as_text(validator: CurriculumValidator) -> None:
    doc = base()
    doc["title"] = '<script>alert("x")</script> "quoted" } { '
    doc["modules"][0]["learningOutcomes"][0]["alignedTo"] = ['6-01"} ; DROP ALL']
    report = _validate(validator, doc, "json")
    assert report.rules(Severity.VIOLATION) == ["unknown-capability"]
    from aiskills.validation.render import as_html

    assert "<script>" not in as_html(report)


@pytest.mark.parametrize("fmt", TABLES)
def test_two_outcomes_under_one_id_are_reported_each_on_its_own_row(validator: CurriculumValidator, fmt: str) -> None:
    """Their values had been merged into one node: the second's Bloom level made a false "not one of the
    six" on the first's row, and the second outcome was not reported (nor suggested for) at all."""
    doc = base()
    first, second = doc["modules"][0]["learningOutcomes"]
    first["id"] = second["id"] = "https://provider.example/curricula/ai-foundations/outcome/same"
    first["bloomLevel"], second["bloomLevel"] = "understand", "analyse"
    second["alignedTo"] = []
    report = _validate(validator, doc, fmt)
    assert sorted(r.rule for r in report.results if r.severity == Severity.VIOLATION) == [
        "duplicate-id", "outcome-alignment"]
    (missing,) = [r for r in report.results if r.rule == "outcome-alignment"]
    own = {"json": "$.modules[0].learningOutcomes[1]"}.get(fmt, "row 3, column aligned_capabilities")
    assert str(missing.location) == own  # the second outcome's own place


@pytest.mark.parametrize("fmt", TABLES)
def test_plain_codes_are_kept_as_ids_under_their_parent(validator: CurriculumValidator, fmt: str) -> None:
    """A code such as LO1 or MED301 had been dropped (a blank node, a random IRI once stored); it now
    names the item under its module or curriculum, and a code used twice in one module is a duplicate."""
    doc = base()
    doc["modules"][0]["id"] = "MED 301"
    doc["modules"][0]["learningOutcomes"][0]["id"] = "LO1"
    doc["modules"][0]["learningOutcomes"][1]["id"] = "LO2"
    doc["modules"][1]["learningOutcomes"][0]["id"] = "LO1"  # another module: another outcome
    sub = read_bytes(WRITERS[fmt](doc), f"curriculum.{fmt}")
    report = validator.validate(sub)
    assert report.conforms, [r.message for r in report.results]
    cid = doc["id"]
    ids = {(t.subject.value, t.object.value) for t in sub.triples if t.predicate.value.endswith("/identifier")}
    assert ids == {(f"{cid}/module/MED%20301", "MED 301"), (f"{cid}/module/MED%20301/outcome/LO1", "LO1"),
                   (f"{cid}/module/MED%20301/outcome/LO2", "LO2"), (f"{cid}/module/2/outcome/LO1", "LO1")}
    doc["modules"][0]["learningOutcomes"][1]["id"] = "LO1"
    report = _validate(validator, doc, fmt)
    (dup,) = [r for r in report.results if r.rule == "duplicate-id"]
    both = {"json": "$.modules[0].learningOutcomes[0].id, $.modules[0].learningOutcomes[1].id"}
    assert both.get(fmt, "row 2, column outcome_id, row 3, column outcome_id") in dup.message
