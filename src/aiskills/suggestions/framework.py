"""The capabilities of a framework graph as the ranker reads them (pure, from triples)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from aiskills import namespaces as ns

BLOOM_ORDER = ("remember", "understand", "apply", "analyse", "evaluate", "create")
ARCHETYPES = ("shaper", "driver", "creator", "embedder", "user")

_TYPE = ns.RDF + "type"
_P = {
    "notation": ns.SKOS + "notation",
    "pref": ns.SKOS + "prefLabel",
    "alt": ns.SKOS + "altLabel",
    "hidden": ns.SKOS + "hiddenLabel",
    "description": ns.DCT + "description",
    "level": ns.AIS + "level",
    "bloom": ns.AIS + "bloomLevel",
    "archetype": ns.AIS + "archetype",
    "section": ns.AIS + "section",
    "broader": ns.SKOS + "broader",
    "deprecated": ns.OWL + "deprecated",
}


@dataclass(frozen=True)
class Capability:
    notation: str
    iri: str
    statement: str
    description: str
    alt_labels: tuple[str, ...]
    hidden_labels: tuple[str, ...]
    level: int
    bloom: str | None
    archetypes: tuple[str, ...]
    sections: tuple[str, ...]  # titles of its section and the sections above it
    deprecated: bool


@dataclass(frozen=True)
class FrameworkView:
    capabilities: tuple[Capability, ...]
    bloom_verbs: dict[str, str]  # observable verb → Bloom level slug


def read_framework(triples: Iterable[ox.Triple]) -> FrameworkView:
    """Every capability with its labels, level, Bloom level, archetypes and section titles, in the
    order of the graph's notations; and the Bloom levels' observable verbs."""
    facts: dict[str, dict[str, list[str]]] = {}
    caps: set[str] = set()
    blooms: set[str] = set()
    for t in triples:
        if isinstance(t.subject, ox.Triple) or isinstance(t.object, ox.Triple):
            continue
        s, p = t.subject.value, t.predicate.value
        if p == _TYPE and t.object.value == ns.AIS + "Capability":
            caps.add(s)
        elif p == _TYPE and t.object.value == ns.AIS + "BloomLevel":
            blooms.add(s)
        facts.setdefault(s, {}).setdefault(p, []).append(t.object.value)
    return FrameworkView(
        tuple(sorted((_capability(c, facts) for c in caps), key=lambda c: c.notation)),
        _verbs(blooms, facts),
    )


def _capability(iri: str, facts: dict[str, dict[str, list[str]]]) -> Capability:
    f = facts[iri]

    def one(key: str) -> str:
        values = f.get(_P[key], [])
        return values[0] if values else ""

    level = one("level").rsplit("/", 1)[-1]
    bloom = one("bloom").rsplit("/", 1)[-1] or None
    return Capability(
        notation=one("notation") or iri.rsplit("/", 1)[-1],
        iri=iri,
        statement=one("pref"),
        description=one("description"),
        alt_labels=tuple(sorted(f.get(_P["alt"], []))),
        hidden_labels=tuple(sorted(f.get(_P["hidden"], []))),
        level=int(level) if level.isdigit() else 0,
        bloom=bloom if bloom in BLOOM_ORDER else None,
        archetypes=tuple(a for a in ARCHETYPES if ns.archetype_iri(a) in f.get(_P["archetype"], [])),
        sections=_section_titles(one("section"), facts),
        deprecated=one("deprecated") in ("true", "1"),
    )


def _section_titles(section: str, facts: dict[str, dict[str, list[str]]]) -> tuple[str, ...]:
    titles: list[str] = []
    seen: set[str] = set()
    while section and section not in seen and section in facts:
        seen.add(section)
        titles += facts[section].get(_P["pref"], [])[:1]
        section = (facts[section].get(_P["broader"]) or [""])[0]
    return tuple(titles)


def _verbs(blooms: set[str], facts: dict[str, dict[str, list[str]]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for b in blooms:
        slug = b.rsplit("/", 1)[-1]
        for verb in facts[b].get(_P["hidden"], []):
            out.setdefault(verb.lower(), slug)
    return out
