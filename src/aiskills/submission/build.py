"""From the shape every tabular or JSON submission shares to the curriculum graph and its source map.

Values are kept as given, typed as far as the input says, so that the SHACL shapes (not this code)
decide what is wrong: an unknown archetype becomes an archetype IRI the framework does not define, hours
that are not a number stay a string, a missing id leaves a blank node.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

import pyoxigraph as ox

from aiskills import namespaces as ns
from aiskills.framework.template import NOTATION
from aiskills.submission import fields
from aiskills.submission import model as m
from aiskills.submission.model import Location, SourceMap, Submission

ARCHETYPE_NAMES = {"shaper", "driver", "creator", "embedder", "user"}
SAFE_SCHEMES = ("http://", "https://", "urn:")
XSD_DECIMAL = ox.NamedNode(ns.XSD + "decimal")


@dataclass(frozen=True)
class Val:
    """A value as found in the file, and where."""

    value: object
    loc: Location

    @property
    def text(self) -> str:
        return "" if self.value is None else str(self.value).strip()


@dataclass
class OutcomeIn:
    loc: Location
    #: a table's cell of each field (attribute → row and column), empty ones too: a missing value's place
    cells: dict[str, Location] = field(default_factory=dict)
    id: Val | None = None
    statement: Val | None = None
    bloom: Val | None = None
    aligned: list[Val] = field(default_factory=list)


@dataclass
class ModuleIn:
    loc: Location
    #: a table's cell of each field (attribute → row and column), empty ones too: a missing value's place
    cells: dict[str, Location] = field(default_factory=dict)
    id: Val | None = None
    title: Val | None = None
    hours: Val | None = None
    outcomes: list[OutcomeIn] = field(default_factory=list)


@dataclass
class CurriculumIn:
    loc: Location
    #: a table's cell of each field (attribute → row and column), empty ones too: a missing value's place
    cells: dict[str, Location] = field(default_factory=dict)
    id: Val | None = None
    title: Val | None = None
    description: Val | None = None
    version: Val | None = None
    provider_id: Val | None = None
    provider_name: Val | None = None
    provider_loc: Location | None = None
    targets: list[Val] = field(default_factory=list)
    modules: list[ModuleIn] = field(default_factory=list)


def iri_or_none(text: str) -> ox.NamedNode | None:
    """An absolute http(s) or urn IRI, or None (spaces, ``javascript:`` and relative ids are refused)."""
    if not text.lower().startswith(SAFE_SCHEMES):
        return None
    try:
        return ox.NamedNode(text)
    except ValueError:
        return None


def _segment(code: str) -> str:
    """A code as one IRI path segment: percent-encoded, and ``.`` or ``..`` too (as written they are
    dot-segments, which IRI resolution removes: ``…/module/../outcome`` would name another resource)."""
    encoded = quote(code, safe="")
    return encoded.replace(".", "%2E") if set(code) == {"."} else encoded


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.strip().lower()).strip("-") or "blank"


def archetype_node(text: str) -> ox.NamedNode:
    """Archetype names in any case, singular or plural, or badges (S, D, C, E, U)."""
    badges = {"s": "shaper", "d": "driver", "c": "creator", "e": "embedder", "u": "user"}
    s = slug(text)
    if s in badges:
        s = badges[s]
    elif s.endswith("s") and s[:-1] in ARCHETYPE_NAMES:
        s = s[:-1]
    return ox.NamedNode(ns.archetype_iri(s))


def bloom_node(text: str) -> ox.NamedNode:
    s = slug(text)
    return ox.NamedNode(ns.bloom_iri("analyse" if s == "analyze" else s))


def capability_node(text: str) -> ox.NamedNode:
    """A capability given by notation (``6.1-03``) or by full IRI."""
    iri = iri_or_none(text)
    if iri is not None:
        return iri
    notation = text.strip()
    return ox.NamedNode(ns.capability_iri(notation if NOTATION.match(notation) else quote(notation, safe="")))


def number_literal(value: object) -> ox.Literal:
    """A decimal literal when the value is a number, else the text as a plain string."""
    if isinstance(value, bool):
        return ox.Literal(str(value).lower())
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return ox.Literal(str(value))
    if not d.is_finite():
        return ox.Literal(str(value))
    return ox.Literal(format(d.normalize(), "f") if d == d.to_integral() else str(d), datatype=XSD_DECIMAL)


class _Builder:
    def __init__(self) -> None:
        self.triples: list[ox.Triple] = []
        self.sources = SourceMap()
        self.declared: dict[str, int] = {}

    def add(
        self,
        s: ox.NamedNode | ox.BlankNode,
        p: ox.NamedNode,
        o: ox.NamedNode | ox.Literal | ox.BlankNode,
        loc: Location,
        original: str | None = None,
    ) -> None:
        self.triples.append(ox.Triple(s, p, o))
        self.sources.add(s, p, loc, o, original)
        self.sources.add(s, p, loc)

    def text(self, s: ox.NamedNode | ox.BlankNode, p: ox.NamedNode, v: Val | None) -> None:
        if v is not None and v.text:
            self.add(s, p, ox.Literal(v.text), v.loc)

    def node(
        self, given: Val | None, minted: str | None, loc: Location, coded: str | None = None
    ) -> ox.NamedNode | ox.BlankNode:
        """The item's IRI: the given id; a given code that is no IRI (``LO1``, ``MED301``) under
        ``coded`` (its parent's IRI and the kind of item), the code kept as its ``dct:identifier``;
        else one minted from its position. Records where each id is declared: an id declared twice
        is reported (``rule:duplicate-id``), and the second item gets a node of its own, so that two
        items' values are never merged into one (two Bloom levels, say) and each is reported and
        suggested for on its own row."""
        node: ox.NamedNode | ox.BlankNode | None = None
        code: Val | None = None
        if given is not None and given.text:
            node = iri_or_none(given.text)
            if node is None:
                code = given
                node = iri_or_none(f"{coded}/{_segment(given.text)}") if coded else None
            if node is not None:
                node = self._declare(node, given.loc)
        if node is None and minted:  # declared too: a given id may be another item's minted one
            node = self._declare(ox.NamedNode(minted), loc)
        if node is None:
            node = ox.BlankNode()
        if code is not None:
            self.add(node, m.IDENTIFIER, ox.Literal(code.text), code.loc)
        self.sources.add(node, None, loc)
        return node

    def _declare(self, node: ox.NamedNode, at: Location) -> ox.NamedNode:
        """``node``, declared at ``at``; for a second declaration, a node of its own for the item."""
        self.triples.append(ox.Triple(node, m.DECLARED_AT, ox.Literal(str(at))))
        uses = self.declared[node.value] = self.declared.get(node.value, 0) + 1
        return node if uses == 1 else ox.NamedNode(f"{node.value}#duplicate-{uses}")


def build(spec: CurriculumIn, source: str, fmt: str, data: bytes) -> Submission:
    """The curriculum graph for ``spec``; module and outcome ids are minted from positions when absent."""
    b = _Builder()
    cur = b.node(spec.id, None, spec.loc)
    if spec.id is not None:
        b.sources.add(cur, None, spec.id.loc)
    b.add(cur, m.TYPE, m.CURRICULUM, spec.loc)
    b.text(cur, m.TITLE, spec.title)
    b.text(cur, m.DESCRIPTION, spec.description)
    b.text(cur, m.VERSION, spec.version)
    _provider(b, cur, spec)
    for t in spec.targets:
        if t.text:
            b.add(cur, m.TARGET, archetype_node(t.text), t.loc, t.text)
    _cells(b, cur, spec, "curriculum")
    base = cur.value if isinstance(cur, ox.NamedNode) else None
    for i, module in enumerate(spec.modules, start=1):
        _module(b, cur, module, f"{base}/module/{i}" if base else None, f"{base}/module" if base else None)
    return Submission(source, fmt, cur, b.triples, b.sources, hashlib.sha256(data).hexdigest())


def _provider(b: _Builder, cur: ox.NamedNode | ox.BlankNode, spec: CurriculumIn) -> None:
    has_id = spec.provider_id is not None and spec.provider_id.text
    has_name = spec.provider_name is not None and spec.provider_name.text
    if not (has_id or has_name):
        return
    loc = spec.provider_loc or (spec.provider_id or spec.provider_name).loc  # type: ignore[union-attr]
    minted = f"{cur.value}/provider" if isinstance(cur, ox.NamedNode) else None
    prov = b.node(spec.provider_id if has_id else None, minted, loc)
    b.add(cur, m.HAS_PROVIDER, prov, spec.provider_id.loc if has_id else loc)  # type: ignore[union-attr]
    b.add(prov, m.TYPE, m.PROVIDER, loc)
    b.text(prov, m.LABEL, spec.provider_name)


def _module(
    b: _Builder, cur: ox.NamedNode | ox.BlankNode, spec: ModuleIn, minted: str | None, coded: str | None
) -> None:
    mod = b.node(spec.id, minted, spec.loc, coded)
    b.add(cur, m.HAS_MODULE, mod, spec.loc)
    b.add(mod, m.TYPE, m.MODULE, spec.loc)
    b.text(mod, m.TITLE, spec.title)
    if spec.hours is not None and spec.hours.text:
        b.add(mod, m.HOURS, number_literal(spec.hours.value), spec.hours.loc, spec.hours.text)
    _cells(b, mod, spec, "module")
    base = mod.value if isinstance(mod, ox.NamedNode) else None
    for j, outcome in enumerate(spec.outcomes, start=1):
        _outcome(
            b, mod, outcome, f"{base}/outcome/{j}" if base else None, f"{base}/outcome" if base else None
        )


def _cells(b: _Builder, node: ox.NamedNode | ox.BlankNode, spec: Any, owner: fields.Owner) -> None:
    """The place of each of the item's table cells, as the place of its property on the item: a
    report about a value that is missing (an empty cell) then names the row and the column."""
    for f in fields.of(owner):
        at, iri = spec.cells.get(f.attr), fields.predicate(f)
        if at is not None and iri is not None:
            b.sources.add(node, ox.NamedNode(iri), at)


def _outcome(
    b: _Builder, mod: ox.NamedNode | ox.BlankNode, spec: OutcomeIn, minted: str | None, coded: str | None
) -> None:
    out = b.node(spec.id, minted, spec.loc, coded)
    b.add(mod, m.HAS_OUTCOME, out, spec.loc)
    b.add(out, m.TYPE, m.OUTCOME, spec.loc)
    b.text(out, m.STATEMENT, spec.statement)
    if spec.bloom is not None and spec.bloom.text:
        b.add(out, m.BLOOM, bloom_node(spec.bloom.text), spec.bloom.loc, spec.bloom.text)
    for a in spec.aligned:
        if a.text:
            b.add(out, m.ALIGNED, capability_node(a.text), a.loc, a.text)
    _cells(b, out, spec, "outcome")
