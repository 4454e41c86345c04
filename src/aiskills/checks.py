"""``aiskills check``: is the ontology and framework sound?

Four checks, each reporting problems as data: the files parse; OWL 2 DL consistency (owlready2 with
HermiT); the framework's SHACL shapes (``shapes/framework.ttl``); and the quality-control queries
(``queries/qc/*.rq``, each of which must return no rows). Against an earlier version, a fifth:
no capability disappears (``removal_check``): a withdrawn capability stays, deprecated.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

import pyoxigraph as ox

from aiskills import namespaces as ns
from aiskills.framework.model import Framework, framework_version, missing_capabilities
from aiskills.loading import load_ontology_and_framework
from aiskills.queries import load_group
from aiskills.resources import data_dir
from aiskills.store.embedded import EmbeddedStore


class CheckStatus(Enum):
    PASSED = "passed"
    FAILED = "failed"
    COULD_NOT_RUN = "could not run"


@dataclass(frozen=True)
class Finding:
    check: str  # "owl", "shacl" or "qc:{query name}"
    focus: str  # the IRI or item concerned
    message: str


@dataclass
class CheckResult:
    name: str
    status: CheckStatus
    findings: list[Finding] = field(default_factory=list)
    detail: str = ""


def run_checks(
    ontology: Sequence[ox.Triple],
    framework: Sequence[ox.Triple],
    java: str | None = None,
    previous: Sequence[ox.Triple] | None = None,
) -> list[CheckResult]:
    """Every check over the given ontology and framework triples (and against ``previous``, the
    earlier version's framework triples, when given)."""
    results = [
        owl_check(ontology, framework, java),
        shacl_check(ontology, framework),
        qc_check(ontology, framework),
    ]
    if previous is not None:
        results.append(removal_check(previous, framework))
    return results


# -- removals ------------------------------------------------------------------------------------


def removal_check(previous: Sequence[ox.Triple], framework: Sequence[ox.Triple]) -> CheckResult:
    """Every capability of the ``previous`` framework is still in ``framework`` (deprecated if it
    was withdrawn): a capability's IRI keeps resolving, so curricula aligned to it stay readable."""
    findings = [
        Finding(
            "removal",
            iri,
            f"capability {code} was in the "
            "previous version and is missing now: keep it, marked owl:deprecated true with "
            "dct:isReplacedBy its successor or ais:noReplacement true (template columns "
            "deprecated = true, replaced_by = a notation or none)",
        )
        for iri, code in missing_capabilities(previous, framework)
    ]
    return CheckResult("removal", CheckStatus.FAILED if findings else CheckStatus.PASSED, findings)


# -- OWL -----------------------------------------------------------------------------------------


def owl_check(
    ontology: Sequence[ox.Triple], framework: Sequence[ox.Triple], java: str | None = None
) -> CheckResult:
    """OWL 2 DL consistency of ontology + framework with HermiT (through owlready2)."""
    java = java or shutil.which("java")
    if not java:
        return CheckResult(
            "owl",
            CheckStatus.COULD_NOT_RUN,
            detail="no Java runtime found for HermiT (install one, e.g. default-jre-headless)",
        )
    import owlready2

    owlready2.JAVA_EXE = java
    data = ox.serialize(list(ontology) + list(framework), format=ox.RdfFormat.N_TRIPLES) or b""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "all.nt"
        path.write_bytes(data)
        world = owlready2.World()
        try:
            onto = world.get_ontology(path.as_uri()).load(format="ntriples")
            with onto:
                owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError:
            return CheckResult(
                "owl",
                CheckStatus.FAILED,
                [
                    Finding(
                        "owl",
                        ns.ONTOLOGY_IRI,
                        "the ontology and framework are inconsistent "
                        "(HermiT found no model): look for an individual in two disjoint "
                        "classes or a functional property with two values",
                    )
                ],
            )
        except (owlready2.OwlReadyJavaError, OSError) as exc:
            return CheckResult("owl", CheckStatus.COULD_NOT_RUN, detail=f"HermiT did not run: {exc}")
        unsatisfiable = [c.iri for c in world.inconsistent_classes()]
        world.close()
    findings = [Finding("owl", iri, "class can have no members (unsatisfiable)") for iri in unsatisfiable]
    return CheckResult("owl", CheckStatus.FAILED if findings else CheckStatus.PASSED, findings)


# -- SHACL ---------------------------------------------------------------------------------------


def shacl_check(ontology: Sequence[ox.Triple], framework: Sequence[ox.Triple]) -> CheckResult:
    """The framework shapes over the framework, with the ontology alongside for the class hierarchy,
    through the project's one SHACL path (``run_shacl``)."""
    import rdflib

    from aiskills.validation.engine import load_shapes, run_shacl

    _, report = run_shacl([*framework, *ontology], load_shapes(data_dir("shapes") / "framework.ttl"))
    sh = rdflib.Namespace(ns.SH)
    findings = []
    for result in report.subjects(rdflib.RDF.type, sh.ValidationResult):
        severity = report.value(result, sh.resultSeverity)
        if severity == sh.Info:
            continue
        focus = report.value(result, sh.focusNode)
        message = report.value(result, sh.resultMessage)
        path = report.value(result, sh.resultPath)
        text = str(message) if message else "violates a framework shape"
        if path is not None and isinstance(path, rdflib.URIRef):
            text = f"{path.n3(report.namespace_manager)}: {text}"
        findings.append(Finding("shacl", str(focus), text))
    findings.sort(key=lambda f: (f.focus, f.message))
    return CheckResult("shacl", CheckStatus.FAILED if findings else CheckStatus.PASSED, findings)


# -- quality-control queries -------------------------------------------------------------------


def qc_check(ontology: Sequence[ox.Triple], framework: Sequence[ox.Triple]) -> CheckResult:
    """Each ``queries/qc/*.rq`` must return no rows; each row is a finding (focus, reason)."""
    store = EmbeddedStore(None)
    try:
        fw = Framework(list(framework), framework_version(framework, "framework"))
        load_ontology_and_framework(store, (list(ontology), "check"), fw)
        findings = []
        for query in load_group("qc"):
            for row in store.select(query.text).values():
                focus, reason = (row + (None, None))[:2]
                findings.append(Finding(f"qc:{query.name}", focus or "", reason or query.title))
    finally:
        store.close()
    return CheckResult("qc", CheckStatus.FAILED if findings else CheckStatus.PASSED, findings)
