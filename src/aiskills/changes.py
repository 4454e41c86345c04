"""What changed between two versions of a framework: capabilities added, removed, deprecated,
reworded, moved to another domain or level, re-badged. Pure functions over template rows."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from aiskills import namespaces as ns
from aiskills.framework.model import capability_rows, notation_key
from aiskills.framework.template import ARCHETYPES, CapabilityRow

KINDS = ("added", "removed", "deprecated", "reworded", "moved", "re-levelled", "re-badged", "edited")
_DEPRECATED = ox.NamedNode(ns.OWL + "deprecated")
_REPLACED_BY = ox.NamedNode(ns.DCT + "isReplacedBy")
_BADGES = {slug: badge for badge, slug in ARCHETYPES.items()}


@dataclass(frozen=True)
class Change:
    kind: str
    notation: str
    old: str | None = None
    new: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"kind": self.kind, "notation": self.notation, "old": self.old, "new": self.new}


@dataclass
class ChangeLog:
    old_version: str
    new_version: str
    changes: list[Change] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)


def deprecations(triples: Iterable[ox.Triple]) -> dict[str, str | None]:
    """Deprecated capability IRI → its replacement's IRI (None for an explicit 'no replacement')."""
    triples = list(triples)
    deprecated = {t.subject.value for t in triples if t.predicate == _DEPRECATED and t.object.value == "true"}
    replaced = {t.subject.value: t.object.value for t in triples if t.predicate == _REPLACED_BY}
    return {iri: replaced.get(iri) for iri in deprecated}


def compare(old: Sequence[ox.Triple], new: Sequence[ox.Triple], old_version: str, new_version: str) -> ChangeLog:
    """The change log from ``old`` to ``new`` (framework graphs)."""
    before = {r.notation: r for r in capability_rows(old)}
    after = {r.notation: r for r in capability_rows(new)}
    gone, was_gone = deprecations(new), deprecations(old)
    log = ChangeLog(old_version, new_version)
    for notation in sorted(set(before) | set(after), key=notation_key):
        a, b = before.get(notation), after.get(notation)
        iri = ns.capability_iri(notation)
        if a is None and b is not None:
            log.changes.append(Change("added", notation, None, b.statement))
        elif b is None and a is not None:
            log.changes.append(Change("removed", notation, a.statement, None))
        elif a is not None and b is not None:
            if iri in gone and iri not in was_gone:
                replacement = gone[iri]
                log.changes.append(Change("deprecated", notation, a.statement,
                                          replacement.rsplit("/", 1)[-1] if replacement else None))
            log.changes.extend(_edits(a, b))
    return log


def _edits(a: CapabilityRow, b: CapabilityRow) -> list[Change]:
    out = []
    if a.statement != b.statement:
        out.append(Change("reworded", a.notation, a.statement, b.statement))
    if a.domain != b.domain:
        out.append(Change("moved", a.notation, a.domain, b.domain))
    if a.level != b.level:
        out.append(Change("re-levelled", a.notation, str(a.level), str(b.level)))
    if a.archetypes != b.archetypes:
        out.append(Change("re-badged", a.notation, _badges(a), _badges(b)))
    if (a.bloom_level, a.description) != (b.bloom_level, b.description):
        out.append(Change("edited", a.notation, f"{a.bloom_level or ''} | {a.description or ''}",
                          f"{b.bloom_level or ''} | {b.description or ''}"))
    return out


def _badges(row: CapabilityRow) -> str:
    return ";".join(_BADGES[s] for s in row.archetypes)


def as_markdown(log: ChangeLog) -> str:
    lines = [f"# Changes from {log.old_version} to {log.new_version}", ""]
    counts = ", ".join(f"{log.count(k)} {k}" for k in KINDS if log.count(k))
    lines.append(counts + "." if counts else "No changes to capabilities.")
    for kind in KINDS:
        items = [c for c in log.changes if c.kind == kind]
        if not items:
            continue
        lines += ["", f"## {kind.capitalize()} ({len(items)})", ""]
        for c in items:
            if kind == "added":
                lines.append(f"- **{c.notation}**: {c.new}")
            elif kind in ("removed", "deprecated"):
                tail = f" (replaced by {c.new})" if c.new else (" (no replacement)" if kind == "deprecated" else "")
                lines.append(f"- **{c.notation}**: {c.old}{tail}")
            else:
                lines.append(f"- **{c.notation}**: {c.old} → {c.new}")
    return "\n".join(lines) + "\n"


def as_json(log: ChangeLog) -> str:
    return json.dumps({"from": log.old_version, "to": log.new_version,
                       "summary": {k: log.count(k) for k in KINDS},
                       "changes": [c.as_dict() for c in log.changes]}, indent=2, ensure_ascii=False) + "\n"
