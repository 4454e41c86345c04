"""The framework as CTDL-ASN JSON-LD, the Credential Engine Registry's competency framework format.

One JSON-LD document with ``@context`` https://credreg.net/ctdlasn/schema/context/json: the
``ceasn:CompetencyFramework`` and a ``ceasn:Competency`` for each section (domain, sub-domain, group)
and each capability, meeting the Registry's minimum data policy (framework: ``ceterms:ctid``, name,
description, ``inLanguage``, publisher name, ``hasTopChild``; competency: ``ceterms:ctid``,
``competencyText`` as a language map, ``isPartOf``, ``isChildOf`` or ``isTopChildOf``,
``dateCreated``). Knowledge levels are ``ceasn:complexityLevel``, archetypes ``ceasn:conceptTerm``,
crosswalk mappings the ``ceasn:*Alignment`` properties. Stored curricula are ``ceterms:LearningProgram``
whose ``ceterms:teaches`` align to the competencies.

CTIDs are never made up here: they are read from the data (``ceterms:ctid``), where they were minted
once (``framework.ttl``, the template's ``ctid`` column). Pure functions; ``store_curricula`` reads.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from aiskills import namespaces as ns
from aiskills.errors import InputError
from aiskills.publishing.case import CrosswalkMapping
from aiskills.publishing.graph import (
    Facts,
    bcp47,
    capabilities,
    change_date,
    deprecation_note,
    parent,
    sections,
)
from aiskills.store.base import Store

Json = dict[str, Any]

CONTEXT = "https://credreg.net/ctdlasn/schema/context/json"
RESOURCES = "https://credentialengineregistry.org/resources/"
GRAPHS = "https://credentialengineregistry.org/graph/"
ALIGNMENTS = {
    ns.SKOS + "exactMatch": "ceasn:exactAlignment",
    ns.SKOS + "closeMatch": "ceasn:majorAlignment",
    ns.SKOS + "broadMatch": "ceasn:broadAlignment",
    ns.SKOS + "narrowMatch": "ceasn:narrowAlignment",
    ns.SKOS + "relatedMatch": "ceasn:minorAlignment",
}


def node_id(ctid: str) -> str:
    """The Registry address of the resource with this CTID."""
    return RESOURCES + ctid


@dataclass(frozen=True)
class Curriculum:
    """A stored curriculum as the export needs it."""

    iri: str
    title: str | None
    description: str | None
    provider: str | None
    teaches: tuple[str, ...] = field(default=())  # capability IRIs


def ctids(triples: Iterable[ox.Triple]) -> dict[str, str]:
    """Resource IRI → its CTID, for every resource that has one."""
    return {
        t.subject.value: t.object.value
        for t in triples
        if t.predicate.value == ns.CETERMS + "ctid"
        and isinstance(t.subject, ox.NamedNode)
        and isinstance(t.object, ox.Literal)
    }


class _Builder:
    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        triples = list(triples)
        self.f = Facts.of(triples)
        self.ctid = ctids(triples)
        f, fw = self.f, ns.FRAMEWORK_IRI
        self.lang = bcp47(f.language(fw, ns.DCT + "title") or "en-GB")
        self.created = change_date(f).isoformat()
        self.sections = [iri for iri, _ in sections(f)]
        self.capabilities = capabilities(f)
        require_ctids(self.f, self.ctid)

    def text(self, value: str | None) -> Json | None:
        return {self.lang: value} if value else None

    def id(self, iri: str) -> str:
        return node_id(self.ctid[iri])

    def framework(self) -> Json:
        f, fw = self.f, ns.FRAMEWORK_IRI
        tops = [s for s in self.sections if parent(f, s) is None]
        publisher = f.all(fw, ns.DCT + "publisher")
        out: Json = {
            "@id": self.id(fw),
            "@type": "ceasn:CompetencyFramework",
            "ceterms:ctid": self.ctid[fw],
            "ceasn:name": self.text(f.one(fw, ns.DCT + "title") or f.one(fw, ns.SKOS + "prefLabel")),
            "ceasn:description": self.text(f.one(fw, ns.DCT + "description")),
            "ceasn:inLanguage": [self.lang],
            "ceasn:publisherName": self.text(f.one(fw, ns.DCT + "publisher") or "aiskills"),
            "ceasn:publisher": [p.value for p in publisher if isinstance(p, ox.NamedNode)],
            "ceasn:license": f.first_iri(fw, ns.DCT + "license"),
            "ceasn:source": [fw],
            "ceasn:dateModified": self.created,
            "ceasn:versionCode": f.one(fw, ns.DCT + "hasVersion"),
            "ceasn:hasTopChild": [self.id(s) for s in tops],
        }
        return _clean(out)

    def competency(self, iri: str, children: Sequence[str], mappings: Sequence[CrosswalkMapping]) -> Json:
        f = self.f
        up = parent(f, iri)
        is_cap = iri in set(self.capabilities)
        label = f.one(iri, ns.SKOS + "prefLabel") or iri
        out: Json = {
            "@id": self.id(iri),
            "@type": "ceasn:Competency",
            "ceterms:ctid": self.ctid[iri],
            "ceasn:competencyText": self.text(label),
            "ceasn:competencyLabel": None if is_cap else self.text(label),
            "ceasn:comment": self.text(
                _joined(
                    deprecation_note(f, iri),
                    f.one(iri, ns.DCT + "description") or f.one(iri, ns.SKOS + "definition"),
                )
            ),
            "ceasn:codedNotation": f.one(iri, ns.SKOS + "notation"),
            "ceasn:competencyCategory": self.text("Capability" if is_cap else _kind(f, iri)),
            "ceasn:isPartOf": self.id(ns.FRAMEWORK_IRI),
            "ceasn:isTopChildOf": self.id(ns.FRAMEWORK_IRI) if up is None else None,
            "ceasn:isChildOf": self.id(up) if up is not None and up in self.ctid else None,
            "ceasn:hasChild": [self.id(c) for c in children],
            "ceasn:dateCreated": self.created,
            "ceasn:inLanguage": [self.lang],
            "ceasn:complexityLevel": f.iris(iri, ns.AIS + "level"),
            "ceasn:conceptTerm": f.ordered(f.iris(iri, ns.AIS + "archetype")),
            "ceasn:exactAlignment": [],
        }
        for m in mappings:
            if m.capability == iri and m.relation in ALIGNMENTS:
                out.setdefault(ALIGNMENTS[m.relation], []).append(m.target)
        return _clean(out)

    def graph(self, mappings: Sequence[CrosswalkMapping]) -> list[Json]:
        children: dict[str, list[str]] = {}
        for iri in [*self.sections, *self.capabilities]:
            up = parent(self.f, iri)
            if up is not None:
                children.setdefault(up, []).append(iri)
        nodes = [self.framework()]
        nodes += [
            self.competency(i, children.get(i, []), mappings) for i in [*self.sections, *self.capabilities]
        ]
        return nodes

    def programme(self, c: Curriculum) -> Json:
        fw = ns.FRAMEWORK_IRI
        name = self.f.one(fw, ns.DCT + "title")
        teaches = [
            _clean(
                {
                    "@type": "ceterms:CredentialAlignmentObject",
                    "ceterms:targetNode": self.id(cap),
                    "ceterms:targetNodeName": self.text(self.f.one(cap, ns.SKOS + "prefLabel")),
                    "ceterms:codedNotation": self.f.one(cap, ns.SKOS + "notation"),
                    "ceterms:framework": self.id(fw),
                    "ceterms:frameworkName": self.text(name),
                }
            )
            for cap in c.teaches
            if cap in self.ctid
        ]
        return _clean(
            {
                "@id": c.iri,
                "@type": "ceterms:LearningProgram",
                "ceterms:name": self.text(c.title or c.iri),
                "ceterms:description": self.text(c.description),
                "ceterms:subjectWebpage": c.iri if c.iri.startswith("http") else None,
                "ceterms:inLanguage": [self.lang],
                "ceterms:offeredByName": self.text(c.provider),
                "ceterms:teaches": teaches,
            }
        )


def require_ctids(facts: Facts, found: dict[str, str]) -> None:
    """``InputError`` when the framework, a section or a capability has no CTID."""
    needed = [ns.FRAMEWORK_IRI, *(iri for iri, _ in sections(facts)), *capabilities(facts)]
    missing = [iri for iri in needed if iri not in found]
    if missing:
        raise InputError(
            f"{len(missing)} resource(s) have no CTID (ceterms:ctid), e.g. <{missing[0]}>",
            source="framework",
            fix="mint them once: capabilities get one on `aiskills framework import` (template column "
            'ctid); give the framework and each section ceterms:ctid "ce-<UUID v4>" in its structure file',
        )


def check_ctids(triples: Iterable[ox.Triple]) -> None:
    """Refuse a framework that cannot be written as CTDL-ASN because some CTID is missing."""
    triples = list(triples)
    require_ctids(Facts.of(triples), ctids(triples))


def _kind(f: Facts, iri: str) -> str:
    for cls, label in (("Domain", "Domain"), ("SubDomain", "Sub-domain"), ("DomainGroup", "Group")):
        if f.is_a(iri, ns.AIS + cls):
            return label
    return "Section"


def _clean(obj: Json) -> Json:
    return {k: v for k, v in obj.items() if v is not None and v != [] and v != ""}


def ctdl_document(
    triples: Iterable[ox.Triple],
    mappings: Sequence[CrosswalkMapping] = (),
    curricula: Sequence[Curriculum] = (),
) -> Json:
    """The CTDL-ASN JSON-LD document of a framework graph (and of ``curricula``, if any)."""
    b = _Builder(triples)
    graph = b.graph(mappings) + [b.programme(c) for c in curricula]
    return {"@context": CONTEXT, "@id": GRAPHS + b.ctid[ns.FRAMEWORK_IRI], "@graph": graph}


def as_bytes(document: Json) -> bytes:
    """The document as sorted, indented UTF-8 JSON (the same input gives the same bytes)."""
    return (json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def store_curricula(store: Store) -> list[Curriculum]:
    """The stored curricula with the capabilities each teaches, both by IRI (sorted here: the query
    leaves the order to the store, which would otherwise read the text of every IRI to sort them)."""
    from aiskills.queries import load_query

    facts: dict[str, tuple[str | None, str | None, str | None]] = {}
    teaches: dict[str, set[str]] = {}
    for iri, title, description, provider, cap in store.select(load_query("case", "curricula").text).values():
        if iri is None:
            continue
        facts.setdefault(iri, (title, description, provider))
        taught = teaches.setdefault(iri, set())
        if cap:
            taught.add(cap)
    return [Curriculum(iri, *facts[iri], tuple(sorted(teaches[iri]))) for iri in sorted(facts)]


def _joined(*parts: str | None) -> str | None:
    return "\n\n".join(p for p in parts if p) or None
