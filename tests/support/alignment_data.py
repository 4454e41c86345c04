"""Constructed data for the alignment questions: a framework and curricula whose answers are known
by construction.

The framework is the bundled structure (six domains with their sub-domains and groups, four levels,
five archetypes, the example roles) with the 54 capabilities of ``CAPABILITIES`` instead of the bundled
ones. The Embedder (E) is badged on exactly 40 of them:

    domain 1: 10   domain 2: 8 (5 in sub-domains 2.1/2.2)   domain 3: 0
    domain 4: 7 (in 4, sub-domain 4.1 and groups 4.1.1/4.1.2)
    domain 5: 9 (in 5, 5.1, groups 5.1.1/5.1.3, 5.2, group 5.2.1)   domain 6: 6 (all in sub-domains)

Every Embedder capability at level 1 is also badged User, every one at level 4 also Creator.

The curricula (``CURRICULA``) are stored without validation (a conforming ``Report`` built directly).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

from aiskills import curricula, loading
from aiskills.framework import bundle
from aiskills.framework.model import Framework, build_framework
from aiskills.framework.template import ARCHETYPES, CapabilityRow
from aiskills.store.base import Store
from aiskills.submission.readers import read_bytes
from aiskills.validation.report import Report

ID = "https://w3id.org/aiskills/id/"
ARCHETYPE_LABELS = {"shaper": "Shaper", "driver": "Driver", "creator": "Creator", "embedder": "Embedder",
                    "user": "User"}
DOMAINS = ("1", "2", "3", "4", "5", "6")
LEVELS = ("1", "2", "3", "4")

# notation, section code, level, badges
CAPABILITIES: list[tuple[str, str, int, str]] = [
    ("1-01", "1", 1, "EU"), ("1-02", "1", 1, "EU"), ("1-03", "1", 1, "EU"),
    ("1-04", "1", 2, "E"), ("1-05", "1", 2, "E"),
    ("1-06", "1", 3, "E"), ("1-07", "1", 3, "E"),
    ("1-08", "1", 4, "CE"), ("1-09", "1", 4, "CE"), ("1-10", "1", 4, "CE"),
    ("1-11", "1", 1, "U"), ("1-12", "1", 3, "D"),
    ("2-01", "2", 1, "EU"), ("2-02", "2", 2, "E"),
    ("2.1-01", "2.1", 1, "EU"), ("2.1-02", "2.1", 2, "E"), ("2.1-03", "2.1", 3, "E"),
    ("2.2-01", "2.2", 2, "E"), ("2.2-02", "2.2", 3, "E"), ("2.2-03", "2.2", 4, "CE"),
    ("2.2-04", "2.2", 3, "C"),
    ("3-01", "3", 1, "S"), ("3-02", "3", 2, "D"),
    ("3.1-01", "3.1", 1, "U"), ("3.1-02", "3.1", 3, "SD"),
    ("3.2-01", "3.2", 4, "C"), ("3.2-02", "3.2", 2, "U"),
    ("4-01", "4", 1, "EU"),
    ("4.1-01", "4.1", 2, "E"), ("4.1-02", "4.1", 3, "E"),
    ("4.1.1-01", "4.1.1", 3, "E"), ("4.1.1-02", "4.1.1", 4, "CE"), ("4.1.1-03", "4.1.1", 2, "D"),
    ("4.1.2-01", "4.1.2", 2, "E"), ("4.1.2-02", "4.1.2", 4, "CE"),
    ("5-01", "5", 1, "EU"),
    ("5.1-01", "5.1", 2, "E"),
    ("5.1.1-01", "5.1.1", 1, "EU"), ("5.1.1-02", "5.1.1", 3, "E"),
    ("5.1.2-01", "5.1.2", 2, "C"), ("5.1.2-02", "5.1.2", 3, "C"),
    ("5.1.3-01", "5.1.3", 4, "CE"),
    ("5.2-01", "5.2", 2, "E"), ("5.2-02", "5.2", 3, "E"),
    ("5.2.1-01", "5.2.1", 4, "CE"), ("5.2.1-02", "5.2.1", 4, "CE"),
    ("6.1-01", "6.1", 1, "EU"), ("6.1-02", "6.1", 2, "E"),
    ("6.2-01", "6.2", 2, "U"), ("6.2-02", "6.2", 4, "S"),
    ("6.3-01", "6.3", 3, "E"),
    ("6.4-01", "6.4", 4, "CE"), ("6.4-02", "6.4", 4, "CE"), ("6.4-03", "6.4", 1, "EU"),
]

# -- the curricula ---------------------------------------------------------------------------------

UNI_ONE = {"id": "https://uni-one.example/", "name": "University One"}
COLLEGE_TWO = {"id": "https://college-two.example/", "name": "College Two"}

EMBEDDING = "https://example.org/curricula/embedding"
CREATORS = "https://example.org/curricula/creators-and-users"
SECOND = "https://example.org/curricula/second-course"
EMPTY = "https://example.org/curricula/empty"


def _outcome(statement: str, aligned: list[str], bloom: str | None = "apply") -> dict[str, Any]:
    out: dict[str, Any] = {"statement": statement, "alignedTo": aligned}
    if bloom:
        out["bloomLevel"] = bloom
    return out


#: Aligned to 7 Embedder capabilities (1-05 by two outcomes, 4.1.1-01 twice in one outcome) and to
#: 1-11 (User only). Per domain: 1: 3 of 10, 2: 1 of 8 (in 2.1), 3: 0 of 0, 4: 2 of 7 (groups
#: 4.1.1 and 4.1.2), 5: 0 of 9, 6: 1 of 6 (in 6.4).
EMBEDDING_DOC: dict[str, Any] = {
    "id": EMBEDDING, "title": "Embedding AI in practice", "provider": UNI_ONE,
    "targetArchetypes": ["Embedder"],
    "modules": [
        {"title": "Foundations", "learningOutcomes": [
            _outcome("Explain the digital systems in use", ["1-01", "1-11"], "understand"),
            _outcome("Apply an implementation plan", ["1-05"]),
        ]},
        {"title": "Deployment", "learningOutcomes": [
            _outcome("Apply the plan again", ["1-05", "2.1-02"]),
            _outcome("Analyse a local deployment", ["4.1.1-01", "4.1.1-01", "4.1.2-01"], "analyse"),
            _outcome("Evaluate monitoring", ["1-09", "6.4-02"], "evaluate"),
        ]},
    ],
}
EMBEDDING_COVERS = ("1-01", "1-05", "1-09", "2.1-02", "4.1.1-01", "4.1.2-01", "6.4-02")

#: Targets two archetypes; aligned to Embedder+Creator (1-08, 6.4-01), Embedder+User (1-01),
#: Creator only (2.2-04) and User only (3.2-02).
CREATORS_DOC: dict[str, Any] = {
    "id": CREATORS, "title": "Creators and users", "provider": COLLEGE_TWO,
    "targetArchetypes": ["Creator", "User"],
    "modules": [
        {"title": "Building", "learningOutcomes": [
            _outcome("Design a model", ["1-08", "2.2-04", "6.4-01"], "create"),
            _outcome("Use a model", ["1-01", "3.2-02"], "apply"),
        ]},
    ],
}

#: From the same provider as EMBEDDING_DOC; aligned to 1-01 and 1-09 (both also in EMBEDDING_DOC).
SECOND_DOC: dict[str, Any] = {
    "id": SECOND, "title": "Second course", "provider": UNI_ONE, "targetArchetypes": ["Embedder"],
    "modules": [{"title": "Recap", "learningOutcomes": [_outcome("Recap everything", ["1-01", "1-09"])]}],
}

#: Modules and outcomes, but no alignment at all; no provider.
EMPTY_DOC: dict[str, Any] = {
    "id": EMPTY, "title": "Empty course", "targetArchetypes": ["Embedder"],
    "modules": [{"title": "Nothing aligned", "learningOutcomes": [_outcome("Reflect", [], "understand")]}],
}

CURRICULA = (EMBEDDING_DOC, CREATORS_DOC, SECOND_DOC, EMPTY_DOC)


# -- building and storing --------------------------------------------------------------------------

def rows() -> list[CapabilityRow]:
    order = list(ARCHETYPES.values())
    return [CapabilityRow(notation, f"Capability {notation}", level, section,
                          tuple(sorted((ARCHETYPES[b] for b in badges), key=order.index)))
            for notation, section, level, badges in CAPABILITIES]


def framework() -> Framework:
    return build_framework(bundle.structure(), rows(), "constructed")


def load_framework(store: Store) -> None:
    loading.load_ontology_and_framework(store, bundle.ontology(), framework(), "constructed")


def store_curriculum(store: Store, doc: dict[str, Any]) -> curricula.Stored:
    """Store ``doc`` (the JSON submission shape) as if it had been validated with no results."""
    submission = read_bytes(json.dumps(doc).encode("utf-8"), "curriculum.json")
    report = Report(submission.source, submission.format, submission.curriculum_id, [], "2026.1")
    return curricula.submit(store, submission, report)


def load_all(store: Store) -> None:
    """The constructed framework and the four curricula."""
    load_framework(store)
    for doc in CURRICULA:
        store_curriculum(store, doc)


# -- answers worked out from the tables above -------------------------------------------------------

def top_domain(section: str) -> str:
    return section.split(".")[0]


def badged(archetype: str) -> list[tuple[str, str, int, str]]:
    """The capability rows badged with ``archetype`` (a badge letter)."""
    return [c for c in CAPABILITIES if archetype in c[3]]


def notations(archetype: str, level: int | None = None) -> list[str]:
    return [c[0] for c in badged(archetype) if level is None or c[2] == level]


def aligned(doc: dict[str, Any]) -> set[str]:
    """The capability notations ``doc``'s outcomes are aligned to."""
    return {n for m in doc.get("modules", []) for o in m.get("learningOutcomes", [])
            for n in o.get("alignedTo", [])}


def level_of(notation: str) -> int:
    return next(c[2] for c in CAPABILITIES if c[0] == notation)


def section_of(notation: str) -> str:
    return next(c[1] for c in CAPABILITIES if c[0] == notation)


def by_domain_level(caps: list[str]) -> list[str]:
    """Notations in the questions' order: top-level domain, level, notation."""
    return sorted(caps, key=lambda n: (top_domain(section_of(n)), level_of(n), n))


def summary_counts() -> dict[tuple[str, str, str], int]:
    """(domain, level, archetype label) → number of capabilities, every combination."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for _, section, level, badges in CAPABILITIES:
        for b in badges:
            counts[(top_domain(section), str(level), ARCHETYPE_LABELS[ARCHETYPES[b]])] += 1
    return {(d, lv, a): counts[(d, lv, a)]
            for d in DOMAINS for lv in LEVELS for a in ARCHETYPE_LABELS.values()}


def provision() -> dict[str, tuple[int, int]]:
    """Notation → (curricula teaching it, distinct providers of those), over ``CURRICULA``."""
    teachers: dict[str, set[str]] = defaultdict(set)
    providers: dict[str, set[str]] = defaultdict(set)
    for doc in CURRICULA:
        for n in aligned(doc):
            teachers[n].add(doc["id"])
            if "provider" in doc:
                providers[n].add(doc["provider"]["id"])
    return {c[0]: (len(teachers[c[0]]), len(providers[c[0]])) for c in CAPABILITIES}
