"""What the query page at ``GET /sparql`` shows: the editor's text, the alignment questions as runnable
examples, and an answer as a table of cells (IRIs under the public base linked to their ``/id/…``
page here, other http(s) IRIs to themselves).

The examples are the named alignment questions (``queries/alignment/*.rq``) with their required
parameters bound to a sensible value that exists in the store (the Embedder archetype, the first
stored curriculum, the first role), written into the text as a ``VALUES`` block by
``aiskills.store.binding.bind``, so each runs as it stands and shows how to change the value.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox

from aiskills.alignment import Resolver
from aiskills.config import Settings
from aiskills.errors import AiskillsError
from aiskills.pages.links import Linker
from aiskills.queries import NamedQuery
from aiskills.store.base import Store
from aiskills.store.binding import bind

#: The value each kind of required parameter gets in an example (None: the first the store holds).
_DEFAULTS: dict[str, str | None] = {
    "archetype": "Embedder",
    "level": "2",
    "curriculum": None,
    "role": None,
    "capability": None,
}
_FIRST = {
    "curriculum": "SELECT ?x WHERE { ?x a <https://w3id.org/aiskills/ontology#Curriculum> } ORDER BY ?x LIMIT 1",
    "role": "SELECT ?x WHERE { ?x a <https://w3id.org/aiskills/ontology#Role> } ORDER BY ?x LIMIT 1",
    "capability": "SELECT ?x WHERE { ?x a <https://w3id.org/aiskills/ontology#Capability> } ORDER BY ?x LIMIT 1",
}


@dataclass(frozen=True)
class Example:
    """One runnable example: a question's text with its parameters bound, and what they were."""

    name: str
    title: str
    description: str
    query: str
    bound: tuple[tuple[str, str], ...]
    run_href: str
    edit_href: str


@dataclass(frozen=True)
class Cell:
    """One table cell: the text shown, a link (or None), and the term's kind for styling."""

    text: str
    href: str | None = None
    kind: str = "literal"  # "iri", "bnode", "literal", "unbound"
    lang: str = ""  # a literal's language tag


def page_context(
    query: str | None,
    example: str | None,
    reply: Any,
    error: str | None,
    store: Store,
    settings: Settings,
    questions: Mapping[str, NamedQuery],
    fallback: str,
) -> dict[str, Any]:
    """The template's variables."""
    examples = examples_for(store, questions)
    chosen = next((e for e in examples if e.name == example), None)
    context: dict[str, Any] = {
        "query": query if query is not None else (chosen.query if chosen else fallback),
        "examples": examples,
        "error": error,
        "ran": query is not None,
        "columns": [],
        "rows": [],
        "boolean": None,
        "kind": None,
        "count": 0,
    }
    if reply is not None:
        if reply.status != 200:
            context["error"] = reply.body.decode("utf-8", "replace").strip()
        else:
            context.update(_table(reply.kind, reply.body, settings.public_base))
    return context


def examples_for(store: Store, questions: Mapping[str, NamedQuery]) -> list[Example]:
    """Every alignment question as a runnable example (a question whose value cannot be found is
    shown with that parameter unbound, which still runs)."""
    resolver = Resolver(store)
    resolved: dict[str, ox.NamedNode | ox.Literal | None] = {}  # one look-up per kind of parameter
    found: list[Example] = []
    for q in questions.values():
        bindings: dict[str, ox.NamedNode | ox.Literal] = {}
        for p in q.parameters:
            if p.optional:
                continue
            if p.name not in resolved:
                resolved[p.name] = _resolved_default(store, resolver, p.name)
            term = resolved[p.name]
            if term is not None:
                bindings[p.name] = term
        text = bind(q.text, bindings)
        bound = tuple((k, v.value) for k, v in bindings.items())
        found.append(
            Example(
                q.name,
                q.title,
                q.description,
                text,
                bound,
                "?" + urlencode({"query": text, "format": "html"}),
                "?" + urlencode({"example": q.name}),
            )
        )
    return found


def _resolved_default(store: Store, resolver: Resolver, kind: str) -> ox.NamedNode | ox.Literal | None:
    value = _default_value(store, kind)
    if value is None:
        return None
    try:
        return resolver.resolve(kind, value)
    except AiskillsError:
        return None


def _default_value(store: Store, kind: str) -> str | None:
    value = _DEFAULTS.get(kind)
    if value is not None or kind not in _FIRST:
        return value
    try:
        rows = store.select(_FIRST[kind]).values()
    except AiskillsError:
        return None
    return rows[0][0] if rows else None


def _table(kind: str, body: bytes, public_base: str) -> dict[str, Any]:
    if kind == "boolean":
        return {"kind": kind, "boolean": bool(json.loads(body).get("boolean"))}
    if kind == "solutions":
        doc = json.loads(body)
        columns = doc["head"].get("vars", [])
        rows = [[_json_cell(b.get(c), public_base) for c in columns] for b in doc["results"]["bindings"]]
        return {"kind": kind, "columns": columns, "rows": rows, "count": len(rows)}
    triples = list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
    rows = [
        [
            _term_cell(t.subject, public_base),
            _term_cell(t.predicate, public_base),
            _term_cell(t.object, public_base),
        ]
        for t in triples
    ]
    return {"kind": kind, "columns": ["subject", "predicate", "object"], "rows": rows, "count": len(rows)}


def local_href(iri: str, public_base: str) -> str | None:
    """Where a link to ``iri`` goes: its page here when under the public base, else the IRI itself
    when it is http(s); otherwise no link."""
    here = Linker(public_base).path(iri)
    if here is not None:
        return here
    return iri if iri.startswith(("http://", "https://")) else None


def _json_cell(binding: Mapping[str, str] | None, public_base: str) -> Cell:
    if binding is None:
        return Cell("", None, "unbound")
    kind, value = binding.get("type"), binding.get("value", "")
    if kind == "uri":
        return Cell(value, local_href(value, public_base), "iri")
    if kind == "bnode":
        return Cell(f"_:{value}", None, "bnode")
    return Cell(value, None, "literal", binding.get("xml:lang", ""))


def _term_cell(term: object, public_base: str) -> Cell:
    if isinstance(term, ox.NamedNode):
        return Cell(term.value, local_href(term.value, public_base), "iri")
    if isinstance(term, ox.BlankNode):
        return Cell(f"_:{term.value}", None, "bnode")
    if isinstance(term, ox.Literal):
        return Cell(term.value, None, "literal", term.language or "")
    return Cell(str(term))
