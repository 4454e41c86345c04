"""Suggestions for every learning outcome of a submitted curriculum, as the public JSON contract::

{"framework": "2026.1",
 "outcomes": [{"id", "statement", "bloomLevel", "place", "alignedTo",
               "suggestions": [{"notation", "iri", "label", "score", "reason"}],
               "flags": [{"notation", "kind", "message", "suggested"}],
               "abstained": null or why no capability is suggested}]}
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from aiskills import namespaces as ns
from aiskills.submission import model as m
from aiskills.submission.model import Location, Submission
from aiskills.suggestions.ranker import Flag, Suggester, Suggestion

CSV_COLUMNS = (
    "id",
    "place",
    "statement",
    "bloomLevel",
    "alignedTo",
    "rank",
    "notation",
    "score",
    "label",
    "reason",
)


@dataclass
class Outcome:
    """A learning outcome as the submission gives it."""

    node: str  # the outcome's subject in N-Triples (the key of the submission's source map)
    id: str | None
    statement: str
    bloom: str | None
    place: Location | None
    aligned: list[str] = field(default_factory=list)  # notations (or IRIs as given when not ours)

    @property
    def key(self) -> str:
        """Names the outcome in its file across reads: its place (row, JSON path, line), else its node."""
        return str(self.place) if self.place is not None and str(self.place) else self.node


@dataclass
class OutcomeSuggestions:
    outcome: Outcome
    bloom: str | None  # as given, else read from the statement's first verb
    suggestions: list[Suggestion]
    flags: list[Flag]
    abstained: str | None

    @property
    def needs_attention(self) -> bool:
        """No alignment yet, or a flag on one given: what the browser offers suggestions for."""
        return not self.outcome.aligned or bool(self.flags)

    def as_dict(self) -> dict[str, object]:
        o = self.outcome
        return {
            "id": o.id,
            "statement": o.statement,
            "bloomLevel": self.bloom,
            "place": str(o.place) if o.place else None,
            "alignedTo": o.aligned,
            "suggestions": [s.as_dict() for s in self.suggestions],
            "flags": [f.as_dict() for f in self.flags],
            "abstained": self.abstained,
        }


def outcomes(submission: Submission) -> list[Outcome]:
    """The submission's learning outcomes in the order of the file."""
    facts: dict[str, dict[str, list[ox.NamedNode | ox.Literal | ox.BlankNode]]] = {}
    kinds: set[str] = set()
    subjects: dict[str, ox.NamedNode | ox.BlankNode] = {}
    for t in submission.triples:
        if isinstance(t.subject, ox.Triple) or isinstance(t.object, ox.Triple):
            continue
        s = str(t.subject)
        subjects[s] = t.subject
        if t.predicate == m.TYPE and t.object == m.OUTCOME:
            kinds.add(s)
        facts.setdefault(s, {}).setdefault(t.predicate.value, []).append(t.object)
    order = {key[0]: n for n, key in enumerate(submission.sources.places) if key[1] is None}
    out = []

    def position(k: str) -> tuple[int, int, str]:
        loc = submission.sources.find(k)
        line = (loc.row or loc.line) if loc is not None else None
        return (line or 0, order.get(k, len(order)), k)  # rows and lines, else the document's order

    for s in sorted(kinds, key=position):
        f = facts.get(s, {})
        node = subjects[s]
        given = f.get(m.IDENTIFIER.value, [])
        statement = f.get(m.STATEMENT.value, [])
        bloom = f.get(m.BLOOM.value, [])
        out.append(
            Outcome(
                node=s,
                id=node.value if isinstance(node, ox.NamedNode) else (given[0].value if given else None),
                statement=statement[0].value if statement else "",
                bloom=bloom[0].value.rsplit("/", 1)[-1] if bloom else None,
                place=submission.sources.find(s),
                aligned=[_code(v.value) for v in f.get(m.ALIGNED.value, [])],
            )
        )
    return out


def targets(submission: Submission) -> list[str]:
    """The curriculum's target archetypes (slugs)."""
    prefix = ns.archetype_iri("")
    return [
        t.object.value[len(prefix) :]
        for t in submission.triples
        if t.predicate == m.TARGET
        and isinstance(t.object, ox.NamedNode)
        and t.object.value.startswith(prefix)
    ]


def _code(iri: str) -> str:
    prefix = ns.capability_iri("")
    return iri.removeprefix(prefix)


def suggest(submission: Submission, suggester: Suggester, top: int = 5) -> list[OutcomeSuggestions]:
    """Up to ``top`` suggestions and the flags for every outcome of ``submission``."""
    archetypes = targets(submission)
    out = []
    for o in outcomes(submission):
        ranking = suggester.score_all(o.statement, bloom=o.bloom, archetypes=archetypes)
        abstained = "the outcome has no statement" if not o.statement.strip() else suggester.abstains(ranking)
        out.append(
            OutcomeSuggestions(
                o,
                ranking.bloom,
                [] if abstained else suggester.suggestions(ranking, top),
                suggester.flags(ranking, o.aligned) if o.statement.strip() else [],
                abstained,
            )
        )
    return out


def as_json(results: list[OutcomeSuggestions], suggester: Suggester) -> dict[str, object]:
    return {"framework": suggester.version, "outcomes": [r.as_dict() for r in results]}


def csv_rows(results: list[OutcomeSuggestions]) -> list[list[str]]:
    """One row per suggestion (an outcome without any gets one row with the reason it has none)."""
    rows = []
    for r in results:
        o = r.outcome
        head = [o.id or "", str(o.place or ""), o.statement, r.bloom or "", "; ".join(o.aligned)]
        if not r.suggestions:
            rows.append([*head, "", "", "", "", r.abstained or ""])
        for n, s in enumerate(r.suggestions, start=1):
            rows.append([*head, str(n), s.notation, f"{s.score:.3f}", s.label, s.reason])
    return rows


def as_text(results: list[OutcomeSuggestions], source: str) -> str:
    lines = [f"{source}: {len(results)} learning outcome(s)"]
    for r in results:
        o = r.outcome
        aligned = ", ".join(o.aligned) or "none"
        lines.append("")
        lines.append(f"{o.place or o.id or '(outcome)'}: {o.statement}")
        lines.append(f"  aligned to: {aligned}; Bloom level: {r.bloom or 'unknown'}")
        if r.abstained:
            lines.append(f"  no suggestion: {r.abstained}")
        for n, s in enumerate(r.suggestions, start=1):
            lines.append(f"  {n}. {s.notation}  {s.score:.2f}  {s.label}")
            lines.append(f"     {s.reason}")
        for f in r.flags:
            lines.append(f"  flag ({f.kind}): {f.message}")
    return "\n".join(lines) + "\n"
