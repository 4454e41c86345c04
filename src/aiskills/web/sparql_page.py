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
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox

from aiskills import namespaces as ns
from aiskills.alignment import Resolver
from aiskills.config import Settings
from aiskills.errors import AiskillsError
from aiskills.pages.links import Linker
from aiskills.queries import NamedQuery
from aiskills.store.base import Store
from aiskills.store.binding import insert_into_where, values_block

#: The value each kind of required parameter gets in an example (None: one the store holds: the first
#: role or capability by IRI, and any stored curriculum, since sorting thousands of them to pick one
#: would cost the page more than everything else on it).
_DEFAULTS: dict[str, str | None] = {
    "archetype": "Embedder",
    "level": "2",
    "curriculum": None,
    "role": None,
    "capability": None,
}
_FIRST = {
    "curriculum": "SELECT ?x WHERE { ?x a <https://w3id.org/aiskills/ontology#Curriculum> } LIMIT 1",
    "role": "SELECT ?x WHERE { ?x a <https://w3id.org/aiskills/ontology#Role> } ORDER BY ?x LIMIT 1",
    "capability": "SELECT ?x WHERE { ?x a <https://w3id.org/aiskills/ontology#Capability> } ORDER BY ?x LIMIT 1",
}


#: The prefixes the query page declares and offers, and writes IRIs in results with.
PREFIXES: dict[str, str] = {
    **ns.PREFIXES,
    "schema": "https://schema.org/",
    "capability": ns.ID + "capability/",
    "archetype": ns.ID + "archetype/",
    "role": ns.ID + "role/",
    "domain": ns.ID + "domain/",
    "level": ns.ID + "level/",
    "bloom": ns.ID + "bloom/",
    "aisv": "https://w3id.org/aiskills/validation#",
}
PAGE_SIZE = 100


def prefix_lines(names: list[str] | None = None) -> str:
    """``PREFIX`` declarations for the given prefixes (all by default), one a line."""
    return "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in (names or list(PREFIXES)) if p in PREFIXES)


def compact(iri: str) -> str:
    """``iri`` as a prefixed name when one of the page's prefixes fits it (the longest), else as is."""
    best = max((ns_ for ns_ in PREFIXES.values() if iri.startswith(ns_)), key=len, default=None)
    if best is None:
        return iri
    local = iri[len(best) :]
    name = next(p for p, v in PREFIXES.items() if v == best)
    return f"{name}:{local}" if re.fullmatch(r"[\w.\-]*", local) else iri


_AT = re.compile(r"error at (\d+):(\d+): (.*)", re.DOTALL)
_CHAR_CLASS = re.compile(r"\[[^\]]*\]")


def readable_error(text: str, query: str | None) -> str:
    """A parser error as the line, the column and what was expected, in words: ``line 3, column 12:
    the prefix skos: is not declared (add PREFIX skos: <…>)`` instead of the parser's character
    classes. Other errors are returned as they are."""
    m = _AT.search(text)
    if m is None:
        return text
    line, column, rest = int(m.group(1)), int(m.group(2)), m.group(3)
    where = f"line {line}, column {column}"
    lines = (query or "").split("\n")
    shown = lines[line - 1] if 0 < line <= len(lines) else ""
    pointer = f"\n  {shown}\n  {' ' * max(column - 1, 0)}^" if shown.strip() else ""
    if "Prefix not found" in rest:
        before = shown[: max(column - 1, 0)]
        used = re.findall(r"([A-Za-z][\w\-.]*)?:[\w\-.]*$", before)
        prefix = used[-1] if used else ""
        fix = f" (add PREFIX {prefix}: <{PREFIXES[prefix]}> at the top)" if prefix in PREFIXES else ""
        return f"SPARQL syntax error at {where}: the prefix {prefix}: is not declared{fix}.{pointer}"
    expected = rest.removeprefix("expected one of ").removeprefix("expected ")
    tokens = [t.strip() for t in _CHAR_CLASS.sub("", expected).split(",")]
    words = [t.strip("'\"") for t in tokens if t.strip("'\" ")]
    said = ", ".join(f"'{w}'" if not w.isalpha() else w for w in words[:10])
    more = " or a name" if _CHAR_CLASS.search(expected) else ""
    what = f"expected {said}{more}" if said else "expected a name or a value"
    if len(words) > 10:
        what += " or another keyword"
    return f"SPARQL syntax error at {where}: {what}.{pointer}"


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
    full: str = ""  # an IRI written in full, when ``text`` is its prefixed name


def page_context(
    query: str | None,
    example: str | None,
    reply: Any,
    error: str | None,
    store: Store,
    settings: Settings,
    questions: Mapping[str, NamedQuery],
    fallback: str,
    sort: str | None = None,
    page: int | None = None,
) -> dict[str, Any]:
    """The template's variables: the rows sorted by ``sort`` and cut to page ``page`` (by default
    the request's ``?sort=`` and ``?page=``)."""
    if sort is None or page is None:
        from flask import has_request_context, request

        args = request.args if has_request_context() else {}
        sort = sort if sort is not None else str(args.get("sort", ""))[:200]
        number = str(args.get("page", "1"))
        page = page if page is not None else (int(number) if number.isdigit() else 1)
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
    if context["error"]:
        context["error"] = readable_error(str(context["error"]), query)
    context["prefixes"] = PREFIXES
    context["request_with"] = _request_with
    context.update(_sorted_page(context["columns"], context["rows"], sort, page))
    return context


def _request_with(**changes: object) -> str:
    """The current query string with ``changes`` made (for sorting and paging links)."""
    from flask import request

    args = request.args.to_dict(flat=False)
    for k, v in changes.items():
        args[k] = [str(v)]
    return "?" + urlencode(args, doseq=True)


def _sorted_page(columns: list[str], rows: list[list[Cell]], sort: str, page: int) -> dict[str, Any]:
    """The rows sorted by ``sort`` (a column, ``-column`` for descending; numbers as numbers), and
    the page ``page`` of ``PAGE_SIZE`` of them, with the paging facts."""
    key = sort.lstrip("-")
    if key in columns:
        i = columns.index(key)

        def order(row: list[Cell]) -> tuple[int, float, str]:
            text = row[i].text
            try:
                return (0, float(text), "")
            except ValueError:
                return (1 if text else 2, 0.0, text.lower())

        rows = sorted(rows, key=order, reverse=sort.startswith("-"))
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    return {
        "rows": rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        "sort": sort if key in columns else "",
        "page": page,
        "pages": pages,
        "first_row": (page - 1) * PAGE_SIZE + 1,
    }


def examples_for(store: Store, questions: Mapping[str, NamedQuery]) -> list[Example]:
    """Every alignment question as a runnable example (a question whose value cannot be found is
    shown with that parameter unbound, which still runs): its whole answer, without the window a
    page of it is cut from."""
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
        text = example_text(q.paged(None), bindings)
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


def example_text(query: str, bindings: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """The question with its parameters set in one place: a single ``VALUES`` line at the top of its
    WHERE group (sub-queries then see the value through the join, so changing that one line changes
    the whole answer)."""
    if not bindings:
        return query
    line = "\n  # the parameters: change the values here\n " + values_block(bindings).rstrip() + "\n"
    return insert_into_where(query, line)


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
        return Cell(compact(value), local_href(value, public_base), "iri", full=value)
    if kind == "bnode":
        return Cell(f"_:{value}", None, "bnode")
    return Cell(value, None, "literal", binding.get("xml:lang", ""))


def _term_cell(term: object, public_base: str) -> Cell:
    if isinstance(term, ox.NamedNode):
        return Cell(compact(term.value), local_href(term.value, public_base), "iri", full=term.value)
    if isinstance(term, ox.BlankNode):
        return Cell(f"_:{term.value}", None, "bnode")
    if isinstance(term, ox.Literal):
        return Cell(term.value, None, "literal", term.language or "")
    return Cell(str(term))
