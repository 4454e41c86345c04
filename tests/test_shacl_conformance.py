"""The W3C SHACL test suite (the 98 core and 22 SPARQL-based tests its manifests list), run through the
project's one validation path, ``aiskills.validation.engine.run_shacl``.

The suite is read from the folder named by AISKILLS_CONFORMANCE_DIR (``make test`` sets it); without it
the guard test below fails rather than the suite silently collecting nothing. Comparison: see
``support/w3c_shacl.py``.
"""

from __future__ import annotations

import re

import pytest
import rdflib
from support import w3c_shacl as w3c

from aiskills.validation import engine

# Tests that fail for a reason outside this project: a pySHACL limitation, or a property of running on
# pyoxigraph. Each is a strict xfail pinned to its failure mode (_SIGNATURES): if one starts passing, or
# fails in any other way, the run fails.
KNOWN_FAILURES: dict[str, str] = {
    "sparql/pre-binding/shapesGraph-001": (
        "pySHACL does not support the $shapesGraph pre-bound variable: it raises NotImplementedError "
        "(pySHACL's own test runner allows this failure too)"),
    "sparql/node/prefixes-001": (
        "pySHACL collects sh:declare only from the sh:prefixes node itself, the shapes graph's own IRI and "
        "owl:Ontology subjects, and does not follow owl:imports from the sh:prefixes node (SHACL 5.2.1); so "
        "the prefix ex: is never declared and the query cannot be parsed"),
    "sparql/pre-binding/pre-binding-005": (
        "SHACL pre-binding substitutes $this everywhere; pySHACL binds it in the evaluation context only, "
        "so the nested `{ FILTER (bound($this)) }`, evaluated on its own, is false and the violation is "
        "missed"),
}

_MISSED = r"conforms: expected False, run_shacl returned True\nexpected but missing: [^\n]*"
# What each known failure looks like (re.fullmatch against the failure's text).
_SIGNATURES: dict[str, str] = {
    "sparql/pre-binding/shapesGraph-001": r"NotImplementedError: [^\n]*\$shapesGraph[^\n]*",
    "sparql/node/prefixes-001": r"Exception: Unknown namespace prefix : ex",
    "sparql/pre-binding/pre-binding-005": _MISSED,
}


class KnownFailure(Exception):
    """A test failed exactly as its KNOWN_FAILURES entry says."""


_DIR = w3c.conformance_dir()
CASES = w3c.collect(_DIR / "shacl" / "manifest.ttl") if _DIR else []
_BY_ID = {c.id: c for c in CASES}


def _param(case: w3c.Case) -> object:
    reason = KNOWN_FAILURES.get(case.id)
    marks = [pytest.mark.xfail(strict=True, reason=reason, raises=KnownFailure)] if reason else []
    return pytest.param(case, id=case.id, marks=marks)


def run(case: w3c.Case) -> list[str]:
    """Run one test through run_shacl; what is wrong with the outcome (empty: it passes)."""
    data, shapes = w3c.load_data(case), w3c.load_shapes(case)
    try:
        conforms, report = engine.run_shacl(data, shapes)
    except OSError as exc:  # never a SHACL failure: a network or file error
        return [f"run_shacl raised {type(exc).__name__}: {exc} (an I/O error, not a validation failure)"]
    except Exception:
        if case.expects_failure:
            return []
        raise
    kind = f"{type(report).__module__}.{type(report).__name__}"
    if case.expects_failure:
        return [f"the test expects a failure (sht:Failure), but run_shacl returned conforms={conforms} "
                f"and a {kind}" + ("" if isinstance(report, rdflib.Graph) else f": {str(report)[:300]}")]
    if not isinstance(report, rdflib.Graph):
        return [f"run_shacl returned a {kind} instead of a report graph: {str(report)[:300]}"]
    return w3c.check(case, conforms, report, data, shapes)


def test_conformance_dir_is_set() -> None:
    if _DIR is None:
        pytest.fail(w3c.missing_dir_message(), pytrace=False)
    core = [c for c in CASES if c.id.startswith("core/")]
    sparql = [c for c in CASES if c.id.startswith("sparql/")]
    # The pinned suite's manifests list 98 core and 22 SPARQL-based tests. Its folder also holds
    # sparql/component/nodeValidator-001.ttl (status proposed), which no manifest includes.
    assert (len(core), len(sparql)) == (98, 22)
    assert not [k for k in KNOWN_FAILURES if k.startswith("core/")], "every core test must pass"


def test_known_failures_are_tests() -> None:
    if _DIR is None:
        pytest.skip("the guard test reports the missing folder")
    assert sorted(set(KNOWN_FAILURES) - set(_BY_ID)) == []
    assert set(_SIGNATURES) == set(KNOWN_FAILURES)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_w3c_shacl(case: w3c.Case) -> None:
    try:
        problems = run(case)
    except Exception as exc:
        problems = [f"{type(exc).__name__}: {exc}"]
        if case.id not in KNOWN_FAILURES:
            raise
    if not problems:
        return
    text = "\n".join(problems)
    if case.id in KNOWN_FAILURES:
        if re.fullmatch(_SIGNATURES[case.id], text, re.DOTALL):
            raise KnownFailure(text)
        pytest.fail(f"{case.id} is a known failure, but it now fails differently:\n{text}", pytrace=False)
    pytest.fail(f"{case.id} ({case.file}):\n  " + text.replace("\n", "\n  "), pytrace=False)


def test_comparator_detects_mismatch() -> None:
    """The comparison is not vacuous: a dropped expected result, or a flipped sh:conforms, is reported."""
    if _DIR is None:
        pytest.skip("the guard test reports the missing folder")
    case = _BY_ID["core/node/class-001"]
    data, shapes = w3c.load_data(case), w3c.load_shapes(case)
    conforms, report = engine.run_shacl(data, shapes)
    assert w3c.check(case, conforms, report, data, shapes) == []
    actual = w3c.graphs_lookup(report, shapes, lambda: w3c.store_graph(data))

    dropped = rdflib.Graph()
    dropped += case.manifest
    dropped.remove((case.expected, w3c.SH.result, min(dropped.objects(case.expected, w3c.SH.result))))
    problems = w3c.compare(dropped, case.expected, w3c.graphs_lookup(dropped), conforms, report, actual)
    assert len(problems) == 1 and problems[0].startswith("unexpected: "), problems

    flipped = rdflib.Graph()
    flipped += case.manifest
    flipped.set((case.expected, w3c.SH.conforms, rdflib.Literal(True)))
    problems = w3c.compare(flipped, case.expected, w3c.graphs_lookup(flipped), conforms, report, actual)
    assert problems == ["conforms: expected True, run_shacl returned False"], problems
