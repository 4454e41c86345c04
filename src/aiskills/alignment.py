"""Alignment questions: named, parameterised SPARQL queries (``queries/alignment/*.rq``).

A parameter is given as people know it (an archetype's name, a role's slug or label, a curriculum's IRI
or title, a knowledge level) and resolved here to the RDF term the query is bound with; an unknown value
is an error naming the nearest valid ones, never an empty answer.

Definitions (also in each query's header): a capability is *required for* an archetype when it is badged
with it; a curriculum *covers* a capability when at least one learning outcome in one of its modules is
aligned to it; coverage is covered required capabilities / required capabilities, as a percentage;
sub-domains and groups roll up into their top-level domain.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

import pyoxigraph as ox

from aiskills import kept
from aiskills import namespaces as ns
from aiskills.errors import ConfigError, InputError
from aiskills.queries import NamedQuery, Page, load_group, load_query
from aiskills.rdf import term_value
from aiskills.store.base import Store, Table, Term

GROUP = "alignment"
_NUMERIC = {ns.XSD + t for t in ("integer", "decimal", "double", "float", "int", "long")}


@dataclass(frozen=True)
class Answer:
    """A question's answer: what was asked, with which (resolved) parameters, and the rows."""

    question: str
    parameters: dict[str, str]
    table: Table
    page: Page | None = None
    more: bool = False  # rows follow this page

    @property
    def columns(self) -> tuple[str, ...]:
        return self.table.columns

    def records(self) -> list[dict[str, object]]:
        """Rows as objects: IRIs and strings as text, numbers as numbers, unbound as None."""
        return [{c: plain(t) for c, t in zip(self.table.columns, row)} for row in self.table.rows]

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "question": self.question,
            "parameters": self.parameters,
            "columns": list(self.columns),
            "rows": self.records(),
        }
        if self.page is not None:
            out["page"] = {"limit": self.page.limit, "offset": self.page.offset, "more": self.more}
        return out


def plain(term: Term | None) -> object:
    if term is None:
        return None
    if isinstance(term, ox.Literal) and term.datatype.value in _NUMERIC:
        number = Decimal(term.value)
        integral = term.datatype.value in (ns.XSD + "integer", ns.XSD + "int", ns.XSD + "long")
        return int(number) if integral else float(number)
    return term.value


def questions() -> list[NamedQuery]:
    """Every question, parsed once (a broken query, or a parameter no resolver knows, fails here, at
    start-up, not for a user)."""
    loaded = load_group(GROUP)
    check_parameter_kinds(loaded)
    return loaded


def check_parameter_kinds(queries: list[NamedQuery]) -> None:
    """Each ``# param NAME:`` names the kind of value it takes; a kind ``Resolver`` cannot resolve is a
    ConfigError naming the file and the kinds it can. A window's bounds query takes the question's
    parameters and kept nodes named from them (``kept.WINDOW_NODES``), nothing else."""
    for query in queries:
        for p in query.parameters:
            if p.name not in Resolver.KINDS:
                raise ConfigError(
                    f"{query.path}: parameter {p.name!r} is of a kind nothing resolves "
                    f"(parameters may be: {', '.join(Resolver.KINDS)}); rename it to one of those, "
                    "or teach aiskills.alignment.Resolver to resolve it"
                )
        needs = query.window_needs
        if needs is None:
            continue
        own = {p.name for p in query.parameters}
        for p in needs.parameters:
            named_from = kept.WINDOW_NODES[p.name][0] if p.name in kept.WINDOW_NODES else None
            if p.name not in own and named_from not in own:
                raise ConfigError(
                    f"{query.path}: its window's bounds query ({needs.path}) takes {p.name!r}, which "
                    "is neither a parameter of the question nor a kept node named from one "
                    f"(aiskills.kept.WINDOW_NODES: {', '.join(kept.WINDOW_NODES)})"
                )


def ask(
    store: Store,
    name: str,
    params: Mapping[str, str],
    loaded: Mapping[str, NamedQuery] | None = None,
    page: Page | None = None,
) -> Answer:
    """Answer question ``name`` with ``params`` (names as in the query's header).

    ``loaded``: the questions already parsed (a long-running adapter parses them once at start-up);
    otherwise the file is read and parsed for this call. ``page``: only those rows of the answer, in
    its order (``None``: every row)."""
    query = loaded[name] if loaded is not None and name in loaded else load_query(GROUP, name)
    declared = {p.name: p for p in query.parameters}
    unknown = sorted(set(params) - set(declared))
    if unknown:
        raise InputError(
            f"question {name!r} has no parameter {', '.join(map(repr, unknown))}",
            fix="its parameters: " + (", ".join(declared) or "none"),
        )
    missing = [p.name for p in query.parameters if not p.optional and not params.get(p.name)]
    if missing:
        raise InputError(
            f"question {name!r} needs {', '.join(missing)}",
            fix="; ".join(f"{p.name}: {p.description}" for p in query.parameters if p.name in missing),
        )
    resolver = Resolver(store)
    bindings = {k: resolver.resolve(k, v) for k, v in params.items() if v}
    whole = kept.WHOLE_ANSWERS.get(name) if page is None else None
    rows = None if whole is None else whole(store, bindings)
    if rows is None:
        # A page reads one row past its end, to tell whether rows follow it.
        asked = None if page is None else Page(page.limit + 1, page.offset)
        window = _window(store, query, bindings, asked)
        before = None if window is None else window[0]
        bound = bindings if window is None else {**bindings, **window[1]}
        rows = _reorder(store.select(query.paged(asked, before=before), bound), query)
    more = page is not None and len(rows) > page.limit
    return Answer(
        name,
        {k: v.value for k, v in bindings.items()},
        Table(query.columns, rows[: page.limit] if page is not None else rows),
        page,
        more,
    )


def _window(
    store: Store, query: NamedQuery, bindings: Mapping[str, Term], page: Page | None
) -> tuple[int, dict[str, Term]] | None:
    """What the query's window needs for ``page``, from its bounds query: how many rows come before
    the window's, and the variables it reads; ``None`` when there is no window to use."""
    needs = query.window_needs
    if needs is None or page is None:
        return None
    names = {p.name for p in needs.parameters}
    nodes = kept.window_nodes(names, bindings)
    table = store.select(needs.bounds(page), {k: v for k, v in {**bindings, **nodes}.items() if k in names})
    if len(table.rows) != 1:
        return None
    row = dict(zip(table.columns, table.rows[0], strict=True))
    whole, before = row.pop("whole", None), row.pop("before", None)
    if whole is None or term_value(whole) not in ("true", "1") or before is None:
        return None
    bound = {k: v for k, v in row.items() if v is not None}
    count = int(term_value(before))
    if len(bound) < len(row) or not 0 <= count <= page.offset:
        return None
    return count, {**nodes, **bound}


def _reorder(table: Table, query: NamedQuery) -> list[tuple[Term | None, ...]]:
    index = [table.columns.index(c) for c in query.columns]
    if index == list(range(len(table.columns))):  # the columns as the query gives them
        return table.rows
    return [tuple(row[i] for i in index) for row in table.rows]


class Resolver:
    """Turns parameter values as people write them into the store's terms."""

    KINDS = ("archetype", "capability", "curriculum", "level", "role")  # each has a _<kind> method

    def __init__(self, store: Store) -> None:
        self.store = store

    def resolve(self, kind: str, value: str) -> ox.NamedNode | ox.Literal:
        method = getattr(self, f"_{kind}", None) if kind in self.KINDS else None
        if method is None:
            raise InputError(f"unknown parameter kind {kind!r}")
        return method(value.strip())  # type: ignore[no-any-return]

    def _choices(self, query: str) -> tuple[dict[str, str], dict[str, list[str]]]:
        """key (lower-cased name, slug, notation or IRI) → IRI, from a query of ?s ?key rows.

        A name shared by several resources is refused when used, naming each of them."""
        out: dict[str, str] = {}
        shared: dict[str, set[str]] = {}
        for s, key in self.store.select(query).values():
            if s:
                out.setdefault(s.lower(), s)
            if s and key:
                if key.lower() in out and out[key.lower()] != s:
                    shared.setdefault(key.lower(), {out[key.lower()]}).add(s)
                out.setdefault(key.lower(), s)
        return out, {k: sorted(v) for k, v in shared.items()}

    def _pick(
        self,
        kind: str,
        value: str,
        choices: dict[str, str],
        labels: dict[str, str],
        shared: dict[str, list[str]] | None = None,
    ) -> ox.NamedNode:
        """The IRI ``value`` names; otherwise an error suggesting the closest names, closest first."""
        if not choices:  # an empty store, or one holding curricula but no framework
            raise InputError(
                f"there is no {kind} {value!r}: the store holds no {kind}s",
                fix="load the framework first (`aiskills load`), or name the store that holds it (--store)",
            )
        hit = choices.get(value.lower())
        several = (shared or {}).get(value.lower())
        if several:
            raise InputError(
                f"{value!r} names {len(several)} {kind}s: {', '.join(several)}",
                fix="give the IRI of the one you mean",
            )
        if hit is not None:
            return ox.NamedNode(hit)
        near = difflib.get_close_matches(value.lower(), list(choices), n=10, cutoff=0.4)
        suggestions = list(dict.fromkeys(labels.get(choices[k], choices[k]) for k in near))[:3]
        if suggestions:
            raise InputError(
                f"there is no {kind} {value!r}", fix="did you mean " + ", ".join(suggestions) + "?"
            )
        raise InputError(
            f"there is no {kind} {value!r}",
            fix="choose one of " + ", ".join(sorted(set(labels.values()))[:8]),
        )

    def _archetype(self, value: str) -> ox.NamedNode:
        rows = self.store.select(
            _P
            + """SELECT ?a ?name ?plural ?badge WHERE {
            ?a a ais:Archetype ; skos:prefLabel ?name . OPTIONAL { ?a skos:altLabel ?plural }
            OPTIONAL { ?a skos:notation ?badge } }"""
        ).values()
        choices: dict[str, str] = {}
        labels: dict[str, str] = {}
        for a, *names in rows:
            if a is None:
                continue
            for n in names:
                if n:
                    choices.setdefault(n.lower(), a)
            choices.setdefault(a.lower(), a)
            choices.setdefault(a.rsplit("/", 1)[-1].lower(), a)
            if names[0]:
                labels[a] = names[0]
        return self._pick("archetype", value, choices, labels)

    def _role(self, value: str) -> ox.NamedNode:
        choices, shared = self._choices(
            _P + "SELECT ?r ?label WHERE { ?r a ais:Role ; skos:prefLabel ?label }"
        )
        for iri in list(choices.values()):
            choices.setdefault(iri.rsplit("/", 1)[-1].lower(), iri)
        labels = {iri: iri.rsplit("/", 1)[-1] for iri in choices.values()}
        return self._pick("role", value, choices, labels, shared)

    def _curriculum(self, value: str) -> ox.NamedNode:
        found = self._stored_curriculum(value)
        if found is not None:
            return found
        choices, shared = self._choices(
            _P + "SELECT ?c ?title WHERE { ?c a ais:Curriculum . OPTIONAL { ?c dct:title ?title } }"
        )
        if not choices:
            raise InputError("no curricula are stored", fix="submit one first with `aiskills submit FILE`")
        return self._pick("stored curriculum", value, choices, {iri: iri for iri in choices.values()}, shared)

    def _stored_curriculum(self, value: str) -> ox.NamedNode | None:
        """The one stored curriculum whose IRI is ``value``, or whose title is exactly ``value``,
        asked of the store directly (an index look-up) rather than read from a list of every
        curriculum; None otherwise (the list then decides, any case, or names the ones sharing it)."""
        try:
            iri = ox.NamedNode(value)
        except ValueError:
            iri = None
        if iri is not None and self.store.ask(_P + "ASK { ?c a ais:Curriculum }", {"c": iri}):
            return iri
        rows = self.store.select(
            _P + "SELECT DISTINCT ?c WHERE { ?c a ais:Curriculum ; dct:title ?title }",
            {"title": ox.Literal(value)},
        ).values()
        found = {c for (c,) in rows if c}
        return ox.NamedNode(found.pop()) if len(found) == 1 else None

    def _capability(self, value: str) -> ox.NamedNode:
        choices, shared = self._choices(_P + "SELECT ?c ?n WHERE { ?c a ais:Capability ; skos:notation ?n }")
        labels = {iri: iri.rsplit("/", 1)[-1] for iri in choices.values()}
        return self._pick("capability", value, choices, labels, shared)

    def _level(self, value: str) -> ox.Literal:
        text = re.sub(r"^level\s*", "", value, flags=re.IGNORECASE)
        levels = [
            n
            for (n,) in self.store.select(
                _P + "SELECT ?n WHERE { ?l a ais:KnowledgeLevel ; skos:notation ?n } ORDER BY ?n"
            ).values()
            if n
        ]
        if text not in levels:
            raise InputError(f"there is no knowledge level {value!r}", fix="use one of " + ", ".join(levels))
        return ox.Literal(text)


_P = """PREFIX ais: <https://w3id.org/aiskills/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dct: <http://purl.org/dc/terms/>
"""


# -- coverage of a submission (nothing stored) and the framework's choices -------------------------

_ARCHETYPE_CLASS = ns.AIS + "Archetype"
_ROLE_CLASS = ns.AIS + "Role"
_CAPABILITY_CLASS = ns.AIS + "Capability"


@dataclass(frozen=True)
class Choice:
    """A framework resource a person picks from a list: its IRI and its name."""

    iri: str
    label: str


@dataclass(frozen=True)
class Coverage:
    """How many of an archetype's required capabilities a curriculum covers."""

    archetype: str  # the archetype's IRI
    label: str
    covered: int
    total: int

    @property
    def percent(self) -> float:
        return round(100.0 * self.covered / self.total, 1) if self.total else 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "archetype": self.label,
            "iri": self.archetype,
            "covered": self.covered,
            "total": self.total,
            "percent": self.percent,
        }


def framework_triples(store: Store) -> list[ox.Triple]:
    """The store's current framework, or the bundled one when the store holds none."""
    from aiskills import loading
    from aiskills.framework import bundle

    current = loading.current_framework(store)
    return current.triples if current is not None else bundle.framework().triples


def _labels(framework: list[ox.Triple], cls: str) -> list[Choice]:
    members = {
        term_value(t.subject)
        for t in framework
        if term_value(t.predicate) == ns.RDF + "type" and term_value(t.object) == cls
    }
    names = {
        term_value(t.subject): term_value(t.object)
        for t in framework
        if term_value(t.subject) in members and term_value(t.predicate) == ns.SKOS + "prefLabel"
    }
    return sorted(
        (Choice(m, names.get(m, m.rsplit("/", 1)[-1])) for m in members), key=lambda c: c.label.lower()
    )


def archetypes(framework: list[ox.Triple]) -> list[Choice]:
    """The framework's archetypes, in badge order (Shaper, Driver, Creator, Embedder, User) when known."""
    order = {name: i for i, name in enumerate(("shaper", "driver", "creator", "embedder", "user"))}
    return sorted(
        _labels(framework, _ARCHETYPE_CLASS), key=lambda c: (order.get(c.iri.rsplit("/", 1)[-1], 99), c.label)
    )


def roles(framework: list[ox.Triple]) -> list[Choice]:
    """The framework's roles, by name."""
    return _labels(framework, _ROLE_CLASS)


def role_archetypes(framework: list[ox.Triple], role: str) -> list[Choice]:
    """The archetypes a role (by IRI) maps to, in badge order."""
    mapped = {
        term_value(t.object)
        for t in framework
        if term_value(t.subject) == role and term_value(t.predicate) == ns.AIS + "archetype"
    }
    return [a for a in archetypes(framework) if a.iri in mapped]


def submission_coverage(framework: list[ox.Triple], triples: list[ox.Triple]) -> list[Coverage]:
    """For each target archetype of a submitted curriculum (``ais:targetArchetype``): how many of the
    capabilities required for it (badged with it in ``framework``) the curriculum's learning outcomes
    are aligned to. Computed over the submission's triples; nothing is stored. A target the
    framework does not know is left out (the report already names it as a violation)."""
    capabilities = {
        term_value(t.subject)
        for t in framework
        if term_value(t.predicate) == ns.RDF + "type" and term_value(t.object) == _CAPABILITY_CLASS
    }
    required: dict[str, set[str]] = {}
    for t in framework:
        if term_value(t.predicate) == ns.AIS + "archetype" and term_value(t.subject) in capabilities:
            required.setdefault(term_value(t.object), set()).add(term_value(t.subject))
    aligned = {term_value(t.object) for t in triples if term_value(t.predicate) == ns.AIS + "alignedTo"}
    targets = list(
        dict.fromkeys(
            term_value(t.object) for t in triples if term_value(t.predicate) == ns.AIS + "targetArchetype"
        )
    )
    names = {c.iri: c.label for c in archetypes(framework)}
    order = list(names)
    known = sorted((a for a in targets if a in names), key=order.index)
    return [
        Coverage(a, names[a], len(required.get(a, set()) & aligned), len(required.get(a, set())))
        for a in known
    ]
