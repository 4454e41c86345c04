"""Page data: one function per kind of page, each reading the store through a few ``queries/pages``
queries (a fixed number per page, never one per row) and returning plain dicts for the templates.

Every linked thing is a ``Ref``: its IRI, its label, and the site path that serves it (None for an
external IRI, which is linked as it is).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from aiskills import namespaces as ns
from aiskills.cells import is_number
from aiskills.errors import InputError
from aiskills.framework.model import natural_key
from aiskills.framework.template import BADGE_ORDER
from aiskills.pages.links import Linker
from aiskills.pages.ranking import Ranker
from aiskills.pages.rdf import describe, page_query
from aiskills.publishing.case import case_uuid
from aiskills.store.base import Store

SCHEMA = "https://schema.org/"
KIND_LABELS = {
    ns.AIS + "Capability": "Capability",
    ns.AIS + "Domain": "Domain",
    ns.AIS + "SubDomain": "Sub-domain",
    ns.AIS + "DomainGroup": "Group",
    ns.AIS + "Archetype": "Archetype",
    ns.AIS + "Role": "Role",
    ns.AIS + "KnowledgeLevel": "Knowledge level",
    ns.AIS + "BloomLevel": "Bloom level",
    ns.AIS + "CapabilityFramework": "Framework",
    ns.SKOS + "ConceptScheme": "Concept scheme",
    ns.AIS + "Curriculum": "Curriculum",
}
MAPPING_LABELS = {
    ns.SKOS + "exactMatch": "exact match",
    ns.SKOS + "closeMatch": "close match",
    ns.SKOS + "broadMatch": "broader match",
    ns.SKOS + "narrowMatch": "narrower match",
    ns.SKOS + "relatedMatch": "related match",
}
SECTION_KINDS = (ns.AIS + "Domain", ns.AIS + "SubDomain", ns.AIS + "DomainGroup")
HEAT_CLASSES = 5  # heat-0 (none) … heat-5 (the most in any cell)


@dataclass(frozen=True)
class Ref:
    """A link to a resource: ``path`` on this site, or None for an external IRI."""

    iri: str
    label: str
    path: str | None = None
    notation: str | None = None

    @property
    def text(self) -> str:
        return (
            f"{self.notation} {self.label}" if self.notation and self.notation != self.label else self.label
        )


@dataclass
class Capability:
    ref: Ref
    statement: str
    level: str | None
    level_label: str | None
    section: Ref
    domain: Ref
    badges: list[str] = field(default_factory=list)
    deprecated: bool = False


# -- helpers ---------------------------------------------------------------------------------------
Row = dict[str, str | None]


def rows(store: Store, name: str, **bindings: str | ox.NamedNode | ox.Literal) -> list[Row]:
    """Run ``queries/pages/<name>.rq``; a ``str`` binding is an IRI. Rows as column → text."""
    query = page_query(name)
    terms = {k: ox.NamedNode(v) if isinstance(v, str) else v for k, v in bindings.items()}
    table = store.select(query.text, terms)
    index = [table.columns.index(c) for c in query.columns]
    return [
        {
            c: (None if row[i] is None else row[i].value)  # type: ignore[union-attr]
            for c, i in zip(query.columns, index)
        }
        for row in table.rows
    ]


def badge_key(badge: str | None) -> int:
    return BADGE_ORDER.index(badge) if badge and badge in BADGE_ORDER else len(BADGE_ORDER)


def ref(linker: Linker, iri: str | None, label: str | None = None, notation: str | None = None) -> Ref:
    iri = iri or ""
    path = linker.path(iri)
    tail = iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return Ref(iri, label or notation or (tail if path and tail else iri), path, notation)


def truthy(value: str | None) -> bool:
    return (value or "").lower() in ("true", "1")


def capability_rows(linker: Linker, table: Iterable[Row]) -> list[Capability]:
    """Capabilities from a ``capabilities``-shaped result, in notation order."""
    out = [
        Capability(
            ref=ref(linker, r["capability"], r["statement"], r["notation"]),
            statement=r["statement"] or "",
            level=r["level_notation"],
            level_label=r["level_label"],
            section=ref(linker, r["section"], r["section_label"], r["section_notation"]),
            domain=ref(linker, r["domain"], r["domain_label"], r["domain_notation"]),
            badges=sorted((r["badges"] or "").split(), key=badge_key),
            deprecated=truthy(r["deprecated"]),
        )
        for r in table
    ]
    return sorted(out, key=lambda c: natural_key(c.ref.notation))


def by_domain_and_level(capabilities: list[Capability]) -> list[dict[str, Any]]:
    """Capabilities grouped by top-level domain, then by knowledge level."""
    domains: dict[str, dict[str, Any]] = {}
    for cap in capabilities:
        group = domains.setdefault(cap.domain.iri, {"domain": cap.domain, "levels": {}, "count": 0})
        group["levels"].setdefault(cap.level or "", []).append(cap)
        group["count"] += 1
    out = []
    for group in sorted(domains.values(), key=lambda g: natural_key(g["domain"].notation)):
        levels = [
            {"level": lvl, "label": caps[0].level_label or f"Level {lvl}", "capabilities": caps}
            for lvl, caps in sorted(group["levels"].items(), key=lambda kv: natural_key(kv[0]))
        ]
        out.append({"domain": group["domain"], "count": group["count"], "levels": levels})
    return out


def concept(store: Store, linker: Linker, iri: str) -> dict[str, Any] | None:
    """Labels and texts of one resource, or None when the store holds nothing about it."""
    found = rows(store, "concept", s=iri)
    if not found:
        return None
    r = found[0]
    return {
        "iri": iri,
        "label": r["label"] or iri.rsplit("/", 1)[-1],
        "notation": r["notation"],
        "alt_label": r["alt_label"],
        "definition": r["definition"],
        "description": r["description"],
        "broader": ref(linker, r["broader"], r["broader_label"], r["broader_notation"])
        if r["broader"]
        else None,
        "deprecated": truthy(r["deprecated"]),
        "replaced_by": (
            ref(linker, r["replaced_by"], r["replaced_by_label"], r["replaced_by_notation"])
            if r["replaced_by"]
            else None
        ),
    }


def kinds(store: Store, iri: str) -> set[str] | None:
    """The classes of ``iri``; None when the store holds no triple about it (and when ``iri`` is no
    IRI at all: a path with a space or a quote in it names nothing)."""
    try:
        subject = ox.NamedNode(iri)
    except ValueError:
        return None
    found = rows(store, "kinds", s=subject)
    if not found:
        return None
    return {r["type"] for r in found if r["type"]}


def page_kind(types: set[str]) -> str:
    """Which template shows a resource of these classes."""
    if ns.AIS + "Capability" in types:
        return "capability"
    if ns.AIS + "Archetype" in types:
        return "archetype"
    if types & set(SECTION_KINDS):
        return "section"
    if ns.AIS + "Role" in types:
        return "role"
    return "resource"


# -- the pages -------------------------------------------------------------------------------------
def home(store: Store, linker: Linker) -> dict[str, Any]:
    """The framework, its domains and archetypes, and the domain x archetype heat map."""
    framework = (rows(store, "framework") or [{}])[0]
    archetypes = sorted(rows(store, "archetypes"), key=lambda r: badge_key(r["badge"]))
    sections = rows(store, "sections")
    domains = sorted(
        (r for r in sections if r["kind"] == ns.AIS + "Domain"), key=lambda r: natural_key(r["notation"])
    )
    counts = {(r["domain"], r["archetype"]): int(r["capabilities"] or 0) for r in rows(store, "heatmap")}
    top = max(counts.values(), default=0)
    heat = []
    for d in domains:
        cells = []
        for a in archetypes:
            n = counts.get((d["section"], a["archetype"]), 0)
            shade = 0 if n == 0 or top == 0 else max(1, round(HEAT_CLASSES * n / top))
            cells.append(
                {
                    "count": n,
                    "shade": shade,
                    "archetype": a["label"],
                    "path": f"{linker.path(a['archetype'] or '')}#g-{d['notation']}",
                }
            )
        heat.append(
            {
                "domain": ref(linker, d["section"], d["label"], d["notation"]),
                "total": int(d["capabilities"] or 0),
                "cells": cells,
                "children": _children(linker, sections, d["section"]),
            }
        )
    roles = {r["role"] for r in rows(store, "roles")}
    return {
        "framework": framework,
        "framework_ref": ref(linker, framework.get("framework"), framework.get("title"))
        if framework
        else None,
        "archetypes": [
            {
                "ref": ref(linker, a["archetype"], a["label"], a["badge"]),
                "badge": a["badge"],
                "plural": a["plural"],
                "definition": a["definition"],
                "total": sum(counts.get((d["section"], a["archetype"]), 0) for d in domains),
            }
            for a in archetypes
        ],
        "heatmap": heat,
        "totals": {
            "capabilities": sum(h["total"] for h in heat),
            "domains": len(domains),
            "sections": len(sections),
            "roles": len(roles),
            "archetypes": len(archetypes),
            "curricula": int(rows(store, "curricula-count")[0]["curricula"] or 0),
        },
    }


def _below(sections: list[Row], iri: str) -> set[str]:
    """``iri`` and every section under it, from the sections' parent links (worked out here rather than
    with a ``skos:broader*`` path bound to the section: Virtuoso 7 answers that with no rows once the
    query also has OPTIONAL patterns)."""
    below, frontier = {iri}, [iri]
    while frontier:
        parent = frontier.pop()
        for r in sections:
            child = r["section"]
            if r["parent"] == parent and child is not None and child not in below:
                below.add(child)
                frontier.append(child)
    return below


def _children(linker: Linker, sections: list[Row], parent: str | None) -> list[dict[str, Any]]:
    kids = sorted((r for r in sections if r["parent"] == parent), key=lambda r: natural_key(r["notation"]))
    return [
        {
            "ref": ref(linker, r["section"], r["label"], r["notation"]),
            "count": int(r["capabilities"] or 0),
            "children": _children(linker, sections, r["section"]),
        }
        for r in kids
    ]


def archetype(store: Store, linker: Linker, iri: str) -> dict[str, Any]:
    """An archetype: its definition, its capabilities by domain and level, its roles."""
    info = concept(store, linker, iri) or {"iri": iri, "label": iri}
    caps = capability_rows(linker, rows(store, "archetype-capabilities", archetype=iri))
    current = [c for c in caps if not c.deprecated]
    roles = sorted(
        {
            r["role"]: ref(linker, r["role"], r["label"])
            for r in rows(store, "roles", archetype=iri)
            if r["role"]
        }.values(),
        key=lambda r: r.label.lower(),
    )
    levels: dict[str, int] = {}
    for c in current:
        levels[c.level or "?"] = levels.get(c.level or "?", 0) + 1
    return {
        **info,
        "groups": by_domain_and_level(current),
        "count": len(current),
        "roles": roles,
        "levels": sorted(levels.items(), key=lambda kv: natural_key(kv[0])),
        "deprecated_count": len(caps) - len(current),
    }


def section(store: Store, linker: Linker, iri: str) -> dict[str, Any]:
    """A domain, sub-domain or group: its parents, sub-sections and capabilities."""
    info = concept(store, linker, iri) or {"iri": iri, "label": iri}
    sections = rows(store, "sections")
    by_iri = {r["section"]: r for r in sections}
    trail: list[Ref] = []
    parent = by_iri.get(iri, {}).get("parent")
    while parent and parent in by_iri and len(trail) < 10:
        p = by_iri[parent]
        trail.insert(0, ref(linker, p["section"], p["label"], p["notation"]))
        parent = p["parent"]
    kind = by_iri.get(iri, {}).get("kind") or ""
    below = _below(sections, iri)
    caps = [c for c in capability_rows(linker, rows(store, "section-capabilities")) if c.section.iri in below]
    grouped: dict[str, dict[str, Any]] = {}
    for c in caps:
        grouped.setdefault(c.section.iri, {"section": c.section, "capabilities": []})["capabilities"].append(
            c
        )
    return {
        **info,
        "kind": KIND_LABELS.get(kind, "Section"),
        "trail": trail,
        "children": _children(linker, sections, iri),
        "groups": sorted(grouped.values(), key=lambda g: natural_key(g["section"].notation)),
        "count": sum(1 for c in caps if not c.deprecated),
    }


def capability(store: Store, linker: Linker, iri: str, *, curricula: bool = True) -> dict[str, Any]:
    """A capability: statement, notation, level, archetypes, place, mappings, curricula teaching it."""
    info = concept(store, linker, iri) or {"iri": iri, "label": iri}
    r = (rows(store, "capability", capability=iri) or [{}])[0]
    archetypes = sorted(
        rows(store, "capability-archetypes", capability=iri), key=lambda a: badge_key(a["badge"])
    )
    badges = {a["archetype"] for a in archetypes}
    roles = sorted(
        {
            x["role"]: ref(linker, x["role"], x["label"])
            for x in rows(store, "roles")
            if x["archetype"] in badges and x["role"]
        }.values(),
        key=lambda x: x.label.lower(),
    )
    mappings = [
        {
            "relation": MAPPING_LABELS.get(m["relation"] or "", m["relation"]),
            "target": ref(linker, m["target"], m["target_label"], m["target_notation"]),
        }
        for m in rows(store, "capability-mappings", capability=iri)
    ]
    taught: list[dict[str, Any]] = []
    if curricula:
        taught = sorted(
            (
                {
                    "ref": Ref(
                        c["curriculum"] or "",
                        c["title"] or c["curriculum"] or "",
                        linker.curriculum_path(c["curriculum"] or ""),
                    ),
                    "provider": c["provider"],
                    "outcomes": int(c["outcomes"] or 0),
                }
                for c in rows(store, "capability-curricula", capability=iri)
            ),
            key=lambda c: c["ref"].label.lower(),
        )
    return {
        **info,
        "notation": r.get("notation"),
        "statement": r.get("statement") or info.get("label"),
        "level": ref(linker, r.get("level"), r.get("level_label"), r.get("level_notation"))
        if r.get("level")
        else None,
        "bloom": ref(linker, r.get("bloom"), r.get("bloom_label")) if r.get("bloom") else None,
        "section": ref(linker, r.get("section"), r.get("section_label"), r.get("section_notation"))
        if r.get("section")
        else None,
        "domain": ref(linker, r.get("domain"), r.get("domain_label"), r.get("domain_notation"))
        if r.get("domain")
        else None,
        "archetypes": [
            {"ref": ref(linker, a["archetype"], a["label"]), "badge": a["badge"]} for a in archetypes
        ],
        "roles": roles,
        "mappings": mappings,
        "curricula": taught,
        "case_id": case_uuid(iri),  # its CASE CFItem identifier
        "ctid": next((c["ctid"] for c in rows(store, "ctid", resource=iri)), None),  # its CTDL-ASN node
    }


def role(store: Store, linker: Linker, iri: str) -> dict[str, Any]:
    """A role: its archetypes and the capabilities they are badged with, by level."""
    info = concept(store, linker, iri) or {"iri": iri, "label": iri}
    mine = rows(store, "roles", role=iri)
    archetypes = sorted(
        {
            r["archetype"]: (r["badge"], ref(linker, r["archetype"], r["archetype_label"]))
            for r in mine
            if r["archetype"]
        }.values(),
        key=lambda b: badge_key(b[0]),
    )
    badges = {b for b, _ in archetypes}
    caps = [
        c
        for c in capability_rows(linker, rows(store, "capabilities"))
        if not c.deprecated and badges & set(c.badges)
    ]
    return {
        **info,
        "archetypes": [{"badge": b, "ref": r} for b, r in archetypes],
        "groups": by_domain_and_level(caps),
        "count": len(caps),
    }


def resource(store: Store, linker: Linker, iri: str, types: set[str]) -> dict[str, Any]:
    """Any other resource (the framework, a level, a Bloom level, a scheme): its description as a
    table of properties, for a knowledge level its capabilities, for a concept scheme its members."""
    info = concept(store, linker, iri) or {"iri": iri, "label": iri}
    triples = [t for t in describe(store, iri) if t.subject == ox.NamedNode(iri)]
    labels = {r["iri"]: r["label"] for r in rows(store, "labels", s=iri)}
    props: dict[str, dict[str, Any]] = {}
    for t in sorted(triples, key=lambda t: (str(t.predicate), str(t.object))):
        entry = props.setdefault(
            t.predicate.value,
            {
                "property": ref(
                    linker, t.predicate.value, labels.get(t.predicate.value) or _curie(t.predicate.value)
                ),
                "values": [],
            },
        )
        if isinstance(t.object, ox.NamedNode):
            entry["values"].append({"ref": ref(linker, t.object.value, labels.get(t.object.value))})
        elif isinstance(t.object, ox.Literal):
            entry["values"].append({"text": t.object.value, "lang": t.object.language})
    caps: list[Capability] = []
    if ns.AIS + "KnowledgeLevel" in types:
        caps = [
            c for c in capability_rows(linker, rows(store, "capabilities")) if c.level == info.get("notation")
        ]
    kind = next((KIND_LABELS[t] for t in sorted(types) if t in KIND_LABELS), "Resource")
    members = scheme_members(store, linker, iri) if ns.SKOS + "ConceptScheme" in types else []
    return {
        **info,
        "kind": kind,
        "members": members,
        "properties": list(props.values()),
        "capabilities": caps,
        "groups": by_domain_and_level([c for c in caps if not c.deprecated]),
    }


def scheme_members(store: Store, linker: Linker, iri: str) -> list[dict[str, Any]]:
    """The concepts of a scheme, in notation then label order."""
    found = [
        {
            "ref": ref(linker, r["member"], r["label"], r["notation"]),
            "kind": next((KIND_LABELS[t] for t in KIND_LABELS if t in (r["type"] or "").split()), "Concept"),
        }
        for r in rows(store, "scheme-members", scheme=iri)
        if r["member"]
    ]
    return sorted(found, key=lambda m: (natural_key(m["ref"].notation), m["ref"].label.lower()))


#: The kinds of framework IRI (``{public_base}id/<kind>/…``) and the index page that lists each kind.
KIND_INDEXES: dict[str, str] = {
    "capability": "Capabilities",
    "domain": "Domains, sub-domains and groups",
    "archetype": "Archetypes",
    "role": "Roles",
    "level": "Knowledge levels",
    "bloom": "Bloom levels",
    "scheme": "Concept schemes",
}


def kind_index(store: Store, linker: Linker, kind: str) -> dict[str, Any] | None:
    """``/id/<kind>``: every resource whose IRI is under ``{id_base}<kind>/``, with its archetype
    badges for roles and capabilities; None for a kind that does not exist."""
    if kind not in KIND_INDEXES:
        return None
    prefix = f"{linker.id_base}{kind}/"
    entries = [e for e in index(store, linker) if e["ref"].iri.startswith(prefix)]
    badges: dict[str, set[str]] = {}
    if kind == "role":
        for r in rows(store, "roles"):
            badges.setdefault(r["role"] or "", set()).add(r["badge"] or "")
    elif kind == "capability":
        for c in capability_rows(linker, rows(store, "capabilities")):
            badges[c.ref.iri] = set(c.badges)
    entries.sort(key=lambda e: (natural_key(e["notation"]), e["label"].lower()))
    return {
        "kind": kind,
        "title": KIND_INDEXES[kind],
        "iri": prefix,
        "label": KIND_INDEXES[kind],
        "entries": [
            {**e, "badges": sorted(badges.get(e["ref"].iri, set()) - {""}, key=badge_key)} for e in entries
        ],
    }


def kinds_overview(store: Store, linker: Linker) -> list[dict[str, Any]]:
    """``/id/``: each kind of framework IRI with how many resources it has."""
    counts: dict[str, int] = {}
    for e in index(store, linker):
        kind = e["ref"].iri[len(linker.id_base) :].split("/", 1)[0]
        counts[kind] = counts.get(kind, 0) + 1
    return [
        {"kind": k, "title": t, "count": counts.get(k, 0), "path": f"/id/{k}"}
        for k, t in KIND_INDEXES.items()
    ]


def _curie(iri: str) -> str:
    for prefix, base in ns.PREFIXES.items():
        if iri.startswith(base):
            return f"{prefix}:{iri[len(base) :]}"
    if iri.startswith(SCHEMA):
        return "schema:" + iri[len(SCHEMA) :]
    return iri


# -- curricula -------------------------------------------------------------------------------------
def curricula_list(store: Store, linker: Linker) -> list[dict[str, Any]]:
    out = [
        {
            "ref": Ref(
                r["curriculum"] or "",
                r["title"] or r["curriculum"] or "",
                linker.curriculum_path(r["curriculum"] or ""),
            ),
            "provider": r["provider"],
            "submitted": r["submitted"],
        }
        for r in rows(store, "curricula")
    ]
    return sorted(out, key=lambda c: c["ref"].label.lower())


def curriculum(store: Store, linker: Linker, digest: str) -> dict[str, Any] | None:
    """A stored curriculum (by the hash of its IRI): modules, outcomes and their capabilities, and its
    coverage of each target archetype (the alignment question ``curriculum-coverage``)."""
    from aiskills import alignment

    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        return None
    found = rows(store, "curriculum", g=linker.curriculum_graph(digest))
    if not found:
        return None
    info = found[0]
    iri = info["curriculum"] or ""
    modules: dict[str, dict[str, Any]] = {}
    for r in rows(store, "curriculum-outcomes", curriculum=iri):
        module = modules.setdefault(
            r["module"] or "",
            {"iri": r["module"], "title": r["module_title"], "hours": r["hours"], "outcomes": {}},
        )
        if r["outcome"]:
            outcome = module["outcomes"].setdefault(
                r["outcome"],
                {
                    "iri": r["outcome"],
                    "statement": r["statement"],
                    "bloom": r["bloom_label"],
                    "capabilities": [],
                },
            )
            if r["capability"]:
                outcome["capabilities"].append(
                    ref(linker, r["capability"], r["capability_statement"], r["capability_notation"])
                )
    ordered = []
    for m in sorted(modules.values(), key=lambda m: natural_key(m["iri"])):
        outcomes = sorted(m["outcomes"].values(), key=lambda o: natural_key(o["iri"]))
        for o in outcomes:
            o["capabilities"].sort(key=lambda c: natural_key(c.notation))
        ordered.append({**m, "outcomes": outcomes})
    targets = sorted(rows(store, "curriculum-targets", curriculum=iri), key=lambda t: badge_key(t["badge"]))
    coverage = []
    for t in targets:
        try:
            answer = alignment.ask(
                store, "curriculum-coverage", {"curriculum": iri, "archetype": t["archetype"] or ""}
            )
        except InputError:
            continue
        domains = answer.records()
        required = sum(int(d["required"] or 0) for d in domains)  # type: ignore[call-overload]
        covered = sum(int(d["covered"] or 0) for d in domains)  # type: ignore[call-overload]
        coverage.append(
            {
                "archetype": ref(linker, t["archetype"], t["label"]),
                "badge": t["badge"],
                "domains": domains,
                "required": required,
                "covered": covered,
                "percent": round(100.0 * covered / required, 1) if required else 0.0,
            }
        )
    return {
        "iri": iri,
        "label": info["title"] or iri,
        "title": info["title"],
        "description": info["description"],
        "version": info["version"],
        "provider": info["provider_label"] or info["provider"],
        "provider_iri": info["provider"],
        "source": info["source"],
        "submitted": info["submitted"],
        "validation": info["validation"],
        "modules": ordered,
        "targets": [ref(linker, t["archetype"], t["label"]) for t in targets],
        "coverage": coverage,
        "path": linker.curriculum_path(iri),
        "hours": sum(float(m["hours"]) for m in ordered if m["hours"] and is_number(m["hours"])),
    }


# -- search, the index, the 404 --------------------------------------------------------------------
def index(store: Store, linker: Linker) -> list[dict[str, Any]]:
    """Every framework resource under the public base: kind, notation, label, definition, path.
    The site's pages, its A-Z list and its search index are made from this."""
    out = []
    for r in rows(store, "resources"):
        iri = r["resource"] or ""
        if linker.path(iri) is None or not iri.startswith(linker.id_base):
            continue
        types = set((r["type"] or "").split())
        kind = next((KIND_LABELS[t] for t in KIND_LABELS if t in types), "Resource")
        out.append(
            {
                "ref": ref(linker, iri, r["label"], r["notation"]),
                "kind": kind,
                "notation": r["notation"],
                "label": r["label"] or "",
                "definition": r["definition"] or "",
                "types": types,
            }
        )
    return sorted(out, key=lambda e: (e["label"].lower(), natural_key(e["notation"])))


@dataclass(frozen=True)
class SearchFilters:
    """Search filters: an archetype badge (``S`` … ``U``), a knowledge level, a top-level domain
    code. Any filter limits the results to capabilities."""

    archetype: str = ""
    level: str = ""
    domain: str = ""

    @property
    def active(self) -> bool:
        return bool(self.archetype or self.level or self.domain)

    def keeps(self, r: Row) -> bool:
        if not self.active:
            return True
        if ns.AIS + "Capability" not in (r["type"] or "").split():
            return False
        return (
            (not self.archetype or self.archetype in (r["badges"] or "").split())
            and (not self.level or self.level == r["level"])
            and (not self.domain or self.domain == r["domain"])
        )


def search(
    store: Store,
    linker: Linker,
    q: str,
    *,
    filters: SearchFilters | None = None,
    limit: int = 200,
    ranker: Ranker | None = None,
) -> dict[str, Any]:
    """Resources that match the words of ``q`` in the order ``ranker`` gives (by default
    ``ranking.rank``: an exact code first, then by words), each with its statement or definition,
    level, domain and badges; the filters' choices."""
    from aiskills.pages.ranking import Document, rank

    ranker = ranker or rank

    filters = filters or SearchFilters()
    table = rows(store, "search-documents")
    facets = _facets(linker, table)
    text = q.strip()
    if not text and not filters.active:
        return {"q": q, "results": [], "total": 0, "filters": filters, "facets": facets}
    kept = {r["resource"] or "": r for r in table if filters.keeps(r)}
    documents = [
        Document(iri, r["notation"] or "", r["label"] or "", r["text"] or "") for iri, r in kept.items()
    ]
    if text:
        ranked = [doc for _, doc in ranker(text, documents)]
    else:  # filters only: every capability they keep, in code order
        ranked = sorted(documents, key=lambda d: natural_key(d.notation))
    hits = [_hit(linker, kept[d.key]) for d in ranked]
    return {"q": text, "results": hits[:limit], "total": len(hits), "filters": filters, "facets": facets}


def _hit(linker: Linker, r: Row) -> dict[str, Any]:
    iri = r["resource"] or ""
    types = set((r["type"] or "").split())
    kind = next((KIND_LABELS[t] for t in KIND_LABELS if t in types), "Resource")
    path = linker.curriculum_path(iri) if ns.AIS + "Curriculum" in types else linker.path(iri)
    label = r["label"] or iri
    texts = [t.strip() for t in (r["text"] or "").split(" \n ") if t.strip() and t.strip() != label]
    return {
        "ref": Ref(iri, label, path, r["notation"]),
        "kind": kind,
        "statement": label if kind == "Capability" else None,
        "matched": texts[0] if texts else None,
        "level": r["level"],
        "domain": r["domain"],
        "badges": sorted((r["badges"] or "").split(), key=badge_key),
    }


def _facets(linker: Linker, table: list[Row]) -> dict[str, list[tuple[str, str]]]:
    """The values each filter offers: (value, label), from the framework itself."""

    def of(kind: str) -> list[tuple[str, str]]:
        found = [
            (r["notation"] or "", r["label"] or "")
            for r in table
            if ns.AIS + kind in (r["type"] or "").split() and r["notation"]
        ]
        return sorted(found, key=lambda f: natural_key(f[0]))

    return {
        "archetype": sorted(of("Archetype"), key=lambda f: badge_key(f[0])),
        "level": of("KnowledgeLevel"),
        "domain": of("Domain"),
    }


def nearest(store: Store, linker: Linker, asked: str, *, n: int = 6) -> list[dict[str, Any]]:
    """Resources whose IRI tail, notation or label is closest to what was asked (for the 404 page):
    a notation that only lacks its zero padding (``6.1-3`` for ``6.1-03``) first, then by similarity."""
    tail = (
        asked[len(linker.id_base) :] if asked.startswith(linker.id_base) else asked.rsplit("/", 1)[-1]
    ).lower()
    last = tail.rsplit("/", 1)[-1]
    padded = re.sub(r"-(\d)$", r"-0\1", last)
    kind = tail.split("/")[0] if "/" in tail else ""
    scored = []
    for e in index(store, linker):
        iri_tail = e["ref"].iri[len(linker.id_base) :].lower()
        keys = [
            k for k in (iri_tail.rsplit("/", 1)[-1], (e["notation"] or "").lower(), e["label"].lower()) if k
        ]
        same_kind = iri_tail.split("/")[0] == kind
        if same_kind and padded in keys:
            score = 2.0
        else:
            score = max(difflib.SequenceMatcher(None, last, k).ratio() for k in keys) + (
                0.1 if same_kind else 0.0
            )
            if len(last) > 3 and last.isalpha() and last in e["label"].lower():
                score = max(score, 0.65)
        if score >= 0.6:
            scored.append((score, e["label"].lower(), e))
    scored.sort(key=lambda s: (-s[0], s[1]))
    return [e for _, _, e in scored[:n]]


def framework_version_iri(store: Store, linker: Linker) -> tuple[str, str] | None:
    """The current framework's version IRI (``…/id/framework/{version}``, as releases and the CASE
    documents name it) and the framework's own IRI; None when the store holds no framework."""
    framework = (rows(store, "framework") or [{}])[0]
    iri, version = framework.get("framework"), framework.get("version")
    if not iri or not version:
        return None
    return f"{iri}/{version}", iri


# -- downloads -------------------------------------------------------------------------------------
def downloads(store: Store, linker: Linker) -> dict[str, Any]:
    """What ``/downloads`` offers: the current framework and ontology in every RDF syntax and the
    framework as a spreadsheet, the JSON-LD context, the blank templates; each graph's version."""
    framework = (rows(store, "framework") or [{}])[0]
    meta = (rows(store, "ontology", ontology=linker.ontology) or [{}])[0]
    graphs = [
        {
            "graph": e.graph,
            "kind": e.kind,
            "version": e.version,
            "triples": store.count(e.graph),
            "state": "current" if e.active else "kept",
        }
        for e in sorted(store.catalog({"framework", "ontology"}), key=lambda e: not e.active)
    ]
    version_iri = framework_version_iri(store, linker)
    return {
        "framework_version": framework.get("version"),
        "framework_version_iri": version_iri[0] if version_iri else None,
        "framework_version_path": linker.path(version_iri[0]) if version_iri else None,
        "ontology_version": meta.get("version"),
        "ontology_version_iri": meta.get("version_iri"),
        "graphs": sorted(graphs, key=lambda g: (g["kind"], g["graph"])),
        "templates": [
            ("curriculum-template.csv", "Curriculum template (CSV)"),
            ("curriculum-template.xlsx", "Curriculum template (Excel)"),
            ("framework-template.csv", "Framework template, blank (CSV)"),
            ("framework-template.xlsx", "Framework template, blank (Excel)"),
        ],
    }


# -- the ontology ----------------------------------------------------------------------------------
def ontology(store: Store, linker: Linker) -> dict[str, Any]:
    """The ontology: its metadata and every class and property with relations, by kind."""
    meta = (rows(store, "ontology", ontology=linker.ontology) or [{}])[0]
    namespace = ox.Literal(linker.vocab)
    relations: dict[str, list[dict[str, Any]]] = {}
    for r in rows(store, "ontology-relations", ns=namespace):
        relations.setdefault(r["term"] or "", []).append(
            {
                "relation": _curie(r["relation"] or ""),
                "value": ref(linker, r["value"], r["value_label"] or _curie(r["value"] or "")),
            }
        )
    used: dict[str, list[dict[str, Any]]] = {}
    for term, rels in relations.items():
        for rel in rels:
            if rel["relation"] in ("rdfs:domain", "rdfs:range", "rdfs:subClassOf"):
                used.setdefault(rel["value"].iri, []).append({"relation": rel["relation"], "term": term})
    terms: list[dict[str, Any]] = []
    for r in rows(store, "ontology-terms", ns=namespace):
        iri = r["term"] or ""
        local = iri[len(linker.vocab) :]
        terms.append(
            {
                "iri": iri,
                "local": local,
                "kind": (r["kind"] or "").rsplit("#", 1)[-1],
                "label": r["label"] or local,
                "definition": r["definition"],
                "comment": r["comment"],
                "deprecated": truthy(r["deprecated"]),
                "path": linker.path(iri),
                "relations": sorted(relations.get(iri, []), key=lambda x: (x["relation"], x["value"].label)),
                "used_by": [
                    {"relation": u["relation"], "term": ref(linker, u["term"])}
                    for u in sorted(used.get(iri, []), key=lambda u: (u["relation"], u["term"]))
                ],
            }
        )
    terms.sort(key=lambda t: t["local"].lower())
    kinds_order = ("Class", "ObjectProperty", "DatatypeProperty", "AnnotationProperty")
    groups = [
        {
            "kind": k,
            "title": {
                "Class": "Classes",
                "ObjectProperty": "Object properties",
                "DatatypeProperty": "Datatype properties",
                "AnnotationProperty": "Annotation properties",
            }[k],
            "terms": [t for t in terms if t["kind"] == k],
        }
        for k in kinds_order
    ]
    version_iri = meta.get("version_iri") or ""
    return {
        "iri": linker.ontology,
        "meta": meta,
        "version_path": "/ontology/" + version_iri[len(linker.ontology) + 1 :]
        if version_iri.startswith(linker.ontology + "/")
        else None,
        "groups": [g for g in groups if g["terms"]],
        "terms": terms,
        "namespace": linker.vocab,
    }


def ontology_term(store: Store, linker: Linker, local: str) -> dict[str, Any] | None:
    """One class or property of the ontology, or None when the ontology has no such term."""
    whole = ontology(store, linker)
    term = next((t for t in whole["terms"] if t["local"] == local), None)
    if term is None:
        return None
    return {**term, "ontology": whole}
