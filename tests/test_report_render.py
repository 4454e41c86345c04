"""Report renderings: summary first, results grouped by item, the SHACL report as Turtle, escaped HTML."""

from __future__ import annotations

import json

import pytest
import rdflib
from support.curricula import base, to_csv

from aiskills.submission.readers import read_bytes
from aiskills.validation.engine import CurriculumValidator
from aiskills.validation.render import as_html, as_json, as_text, as_turtle
from aiskills.validation.report import Report


@pytest.fixture(scope="module")
def report(bundled_ontology, bundled_framework) -> Report:  # type: ignore[no-untyped-def]
    doc = base()
    doc["modules"][0]["notionalHours"] = "ten"
    doc["modules"][1]["learningOutcomes"][0]["alignedTo"] = ["6-99"]
    doc["modules"][1]["learningOutcomes"][0]["statement"] = "<b>Know</b> things"
    validator = CurriculumValidator(bundled_ontology[0], bundled_framework.triples, bundled_framework.version)
    return validator.validate(read_bytes(to_csv(doc), "outcomes.csv"))


def test_text_has_summary_then_items_with_row_and_column(report: Report) -> None:
    text = as_text(report)
    lines = text.splitlines()
    assert lines[0] == "outcomes.csv: does not conform (2 violations, 1 warning, 1 info; framework 2026.1)"
    assert "module 'What AI is'" in text
    assert "  ✗ violation [hours-number] at row 2, column notional_hours: The module's notional hours are not a number." in lines
    assert "      value: ten" in lines
    assert "  ✗ violation [unknown-capability] at row 4, column aligned_capabilities: Capability 6-99 is not in the framework." in lines
    assert text.index("[hours-number]") < text.index("[unknown-capability]")
    assert "\033[" not in text and "\033[31m" in as_text(report, colour=True)


def test_json_keys(report: Report) -> None:
    data = json.loads(as_json(report))
    assert set(data) == {"source", "format", "curriculum", "frameworkVersion", "conforms", "summary", "results"}
    assert data["summary"] == {"violations": 2, "warnings": 1, "infos": 1}
    first = data["results"][0]
    assert set(first) == {"severity", "rule", "message", "item", "value", "hint", "path", "location", "candidates", "slip"}
    assert first["location"] == {"row": 2, "column": "notional_hours"}
    assert first["item"]["kind"] == "module" and first["path"] == "ais:notionalHours"


def test_turtle_is_the_shacl_validation_report(report: Report) -> None:
    g = rdflib.Graph().parse(data=as_turtle(report), format="turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    (rep,) = g.subjects(rdflib.RDF.type, sh.ValidationReport)
    assert g.value(rep, sh.conforms) == rdflib.Literal(False)
    assert len(list(g.objects(rep, sh.result))) == len(report.results) == 4


def test_html_escapes_everything(report: Report) -> None:
    html = as_html(report)
    assert "<b>Know</b>" not in html and "&lt;b&gt;Know&lt;/b&gt;" in html
    assert 'data-conforms="false"' in html and html.count("<tr class=") == 4
