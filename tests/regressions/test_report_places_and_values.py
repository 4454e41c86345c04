"""Regressions found while writing the examples: Turtle lines for prefixed names, codes in messages
as typed, ';' lists in JSON, results in document order."""

from __future__ import annotations

import json

import pytest
from support.curricula import base, to_json

from aiskills.submission.readers import read_bytes
from aiskills.validation.engine import CurriculumValidator, validator_for


@pytest.fixture(scope="module")
def validator() -> CurriculumValidator:
    return validator_for(None)


TTL = b"""@prefix ais: <https://w3id.org/aiskills/ontology#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix c: <https://provider.example/c/> .

c:one a ais:Curriculum ;
    dct:title "One" ;
    ais:hasModule c:m1 .

c:m1 a ais:Module ;
    ais:notionalHours "ten" ;
    ais:hasLearningOutcome c:o1 .

c:o1 a ais:LearningOutcome ;
    ais:statement "Explain AI" ;
    ais:alignedTo <https://w3id.org/aiskills/id/capability/6-01> .
"""


def test_turtle_result_points_at_the_line_describing_a_prefixed_item(validator: CurriculumValidator) -> None:
    report = validator.validate(read_bytes(TTL, "c.ttl"))
    (hours,) = [r for r in report.results if r.rule == "hours-number"]
    assert str(hours.location) == "line 9"
    (title,) = [r for r in report.results if r.rule == "module-title"]
    assert str(title.location) == "line 9"


def test_unknown_code_is_shown_as_typed(validator: CurriculumValidator) -> None:
    doc = base()
    doc["modules"][0]["learningOutcomes"][0]["alignedTo"] = ["6.1 03"]
    (r,) = [r for r in validator.validate(read_bytes(to_json(doc), "c.json")).results if r.rule == "unknown-capability"]
    assert r.message.startswith("Capability 6.1 03 is not in the framework") and r.value == "6.1 03"
    assert "Nearest existing codes: 6.1-" in r.hint


def test_json_alignment_string_with_semicolons_is_a_list(validator: CurriculumValidator) -> None:
    doc = base()
    doc["modules"][0]["learningOutcomes"][0]["alignedTo"] = "6-01; 6-02"
    report = validator.validate(read_bytes(json.dumps(doc).encode(), "c.json"))
    assert report.conforms and report.rules() == ["archetype-coverage"]


def test_results_follow_the_document_order(validator: CurriculumValidator) -> None:
    doc = base()
    doc["targetArchetypes"] = ["User", "Wizard"]
    doc["modules"][1]["notionalHours"] = "six"
    report = validator.validate(read_bytes(to_json(doc), "c.json"))
    places = [str(r.location) for r in report.results if r.severity.value == "violation"]
    assert places == ["$.targetArchetypes[1]", "$.modules[1].notionalHours"]
