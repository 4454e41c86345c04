"""The curriculum rules as people read them: each shape or constraint of ``shapes/curriculum.ttl``
that carries a hint, with its id (the anchor ``/shapes/curriculum#<id>``), message, severity and fix."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from aiskills import namespaces as ns
from aiskills.rdf import term_value
from aiskills.resources import data_dir

RULES = "https://w3id.org/aiskills/shapes/curriculum#"
AISV = "https://w3id.org/aiskills/validation#"


@dataclass(frozen=True)
class RuleText:
    id: str
    message: str
    severity: str
    hint: str


def rules() -> list[RuleText]:
    """Every rule of the curriculum shapes, in id order."""
    path = data_dir("shapes") / "curriculum.ttl"
    graph = ox.Store()
    graph.load(path.read_bytes(), format=ox.RdfFormat.TURTLE)

    def value(s: ox.NamedNode | ox.BlankNode, p: str) -> str | None:
        for q in graph.quads_for_pattern(s, ox.NamedNode(p), None):
            return term_value(q.object)
        return None

    out = []
    for q in graph.quads_for_pattern(None, ox.NamedNode(AISV + "hint"), None):
        subject = q.subject
        if not isinstance(subject, ox.NamedNode) or not subject.value.startswith(RULES):
            continue
        message = value(subject, ns.SH + "message")
        if message is None:
            sparql = next(iter(graph.quads_for_pattern(subject, ox.NamedNode(ns.SH + "sparql"), None)), None)
            if sparql is not None and isinstance(sparql.object, (ox.NamedNode, ox.BlankNode)):
                message = value(sparql.object, ns.SH + "message")
        severity = (value(subject, ns.SH + "severity") or ns.SH + "Violation").rsplit("#", 1)[-1].lower()
        out.append(RuleText(subject.value[len(RULES) :], message or "", severity, term_value(q.object)))
    return sorted(out, key=lambda r: r.id)
