"""The validation engine: SHACL (pySHACL running its SPARQL on Oxigraph) over a submission plus the
framework and ontology, with the shapes parsed once per process."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import rdflib

from aiskills import namespaces as ns
from aiskills import suggestions
from aiskills.errors import ConfigError
from aiskills.rdf import RDF_TYPE as _TYPE
from aiskills.rdf import term_value
from aiskills.resources import data_dir
from aiskills.submission.model import Submission
from aiskills.suggestions import Suggester
from aiskills.suggestions.outcomes import targets as outcome_targets
from aiskills.validation.compiled import (
    CompiledShapes,
    InvalidSparqlConstraint,
    check_sparql,
    compile_shapes,
    report_graph,
)
from aiskills.validation.report import (
    Item,
    Report,
    Result,
    Severity,
    compact,
    describe_items,
    display_value,
    sorted_results,
)
from aiskills.validation.slips import recognise

SH = rdflib.Namespace(ns.SH)
HINT = rdflib.URIRef("https://w3id.org/aiskills/validation#hint")
_SEVERITY = {SH.Violation: Severity.VIOLATION, SH.Warning: Severity.WARNING, SH.Info: Severity.INFO}
_NOTATION = ox.NamedNode(ns.SKOS + "notation")
_CAPABILITY = ox.NamedNode(ns.AIS + "Capability")
_PREF = ox.NamedNode(ns.SKOS + "prefLabel")


@dataclass(frozen=True)
class Rule:
    id: str
    hint: str


class ShapesError(ConfigError):
    """A shapes graph that SHACL cannot use (e.g. a SPARQL constraint with MINUS)."""


def run_shacl(
    data: ox.Store | Sequence[ox.Triple], shapes: rdflib.Graph, compiled: CompiledShapes | None | bool = True
) -> tuple[bool, rdflib.Graph]:
    """SHACL validation of the store's default graph; returns (conforms, sh:ValidationReport graph),
    with SHACL's own meaning of conforms (any result, whatever its severity, means it does not).

    The one validation path: curriculum checks and the W3C conformance suite both go through it.
    Shapes within the compiled subset run as one SPARQL query per constraint on Oxigraph
    (``compiled``: True to compile here, a ``CompiledShapes`` to reuse, False to skip); other shapes
    go to pySHACL, which also runs its SPARQL on Oxigraph.
    """
    try:
        plan = compile_shapes(shapes) if compiled is True else (compiled or None)
    except InvalidSparqlConstraint as exc:
        raise ShapesError(f"the shapes could not be used: {exc}") from None
    if plan is not None:
        return report_graph(plan.run(data if isinstance(data, ox.Store) else _store(data)))
    import pyshacl

    for select in shapes.objects(None, SH.select):
        try:
            check_sparql(str(select))  # refused before pySHACL could run it (SERVICE reaches the network)
        except InvalidSparqlConstraint as exc:
            raise ShapesError(f"the shapes could not be used: {exc}") from None
    from pyshacl.graph_abstraction import DataGraph

    if isinstance(data, ox.Store):
        target: DataGraph | rdflib.Graph = DataGraph.from_oxigraph_store(data)
        shapes = _typed_strings(shapes)
    else:  # an rdflib graph keeps every literal as written (Oxigraph's store canonicalises numbers)
        target = _rdflib_graph(data)
    conforms, graph, text = pyshacl.validate(target, shacl_graph=shapes, inference="none", advanced=True)
    if not isinstance(graph, rdflib.Graph):
        raise ShapesError(f"the shapes could not be used: {text.strip()}")
    return bool(conforms), graph


def _store(triples: Sequence[ox.Triple]) -> ox.Store:
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    return store


def _rdflib_graph(triples: Sequence[ox.Triple]) -> rdflib.Graph:
    from aiskills.rdf import to_rdflib

    graph = rdflib.Graph()
    for t in triples:
        graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    return graph


def _typed_strings(shapes: rdflib.Graph) -> rdflib.Graph:
    """The shapes with plain literals written as xsd:string: pySHACL reads Oxigraph's plain literals
    as xsd:string, and would otherwise never match sh:hasValue or sh:in strings."""
    out = rdflib.Graph(identifier=shapes.identifier)
    for prefix, namespace in shapes.namespaces():
        out.bind(prefix, namespace, override=True)
    string = rdflib.URIRef(ns.XSD + "string")
    for s, p, o in shapes:
        if isinstance(o, rdflib.Literal) and o.datatype is None and not o.language:
            o = rdflib.Literal(str(o), datatype=string)
        out.add((s, p, o))
    return out


def load_shapes(path: Path) -> rdflib.Graph:
    """Parse a shapes file as pySHACL does (its boolean patch keeps "1"^^xsd:boolean as written)."""
    from pyshacl.monkey import rdflib_bool_patch, rdflib_bool_unpatch

    rdflib_bool_patch()
    try:
        return rdflib.Graph().parse(path, format="turtle")
    finally:
        rdflib_bool_unpatch()


def curriculum_shapes_path() -> Path:
    return data_dir("shapes") / "curriculum.ttl"


class CurriculumValidator:
    """Validates submissions against the curriculum shapes and one framework version.

    Build it once (it parses the shapes and indexes the framework) and call ``validate`` per file.
    """

    def __init__(
        self,
        ontology: Sequence[ox.Triple],
        framework: Sequence[ox.Triple],
        framework_version: str | None = None,
        shapes: Path | None = None,
    ) -> None:
        self.framework_version = framework_version
        self.framework = list(framework)
        self._lock = threading.Lock()
        self._base = [ox.Quad(t.subject, t.predicate, t.object) for t in (*ontology, *framework)]
        self.shapes = load_shapes(shapes or curriculum_shapes_path())
        self.rules = _rules(self.shapes)
        self.compiled = compile_shapes(self.shapes)
        self._suggester: Suggester | None = None
        self._suggester_lock = threading.Lock()
        caps = {t.subject for t in framework if t.predicate == _TYPE and t.object == _CAPABILITY}
        self.notations = sorted(
            term_value(t.object) for t in framework if t.subject in caps and t.predicate == _NOTATION
        )
        labels = {
            t.subject: term_value(t.object) for t in framework if t.subject in caps and t.predicate == _PREF
        }
        #: Each capability's code → its statement (reports link the codes they suggest with it).
        self.statements = {
            term_value(t.object): labels.get(t.subject, "")
            for t in framework
            if t.subject in caps and t.predicate == _NOTATION
        }

    def suggester(self) -> Suggester:
        """The alignment suggester for this validator's framework, built on first use and kept."""
        with self._suggester_lock:
            if self._suggester is None:
                self._suggester = suggestions.build(self.framework, self.framework_version)
            return self._suggester

    def _suggested_fix(self, submission: Submission, focus: str) -> str:
        """The top suggestions for an outcome without alignment, as a sentence (empty when none)."""
        statement = next(
            (
                t.object.value
                for t in submission.triples
                if str(t.subject) == focus
                and t.predicate.value == ns.AIS + "statement"
                and isinstance(t.object, ox.Literal)
            ),
            "",
        )
        if not statement.strip():
            return ""
        found = self.suggester().rank(statement, top=3, archetype=outcome_targets(submission))
        if not found:
            return " No capability fits its statement well enough to suggest one."
        return (
            " Suggested by its statement: "
            + "; ".join(f"{s.notation} ({s.label.rstrip('.')}, score {s.score:.2f})" for s in found)
            + "."
        )

    def validate(self, submission: Submission) -> Report:
        """The report for one submission; non-conformance is data, never an exception. One at a time
        per validator: pySHACL, for the shapes it runs, is not known to be safe across threads."""
        with self._lock:
            graph = self._shacl(submission)
        return self.report(submission, graph)

    def _shacl(self, submission: Submission) -> rdflib.Graph:
        store = ox.Store()
        store.extend(self._base)
        store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in submission.triples)
        return run_shacl(store, self.shapes, self.compiled or False)[1]

    def report(self, submission: Submission, graph: rdflib.Graph) -> Report:
        items = describe_items(submission)
        results = recognise(
            (
                self._result(graph, node, submission, items)
                for node in graph.subjects(SH.resultSeverity, None)
            ),
            self.notations,
        )
        order: dict[str, int] = {}
        for location in submission.sources.places.values():
            order.setdefault(str(location), len(order))
        return Report(
            submission.source,
            submission.format,
            submission.curriculum_id,
            sorted_results(results, order),
            self.framework_version,
            graph.serialize(format="turtle"),
        )

    def _result(
        self, g: rdflib.Graph, node: rdflib.term.Node, submission: Submission, items: dict[str, Item]
    ) -> Result:
        focus = g.value(node, SH.focusNode)
        path = g.value(node, SH.resultPath)
        value = g.value(node, SH.value)
        sources = [g.value(node, SH.sourceConstraint), g.value(node, SH.sourceShape)]
        rule = next(
            (self.rules[s] for s in sources if s is not None and s in self.rules),
            Rule(str(sources[1]), ""),
        )
        focus_nt = _nt(focus)
        path_nt = _nt(path) if isinstance(path, rdflib.URIRef) else None
        value_nt = _nt(value) if value is not None else None
        location = submission.sources.find(focus_nt, path_nt, value_nt)
        original = submission.sources.original(focus_nt, path_nt, value_nt) if path_nt and value_nt else None
        coded = display_value(str(value)) if value is not None else None
        shown = None if isinstance(value, rdflib.BNode) else (original or coded)
        message = str(g.value(node, SH.resultMessage) or "")
        if original and coded and original != coded:
            message = message.replace(coded, original)  # values in messages as the user typed them
        hint = rule.hint
        if rule.id == "outcome-alignment":
            hint += self._suggested_fix(submission, focus_nt)
        item = items.get(focus_nt) or Item(
            "item", str(focus) if isinstance(focus, rdflib.URIRef) else None, None
        )
        return Result(
            _severity(g.value(node, SH.resultSeverity)),
            rule.id,
            message,
            item,
            shown,
            hint,
            location,
            compact(str(path)) if path_nt else None,
        )


def _severity(term: rdflib.term.Node | None) -> Severity:
    return _SEVERITY.get(term, Severity.VIOLATION) if isinstance(term, rdflib.URIRef) else Severity.VIOLATION


def _nt(term: rdflib.term.Node | None) -> str:
    """A term as pyoxigraph writes it (N-Triples), the key of the source map."""
    if isinstance(term, rdflib.URIRef):
        return f"<{term}>"
    if isinstance(term, rdflib.BNode):
        return f"_:{term}"
    if isinstance(term, rdflib.Literal):
        if term.language:
            return str(ox.Literal(str(term), language=term.language))
        if term.datatype and str(term.datatype) != ns.XSD + "string":
            return str(ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype))))
        return str(ox.Literal(str(term)))
    return ""


def _rules(shapes: rdflib.Graph) -> dict[rdflib.term.Node, Rule]:
    """Each shape or SPARQL constraint that carries a hint → its rule id (the local name) and hint."""
    out: dict[rdflib.term.Node, Rule] = {}
    for node, hint in shapes.subject_objects(HINT):
        if isinstance(node, rdflib.URIRef):
            out[node] = Rule(str(node).rsplit("#", 1)[-1], str(hint))
    return out


def validator_for(store: object | None) -> CurriculumValidator:
    """A validator for the store's current framework (and ontology), or the bundled ones when the
    store holds none or no store is given."""
    from aiskills import loading
    from aiskills.framework import bundle
    from aiskills.store.base import Store

    if isinstance(store, Store):
        current = loading.current_framework(store)
        if current is not None:
            ontology = store.triples(ns.ONTOLOGY_GRAPH) or bundle.ontology()[0]
            return CurriculumValidator(ontology, current.triples, current.version)
    framework = bundle.framework()
    return CurriculumValidator(bundle.ontology()[0], framework.triples, framework.version)


class Validators:
    """A validator per framework state, built on first use and kept: building one parses the shapes
    and indexes the framework (hundreds of milliseconds), validating with it takes milliseconds. The
    key is the store's current framework and ontology graphs, their versions and triple counts, so a
    new framework version (or a write into the framework graph) gets a new validator. Thread-safe:
    concurrent first requests build one validator, not one each."""

    def __init__(self, keep: int = 4, recheck: float = 1.0) -> None:
        self._lock = threading.Lock()
        self._keep = keep
        self._recheck = recheck  # seconds a framework state is trusted before the catalogue is read again
        self._by_key: dict[tuple[object, ...], CurriculumValidator] = {}
        self._last: tuple[float, int, tuple[object, ...]] | None = None

    def for_store(self, store: object) -> CurriculumValidator:
        import time

        now = time.monotonic()
        last = self._last
        if last is not None and last[1] == id(store) and now - last[0] < self._recheck:
            key = last[2]
        else:
            key = _framework_key(store)
            self._last = (now, id(store), key)
        with self._lock:
            validator = self._by_key.get(key)
            if validator is None:
                validator = validator_for(store)
                if len(self._by_key) >= self._keep:
                    self._by_key.pop(next(iter(self._by_key)))
                self._by_key[key] = validator
            return validator


def _framework_key(store: object) -> tuple[object, ...]:
    from aiskills.store.base import Store

    if not isinstance(store, Store):
        return ("bundled",)
    entries = sorted(
        (e.kind, e.graph, e.version or "") for e in store.catalog({"framework", "ontology"}) if e.active
    )
    return tuple((kind, graph, version, store.count(graph)) for kind, graph, version in entries) or (
        "bundled",
    )
