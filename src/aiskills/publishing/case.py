"""The framework as 1EdTech CASE 1.1 (Competencies and Academic Standards Exchange) packages.

One framework version is one CFDocument (``uri`` its version IRI ``…/id/framework/{version}``); its
domains, sub-domains, groups and capabilities are CFItems in an ``isChildOf`` tree whose top items point
at the document. Knowledge levels, Bloom levels and archetypes are three small CFDocuments of their own;
a capability points at its level (``hasSkillLevel``), its Bloom level and its archetypes
(``isRelatedTo``, each kind in its own CFAssociationGrouping), names its archetypes in
``conceptKeywords`` (CFConcepts) and says all three in ``notes``. Crosswalk mappings become
``exactMatchOf`` (``skos:exactMatch``) or ``isRelatedTo``; a deprecated capability is ``replacedBy`` its
successor. The mapping is documented in ``docs/case.md``.

Every ``identifier`` is a UUID v5 of an IRI (``case_uuid``): the same on every rebuild and for anyone
who knows the IRI. ``lastChangeDateTime`` comes from the framework's ``dct:modified`` / ``dct:issued``,
never from the clock. No ``extensions`` anywhere. Pure functions; ``store_packages`` is the one reader.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pyoxigraph as ox

from aiskills import namespaces as ns
from aiskills.framework.model import natural_key
from aiskills.publishing.graph import (
    ARCHETYPES_SCHEME,
    BLOOM_SCHEME,
    LEVELS_SCHEME,
    Facts,
    bcp47,
    capabilities,
    change_date,
    deprecation_note,
    issued_date,
    parent,
    sections,
)
from aiskills.store.base import Store

Json = dict[str, Any]

CASE_PATH = "ims/case/"
API_VERSIONS = ("v1p1", "v1p0")
ONLY_1P1 = frozenset({"caseVersion", "frameworkType", "targetType"})  # left out of CASE 1.0 answers
FRAMEWORK_VERSION_PREFIX = ns.ID + "framework/"

#: CFItemTypes: title → (class IRI, hierarchy code, description).
ITEM_TYPES: dict[str, tuple[str, str, str]] = {
    "Domain": (ns.AIS + "Domain", "1", "A top-level domain of the framework."),
    "Sub-domain": (ns.AIS + "SubDomain", "2", "A sub-domain: the second level of a domain."),
    "Group": (ns.AIS + "DomainGroup", "3", "A third-level group of capabilities within a sub-domain."),
    "Capability": (
        ns.AIS + "Capability",
        "4",
        "What a person should be able to do, at one knowledge level, for the archetypes it is badged with.",
    ),
    "Knowledge level": (
        ns.AIS + "KnowledgeLevel",
        "5",
        "One of the four knowledge levels (1 lowest, 4 highest).",
    ),
    "Bloom level": (ns.AIS + "BloomLevel", "6", "A cognitive process level of Bloom's revised taxonomy."),
    "Archetype": (
        ns.AIS + "Archetype",
        "7",
        "A grouping of health and care roles by what people do with AI.",
    ),
}
#: CFAssociationGroupings: slug → (title, description).
GROUPINGS: dict[str, tuple[str, str]] = {
    "knowledge-level": ("Knowledge level", "The capability's knowledge level (hasSkillLevel)."),
    "bloom-level": ("Bloom level", "The Bloom's revised taxonomy level of the capability's statement."),
    "archetype": ("Archetype", "An archetype the capability is badged with."),
    "crosswalk": ("Crosswalk", "A mapping to a concept of another framework, from an SSSOM crosswalk."),
}
#: CFSubjects of every aiskills framework document (MeSH headings).
SUBJECTS: tuple[tuple[str, str, str, str], ...] = (
    ("http://id.nlm.nih.gov/mesh/D001185", "Artificial Intelligence", "D001185", "MeSH heading."),
    ("http://id.nlm.nih.gov/mesh/D008490", "Medical Informatics", "D008490", "MeSH heading."),
)
LICENCE_TITLES = {
    "https://creativecommons.org/licenses/by/4.0/": "Creative Commons Attribution 4.0 International (CC BY 4.0)",
}
#: SKOS mapping relation → CASE association type.
MAPPING_TYPES = {
    ns.SKOS + "exactMatch": "exactMatchOf",
    ns.SKOS + "closeMatch": "isRelatedTo",
    ns.SKOS + "broadMatch": "isRelatedTo",
    ns.SKOS + "narrowMatch": "isRelatedTo",
    ns.SKOS + "relatedMatch": "isRelatedTo",
}


def case_uuid(iri: str) -> str:
    """The CASE identifier of the thing ``iri`` names: a UUID v5 in the URL namespace."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, iri))


def api_base(public_base: str, api: str = "v1p1") -> str:
    """Where the CASE service of a deployment at ``public_base`` answers, e.g.
    ``https://w3id.org/aiskills/ims/case/v1p1/``."""
    return public_base.rstrip("/") + "/" + CASE_PATH + api + "/"


@dataclass(frozen=True)
class CrosswalkMapping:
    """One crosswalk mapping of a capability to a concept of another framework."""

    capability: str
    relation: str  # a SKOS mapping property IRI
    target: str
    label: str | None = None


@dataclass
class CasePackage:
    """One CFPackage, its parts in their in-package form (CFPckg…DType)."""

    document: Json
    items: list[Json] = field(default_factory=list)
    associations: list[Json] = field(default_factory=list)
    definitions: dict[str, list[Json]] = field(default_factory=dict)
    rubrics: list[Json] = field(default_factory=list)
    version: str | None = None  # the framework version it was built from
    main: bool = True  # the framework itself, not one of the small level/Bloom/archetype documents

    @property
    def identifier(self) -> str:
        return str(self.document["identifier"])

    def as_json(self) -> Json:
        """The CFPackage as CASE 1.1 JSON."""
        out: Json = {"CFDocument": self.document, "CFItems": self.items, "CFAssociations": self.associations}
        out["CFDefinitions"] = {k: v for k, v in self.definitions.items() if v}
        out["CFRubrics"] = self.rubrics
        return out


# -- building --------------------------------------------------------------------------------------


class _Builder:
    """Builds the packages of one framework version; ``base`` is the CASE API base URL."""

    def __init__(self, triples: Iterable[ox.Triple], version: str, base: str, current: bool) -> None:
        self.f = Facts.of(triples)
        self.version = version
        self.base = base
        self.current = current
        self.changed = _datetime(change_date(self.f))
        fw = ns.FRAMEWORK_IRI
        self.language = bcp47(self.f.language(fw, ns.DCT + "title") or "en-GB")
        self.licence = self.f.first_iri(fw, ns.DCT + "license")
        self.publisher = self.f.one(fw, ns.DCT + "publisher") or "aiskills"
        self.creator = self.f.one(fw, ns.DCT + "creator") or self.publisher

    # links
    def link(self, kind: str, identifier: str, title: str, uri: str | None = None) -> Json:
        """A LinkURI to an object: its ``uri`` is the object's own ``uri`` (a consumer keys objects by it),
        which is the object's CASE address unless the object is named by an IRI of its own."""
        return {"title": title, "identifier": identifier, "uri": uri or f"{self.base}{kind}/{identifier}"}

    def node(self, iri: str, title: str) -> Json:
        return {"title": title, "identifier": case_uuid(iri), "uri": iri, "targetType": "CASE"}

    def item_type_link(self, title: str) -> Json:
        return self.link("CFItemTypes", case_uuid(ITEM_TYPES[title][0]), title, ITEM_TYPES[title][0])

    def licence_link(self) -> Json | None:
        if self.licence is None:
            return None
        return self.link(
            "CFLicenses",
            case_uuid(self.licence),
            LICENCE_TITLES.get(self.licence, self.licence),
            self.licence,
        )

    def grouping_link(self, slug: str) -> Json:
        return self.link("CFAssociationGroupings", _grouping_id(slug), GROUPINGS[slug][0])

    # documents
    def document(
        self, iri: str, title: str, description: str | None, notes: str | None, uri: str | None = None
    ) -> Json:
        doc: Json = {
            "identifier": case_uuid(iri),
            "uri": uri or iri,
            "frameworkType": "Competency Framework",
            "caseVersion": "1.1",
            "creator": self.creator,
            "title": title,
            "lastChangeDateTime": self.changed,
            "officialSourceURL": ns.FRAMEWORK_IRI,
            "publisher": self.publisher,
            "description": description,
            "subject": [s[1] for s in SUBJECTS],
            "subjectURI": [self.link("CFSubjects", case_uuid(s[0]), s[1], s[0]) for s in SUBJECTS],
            "language": self.language,
            "version": self.version,
            "adoptionStatus": "Adopted" if self.current else "Deprecated",
            "statusStartDate": _iso(issued_date(self.f)),
            "licenseURI": self.licence_link(),
            "notes": notes,
        }
        return _clean(doc)

    def item(self, iri: str, statement: str, item_type: str, position: int, **more: Any) -> Json:
        item: Json = {
            "identifier": case_uuid(iri),
            "fullStatement": statement,
            "alternativeLabel": item_type,  # the framework's own term for this kind of item
            "CFItemType": item_type,
            "uri": iri,
            "humanCodingScheme": self.f.one(iri, ns.SKOS + "notation"),
            "listEnumeration": str(position),
            "subject": [s[1] for s in SUBJECTS],
            "subjectURI": [self.link("CFSubjects", case_uuid(s[0]), s[1], s[0]) for s in SUBJECTS],
            "language": self.language,
            "CFItemTypeURI": self.item_type_link(item_type),
            "licenseURI": self.licence_link(),
            "statusStartDate": _iso(issued_date(self.f)),
            "lastChangeDateTime": self.changed,
            **more,
        }
        return _clean(item)

    def association(
        self, kind: str, origin: Json, destination: Json, seq: int | None = None, grouping: str | None = None
    ) -> Json:
        ident = case_uuid(f"{origin['uri']} {kind} {destination['uri']}")
        assoc: Json = {
            "identifier": ident,
            "associationType": kind,
            "sequenceNumber": seq,
            "uri": f"{self.base}CFAssociations/{ident}",
            "originNodeURI": origin,
            "destinationNodeURI": destination,
            "CFAssociationGroupingURI": self.grouping_link(grouping) if grouping else None,
            "lastChangeDateTime": self.changed,
        }
        return _clean(assoc)

    # the framework
    def framework(self, mappings: Sequence[CrosswalkMapping]) -> CasePackage:
        f, fw = self.f, ns.FRAMEWORK_IRI
        doc_iri = FRAMEWORK_VERSION_PREFIX + self.version
        title = f.one(fw, ns.DCT + "title") or f.one(fw, ns.SKOS + "prefLabel") or "Capability framework"
        notes = f.one(fw, ns.SKOS + "scopeNote") or f.one(fw, ns.RDFS + "comment")
        # the version IRI names the document (its identifier); its uri is its own CASE address, which
        # resolves wherever the provider runs (the version IRI is a release's, not every store's)
        doc_uri = f"{self.base}CFDocuments/{case_uuid(doc_iri)}"
        doc = self.document(doc_iri, title, f.one(fw, ns.DCT + "description"), notes, doc_uri)
        pkg = CasePackage(doc, version=self.version)
        doc_node = {**self.node(doc_iri, title), "uri": doc_uri}
        children: dict[str | None, list[str]] = {}
        kinds: dict[str, str] = {}
        for iri, kind in sections(f):
            kinds[iri] = kind
            children.setdefault(parent(f, iri), []).append(iri)
        for iri in capabilities(f):
            kinds[iri] = "Capability"
            children.setdefault(parent(f, iri), []).append(iri)
        titles = {iri: self.statement(iri) for iri in kinds}
        for up, below in children.items():
            for n, iri in enumerate(below, start=1):
                kind = kinds[iri]
                more = self.capability_fields(iri) if kind == "Capability" else self.section_fields(iri)
                pkg.items.append(self.item(iri, titles[iri], kind, n, **more))
                dest = doc_node if up is None or up not in kinds else self.node(up, titles[up])
                pkg.associations.append(self.association("isChildOf", self.node(iri, titles[iri]), dest, n))
        for iri in capabilities(f):
            pkg.associations += self.capability_links(iri, titles)
        pkg.associations += self.mapping_links(mappings, titles)
        pkg.items.sort(key=lambda i: natural_key(i.get("humanCodingScheme")))
        pkg.definitions = self.definitions([k for k in ITEM_TYPES if k in set(kinds.values())], True)
        pkg.rubrics = [self.rubric()]
        return pkg

    def statement(self, iri: str) -> str:
        return self.f.one(iri, ns.SKOS + "prefLabel") or self.f.one(iri, ns.RDFS + "label") or iri

    def section_fields(self, iri: str) -> Json:
        label = self.statement(iri)
        return {"abbreviatedStatement": label, "notes": self.f.one(iri, ns.SKOS + "definition")}

    def capability_fields(self, iri: str) -> Json:
        f = self.f
        archetypes = f.ordered(f.iris(iri, ns.AIS + "archetype"))
        names = [f.one(a, ns.SKOS + "altLabel") or self.statement(a) for a in archetypes]
        facts = []
        level = f.first_iri(iri, ns.AIS + "level")
        if level:
            facts.append(f"Knowledge level {f.one(level, ns.SKOS + 'notation')} ({self.statement(level)})")
        bloom = f.first_iri(iri, ns.AIS + "bloomLevel")
        if bloom:
            facts.append(f"Bloom level: {self.statement(bloom)}")
        if names:
            facts.append("Archetypes: " + ", ".join(names))
        description = f.one(iri, ns.DCT + "description")
        notes = ". ".join(facts) + "."
        return {
            "conceptKeywords": names,
            "notes": "\n\n".join(p for p in (deprecation_note(f, iri), description, notes) if p),
        }

    def capability_links(self, iri: str, titles: Mapping[str, str]) -> list[Json]:
        f, origin = self.f, self.node(iri, titles[iri])
        out = []
        for level in f.iris(iri, ns.AIS + "level"):
            out.append(
                self.association(
                    "hasSkillLevel", origin, self.node(level, self.statement(level)), None, "knowledge-level"
                )
            )
        for bloom in f.iris(iri, ns.AIS + "bloomLevel"):
            out.append(
                self.association(
                    "isRelatedTo", origin, self.node(bloom, self.statement(bloom)), None, "bloom-level"
                )
            )
        for a in f.ordered(f.iris(iri, ns.AIS + "archetype")):
            out.append(
                self.association("isRelatedTo", origin, self.node(a, self.statement(a)), None, "archetype")
            )
        for successor in f.iris(iri, ns.DCT + "isReplacedBy"):
            title = titles.get(successor, self.statement(successor))
            out.append(self.association("replacedBy", origin, self.node(successor, title)))
        return out

    def mapping_links(self, mappings: Sequence[CrosswalkMapping], titles: Mapping[str, str]) -> list[Json]:
        out = []
        for m in mappings:
            if m.capability not in titles or m.relation not in MAPPING_TYPES:
                continue
            # another framework's concept: its IRI as uri, and a UUID (v5 of it) as every CASE identifier
            target = {"title": m.label or m.target, "identifier": case_uuid(m.target), "uri": m.target}
            origin = self.node(m.capability, titles[m.capability])
            out.append(self.association(MAPPING_TYPES[m.relation], origin, target, None, "crosswalk"))
        return out

    # the small documents
    def scheme(self, scheme: str, item_type: str, members: str) -> CasePackage:
        f = self.f
        title = self.statement(scheme)
        doc = self.document(
            scheme, title, f.one(scheme, ns.SKOS + "definition"), f.one(scheme, ns.RDFS + "comment")
        )
        doc["frameworkType"] = "Scale"
        pkg = CasePackage(doc, version=self.version, main=False)
        doc_node = self.node(scheme, title)
        concepts = f.typed(ns.AIS + members)
        for n, c in enumerate(concepts, start=1):
            more = {
                "notes": f.one(c, ns.SKOS + "definition"),
                "abbreviatedStatement": f.one(c, ns.SKOS + "altLabel"),
            }
            pkg.items.append(self.item(c, self.statement(c), item_type, n, **more))
            pkg.associations.append(
                self.association("isChildOf", self.node(c, self.statement(c)), doc_node, n)
            )
        pkg.definitions = self.definitions([item_type], False)
        return pkg

    # definitions
    def definitions(self, item_types: Sequence[str], main: bool) -> dict[str, list[Json]]:
        out: dict[str, list[Json]] = {
            "CFItemTypes": [self.item_type(t) for t in item_types],
            "CFSubjects": [self.subject(*s) for s in SUBJECTS],
            "CFLicenses": [self.licence_def()] if self.licence else [],
        }
        if main:
            out["CFConcepts"] = [self.concept(a) for a in self.f.typed(ns.AIS + "Archetype")]
            out["CFAssociationGroupings"] = [self.grouping(s) for s in GROUPINGS]
        return out

    def item_type(self, title: str) -> Json:
        cls, code, description = ITEM_TYPES[title]
        return {
            "identifier": case_uuid(cls),
            "uri": cls,
            "title": title,
            "description": description,
            "hierarchyCode": code,
            "typeCode": cls.rsplit("#", 1)[-1],
            "lastChangeDateTime": self.changed,
        }

    def subject(self, iri: str, title: str, code: str, description: str) -> Json:
        return {
            "identifier": case_uuid(iri),
            "uri": iri,
            "title": title,
            "hierarchyCode": code,
            "description": description,
            "lastChangeDateTime": self.changed,
        }

    def licence_def(self) -> Json:
        assert self.licence is not None
        title = LICENCE_TITLES.get(self.licence, self.licence)
        return {
            "identifier": case_uuid(self.licence),
            "uri": self.licence,
            "title": title,
            "description": title,
            "licenseText": self.licence,
            "lastChangeDateTime": self.changed,
        }

    def concept(self, archetype: str) -> Json:
        f = self.f
        words = [w for w in (self.statement(archetype), f.one(archetype, ns.SKOS + "altLabel")) if w]
        return _clean(
            {
                "identifier": concept_id(archetype),
                "uri": archetype,
                "title": f.one(archetype, ns.SKOS + "altLabel") or self.statement(archetype),
                "keywords": "|".join(words),
                "hierarchyCode": f.one(archetype, ns.SKOS + "notation") or "",
                "description": f.one(archetype, ns.SKOS + "definition"),
                "lastChangeDateTime": self.changed,
            }
        )

    def grouping(self, slug: str) -> Json:
        title, description = GROUPINGS[slug]
        ident = _grouping_id(slug)
        return {
            "identifier": ident,
            "uri": f"{self.base}CFAssociationGroupings/{ident}",
            "title": title,
            "description": description,
            "lastChangeDateTime": self.changed,
        }

    def rubric(self) -> Json:
        """The knowledge levels as a rubric: one criterion whose levels are the four knowledge levels."""
        f = self.f
        rubric_id, criterion_id = (
            case_uuid(LEVELS_SCHEME + "#rubric"),
            case_uuid(LEVELS_SCHEME + "#criterion"),
        )
        levels = sorted(f.typed(ns.AIS + "KnowledgeLevel"), key=lambda c: int(f.one(c, ns.AIS + "rank") or 0))
        criterion_levels = [
            _clean(
                {
                    "identifier": case_uuid(level + "#rubric-level"),
                    "uri": level,
                    "description": f.one(level, ns.SKOS + "definition"),
                    "quality": self.statement(level),
                    "score": float(f.one(level, ns.AIS + "rank") or n),
                    "position": n,
                    "rubricCriterionId": criterion_id,
                    "lastChangeDateTime": self.changed,
                }
            )
            for n, level in enumerate(levels, start=1)
        ]
        criterion = {
            "identifier": criterion_id,
            "uri": f"{self.base}CFRubrics/{rubric_id}#criterion",
            "category": "Knowledge level",
            "description": "How deep the capability goes: the knowledge level it is held at.",
            "position": 1,
            "rubricId": rubric_id,
            "lastChangeDateTime": self.changed,
            "CFRubricCriterionLevels": criterion_levels,
        }
        return _clean(
            {
                "identifier": rubric_id,
                "uri": f"{self.base}CFRubrics/{rubric_id}",
                "title": self.statement(LEVELS_SCHEME),
                "description": f.one(LEVELS_SCHEME, ns.SKOS + "definition"),
                "lastChangeDateTime": self.changed,
                "CFRubricCriteria": [criterion],
            }
        )


def concept_id(archetype: str) -> str:
    """The CFConcept identifier of an archetype (its CFItem has ``case_uuid(archetype)``)."""
    return case_uuid(archetype + "#concept")


def _grouping_id(slug: str) -> str:
    return case_uuid(f"{ns.ID}case/grouping/{slug}")


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _datetime(day: date) -> str:
    return f"{day.isoformat()}T00:00:00+00:00"


def _clean(obj: Json) -> Json:
    """``obj`` without empty values (CASE leaves an absent optional field out)."""
    return {k: v for k, v in obj.items() if v is not None and v != [] and v != ""}


def build_packages(
    triples: Iterable[ox.Triple],
    version: str,
    base: str,
    *,
    mappings: Sequence[CrosswalkMapping] = (),
    current: bool = True,
) -> list[CasePackage]:
    """The CFPackages of one framework version: the framework's own, then the knowledge levels, Bloom
    levels and archetypes. ``base`` is the CASE API base URL (``api_base``)."""
    b = _Builder(triples, version, base, current)
    return [
        b.framework(mappings),
        b.scheme(LEVELS_SCHEME, "Knowledge level", "KnowledgeLevel"),
        b.scheme(BLOOM_SCHEME, "Bloom level", "BloomLevel"),
        b.scheme(ARCHETYPES_SCHEME, "Archetype", "Archetype"),
    ]


def for_api(obj: Any, api: str) -> Any:
    """``obj`` as the CASE ``api`` version answers it: CASE 1.0 (``v1p0``) leaves out the 1.1-only
    fields (``caseVersion``, ``frameworkType``, ``targetType``)."""
    if api != "v1p0":
        return obj
    if isinstance(obj, dict):
        return {k: for_api(v, api) for k, v in obj.items() if k not in ONLY_1P1}
    if isinstance(obj, list):
        return [for_api(v, api) for v in obj]
    return obj


# -- reading the store -----------------------------------------------------------------------------


def store_mappings(store: Store) -> list[CrosswalkMapping]:
    """The crosswalk mappings of the capabilities in the store's active dataset."""
    from aiskills.queries import load_query

    table = store.select(load_query("case", "mappings").text)
    return [
        CrosswalkMapping(str(c), str(r), str(t), label)
        for c, r, t, label in table.values()
        if c is not None and r is not None and t is not None
    ]


def store_packages(
    store: Store, base: str, cache: MutableMapping[str, list[CasePackage]] | None = None
) -> list[CasePackage]:
    """The CFPackages of every framework version the store keeps: the current version's first, then
    the earlier ones, newest first (so an identifier found in several versions answers with the newest).

    ``cache`` (kept by the caller) holds packages by a digest of everything they are built from (the
    version's triples, the mappings, the base, whether current), so unchanged versions are not rebuilt
    and a changed one never answers from the cache."""
    entries = store.catalog({"framework"})
    entries.sort(key=lambda e: (not e.active, [-_rank(p) for p in natural_key(e.version)]))
    mappings = store_mappings(store) if entries else []
    out: list[CasePackage] = []
    for e in entries:
        triples = store.triples(e.graph)
        key = _digest([base, str(e.active), e.version or "", *map(str, mappings), *map(str, triples)])
        built = cache.get(key) if cache is not None else None
        if built is None:
            built = build_packages(triples, e.version or "", base, mappings=mappings, current=e.active)
            if cache is not None:
                while len(cache) >= CACHE_SIZE:
                    try:  # another thread may be trimming too
                        cache.pop(next(iter(cache)), None)
                    except (StopIteration, RuntimeError):
                        break
                cache[key] = built
        out += built
    return out


CACHE_SIZE = 32  # versions × API bases kept built


def _digest(parts: Sequence[str]) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


def _rank(part: object) -> float:
    return float(part) if isinstance(part, int) else 0.0


# -- finding things --------------------------------------------------------------------------------

#: The kinds of CASE object a GET by identifier answers: path segment → definitions key (None: other).
KINDS = (
    "CFDocuments",
    "CFPackages",
    "CFItems",
    "CFItemAssociations",
    "CFAssociations",
    "CFAssociationGroupings",
    "CFConcepts",
    "CFItemTypes",
    "CFSubjects",
    "CFLicenses",
    "CFRubrics",
)


@dataclass
class CaseIndex:
    """Every CASE object of a list of packages, by kind and identifier; the first package wins."""

    packages: list[CasePackage]
    base: str
    by_kind: dict[str, dict[str, tuple[Json, CasePackage]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for pkg in self.packages:
            self._add("CFDocuments", pkg.document, pkg)
            for item in pkg.items:
                self._add("CFItems", item, pkg)
            for a in pkg.associations:
                self._add("CFAssociations", a, pkg)
            for key, values in pkg.definitions.items():
                for v in values:
                    self._add(key, v, pkg)
            for r in pkg.rubrics:
                self._add("CFRubrics", r, pkg)

    def _add(self, kind: str, obj: Json, pkg: CasePackage) -> None:
        self.by_kind.setdefault(kind, {}).setdefault(str(obj["identifier"]), (obj, pkg))

    def documents(self) -> list[Json]:
        """Every CFDocument once, as ``CFDocuments`` lists it (with its ``CFPackageURI``)."""
        return [self.document(d) for d, _ in self.by_kind.get("CFDocuments", {}).values()]

    def document(self, doc: Json) -> Json:
        link = {
            "title": doc["title"],
            "identifier": doc["identifier"],
            "uri": f"{self.base}CFPackages/{doc['identifier']}",
        }
        return {**doc, "CFPackageURI": link}

    def doc_link(self, pkg: CasePackage) -> Json:
        d = pkg.document
        return {"title": d["title"], "identifier": d["identifier"], "uri": d["uri"]}  # the document's own uri

    def get(self, kind: str, identifier: str) -> Json | None:
        """The answer to ``GET …/{kind}/{identifier}``, or None when nothing has that identifier."""
        if kind == "CFPackages":
            found = self.by_kind.get("CFDocuments", {}).get(identifier)
            return found[1].as_json() if found else None
        if kind == "CFItemAssociations":
            return self.item_associations(identifier)
        found = self.by_kind.get(kind, {}).get(identifier)
        if found is None:
            return None
        obj, pkg = found
        if kind == "CFDocuments":
            return self.document(obj)
        if kind in ("CFItems", "CFAssociations"):
            return {**obj, "CFDocumentURI": self.doc_link(pkg)}
        if kind in ("CFConcepts", "CFItemTypes", "CFSubjects"):
            return {kind: [obj]}
        return obj

    def item_associations(self, identifier: str) -> Json | None:
        found = self.by_kind.get("CFItems", {}).get(identifier)
        if found is None:
            return None
        item, pkg = found
        related = [
            a
            for p in self.packages
            for a in p.associations
            if identifier in (a["originNodeURI"]["identifier"], a["destinationNodeURI"]["identifier"])
        ]
        unique: dict[str, Json] = {}
        for a in related:
            unique.setdefault(a["identifier"], a)
        return {
            "CFItem": {**item, "CFDocumentURI": self.doc_link(pkg)},
            "CFAssociations": list(unique.values()),
        }
