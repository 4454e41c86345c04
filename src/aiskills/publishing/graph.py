"""A small read-only index over framework triples: what the CASE and CTDL-ASN builders ask of it.

Pure functions and a dataclass over pyoxigraph triples; no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import pyoxigraph as ox

from aiskills import namespaces as ns
from aiskills.framework.model import notation_key
from aiskills.framework.template import BADGE_ORDER

Obj = ox.NamedNode | ox.BlankNode | ox.Literal

SECTION_KINDS = {"Domain": "Domain", "SubDomain": "Sub-domain", "DomainGroup": "Group"}
LEVELS_SCHEME = ns.ID + "scheme/levels"
BLOOM_SCHEME = ns.ID + "scheme/bloom"
ARCHETYPES_SCHEME = ns.ID + "scheme/archetypes"
NO_DATE = date(1970, 1, 1)  # a framework with neither dct:modified nor dct:issued


@dataclass
class Facts:
    """Subject IRI → predicate IRI → objects, in the order the triples gave them."""

    by_subject: dict[str, dict[str, list[Obj]]] = field(default_factory=dict)

    @classmethod
    def of(cls, triples: Iterable[ox.Triple]) -> Facts:
        facts = cls()
        for t in triples:
            if isinstance(t.subject, ox.NamedNode) and not isinstance(t.object, ox.Triple):
                facts.by_subject.setdefault(t.subject.value, {}).setdefault(t.predicate.value, []).append(
                    t.object
                )
        return facts

    def all(self, subject: str, predicate: str) -> list[Obj]:
        return self.by_subject.get(subject, {}).get(predicate, [])

    def one(self, subject: str, predicate: str) -> str | None:
        """One value's text (the first, preferring an English literal), or None."""
        values = self.all(subject, predicate)
        for v in values:
            if isinstance(v, ox.Literal) and (v.language or "").startswith("en"):
                return v.value
        return values[0].value if values else None

    def first_iri(self, subject: str, predicate: str) -> str | None:
        found = self.iris(subject, predicate)
        return found[0] if found else None

    def iris(self, subject: str, predicate: str) -> list[str]:
        return [v.value for v in self.all(subject, predicate) if isinstance(v, ox.NamedNode)]

    def typed(self, cls: str) -> list[str]:
        """Subjects with ``rdf:type cls``, in ``ordered`` order."""
        return self.ordered(
            s for s, p in self.by_subject.items() if any(o.value == cls for o in p.get(ns.RDF + "type", []))
        )

    def ordered(self, iris: Iterable[str]) -> list[str]:
        """``iris`` in the framework's own order, whatever order a store returned them in: by
        ``ais:rank`` (levels, Bloom levels), then archetype badge order (S D C E U), then natural
        notation order (sections, capabilities), then IRI."""

        def key(iri: str) -> tuple[int, int, tuple[tuple[int, int | str], ...], str]:
            notation = self.one(iri, ns.SKOS + "notation") or ""
            rank = self.one(iri, ns.AIS + "rank")
            badge = BADGE_ORDER.find(notation) if len(notation) == 1 else -1
            return (int(rank) if rank and rank.isdigit() else 0, badge, notation_key(notation), iri)

        return sorted(iris, key=key)

    def is_a(self, subject: str, cls: str) -> bool:
        return cls in self.iris(subject, ns.RDF + "type")

    def language(self, subject: str, predicate: str) -> str | None:
        for v in self.all(subject, predicate):
            if isinstance(v, ox.Literal) and v.language:
                return v.language
        return None


def change_date(facts: Facts) -> date:
    """When the framework last changed, from its own data: the later of ``dct:modified`` and
    ``dct:issued``; never the clock."""
    found: list[date] = []
    for p in ("modified", "issued"):
        for v in facts.all(ns.FRAMEWORK_IRI, ns.DCT + p):
            try:
                found.append(date.fromisoformat(v.value[:10]))
            except ValueError:
                continue
    return max(found) if found else NO_DATE


def issued_date(facts: Facts) -> date | None:
    for v in facts.all(ns.FRAMEWORK_IRI, ns.DCT + "issued"):
        try:
            return date.fromisoformat(v.value[:10])
        except ValueError:
            continue
    return None


def sections(facts: Facts) -> list[tuple[str, str]]:
    """(section IRI, kind label) of every domain, sub-domain and group, in notation order."""
    out = []
    for cls, label in SECTION_KINDS.items():
        out += [(s, label) for s in facts.typed(ns.AIS + cls)]
    return sorted(out, key=lambda e: notation_key(facts.one(e[0], ns.SKOS + "notation") or ""))


def capabilities(facts: Facts) -> list[str]:
    return facts.typed(ns.AIS + "Capability")


def parent(facts: Facts, iri: str) -> str | None:
    """A section's or capability's parent section (``ais:section`` or ``skos:broader``); None at the top."""
    for p in (ns.AIS + "section", ns.SKOS + "broader"):
        found = facts.iris(iri, p)
        if found:
            return found[0]
    return None


def bcp47(tag: str) -> str:
    """``en-gb`` as ``en-GB`` (RDF stores may lower-case language tags)."""
    first, *rest = tag.split("-")
    return "-".join([first.lower(), *(p.upper() if len(p) == 2 else p for p in rest)])


def deprecation_note(f: Facts, iri: str) -> str | None:
    """``Deprecated; replaced by 6.1-04.`` (or without a successor) for a withdrawn capability, else None:
    CASE's notes and CTDL-ASN's comment (which has no deprecation property) say it first."""
    if f.one(iri, ns.OWL + "deprecated") not in ("true", "1"):
        return None
    successor = f.first_iri(iri, ns.DCT + "isReplacedBy")
    code = f.one(successor, ns.SKOS + "notation") if successor else None
    return f"Deprecated{f'; replaced by {code}' if code else ''}."
