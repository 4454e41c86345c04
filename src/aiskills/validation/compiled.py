"""Shapes compiled to SPARQL: each constraint becomes one query over every focus node at once.

pySHACL checks SPARQL-based constraints one focus node at a time (a query per node and constraint);
for a batch of curricula that is hundreds of thousands of queries. Here a constraint is one query whose
``?this`` ranges over the whole target, run on Oxigraph. The compiler accepts a subset of SHACL (the
components listed in ``_PROPERTY_COMPONENTS`` and ``_NODE_COMPONENTS``, predicate paths, SELECT-based
SPARQL constraints that bind ``$this`` in their patterns); for shapes outside it ``compile_shapes``
returns None and the caller uses pySHACL. Results are checked against pySHACL's by tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox
import rdflib
from rdflib import RDF, RDFS

from aiskills.rdf import to_rdflib

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
XSD = "http://www.w3.org/2001/XMLSchema#"

_TARGETS = {SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf}
_PROPERTY_COMPONENTS = {SH.minCount, SH.maxCount, SH["class"], SH.datatype, SH.nodeKind, SH.sparql}
_NODE_COMPONENTS = {SH["class"], SH.datatype, SH.nodeKind, SH.sparql, SH.property}
_ANNOTATIONS = {
    SH.message,
    SH.severity,
    SH.name,
    SH.description,
    SH.order,
    SH.group,
    SH.path,
    RDF.type,
    RDFS.label,
    RDFS.comment,
}
_CASTS = {XSD + t for t in ("integer", "decimal", "double", "float", "boolean", "dateTime", "date", "time")}
_NODE_KINDS = {
    SH.IRI: "isIRI(?v)",
    SH.BlankNode: "isBlank(?v)",
    SH.Literal: "isLiteral(?v)",
    SH.BlankNodeOrIRI: "(isBlank(?v) || isIRI(?v))",
    SH.BlankNodeOrLiteral: "(isBlank(?v) || isLiteral(?v))",
    SH.IRIOrLiteral: "(isIRI(?v) || isLiteral(?v))",
}
_COMPONENT = {
    SH.minCount: "MinCount",
    SH.maxCount: "MaxCount",
    SH["class"]: "Class",
    SH.datatype: "Datatype",
    SH.nodeKind: "NodeKind",
    SH.sparql: "SPARQL",
}


@dataclass(frozen=True)
class RawResult:
    """One validation result, in SHACL's own terms."""

    focus: ox.NamedNode | ox.BlankNode | ox.Literal
    path: ox.NamedNode | None
    value: ox.NamedNode | ox.BlankNode | ox.Literal | None
    shape: rdflib.term.Node
    component: rdflib.URIRef
    severity: rdflib.URIRef
    message: str | None
    constraint: rdflib.term.Node | None = None


@dataclass
class _Plan:
    """One query and how to turn its rows into results."""

    query: str
    shape: rdflib.term.Node
    component: rdflib.URIRef
    severity: rdflib.URIRef
    message: str | None
    path: ox.NamedNode | None
    constraint: rdflib.term.Node | None = None
    sparql: bool = False


@dataclass
class CompiledShapes:
    plans: list[_Plan] = field(default_factory=list)

    def run(self, store: ox.Store) -> list[RawResult]:
        """Every result over the store's default graph."""
        out: list[RawResult] = []
        for plan in self.plans:  # duplicates are merged within a constraint, as pySHACL does
            solutions = store.query(plan.query)
            assert isinstance(solutions, ox.QuerySolutions)  # every plan is a SELECT query
            out.extend(dict.fromkeys(_result(plan, solution) for solution in solutions))
        return out


def compile_shapes(shapes: rdflib.Graph) -> CompiledShapes | None:
    """Plans for every shape, or None when any shape uses something outside the supported subset."""
    if any(True for _ in shapes.subjects(SH.parameter, None)) or any(
        True for _ in shapes.subjects(SH.validator, None)
    ):
        return None  # custom constraint components (however their classes are declared)
    for select in shapes.objects(None, SH.select):
        check_sparql(str(select))
    compiled = CompiledShapes()
    for shape in _shapes(shapes):
        if shapes.value(shape, SH.deactivated) is not None:
            return None
        targets = [(p, o) for p in _TARGETS for o in shapes.objects(shape, p)]
        if (shape, RDF.type, RDFS.Class) in shapes or (shape, RDF.type, rdflib.OWL.Class) in shapes:
            return None  # implicit class targets
        plans = _node_plans(shapes, shape, targets)
        if plans is None:
            return None
        compiled.plans.extend(plans)
    return compiled


def _shapes(g: rdflib.Graph) -> list[rdflib.term.Node]:
    nodes = set(g.subjects(RDF.type, SH.NodeShape)) | {s for p in _TARGETS for s in g.subjects(p, None)}
    nodes |= set(g.subjects(RDF.type, SH.PropertyShape)) - set(g.objects(None, SH.property))
    return sorted(nodes, key=str)


def _target_pattern(targets: Sequence[tuple[rdflib.term.Node, rdflib.term.Node]]) -> str | None:
    parts = []
    for p, o in targets:
        term = _ox(o)
        if term is None:
            return None
        if p == SH.targetClass:
            parts.append(
                f"{{ ?this <{RDF.type}> {term} }} UNION "
                f"{{ ?this <{RDF.type}> ?sub . ?sub <{RDFS.subClassOf}>+ {term} }}"
            )
        elif p == SH.targetNode:
            parts.append(f"{{ BIND ({term} AS ?this) }}")
        elif p == SH.targetSubjectsOf:
            parts.append(f"{{ SELECT DISTINCT ?this WHERE {{ ?this {term} ?any }} }}")
        elif p == SH.targetObjectsOf:
            parts.append(f"{{ SELECT DISTINCT ?this WHERE {{ ?any {term} ?this }} }}")
    return " UNION ".join(parts) if parts else None


def _node_plans(
    g: rdflib.Graph,
    shape: rdflib.term.Node,
    targets: Sequence[tuple[rdflib.term.Node, rdflib.term.Node]],
) -> list[_Plan] | None:
    is_property = g.value(shape, SH.path) is not None
    if targets:
        target = _target_pattern(targets)
        if target is None:
            return None
    else:
        return [] if not is_property else None  # shapes reached only through others: not supported here
    own = _components(g, shape)
    if is_property:
        return _property_plans(g, shape, shape, target)
    if not own <= _NODE_COMPONENTS:
        return None
    plans: list[_Plan] = []
    for prop in g.objects(shape, SH.property):
        sub = _property_plans(g, prop, shape, target)
        if sub is None:
            return None
        plans.extend(sub)
    focus = f"SELECT DISTINCT ?this (?this AS ?v) WHERE {{ {target} }}"
    for component, value in ((c, v) for c in own - {SH.property} for v in g.objects(shape, c)):
        plan = _value_plan(g, shape, component, value, focus, None)
        if plan is None:
            return None
        plans.append(plan)
    return plans


def _property_plans(
    g: rdflib.Graph, prop: rdflib.term.Node, node_shape: rdflib.term.Node, target: str
) -> list[_Plan] | None:
    path = g.value(prop, SH.path)
    if not isinstance(path, rdflib.URIRef):
        return None  # only predicate paths
    own = _components(g, prop)
    if not own <= _PROPERTY_COMPONENTS or g.value(prop, SH.deactivated) is not None:
        return None
    p = ox.NamedNode(str(path))
    values = f"SELECT DISTINCT ?this ?v WHERE {{ {target} ?this {p} ?v }}"
    plans = []
    for component in own:
        for value in g.objects(prop, component):
            if component in (SH.minCount, SH.maxCount):
                plan = _count_plan(g, prop, component, value, target, p)
            else:
                plan = _value_plan(g, prop, component, value, values, p)
            if plan is None:
                return None
            plans.append(plan)
    return plans


def _components(g: rdflib.Graph, shape: rdflib.term.Node) -> set[rdflib.URIRef]:
    """The SHACL predicates on a shape that constrain (annotations and other vocabularies ignored)."""
    own = {p for p in g.predicates(shape, None) if isinstance(p, rdflib.URIRef) and p.startswith(str(SH))}
    return own - _ANNOTATIONS - _TARGETS


def _common(g: rdflib.Graph, shape: rdflib.term.Node) -> tuple[rdflib.URIRef, str | None]:
    severity = g.value(shape, SH.severity)
    message = g.value(shape, SH.message)
    return (
        severity if isinstance(severity, rdflib.URIRef) else SH.Violation,
        str(message) if message is not None else None,
    )


def _component(c: rdflib.URIRef) -> rdflib.URIRef:
    return SH[_COMPONENT[c] + "ConstraintComponent"]


def _count_plan(
    g: rdflib.Graph,
    prop: rdflib.term.Node,
    component: rdflib.URIRef,
    value: rdflib.term.Node,
    target: str,
    path: ox.NamedNode,
) -> _Plan | None:
    if not isinstance(value, rdflib.Literal) or not isinstance(value.toPython(), int):
        return None
    n = int(value.toPython())
    focus = f"{{ SELECT DISTINCT ?this WHERE {{ {target} }} }}"
    if component == SH.minCount and n == 1:
        query = f"SELECT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this {path} ?v }} }}"
    elif component == SH.maxCount and n == 1:
        query = f"SELECT DISTINCT ?this WHERE {{ ?this {path} ?a . ?this {path} ?b . FILTER (!sameTerm(?a, ?b)) {focus} }}"
    else:
        test = f"COUNT(DISTINCT ?v) < {n}" if component == SH.minCount else f"COUNT(DISTINCT ?v) > {n}"
        query = (
            f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ ?this {path} ?v }} }} GROUP BY ?this HAVING ({test})"
        )
    severity, message = _common(g, prop)
    return _Plan(query, prop, _component(component), severity, message, path)


def _value_plan(
    g: rdflib.Graph,
    shape: rdflib.term.Node,
    component: rdflib.URIRef,
    value: rdflib.term.Node,
    values: str,
    path: ox.NamedNode | None,
) -> _Plan | None:
    severity, message = _common(g, shape)
    if component == SH.sparql:
        if path is not None:
            return None  # SPARQL constraints on property shapes ($PATH) are left to pySHACL
        return _sparql_plan(g, shape, value, values, severity, message)
    term = _ox(value)
    if term is None:
        return None
    if component == SH["class"]:
        instances = (
            f"SELECT DISTINCT ?v (1 AS ?ok) WHERE {{ ?v <{RDF.type}> ?t . ?t <{RDFS.subClassOf}>* {term} }}"
        )
        test = f"OPTIONAL {{ {{ {instances} }} }} FILTER (!BOUND(?ok))"
    elif component == SH.datatype:
        if str(value) not in _CASTS | {XSD + "string", str(RDF.langString)}:
            return None  # other lexical forms are checked by pySHACL
        test = _datatype_test(str(value))
    elif component == SH.nodeKind:
        if value not in _NODE_KINDS:
            return None
        test = f"FILTER (!{_NODE_KINDS[value]})"  # type: ignore[index]
    else:
        return None
    query = f"SELECT ?this ?v WHERE {{ {{ {values} }} {test} }}"
    return _Plan(query, shape, _component(component), severity, message, path)


def _datatype_test(datatype: str) -> str:
    base = f"!isLiteral(?v) || DATATYPE(?v) != <{datatype}>"
    if datatype == "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString":
        return 'FILTER (!isLiteral(?v) || LANG(?v) = "")'
    if datatype in _CASTS:
        return f"BIND (<{datatype}>(?v) AS ?cast) FILTER ({base} || !BOUND(?cast))"
    return f"FILTER ({base})"  # only xsd:string reaches here (see _value_plan)


_THIS = re.compile(r"\$this\b")
_OTHER_PREBOUND = re.compile(r"\$(currentShape|shapesGraph|PATH)\b")


def _sparql_plan(
    g: rdflib.Graph,
    shape: rdflib.term.Node,
    constraint: rdflib.term.Node,
    focus: str,
    severity: rdflib.URIRef,
    message: str | None,
) -> _Plan | None:
    select = g.value(constraint, SH.select)
    if select is None or g.value(constraint, SH.deactivated) is not None:
        return None
    text = str(select)
    if _OTHER_PREBOUND.search(text) or not binds_this_at_top(text):
        return None
    own_message = g.value(constraint, SH.message)
    prefixes = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in _prefixes(g, constraint))
    inner = _THIS.sub("?this", text)
    query = f"{prefixes}SELECT * WHERE {{ {{ {focus} }} {{ {inner} }} }}"
    try:
        ox.Store().query(query)  # a syntax check on an empty store (SERVICE was refused above)
    except (SyntaxError, ValueError, RuntimeError, OSError):
        return None
    return _Plan(
        query,
        shape,
        SH.SPARQLConstraintComponent,
        severity,
        str(own_message) if own_message is not None else message,
        None,
        constraint,
        sparql=True,
    )


def _prefixes(g: rdflib.Graph, constraint: rdflib.term.Node) -> Iterable[tuple[str, str]]:
    for holder in g.objects(constraint, SH.prefixes):
        for decl in g.objects(holder, SH.declare):
            prefix, namespace = g.value(decl, SH.prefix), g.value(decl, SH.namespace)
            if prefix is not None and namespace is not None:
                yield str(prefix), str(namespace)


def _ox(node: rdflib.term.Node) -> str | None:
    if isinstance(node, rdflib.URIRef):
        return str(ox.NamedNode(str(node)))
    if isinstance(node, rdflib.Literal):
        if node.language:
            return str(ox.Literal(str(node), language=node.language))
        return str(ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype or XSD + "string"))))
    return None


class InvalidSparqlConstraint(ValueError):
    """A SPARQL constraint SHACL forbids (MINUS, VALUES, SERVICE, re-bound or unselected $this)."""


def check_sparql(text: str) -> None:
    """SHACL's restrictions on SPARQL constraints, checked with pySHACL's own rules so both paths
    refuse the same queries, before any query runs."""
    from pyshacl.errors import ValidationFailure
    from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper

    try:
        SPARQLQueryHelper.check_invalid_sparql(object.__new__(SPARQLQueryHelper), text)
    except ValidationFailure as exc:
        raise InvalidSparqlConstraint(str(exc.args[0] if exc.args else exc)) from None


def binds_this_at_top(text: str) -> bool:
    """True when ``$this`` is bound by the query's outermost WHERE group: in one of its triple patterns,
    or by a sub-SELECT there that projects ``$this`` and binds it the same way. Only then does joining
    the query with the focus nodes give what pre-binding gives."""
    from aiskills.store.binding import group_start, mask

    masked = mask(text)
    select = re.search(r"\bSELECT\b", masked, re.IGNORECASE)
    if select is None:
        return False
    try:
        return _group_binds_this(masked, group_start(masked, select.end()))
    except Exception:  # noqa: BLE001 - unbalanced or odd text: leave it to pySHACL
        return False


def _group_binds_this(masked: str, start: int) -> bool:
    depth, parens, i, top = 0, 0, start, []
    while i < len(masked):
        ch = masked[i]
        if ch == "{":
            depth += 1
            sub = re.match(r"\{\s*SELECT\b([^{]*)", masked[i:], re.IGNORECASE)
            if (
                depth == 2
                and parens == 0
                and sub
                and _THIS.search(sub.group(1))
                and _group_binds_this(masked, i + sub.end())
            ):
                return True
        elif ch == "}":
            depth -= 1
            if depth == 0:
                break
        elif ch == "(":
            parens += 1
        elif ch == ")":
            parens -= 1
        top.append(ch if depth == 1 and parens == 0 and ch not in "{}" else " ")
        i += 1
    return bool(_THIS.search("".join(top)))


_VAR = re.compile(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}")


def _result(plan: _Plan, s: ox.QuerySolution) -> RawResult:
    focus = s["this"]
    if plan.sparql:
        path = s["path"] if "path" in _names(s) and isinstance(s["path"], ox.NamedNode) else plan.path
        value = s["value"] if "value" in _names(s) else (focus if plan.path is None else None)
        message = _VAR.sub(lambda m: _text(s, m.group(1), focus), plan.message) if plan.message else None
        return RawResult(
            focus, path, value, plan.shape, plan.component, plan.severity, message, plan.constraint
        )
    value = (
        s["v"]
        if plan.component not in (SH.MinCountConstraintComponent, SH.MaxCountConstraintComponent)
        else None
    )
    return RawResult(focus, plan.path, value, plan.shape, plan.component, plan.severity, plan.message)


def _names(s: ox.QuerySolution) -> set[str]:
    names = set()
    for name in ("path", "value"):
        try:
            if s[name] is not None:
                names.add(name)
        except (KeyError, IndexError, TypeError):
            continue
    return names


def _text(s: ox.QuerySolution, name: str, focus: object) -> str:
    if name == "this":
        return str(focus)
    try:
        term = s[name]
    except (KeyError, IndexError, TypeError):
        return "{?" + name + "}"
    if term is None:
        return ""
    return term.value if not isinstance(term, ox.BlankNode) else str(term)


def report_graph(results: Iterable[RawResult]) -> tuple[bool, rdflib.Graph]:
    """The ``sh:ValidationReport`` for ``results``, as pySHACL would write it."""
    g = rdflib.Graph()
    g.bind("sh", SH)
    report = rdflib.BNode()
    g.add((report, RDF.type, SH.ValidationReport))
    results = list(results)
    g.add((report, SH.conforms, rdflib.Literal(not results)))
    for r in results:
        node = rdflib.BNode()
        g.add((report, SH.result, node))
        g.add((node, RDF.type, SH.ValidationResult))
        g.add((node, SH.focusNode, to_rdflib(r.focus)))
        g.add((node, SH.sourceShape, r.shape))
        g.add((node, SH.sourceConstraintComponent, r.component))
        g.add((node, SH.resultSeverity, r.severity))
        if r.path is not None:
            g.add((node, SH.resultPath, rdflib.URIRef(r.path.value)))
        if r.value is not None:
            g.add((node, SH.value, to_rdflib(r.value)))
        if r.message is not None:
            g.add((node, SH.resultMessage, rdflib.Literal(r.message)))
        if r.constraint is not None:
            g.add((node, SH.sourceConstraint, r.constraint))
    return not results, g
