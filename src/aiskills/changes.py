"""What changed between two versions of a framework: capabilities added, removed, deprecated,
reworded, moved to another domain or level, re-badged. Pure functions over template rows; the change
log is rendered as Markdown, JSON, HTML (a standalone page) and RDF (``ais:ChangeLog``)."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

import pyoxigraph as ox

from aiskills import namespaces as ns
from aiskills.framework.model import capability_rows, notation_key
from aiskills.framework.template import ARCHETYPES, NO_REPLACEMENT, CapabilityRow
from aiskills.rdf import term_value

KINDS = (
    "added",
    "removed",
    "deprecated",
    "reworded",
    "moved",
    "re-levelled",
    "re-badged",
    "edited",
    "relabelled",
)
CLASSES = {
    "added": "CapabilityAdded",
    "removed": "CapabilityRemoved",
    "deprecated": "CapabilityDeprecated",
    "reworded": "CapabilityReworded",
    "moved": "CapabilityMoved",
    "re-levelled": "CapabilityRelevelled",
    "re-badged": "CapabilityRebadged",
    "edited": "CapabilityEdited",
    "relabelled": "CapabilityRelabelled",
}
TITLES = {
    "added": "Added",
    "removed": "Removed (not deprecated)",
    "deprecated": "Deprecated",
    "reworded": "Reworded",
    "moved": "Moved to another section",
    "re-levelled": "Moved to another level",
    "re-badged": "Re-badged (archetypes)",
    "edited": "Bloom level or description edited",
    "relabelled": "Other names edited (alt_labels, hidden_labels)",
}
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


def compare(
    old: Sequence[ox.Triple], new: Sequence[ox.Triple], old_version: str, new_version: str
) -> ChangeLog:
    """The change log from ``old`` to ``new`` (framework graphs)."""
    before = {r.notation: r for r in capability_rows(old)}
    after = {r.notation: r for r in capability_rows(new)}
    log = ChangeLog(old_version, new_version)
    for notation in sorted(set(before) | set(after), key=notation_key):
        a, b = before.get(notation), after.get(notation)
        if a is None and b is not None:
            log.changes.append(Change("added", notation, None, b.statement))
        elif b is None and a is not None:
            log.changes.append(Change("removed", notation, a.statement, None))
        elif a is not None and b is not None:
            if b.deprecated and not a.deprecated:  # the rows read owl:deprecated as the template does
                replacement = None if b.replaced_by == NO_REPLACEMENT else b.replaced_by
                log.changes.append(Change("deprecated", notation, a.statement, replacement))
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
        out.append(
            Change(
                "edited",
                a.notation,
                f"{a.bloom_level or ''} | {a.description or ''}",
                f"{b.bloom_level or ''} | {b.description or ''}",
            )
        )
    if (a.alt_labels, a.hidden_labels) != (b.alt_labels, b.hidden_labels):  # they feed the suggestions
        out.append(Change("relabelled", a.notation, _labels(a), _labels(b)))
    return out


def _labels(row: CapabilityRow) -> str:
    return f"{'; '.join(row.alt_labels)} | {'; '.join(row.hidden_labels)}"


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
                tail = (
                    f" (replaced by {c.new})"
                    if c.new
                    else (" (no replacement)" if kind == "deprecated" else "")
                )
                lines.append(f"- **{c.notation}**: {c.old}{tail}")
            else:
                lines.append(f"- **{c.notation}**: {c.old} → {c.new}")
    return "\n".join(lines) + "\n"


def as_json(log: ChangeLog) -> str:
    return (
        json.dumps(
            {
                "from": log.old_version,
                "to": log.new_version,
                "summary": {k: log.count(k) for k in KINDS},
                "changes": [c.as_dict() for c in log.changes],
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )


def log_iri(log: ChangeLog) -> str:
    """The change log's IRI: ``…/id/changes/{old}/{new}``."""
    return f"{ns.ID}changes/{quote(log.old_version, safe='')}/{quote(log.new_version, safe='')}"


def as_rdf(log: ChangeLog) -> list[ox.Triple]:
    """The change log as triples: an ``ais:ChangeLog`` with one typed ``ais:Change`` per change
    (IRIs, never blank nodes, so the output is the same on every run)."""

    def ais(local: str) -> ox.NamedNode:
        return ox.NamedNode(ns.AIS + local)

    a = ox.NamedNode(ns.RDF + "type")
    me = ox.NamedNode(log_iri(log))
    out = [
        ox.Triple(me, a, ais("ChangeLog")),
        ox.Triple(me, ais("fromVersion"), ox.Literal(log.old_version)),
        ox.Triple(me, ais("toVersion"), ox.Literal(log.new_version)),
        ox.Triple(
            me,
            ox.NamedNode(ns.RDFS + "label"),
            ox.Literal(f"Changes from {log.old_version} to {log.new_version}", language="en"),
        ),
    ]
    for c in log.changes:
        node = ox.NamedNode(f"{me.value}/{c.kind}/{quote(c.notation, safe='')}")
        out += [
            ox.Triple(me, ais("change"), node),
            ox.Triple(node, a, ais("Change")),
            ox.Triple(node, a, ais(CLASSES[c.kind])),
            ox.Triple(node, ais("changedCapability"), ox.NamedNode(ns.capability_iri(c.notation))),
            ox.Triple(node, ox.NamedNode(ns.SKOS + "notation"), ox.Literal(c.notation)),
        ]
        out += [
            ox.Triple(node, ais(p), ox.Literal(v)) for p, v in (("oldValue", c.old), ("newValue", c.new)) if v
        ]
    return out


def from_rdf(triples: Iterable[ox.Triple]) -> ChangeLog:
    """A change log read back from its triples (as ``as_rdf`` writes them)."""
    triples = list(triples)
    kinds = {ns.AIS + cls: kind for kind, cls in CLASSES.items()}
    facts: dict[str, dict[str, str]] = {}
    for t in triples:
        facts.setdefault(term_value(t.subject), {})
        key = (
            term_value(t.object)
            if term_value(t.predicate) == ns.RDF + "type" and term_value(t.object) in kinds
            else term_value(t.predicate)
        )
        facts[term_value(t.subject)][key] = term_value(t.object)
    logs = [s for s, f in facts.items() if f.get(ns.RDF + "type") == ns.AIS + "ChangeLog"]
    if len(logs) != 1:
        raise ValueError(f"expected one ais:ChangeLog, found {len(logs)}")
    head = facts[logs[0]]
    log = ChangeLog(head.get(ns.AIS + "fromVersion", ""), head.get(ns.AIS + "toVersion", ""))
    for f in facts.values():
        kind = next((kinds[k] for k in f if k in kinds), None)
        if kind is not None:
            log.changes.append(
                Change(kind, f[ns.SKOS + "notation"], f.get(ns.AIS + "oldValue"), f.get(ns.AIS + "newValue"))
            )
    log.changes.sort(key=lambda c: (KINDS.index(c.kind), notation_key(c.notation)))
    return log


def as_html(log: ChangeLog) -> str:
    """The change log as a standalone, accessible HTML page (no script, no inline style)."""
    e = html.escape
    title = f"Changes from {log.old_version} to {log.new_version}"
    counts = ", ".join(f"{log.count(k)} {k}" for k in KINDS if log.count(k))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en-GB">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{e(title)}</h1>",
        f"<p>{e(counts + '.' if counts else 'No changes to capabilities.')}</p>",
    ]
    for kind in KINDS:
        items = [c for c in log.changes if c.kind == kind]
        if not items:
            continue
        parts += [
            f'<section id="{kind}" aria-labelledby="h-{kind}">',
            f'<h2 id="h-{kind}">{e(TITLES[kind])} ({len(items)})</h2>',
            "<table>",
            (
                '<thead><tr><th scope="col">Capability</th><th scope="col">Before</th>'
                '<th scope="col">After</th></tr></thead>'
            ),
            "<tbody>",
        ]
        for c in items:
            after = c.new or ("no replacement" if kind == "deprecated" else "")
            if kind == "deprecated" and c.new:
                after = f"replaced by {c.new}"
            parts.append(
                f'<tr class="change {kind}"><th scope="row">{e(c.notation)}</th>'
                f"<td>{e(c.old or '')}</td><td>{e(after)}</td></tr>"
            )
        parts += ["</tbody>", "</table>", "</section>"]
    parts += ["</main>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"
