"""The framework graph: built from the structure file plus capability rows, and read back into rows.

Pure functions over pyoxigraph triples; reading files is left to the callers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from aiskills import namespaces as ns
from aiskills.errors import InputError
from aiskills.framework.template import ARCHETYPES, NO_REPLACEMENT, CapabilityRow
from aiskills.rdf import RDF_TYPE as _A
from aiskills.rdf import term_value

LANG = "en-GB"

_CAPABILITY = ox.NamedNode(ns.AIS + "Capability")
_FRAMEWORK_CLASS = ox.NamedNode(ns.AIS + "CapabilityFramework")
_CONCEPT = ox.NamedNode(ns.SKOS + "Concept")
_IN_SCHEME = ox.NamedNode(ns.SKOS + "inScheme")
_NOTATION = ox.NamedNode(ns.SKOS + "notation")
_PREF = ox.NamedNode(ns.SKOS + "prefLabel")
_ALT = ox.NamedNode(ns.SKOS + "altLabel")
_HIDDEN = ox.NamedNode(ns.SKOS + "hiddenLabel")
_BROADER = ox.NamedNode(ns.SKOS + "broader")
_SECTION = ox.NamedNode(ns.AIS + "section")
_LEVEL = ox.NamedNode(ns.AIS + "level")
_ARCHETYPE = ox.NamedNode(ns.AIS + "archetype")
_BLOOM = ox.NamedNode(ns.AIS + "bloomLevel")
_DESCRIPTION = ox.NamedNode(ns.DCT + "description")
_VERSION = ox.NamedNode(ns.DCT + "hasVersion")
_FRAMEWORK = ox.NamedNode(ns.FRAMEWORK_IRI)
_DEPRECATED = ox.NamedNode(ns.OWL + "deprecated")
_REPLACED_BY = ox.NamedNode(ns.DCT + "isReplacedBy")
_NO_REPLACEMENT = ox.NamedNode(ns.AIS + "noReplacement")
_CTID = ox.NamedNode(ns.CETERMS + "ctid")
_TRUE = ox.Literal("true", datatype=ox.NamedNode(ns.XSD + "boolean"))
_SECTION_CLASSES = {ox.NamedNode(ns.AIS + c) for c in ("Domain", "SubDomain", "DomainGroup")}

VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class Framework:
    """A framework graph with the facts the rest of the code asks of it."""

    triples: list[ox.Triple]
    version: str

    @property
    def graph(self) -> str:
        return ns.framework_graph(self.version)


def framework_version(triples: Iterable[ox.Triple], source: str) -> str:
    """The framework's ``dct:hasVersion``; it names the framework's graph, so it must be IRI-safe."""
    versions = {term_value(t.object) for t in triples if t.subject == _FRAMEWORK and t.predicate == _VERSION}
    if len(versions) != 1:
        raise InputError(
            f"the framework <{ns.FRAMEWORK_IRI}> must have exactly one dct:hasVersion, found {len(versions)}",
            source=source,
            fix='add e.g. dct:hasVersion "2026.1" to the framework',
        )
    version = versions.pop()
    if not VERSION.match(version):
        raise InputError(
            f"version {version!r} is not a usable version label",
            source=source,
            fix="use letters, digits, '.', '-' or '_', e.g. 2026.1",
        )
    return version


def section_codes(triples: Iterable[ox.Triple]) -> dict[str, str]:
    """Section code → section IRI, for every domain, sub-domain and group in ``triples``."""
    typed = {t.subject for t in triples if t.predicate == _A and t.object in _SECTION_CLASSES}
    return {
        term_value(t.object): term_value(t.subject)
        for t in triples
        if t.subject in typed and t.predicate == _NOTATION
    }


def capability_triples(rows: Sequence[CapabilityRow], sections: dict[str, str]) -> list[ox.Triple]:
    """The triples for ``rows``; each row's domain must be a key of ``sections``."""
    out: list[ox.Triple] = []
    for r in rows:
        cap = ox.NamedNode(ns.capability_iri(r.notation))
        section = ox.NamedNode(sections[r.domain])
        out += [
            ox.Triple(cap, _A, _CAPABILITY),
            ox.Triple(cap, _A, _CONCEPT),
            ox.Triple(cap, _IN_SCHEME, _FRAMEWORK),
            ox.Triple(cap, _NOTATION, ox.Literal(r.notation)),
            ox.Triple(cap, _PREF, ox.Literal(r.statement, language=LANG)),
            ox.Triple(cap, _LEVEL, ox.NamedNode(ns.level_iri(r.level))),
            ox.Triple(cap, _SECTION, section),
            ox.Triple(cap, _BROADER, section),
        ]
        out += [ox.Triple(cap, _ARCHETYPE, ox.NamedNode(ns.archetype_iri(a))) for a in r.archetypes]
        if r.bloom_level:
            out.append(ox.Triple(cap, _BLOOM, ox.NamedNode(ns.bloom_iri(r.bloom_level))))
        if r.description:
            out.append(ox.Triple(cap, _DESCRIPTION, ox.Literal(r.description, language=LANG)))
        out += [ox.Triple(cap, _ALT, ox.Literal(label, language=LANG)) for label in r.alt_labels]
        out += [ox.Triple(cap, _HIDDEN, ox.Literal(label, language=LANG)) for label in r.hidden_labels]
        if r.ctid:
            out.append(ox.Triple(cap, _CTID, ox.Literal(r.ctid)))
        out += _deprecation_triples(cap, r)
    return out


def _deprecation_triples(cap: ox.NamedNode, r: CapabilityRow) -> list[ox.Triple]:
    """``owl:deprecated`` with ``dct:isReplacedBy`` or the explicit ``ais:noReplacement`` marker."""
    if not r.deprecated:
        return []
    out = [ox.Triple(cap, _DEPRECATED, _TRUE)]
    if r.replaced_by == NO_REPLACEMENT:
        out.append(ox.Triple(cap, _NO_REPLACEMENT, _TRUE))
    elif r.replaced_by:
        out.append(ox.Triple(cap, _REPLACED_BY, ox.NamedNode(ns.capability_iri(r.replaced_by))))
    return out


def build_framework(structure: list[ox.Triple], rows: Sequence[CapabilityRow], source: str) -> Framework:
    """The whole framework graph: the structure plus the capabilities of ``rows``."""
    version = framework_version(structure, source)
    triples = structure + capability_triples(rows, section_codes(structure))
    return Framework(_unique(triples), version)


def capability_rows(triples: Iterable[ox.Triple]) -> list[CapabilityRow]:
    """The capabilities of a framework graph as template rows, in notation order."""
    triples = list(triples)
    codes = {iri: code for code, iri in section_codes(triples).items()}
    facts: dict[ox.NamedNode, dict[ox.NamedNode, list[ox.NamedNode | ox.Literal]]] = {
        t.subject: {}
        for t in triples
        if isinstance(t.subject, ox.NamedNode) and t.predicate == _A and t.object == _CAPABILITY
    }
    for t in triples:
        if (
            isinstance(t.subject, ox.NamedNode)
            and t.subject in facts
            and isinstance(t.object, ox.NamedNode | ox.Literal)
        ):
            facts[t.subject].setdefault(t.predicate, []).append(t.object)
    slugs = {ns.archetype_iri(s): s for s in ARCHETYPES.values()}
    rows = []
    for cap, f in facts.items():

        def one(p: ox.NamedNode, f: dict[ox.NamedNode, list[ox.NamedNode | ox.Literal]] = f) -> str | None:
            values = f.get(p, [])
            return values[0].value if values else None

        level = one(_LEVEL)
        bloom = one(_BLOOM)
        replaced = one(_REPLACED_BY)
        rows.append(
            CapabilityRow(
                notation=one(_NOTATION) or cap.value.rsplit("/", 1)[-1],
                statement=one(_PREF) or "",
                level=int(level.rsplit("/", 1)[-1]) if level else 0,
                domain=codes.get(one(_SECTION) or "", ""),
                archetypes=tuple(
                    sorted(
                        (slugs[a.value] for a in f.get(_ARCHETYPE, []) if a.value in slugs),
                        key=list(ARCHETYPES.values()).index,
                    )
                ),
                bloom_level=bloom.rsplit("/", 1)[-1] if bloom else None,
                description=one(_DESCRIPTION),
                alt_labels=tuple(sorted(v.value for v in f.get(_ALT, []))),
                hidden_labels=tuple(sorted(v.value for v in f.get(_HIDDEN, []))),
                deprecated=one(_DEPRECATED) in ("true", "1"),
                replaced_by=(
                    replaced.rsplit("/", 1)[-1]
                    if replaced
                    else NO_REPLACEMENT
                    if one(_NO_REPLACEMENT) in ("true", "1")
                    else None
                ),
                ctid=one(_CTID),
            )
        )
    return sorted(rows, key=lambda r: notation_key(r.notation))


def structure_only(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """A framework graph without its capabilities: what a template import is combined with."""
    triples = list(triples)
    caps = {t.subject for t in triples if t.predicate == _A and t.object == _CAPABILITY}
    return [t for t in triples if t.subject not in caps]


def notation_key(notation: str) -> tuple[tuple[int, int | str], ...]:
    """Natural order of notations: ``2.1-02`` before ``2.1-10`` before ``2.2-01``."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[.\-_]", notation))


def natural_key(text: str | None) -> tuple[object, ...]:
    """Sort key for any text with numbers in it: ``6.1-10`` after ``6.1-9``, ``Module 10`` after ``Module 9``."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text or ""))


def _unique(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    return list(dict.fromkeys(triples))


def missing_capabilities(
    previous: Iterable[ox.Triple], framework: Iterable[ox.Triple]
) -> list[tuple[str, str]]:
    """(IRI, notation) of each capability of ``previous`` that ``framework`` no longer holds, by IRI: a
    capability is never deleted, only deprecated, so that its IRI keeps resolving."""
    previous, framework = list(previous), list(framework)
    notation = ox.NamedNode(ns.SKOS + "notation")

    def caps(triples: list[ox.Triple]) -> set[str]:
        return {term_value(t.subject) for t in triples if t.predicate == _A and t.object == _CAPABILITY}

    notations = {term_value(t.subject): term_value(t.object) for t in previous if t.predicate == notation}
    return [
        (iri, notations.get(iri, iri.rsplit("/", 1)[-1])) for iri in sorted(caps(previous) - caps(framework))
    ]
