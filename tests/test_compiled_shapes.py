"""The compiled SHACL path gives exactly pySHACL's results (focus, path, value, shape, component,
severity, message) on every rule fixture, every example and generated curricula; shapes outside the
compiled subset fall back to pySHACL."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib
from support.curricula import WRITERS, base

from aiskills.submission.model import Submission
from aiskills.submission.readers import read_bytes, read_submission
from aiskills.validation.compiled import compile_shapes
from aiskills.validation.engine import CurriculumValidator, run_shacl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from datagen import curricula

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")


@pytest.fixture(scope="module")
def validator(bundled_ontology, bundled_framework) -> CurriculumValidator:  # type: ignore[no-untyped-def]
    v = CurriculumValidator(bundled_ontology[0], bundled_framework.triples, bundled_framework.version)
    assert v.compiled is not None, "the curriculum shapes must stay within the compiled subset"
    return v


def reduced(g: rdflib.Graph) -> set[tuple[str, ...]]:
    keys = (SH.focusNode, SH.resultPath, SH.value, SH.sourceShape, SH.sourceConstraintComponent,
            SH.resultSeverity, SH.resultMessage)
    return {tuple(str(g.value(r, k)) for k in keys) for r in g.subjects(rdflib.RDF.type, SH.ValidationResult)}


def _both(validator: CurriculumValidator, submissions: list[Submission]) -> tuple[set, set]:  # type: ignore[type-arg]
    store = ox.Store()
    store.extend(validator._base)
    for s in submissions:
        store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in s.triples)
    fast = reduced(run_shacl(store, validator.shapes, validator.compiled)[1])
    reference = reduced(run_shacl(store, validator.shapes, False)[1])
    return fast, reference


def _rule_docs() -> list[Any]:
    from test_validation_rules import CASES

    return [pytest.param(case, id=case.rule) for case in CASES]


@pytest.mark.parametrize("case", _rule_docs())
def test_same_results_as_pyshacl_on_rule_fixture(validator: CurriculumValidator, caps, case) -> None:  # type: ignore[no-untyped-def]
    doc = base()
    case.change(doc, caps)
    fast, reference = _both(validator, [read_bytes(WRITERS["json"](doc), "c.json")])
    assert fast == reference and fast


@pytest.fixture(scope="module")
def caps(bundled_framework):  # type: ignore[no-untyped-def]
    from aiskills.framework.model import capability_rows

    return capability_rows(bundled_framework.triples)


def test_same_results_on_examples_together(validator: CurriculumValidator) -> None:
    subs = [read_submission(p) for p in sorted((ROOT / "examples").iterdir()) if p.suffix != ".md"]
    fast, reference = _both(validator, subs)
    assert fast == reference and len(fast) > 20


def test_same_results_on_generated_batch(validator: CurriculumValidator) -> None:
    docs = curricula(12, defect_share=0.3, seed=3)
    subs = [read_bytes(json.dumps(d).encode(), f"c{i}.json") for i, d in enumerate(docs)]
    fast, reference = _both(validator, subs)
    assert fast == reference
    assert {r[3].rsplit("#", 1)[-1] for r in fast} >= {"unknown-capability", "outcome-statement",
                                                      "bloom-below-level", "observable-verb", "archetype-coverage"}


def test_unsupported_shapes_fall_back_to_pyshacl() -> None:
    shapes = rdflib.Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://ex/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ;
          sh:or ( [ sh:path ex:p ; sh:minCount 1 ] [ sh:path ex:q ; sh:minCount 1 ] ) .
    """, format="turtle")
    assert compile_shapes(shapes) is None
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://ex/a"), ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                      ox.NamedNode("http://ex/C")))
    conforms, report = run_shacl(store, shapes)
    assert conforms is False
    assert {r[4] for r in reduced(report)} == {str(SH.OrConstraintComponent)}
