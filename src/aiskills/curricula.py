"""Storing curricula: each conformant submission in its own named graph, with its provenance.

A submission with violations is refused and changes nothing. Resubmitting the same curriculum id
replaces its graph atomically (through ``Store.replace_graphs``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

import pyoxigraph as ox

from aiskills import namespaces as ns
from aiskills.errors import InputError
from aiskills.framework.model import natural_key
from aiskills.rdf import term_value
from aiskills.store.base import CatalogEntry, GraphData, Store
from aiskills.submission.model import AISV, Submission
from aiskills.validation.report import Report, Severity

SPDX = "http://spdx.org/rdf/terms#"
_SUBJECT = ns.DCT + "subject"
_TYPE = ox.NamedNode(ns.RDF + "type")
_XSD_INT = ox.NamedNode(ns.XSD + "integer")
_TEACHES = ox.NamedNode("https://schema.org/teaches")


@dataclass(frozen=True)
class Stored:
    curriculum: str
    graph: str
    replaced: bool
    triples: int


@dataclass(frozen=True)
class CurriculumRecord:
    curriculum: str
    graph: str
    title: str | None
    provider: str | None
    modules: int
    outcomes: int
    submitted: str | None
    source: str | None
    sha256: str | None
    framework_version: str | None


def curriculum_graph(curriculum: str) -> str:
    """The named graph of a curriculum: a hash of its IRI, so any IRI gives a safe graph name."""
    return ns.CURRICULUM_GRAPH_PREFIX + hashlib.sha256(curriculum.encode("utf-8")).hexdigest()


def submit(store: Store, submission: Submission, report: Report, now: datetime | None = None) -> Stored:
    """Store a conformant submission (its report must have no violations)."""
    if not report.conforms:
        raise InputError(
            f"has {report.count(Severity.VIOLATION)} violation(s) and was not stored",
            source=submission.source,
            fix="fix the violations in the report and submit again",
        )
    if submission.curriculum_id is None:
        raise InputError(
            "the curriculum has no id", source=submission.source, fix="give the curriculum an IRI id"
        )
    iri = submission.curriculum_id
    graph = curriculum_graph(iri)
    existed = any(e.graph == graph for e in store.catalog())
    triples = graph_triples(submission, report, now)
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    store.replace_graphs(
        [GraphData(graph, data, ox.RdfFormat.N_TRIPLES)],
        [CatalogEntry(graph, "curriculum", report.framework_version, extra=((_SUBJECT, ox.NamedNode(iri)),))],
    )
    return Stored(iri, graph, existed, len(triples))


def graph_triples(submission: Submission, report: Report, now: datetime | None = None) -> list[ox.Triple]:
    """What a curriculum's graph holds: the submission, what it entails, and its provenance."""
    return (
        submission.stored_triples()
        + teaches(submission.stored_triples())
        + provenance(curriculum_graph(submission.curriculum_id or ""), submission, report, now)
    )


def teaches(triples: list[ox.Triple]) -> list[ox.Triple]:
    """``curriculum schema:teaches capability`` for each capability an outcome of it is aligned to.

    The ontology's property chain (ais:hasModule o ais:hasLearningOutcome o ais:alignedTo) entails
    these; storing them lets coverage questions over many curricula read one pattern.
    """
    by: dict[str, list[tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode | ox.BlankNode]]] = {
        p: [
            (t.subject, t.object)
            for t in triples
            if term_value(t.predicate) == ns.AIS + p
            and isinstance(t.subject, ox.NamedNode | ox.BlankNode)
            and isinstance(t.object, ox.NamedNode | ox.BlankNode)
        ]
        for p in ("hasModule", "hasLearningOutcome", "alignedTo")
    }
    outcomes: dict[ox.NamedNode | ox.BlankNode, list[ox.NamedNode | ox.BlankNode]] = {}
    for outcome, capability in by["alignedTo"]:
        outcomes.setdefault(outcome, []).append(capability)
    modules: dict[ox.NamedNode | ox.BlankNode, set[ox.NamedNode | ox.BlankNode]] = {}
    for module, outcome in by["hasLearningOutcome"]:
        modules.setdefault(module, set()).update(outcomes.get(outcome, []))
    taught = {(curriculum, cap) for curriculum, module in by["hasModule"] for cap in modules.get(module, ())}
    return [ox.Triple(c, _TEACHES, cap) for c, cap in sorted(taught, key=str)]


def provenance(
    graph: str, submission: Submission, report: Report, now: datetime | None = None
) -> list[ox.Triple]:
    """PROV-O facts about the stored graph: when, from which file (SHA-256), checked against which
    framework version, and the validation summary."""
    g = ox.NamedNode(graph)
    activity = ox.NamedNode(graph + "#validation")
    checksum = ox.NamedNode(graph + "#checksum")
    when = ox.Literal(
        (now or datetime.now(UTC)).isoformat(timespec="seconds"),
        datatype=ox.NamedNode(ns.XSD + "dateTime"),
    )
    p = ns.PROV
    out = [
        ox.Triple(g, _TYPE, ox.NamedNode(p + "Entity")),
        ox.Triple(g, ox.NamedNode(p + "generatedAtTime"), when),
        ox.Triple(g, ox.NamedNode(p + "wasGeneratedBy"), activity),
        ox.Triple(g, ox.NamedNode(ns.DCT + "source"), ox.Literal(submission.source)),
        ox.Triple(g, ox.NamedNode(ns.DCT + "format"), ox.Literal(submission.format)),
        ox.Triple(g, ox.NamedNode(_SUBJECT), ox.NamedNode(submission.curriculum_id or "")),
        ox.Triple(g, ox.NamedNode(SPDX + "checksum"), checksum),
        ox.Triple(
            checksum, ox.NamedNode(SPDX + "algorithm"), ox.NamedNode(SPDX + "checksumAlgorithm_sha256")
        ),
        ox.Triple(checksum, ox.NamedNode(SPDX + "checksumValue"), ox.Literal(submission.sha256)),
        ox.Triple(activity, _TYPE, ox.NamedNode(p + "Activity")),
        ox.Triple(activity, ox.NamedNode(p + "endedAtTime"), when),
        ox.Triple(
            activity,
            ox.NamedNode(ns.RDFS + "label"),
            ox.Literal(
                f"validated: {report.count(Severity.VIOLATION)} violations, "
                f"{report.count(Severity.WARNING)} warnings, {report.count(Severity.INFO)} info"
            ),
        ),
    ]
    if report.framework_version:
        out.append(
            ox.Triple(
                activity, ox.NamedNode(p + "used"), ox.NamedNode(ns.framework_graph(report.framework_version))
            )
        )
        out.append(
            ox.Triple(
                g,
                ox.NamedNode(ns.DCT + "conformsTo"),
                ox.NamedNode(ns.framework_graph(report.framework_version)),
            )
        )
    for sev in Severity:
        out.append(
            ox.Triple(
                activity,
                ox.NamedNode(AISV + sev.value + "s"),
                ox.Literal(str(report.count(sev)), datatype=_XSD_INT),
            )
        )
    return out


def remove(store: Store, curriculum: str) -> str:
    """Drop a stored curriculum's graph; an unknown id is an InputError naming the stored ones."""
    graph = curriculum_graph(curriculum)
    if not any(e.graph == graph for e in store.catalog()):
        known = ", ".join(r.curriculum for r in records(store)[:5]) or "none stored"
        raise InputError(f"no stored curriculum has the id {curriculum!r}", fix=f"stored: {known}")
    store.replace_graphs([], drop=[graph])
    return graph


_LIST = """
PREFIX ais: <https://w3id.org/aiskills/ontology#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX spdx: <http://spdx.org/rdf/terms#>
SELECT ?g ?c ?title ?provider (COUNT(DISTINCT ?m) AS ?modules) (COUNT(DISTINCT ?o) AS ?outcomes)
       ?when ?source ?sha WHERE {
  ?g a prov:Entity ; dct:subject ?c .
  OPTIONAL { ?c dct:title ?title }
  OPTIONAL { ?c ais:provider/rdfs:label ?provider }
  OPTIONAL { ?c ais:hasModule ?m OPTIONAL { ?m ais:hasLearningOutcome ?o } }
  OPTIONAL { ?g prov:generatedAtTime ?when }
  OPTIONAL { ?g dct:source ?source }
  OPTIONAL { ?g spdx:checksum/spdx:checksumValue ?sha }
}
GROUP BY ?g ?c ?title ?provider ?when ?source ?sha
ORDER BY ?title ?c
"""


def records(store: Store) -> list[CurriculumRecord]:
    """Every stored curriculum, by title."""
    versions = {e.graph: e.version for e in store.catalog() if e.kind == "curriculum"}
    table = store.select(_LIST)
    out = []
    for g, c, title, provider, modules, outcomes, when, source, sha in table.values():
        if g in versions:
            out.append(
                CurriculumRecord(
                    c or "",
                    g or "",
                    title,
                    provider,
                    int(modules or 0),
                    int(outcomes or 0),
                    when,
                    source,
                    sha,
                    versions[g],
                )
            )
    return out


# -- addressing stored curricula by a URL-safe key -------------------------------------------------


def key_of(graph: str) -> str:
    """A stored curriculum's URL-safe key: the hash that ends its graph name."""
    return graph.removeprefix(ns.CURRICULUM_GRAPH_PREFIX)


def graph_for_key(key: str) -> str:
    """The graph a key names: a key (64 hex digits) as ``key_of`` gives, or the curriculum's IRI."""
    text = key.strip()
    if len(text) == 64 and all(c in "0123456789abcdef" for c in text.lower()):
        return ns.CURRICULUM_GRAPH_PREFIX + text.lower()
    return curriculum_graph(text)


def find(store: Store, key: str) -> CurriculumRecord | None:
    """The stored curriculum a key or IRI names, or None."""
    graph = graph_for_key(key)
    return next((r for r in records(store) if r.graph == graph), None)


@dataclass(frozen=True)
class OutcomeOutline:
    id: str
    statement: str | None
    bloom_level: str | None
    aligned_to: tuple[str, ...]


@dataclass(frozen=True)
class ModuleOutline:
    id: str
    title: str | None
    notional_hours: str | None
    outcomes: tuple[OutcomeOutline, ...]


def outline(triples: list[ox.Triple], curriculum: str) -> list[ModuleOutline]:
    """A stored curriculum's modules and their learning outcomes, read from its graph's triples;
    in the order of their IRIs (numbers compared as numbers, so module/2 comes before module/10)."""
    values: dict[tuple[str, str], list[str]] = {}
    for t in triples:
        values.setdefault((term_value(t.subject), term_value(t.predicate)), []).append(term_value(t.object))

    def one(s: str, p: str) -> str | None:
        found = values.get((s, ns.AIS + p) if ":" not in p else (s, p))
        return min(found) if found else None

    def many(s: str, p: str) -> list[str]:
        return sorted(values.get((s, ns.AIS + p), []), key=natural_key)

    return [
        ModuleOutline(
            m,
            one(m, ns.DCT + "title"),
            one(m, "notionalHours"),
            tuple(
                OutcomeOutline(o, one(o, "statement"), one(o, "bloomLevel"), tuple(many(o, "alignedTo")))
                for o in many(m, "hasLearningOutcome")
            ),
        )
        for m in many(curriculum, "hasModule")
    ]
