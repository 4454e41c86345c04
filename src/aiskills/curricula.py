"""Storing curricula: each conformant submission in its own named graph, with its provenance.

A submission with violations is refused and changes nothing. Resubmitting the same curriculum id
replaces its graph atomically (through ``Store.replace_graphs``).

The answers kept with each curriculum at write time (its coverage, the provision counts) are
worked out by ``aiskills.kept`` and written in the same ``Store.replace_graphs`` as the curriculum.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import pyoxigraph as ox

from aiskills import namespaces as ns
from aiskills.errors import InputError
from aiskills.framework.model import natural_key
from aiskills.kept import (
    COUNT,
    PROVISION_GRAPH,
    SETTLE,
    TEACHES,
    UNCOUNT,
    FrameworkIndex,
    Taught,
    provision_updates,
)
from aiskills.queries import Page, load_query
from aiskills.rdf import RDF_TYPE, integer, term_value
from aiskills.store.base import CatalogEntry, GraphData, Store, Table
from aiskills.submission.model import AISV, Submission
from aiskills.validation.report import Report, Severity

SPDX = "http://spdx.org/rdf/terms#"


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


@dataclass(frozen=True)
class CurriculumChoice:
    """A stored curriculum as a form offers it: its IRI, title and provider's name (the least of each)."""

    curriculum: str
    title: str | None
    provider: str | None


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
    existed = store.count(graph) > 0
    (stored,) = store_many(store, [(submission, report)], now)
    return Stored(iri, graph, existed, stored)


def store_many(
    store: Store, items: Sequence[tuple[Submission, Report]], now: datetime | None = None
) -> list[int]:
    """Store conformant submissions in one atomic write, with their coverage and the provision
    counts they change; the number of triples of each curriculum's graph."""
    framework = FrameworkIndex.read(store)
    graphs = [curriculum_graph(s.curriculum_id or "") for s, _ in items]
    contents, entries, sizes = [], [], []
    for (submission, report), graph in zip(items, graphs, strict=True):
        triples = graph_triples(submission, report, now)
        taught = Taught.of(triples)
        triples += framework.coverage(graph, submission.curriculum_id or "", taught, triples)
        data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        contents.append(GraphData(graph, data, ox.RdfFormat.N_TRIPLES))
        subject = ((ns.DCT_SUBJECT, ox.NamedNode(submission.curriculum_id or "")),)
        entries.append(CatalogEntry(graph, "curriculum", report.framework_version, extra=subject))
        sizes.append(len(triples))
    entries.append(CatalogEntry(PROVISION_GRAPH, "provision"))
    store.replace_graphs(
        contents, entries, before=provision_updates(*UNCOUNT), after=provision_updates(*COUNT)
    )
    return sizes


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
    return [ox.Triple(c, TEACHES, cap) for c, cap in sorted(taught, key=str)]


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
        ox.Triple(g, RDF_TYPE, ox.NamedNode(p + "Entity")),
        ox.Triple(g, ox.NamedNode(p + "generatedAtTime"), when),
        ox.Triple(g, ox.NamedNode(p + "wasGeneratedBy"), activity),
        ox.Triple(g, ox.NamedNode(ns.DCT + "source"), ox.Literal(submission.source)),
        ox.Triple(g, ox.NamedNode(ns.DCT + "format"), ox.Literal(submission.format)),
        ox.Triple(g, ox.NamedNode(ns.DCT_SUBJECT), ox.NamedNode(submission.curriculum_id or "")),
        ox.Triple(g, ox.NamedNode(SPDX + "checksum"), checksum),
        ox.Triple(
            checksum, ox.NamedNode(SPDX + "algorithm"), ox.NamedNode(SPDX + "checksumAlgorithm_sha256")
        ),
        ox.Triple(checksum, ox.NamedNode(SPDX + "checksumValue"), ox.Literal(submission.sha256)),
        ox.Triple(activity, RDF_TYPE, ox.NamedNode(p + "Activity")),
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
                integer(report.count(sev)),
            )
        )
    return out


def remove(store: Store, curriculum: str) -> str:
    """Drop a stored curriculum's graph; an unknown id is an InputError naming the stored ones."""
    graph = curriculum_graph(curriculum)
    if not store.count(graph):
        known = [
            c for (c,) in store.select(load_query("pages", "curricula-stored").paged(Page(6))).values() if c
        ]
        fix = (
            "no curricula are stored"
            if not known
            else "stored are, for example: " + ", ".join(sorted(known)[:5])
        )
        raise InputError(
            f"no stored curriculum has the id {curriculum!r}",
            fix=fix + " (`aiskills curricula list` lists them)",
        )
    store.replace_graphs(
        [],
        [CatalogEntry(PROVISION_GRAPH, "provision")],
        drop=[graph],
        before=provision_updates(*UNCOUNT),
        after=provision_updates(*SETTLE),
    )
    return graph


_LIST = """
PREFIX ais: <https://w3id.org/aiskills/ontology#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX spdx: <http://spdx.org/rdf/terms#>
SELECT ?g ?c ?title ?provider ?modules ?outcomes ?when ?source ?sha ?version WHERE {
  GRAPH ?g {
    ?g a prov:Entity ; dct:subject ?c .
    OPTIONAL { ?g dct:conformsTo ?framework }
    OPTIONAL { ?g prov:generatedAtTime ?when }
    OPTIONAL { ?g dct:source ?source }
    OPTIONAL { ?g spdx:checksum ?checksum . ?checksum spdx:checksumValue ?sha }
    OPTIONAL { ?c dct:title ?title }
    OPTIONAL { ?c ais:provider ?by . ?by rdfs:label ?provider }
  }
  OPTIONAL {
    SELECT ?g (COUNT(DISTINCT ?m) AS ?modules) (COUNT(DISTINCT ?o) AS ?outcomes) WHERE {
      GRAPH ?g { ?g dct:subject ?of . ?of ais:hasModule ?m OPTIONAL { ?m ais:hasLearningOutcome ?o } }
    }
    GROUP BY ?g
  }
  BIND (STRAFTER(STR(?framework), "/graph/framework/") AS ?version)
}
ORDER BY ?title ?c
"""


def choices(store: Store, most: int) -> list[CurriculumChoice] | None:
    """Every stored curriculum by title, for a form to offer; ``None`` when more than ``most`` are
    stored (then the form asks for an IRI or title instead). Reads at most ``most + 1`` curricula."""
    if len(store.select(load_query("pages", "curricula-stored").paged(Page(most + 1))).rows) > most:
        return None
    seen: dict[str, CurriculumChoice] = {}
    for c, title, provider in store.select(load_query("pages", "curriculum-choices").text).values():
        if c:
            had = seen.get(c)
            seen[c] = CurriculumChoice(
                c,
                _least(had.title if had else None, title),
                _least(had.provider if had else None, provider),
            )
    return sorted(seen.values(), key=lambda r: (r.title is None, r.title or "", r.curriculum))


def choice(store: Store, curriculum: str) -> CurriculumChoice | None:
    """The stored curriculum with IRI ``curriculum`` as a form shows it (one look-up), or None."""
    try:
        node = ox.NamedNode(curriculum)
    except ValueError:
        return None
    found = [
        CurriculumChoice(curriculum, title, provider)
        for title, provider in store.select(
            load_query("pages", "curriculum-choice").text, {"curriculum": node}
        ).values()
    ]
    if not found:
        return None
    return CurriculumChoice(
        curriculum, _least(*(f.title for f in found)), _least(*(f.provider for f in found))
    )


def _least(*values: str | None) -> str | None:
    given = [v for v in values if v is not None]
    return min(given) if given else None


def records(store: Store) -> list[CurriculumRecord]:
    """Every stored curriculum, by title (read off the curricula's graphs, not the catalogue). Each
    fact is read in the curriculum's own graph: a provider's label, stated in every curriculum of
    that provider, is read once per curriculum, not once per graph."""
    return _records(store.select(_LIST))


def record(store: Store, graph: str) -> CurriculumRecord | None:
    """The curriculum stored in ``graph`` (None when none is): its graph read whole (a few hundred
    triples), then the listing's own query asked of that graph alone, so one curriculum costs the
    same however many are stored."""
    triples = store.triples(graph)
    if not triples:
        return None
    alone = ox.Store()
    node = ox.NamedNode(graph)
    alone.extend(ox.Quad(t.subject, t.predicate, t.object, node) for t in triples)
    result = alone.query(_LIST)
    if not isinstance(result, ox.QuerySolutions):  # _LIST is a SELECT
        return None
    variables = result.variables
    found = _records(Table(tuple(v.value for v in variables), [tuple(s) for s in result]))
    return found[0] if found else None


def _records(table: Table) -> list[CurriculumRecord]:
    out = []
    for g, c, title, provider, modules, outcomes, when, source, sha, version in table.values():
        if g and g.startswith(ns.CURRICULUM_GRAPH_PREFIX):
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
                    version or None,
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
    return record(store, graph_for_key(key))


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


# -- answers kept at write time: coverage per archetype and domain, provision counts ---------------
