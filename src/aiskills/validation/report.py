"""The validation report as data: typed results a curriculum designer can act on.

Built from the SHACL validation report (the single source of results); this module only adds what
the report cannot know: where in the submitted file each result points, the item's title, the value as
the user typed it, and the fix.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

import pyoxigraph as ox

from aiskills import namespaces as ns
from aiskills.rdf import term_value
from aiskills.submission.model import Location, Submission


class Severity(Enum):
    VIOLATION = "violation"
    WARNING = "warning"
    INFO = "info"

    @property
    def order(self) -> int:
        return {"violation": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True)
class Item:
    """The curriculum, module or outcome a result is about."""

    kind: str  # curriculum, module, outcome, provider or item
    id: str | None
    title: str | None

    def label(self) -> str:
        name = f"'{self.title}'" if self.title else (self.id or "(no id)")
        return f"{self.kind} {name}"


@dataclass(frozen=True)
class Result:
    severity: Severity
    rule: str
    message: str
    item: Item
    value: str | None
    hint: str
    location: Location | None
    path: str | None = None  # the property, as a compact name
    candidates: tuple[str, ...] = ()  # framework codes the value may have meant, the likeliest first
    slip: str | None = None  # a common slip recognised in the value: comma, typo, form, date

    def as_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity.value,
            "rule": self.rule,
            "message": self.message,
            "item": {"kind": self.item.kind, "id": self.item.id, "title": self.item.title},
            "value": self.value,
            "hint": self.hint,
            "path": self.path,
            "location": self.location.as_dict() if self.location else None,
            "candidates": list(self.candidates),
            "slip": self.slip,
        }


@dataclass
class Report:
    source: str
    format: str
    curriculum: str | None
    results: list[Result] = field(default_factory=list)
    framework_version: str | None = None
    shacl_turtle: str = ""  # the sh:ValidationReport as Turtle

    @property
    def conforms(self) -> bool:
        return not any(r.severity is Severity.VIOLATION for r in self.results)

    def count(self, severity: Severity) -> int:
        return sum(1 for r in self.results if r.severity is severity)

    def summary(self) -> dict[str, int]:
        return {s.value + "s": self.count(s) for s in Severity}

    def rules(self, severity: Severity | None = None) -> list[str]:
        return sorted({r.rule for r in self.results if severity is None or r.severity is severity})

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "format": self.format,
            "curriculum": self.curriculum,
            "frameworkVersion": self.framework_version,
            "conforms": self.conforms,
            "summary": self.summary(),
            "results": [r.as_dict() for r in self.results],
        }


# -- building results ------------------------------------------------------------------------------

_KINDS = {
    ns.AIS + "Curriculum": "curriculum",
    ns.AIS + "Module": "module",
    ns.AIS + "LearningOutcome": "outcome",
    ns.AIS + "Provider": "provider",
}
_TITLES = (ns.DCT + "title", ns.AIS + "statement", ns.RDFS + "label")
_PREFIXES = {
    ns.AIS: "ais:",
    ns.DCT: "dct:",
    ns.SKOS: "skos:",
    "https://w3id.org/aiskills/validation#": "aisv:",
}


def describe_items(submission: Submission) -> dict[str, Item]:
    """Every subject of the submission (as N-Triples text) → its kind, id and title."""
    kinds: dict[str, str] = {}
    titles: dict[str, str] = {}
    for t in submission.triples:
        s = str(t.subject)
        if term_value(t.predicate) == ns.RDF + "type" and term_value(t.object) in _KINDS:
            kinds[s] = _KINDS[term_value(t.object)]
        elif term_value(t.predicate) in _TITLES and s not in titles:
            titles[s] = term_value(t.object)
    subjects = {str(t.subject): t.subject for t in submission.triples}
    return {
        s: Item(
            kinds.get(s, "item"),
            node.value if isinstance(node, ox.NamedNode) else None,
            _short(titles.get(s)),
        )
        for s, node in subjects.items()
    }


def _short(text: str | None, n: int = 80) -> str | None:
    if text is None:
        return None
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def compact(iri: str | None) -> str | None:
    if iri is None:
        return None
    for base, prefix in _PREFIXES.items():
        if iri.startswith(base):
            return prefix + iri[len(base) :]
    return iri


def display_value(value: str | None) -> str | None:
    """IRIs of framework resources shown by their code (``6.1-03``, ``embedder``)."""
    if value is None:
        return None
    for kind in ("capability", "archetype", "bloom", "level"):
        prefix = f"{ns.ID}{kind}/"
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


def sort_key(result: Result, order: dict[str, int] | None = None) -> tuple[object, ...]:
    """Violations first, then in the order of the file (rows, lines, or the JSON document's order)."""
    loc = result.location
    place: tuple[object, ...]
    if loc is None:
        place = (2, 0, 0)
    elif order is not None and str(loc) in order:
        place = (0, order[str(loc)], 0)
    elif loc.row is not None:
        place = (0, loc.row, loc.column or "")
    elif loc.line is not None:
        place = (0, loc.line, 0)
    else:
        place = (1, 0, 0)
    return (result.severity.order, place, result.rule, result.message)


def sorted_results(results: Iterable[Result], order: dict[str, int] | None = None) -> list[Result]:
    return sorted(results, key=lambda r: sort_key(r, order))
