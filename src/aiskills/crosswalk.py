"""Crosswalks: mappings from the framework's capabilities to other frameworks, kept as SSSOM TSV.

An SSSOM file is a YAML metadata block (every line starting with ``#``) followed by a tab-separated
table, one mapping per row (https://mapping-commons.github.io/sssom/). ``read_sssom`` validates a file
and reports every problem with its line and column and the fix; ``mapping_triples`` turns a mapping set
into SKOS mapping triples (``subject skos:exactMatch object``) plus, per mapping, an annotated
``sssom:Mapping`` node (``owl:annotatedSource/Property/Target``, justification, confidence, author,
date) that is part of its ``sssom:MappingSet`` (a ``prov:Entity``); ``from_triples`` reads them back,
and ``write_sssom`` writes the canonical TSV, so a file survives the round trip.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyoxigraph as ox

from aiskills import namespaces as ns
from aiskills.errors import InputError, ProblemsError
from aiskills.rdf import term_value

SSSOM = "https://w3id.org/sssom/"
SEMAPV = "https://w3id.org/semapv/vocab/"
BUILTIN_PREFIXES = {
    "owl": ns.OWL,
    "rdf": ns.RDF,
    "rdfs": ns.RDFS,
    "skos": ns.SKOS,
    "semapv": SEMAPV,
    "sssom": SSSOM,
    "xsd": ns.XSD,
}
PREDICATES = tuple(
    ns.SKOS + p for p in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
)
JUSTIFICATIONS = tuple(
    SEMAPV + j
    for j in (
        "ManualMappingCuration",
        "LexicalMatching",
        "LogicalReasoning",
        "CompositeMatching",
        "UnspecifiedMatching",
        "SemanticSimilarityThresholdMatching",
        "LexicalSimilarityThresholdMatching",
        "MappingChaining",
        "MappingReview",
        "MappingInversion",
        "StructuralMatching",
        "InstanceBasedMatching",
        "BackgroundKnowledgeBasedMatching",
    )
)
REQUIRED_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification")
OPTIONAL_COLUMNS = ("subject_label", "object_label", "confidence", "author_id", "mapping_date", "comment")
COLUMNS = (
    "subject_id",
    "subject_label",
    "predicate_id",
    "object_id",
    "object_label",
    "mapping_justification",
    "confidence",
    "author_id",
    "mapping_date",
    "comment",
)
METADATA = (
    "curie_map",
    "mapping_set_id",
    "mapping_set_version",
    "mapping_set_title",
    "mapping_set_description",
    "license",
    "creator_id",
)
REQUIRED_METADATA = ("curie_map", "mapping_set_id", "license")
_LIST_METADATA = ("creator_id",)
_CURIE = re.compile(r"^([A-Za-z_][A-Za-z0-9_.-]*):([^\s]*)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Mapping:
    """One row of a mapping set; identifiers are full IRIs."""

    subject_id: str
    predicate_id: str
    object_id: str
    mapping_justification: str
    subject_label: str | None = None
    object_label: str | None = None
    confidence: float | None = None
    author_id: tuple[str, ...] = ()
    mapping_date: str | None = None
    comment: str | None = None
    line: int | None = field(default=None, compare=False)  # where the file has it, when read from one


@dataclass(frozen=True)
class MappingSet:
    """A mapping set: its metadata (IRIs expanded) and its mappings."""

    mapping_set_id: str
    license: str
    curie_map: dict[str, str]
    mappings: tuple[Mapping, ...]
    mapping_set_version: str | None = None
    mapping_set_title: str | None = None
    mapping_set_description: str | None = None
    creator_id: tuple[str, ...] = ()

    @property
    def graph(self) -> str:
        """The named graph that holds this mapping set."""
        return f"{ns.GRAPH}crosswalk/{_digest(self.mapping_set_id)}"


@dataclass(frozen=True)
class Problem:
    line: int
    column: str | None
    message: str
    fix: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message} ({self.fix})"


class CrosswalkError(ProblemsError):
    """An SSSOM file with one or more problems; ``problems`` lists each."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        super().__init__(source, problems, " in the SSSOM file; nothing was loaded")


def check_subjects(ms: MappingSet, capabilities: Collection[str], source: str) -> None:
    """Every mapping's subject is a capability of the framework (``capabilities``, their IRIs); a
    ``CrosswalkError`` naming the line of each that is not."""
    problems = [
        Problem(
            m.line or 0,
            "subject_id",
            f"<{m.subject_id}> is not a capability of the framework",
            "use a capability's IRI or CURIE, e.g. https://w3id.org/aiskills/id/capability/6.1-03",
        )
        for m in ms.mappings
        if m.subject_id not in capabilities
    ]
    if problems:
        raise CrosswalkError(source, problems)


# -- reading -------------------------------------------------------------------------------------


def read_sssom(path: Path) -> MappingSet:
    """Read and validate an SSSOM TSV file."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"is not UTF-8 text (byte {exc.start})", source=str(path), fix="save the file as UTF-8"
        ) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", source=str(path)) from None
    return parse_sssom(text, str(path))


def parse_sssom(text: str, source: str) -> MappingSet:
    """A mapping set from SSSOM TSV text; every problem is reported at once."""
    lines = text.splitlines()
    n_meta = next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))
    problems: list[Problem] = []
    meta = _metadata(lines[:n_meta], problems)
    prefixes = {**BUILTIN_PREFIXES, **meta.curie_map}
    for key in REQUIRED_METADATA:
        if key not in (meta.seen if key == "curie_map" else meta.scalars):
            problems.append(
                Problem(1, None, f"the metadata has no {key}", f"add a '#{key}: …' line to the header")
            )
    mappings = _table(lines[n_meta:], n_meta, prefixes, problems)
    set_id = _expand_meta(meta, "mapping_set_id", prefixes, problems)
    licence = _expand_meta(meta, "license", prefixes, problems)
    creators = tuple(_expand(c, prefixes) or c for c in meta.creators)
    if problems:
        raise CrosswalkError(source, sorted(problems, key=lambda p: p.line))
    return MappingSet(
        set_id or "",
        licence or "",
        dict(sorted(meta.curie_map.items())),
        tuple(sorted(mappings, key=_order)),
        meta.scalars.get("mapping_set_version"),
        meta.scalars.get("mapping_set_title"),
        meta.scalars.get("mapping_set_description"),
        creators,
    )


@dataclass
class _Meta:
    """The parsed header: scalars, the CURIE map and the creator list."""

    scalars: dict[str, str] = field(default_factory=dict)
    curie_map: dict[str, str] = field(default_factory=dict)
    creators: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)


def _metadata(lines: Sequence[str], problems: list[Problem]) -> _Meta:
    """The YAML header, in the subset SSSOM files use: ``key: value``, ``key:`` followed by an indented
    map (``curie_map``) or a ``- item`` list (``creator_id``)."""
    meta = _Meta()
    current: str | None = None
    for n, raw in enumerate(lines, start=1):
        line = raw[1:].rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[:1] in (" ", "\t") and current is not None:
            item = line.strip()
            if current in _LIST_METADATA and item.startswith("- "):
                meta.creators.append(_unquote(item[2:]))
                continue
            key, sep, value = item.partition(":")
            if current == "curie_map" and sep and value.strip():
                meta.curie_map[key.strip()] = _unquote(value.strip())
                continue
            problems.append(
                Problem(
                    n,
                    None,
                    f"cannot read {item!r} under {current}",
                    "write '#  prefix: https://…/' under curie_map, '#  - id' under creator_id",
                )
            )
            continue
        key, sep, value = line.partition(":")
        key = key.strip()
        if not sep:
            problems.append(Problem(n, None, f"{line.strip()!r} is not 'key: value'", "write '#key: value'"))
            continue
        if key not in METADATA:
            problems.append(Problem(n, None, f"unknown metadata key {key!r}", "use " + ", ".join(METADATA)))
            current = None
            continue
        current = key
        meta.seen.add(key)
        if value.strip() and key in _LIST_METADATA:
            meta.creators.append(_unquote(value.strip()))
        elif value.strip():
            meta.scalars[key] = _unquote(value.strip())
    return meta


def _table(
    lines: Sequence[str], offset: int, prefixes: dict[str, str], problems: list[Problem]
) -> list[Mapping]:
    """The mappings of the TSV table whose header is ``lines[0]`` (line ``offset + 1`` of the file)."""
    if not lines or not lines[0].strip():
        problems.append(
            Problem(
                offset + 1,
                None,
                "there is no table after the metadata",
                "add a header row: " + "\t".join(REQUIRED_COLUMNS),
            )
        )
        return []
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter="\t", quoting=csv.QUOTE_NONE))
    header = [h.strip() for h in rows[0]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing:
        problems.append(
            Problem(
                offset + 1,
                None,
                "missing column(s) " + ", ".join(missing),
                "the header row must name " + ", ".join(REQUIRED_COLUMNS),
            )
        )
    if unknown:
        problems.append(
            Problem(
                offset + 1, unknown[0], "unknown column(s) " + ", ".join(unknown), "use " + ", ".join(COLUMNS)
            )
        )
    if missing or unknown:
        return []
    out: list[Mapping] = []
    seen: dict[tuple[str, str, str], int] = {}
    for n, cells in enumerate(rows[1:], start=offset + 2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            problems.append(
                Problem(
                    n,
                    None,
                    f"has {len(cells)} cells, the header has {len(header)}",
                    "separate cells with one tab each; a tab inside a label is not allowed",
                )
            )
            continue
        mapping = _row(n, dict(zip(header, (c.strip() for c in cells), strict=True)), prefixes, problems)
        if mapping is not None:
            key = (mapping.subject_id, mapping.predicate_id, mapping.object_id)
            if key in seen:
                problems.append(
                    Problem(
                        n,
                        "subject_id",
                        f"repeats the mapping on line {seen[key]}",
                        "keep one row per subject, predicate and object",
                    )
                )
            seen.setdefault(key, n)
            out.append(mapping)
    return out


def _row(n: int, r: dict[str, str], prefixes: dict[str, str], problems: list[Problem]) -> Mapping | None:
    before = len(problems)

    def iri(column: str) -> str:
        value = r.get(column, "")
        if not value:
            problems.append(Problem(n, column, "is empty", f"fill in the {column}"))
            return ""
        full = _expand(value, prefixes)
        if full is None:
            problems.append(
                Problem(
                    n,
                    column,
                    f"{value!r} is not a CURIE with a known prefix or an IRI",
                    "declare its prefix under curie_map in the header",
                )
            )
            return ""
        return full

    subject, predicate, obj, justification = (iri(c) for c in REQUIRED_COLUMNS)
    if predicate and predicate not in PREDICATES:
        problems.append(
            Problem(
                n,
                "predicate_id",
                f"{r['predicate_id']!r} is not a SKOS mapping property",
                "use skos:exactMatch, skos:closeMatch, skos:broadMatch, skos:narrowMatch or skos:relatedMatch",
            )
        )
    if justification and justification not in JUSTIFICATIONS:
        problems.append(
            Problem(
                n,
                "mapping_justification",
                f"{r['mapping_justification']!r} is not a SEMAPV justification",
                "use e.g. semapv:ManualMappingCuration or semapv:LexicalMatching",
            )
        )
    confidence = None
    if r.get("confidence"):
        try:
            confidence = float(r["confidence"])
            if not 0.0 <= confidence <= 1.0:
                raise ValueError
        except ValueError:
            problems.append(
                Problem(n, "confidence", f"{r['confidence']!r} is not a number from 0 to 1", "write e.g. 0.9")
            )
    when = r.get("mapping_date") or None
    if when is not None:
        try:
            date.fromisoformat(when)
            if not _DATE.match(when):
                raise ValueError
        except ValueError:
            problems.append(
                Problem(n, "mapping_date", f"{when!r} is not a date", "write YYYY-MM-DD, e.g. 2026-01-15")
            )
    authors = []
    for part in (p.strip() for p in r.get("author_id", "").split("|") if p.strip()):
        full = _expand(part, prefixes)
        if full is None:
            problems.append(
                Problem(
                    n,
                    "author_id",
                    f"{part!r} is not a CURIE with a known prefix or an IRI",
                    "write e.g. orcid:0000-0000-0000-0000 and declare the prefix; separate several with |",
                )
            )
        else:
            authors.append(full)
    if len(problems) > before:
        return None
    return Mapping(
        subject,
        predicate,
        obj,
        justification,
        r.get("subject_label") or None,
        r.get("object_label") or None,
        confidence,
        tuple(authors),
        when,
        r.get("comment") or None,
        n,
    )


def _expand(value: str, prefixes: dict[str, str]) -> str | None:
    """A CURIE or IRI as a full IRI; None when the prefix is unknown."""
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
    if re.match(r"^(https?|urn|mailto):", value):
        return value
    m = _CURIE.match(value)
    if m and m.group(1) in prefixes:
        return prefixes[m.group(1)] + m.group(2)
    return None


def _expand_meta(meta: _Meta, key: str, prefixes: dict[str, str], problems: list[Problem]) -> str | None:
    value = meta.scalars.get(key)
    if value is None:
        return None
    full = _expand(value, prefixes)
    if full is None:
        problems.append(
            Problem(1, None, f"{key} {value!r} is not an IRI", f"write the full IRI, e.g. #{key}: https://…")
        )
    return full


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _order(m: Mapping) -> tuple[str, str, str]:
    return (m.subject_id, m.predicate_id, m.object_id)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# -- RDF -----------------------------------------------------------------------------------------


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def mapping_iri(mapping_set_id: str, m: Mapping) -> str:
    """A stable IRI for one mapping of a set (the same row always gets the same IRI)."""
    return f"{ns.ID}mapping/{_digest(f'{mapping_set_id} {m.subject_id} {m.predicate_id} {m.object_id}')}"


def mapping_triples(ms: MappingSet, source: str | None = None) -> list[ox.Triple]:
    """The SKOS mapping triples of ``ms`` with their provenance (see the module docstring)."""
    a = _n(ns.RDF + "type")
    s = _n(ms.mapping_set_id)
    out = [
        ox.Triple(s, a, _n(SSSOM + "MappingSet")),
        ox.Triple(s, a, _n(ns.PROV + "Entity")),
        ox.Triple(s, _n(ns.DCT + "license"), _n(ms.license)),
    ]
    for key, pred in (
        ("mapping_set_version", "mapping_set_version"),
        ("mapping_set_title", "mapping_set_title"),
        ("mapping_set_description", "mapping_set_description"),
    ):
        value = getattr(ms, key)
        if value:
            out.append(ox.Triple(s, _n(SSSOM + pred), ox.Literal(value)))
    out += [ox.Triple(s, _n(ns.DCT + "creator"), _n(c)) for c in ms.creator_id]
    if source:
        out.append(ox.Triple(s, _n(ns.DCT + "source"), ox.Literal(source)))
    for prefix, namespace in ms.curie_map.items():
        decl = _n(f"{ns.ID}mapping-set/{_digest(ms.mapping_set_id)}/prefix/{prefix}")
        out += [
            ox.Triple(s, _n(ns.SH + "declare"), decl),
            ox.Triple(decl, _n(ns.SH + "prefix"), ox.Literal(prefix)),
            ox.Triple(decl, _n(ns.SH + "namespace"), ox.Literal(namespace, datatype=_n(ns.XSD + "anyURI"))),
        ]
    for m in ms.mappings:
        out += _one_mapping(s, m, ms.mapping_set_id)
    return out


def _one_mapping(s: ox.NamedNode, m: Mapping, set_id: str) -> list[ox.Triple]:
    a = _n(ns.RDF + "type")
    node = _n(mapping_iri(set_id, m))
    out = [
        ox.Triple(_n(m.subject_id), _n(m.predicate_id), _n(m.object_id)),
        ox.Triple(node, a, _n(SSSOM + "Mapping")),
        ox.Triple(node, a, _n(ns.OWL + "Axiom")),
        ox.Triple(node, _n(ns.OWL + "annotatedSource"), _n(m.subject_id)),
        ox.Triple(node, _n(ns.OWL + "annotatedProperty"), _n(m.predicate_id)),
        ox.Triple(node, _n(ns.OWL + "annotatedTarget"), _n(m.object_id)),
        ox.Triple(node, _n(SSSOM + "mapping_justification"), _n(m.mapping_justification)),
        ox.Triple(node, _n(ns.DCT + "isPartOf"), s),
    ]
    for key in ("subject_label", "object_label", "comment"):
        value = getattr(m, key)
        if value:
            out.append(ox.Triple(node, _n(SSSOM + key), ox.Literal(value)))
    if m.confidence is not None:
        out.append(
            ox.Triple(
                node, _n(SSSOM + "confidence"), ox.Literal(repr(m.confidence), datatype=_n(ns.XSD + "double"))
            )
        )
    if m.mapping_date:
        out.append(
            ox.Triple(
                node, _n(SSSOM + "mapping_date"), ox.Literal(m.mapping_date, datatype=_n(ns.XSD + "date"))
            )
        )
    out += [ox.Triple(node, _n(SSSOM + "author_id"), _n(x)) for x in m.author_id]
    return out


def from_triples(triples: Iterable[ox.Triple]) -> list[MappingSet]:
    """The mapping sets in ``triples`` (as ``mapping_triples`` writes them), by mapping set IRI."""
    facts: dict[str, dict[str, list[str]]] = {}
    for t in triples:
        facts.setdefault(term_value(t.subject), {}).setdefault(term_value(t.predicate), []).append(
            term_value(t.object)
        )
    a = ns.RDF + "type"
    sets = sorted(s for s, f in facts.items() if SSSOM + "MappingSet" in f.get(a, []))
    out = []
    for set_iri in sets:
        f = facts[set_iri]

        def one(p: str, f: dict[str, list[str]] = f) -> str | None:
            return next(iter(f.get(p, [])), None)

        curies = {
            facts[d][ns.SH + "prefix"][0]: facts[d][ns.SH + "namespace"][0]
            for d in f.get(ns.SH + "declare", [])
        }
        mappings = [
            _mapping_from(g)
            for n, g in facts.items()
            if SSSOM + "Mapping" in g.get(a, []) and set_iri in g.get(ns.DCT + "isPartOf", [])
        ]
        out.append(
            MappingSet(
                set_iri,
                one(ns.DCT + "license") or "",
                dict(sorted(curies.items())),
                tuple(sorted(mappings, key=_order)),
                one(SSSOM + "mapping_set_version"),
                one(SSSOM + "mapping_set_title"),
                one(SSSOM + "mapping_set_description"),
                tuple(sorted(f.get(ns.DCT + "creator", []))),
            )
        )
    return out


def _mapping_from(g: dict[str, list[str]]) -> Mapping:
    def one(p: str) -> str | None:
        return next(iter(g.get(SSSOM + p, [])), None)

    confidence = one("confidence")
    return Mapping(
        g[ns.OWL + "annotatedSource"][0],
        g[ns.OWL + "annotatedProperty"][0],
        g[ns.OWL + "annotatedTarget"][0],
        g[SSSOM + "mapping_justification"][0],
        one("subject_label"),
        one("object_label"),
        float(confidence) if confidence else None,
        tuple(sorted(g.get(SSSOM + "author_id", []))),
        one("mapping_date"),
        one("comment"),
    )


# -- writing -------------------------------------------------------------------------------------


def write_sssom(ms: MappingSet) -> str:
    """The canonical SSSOM TSV of ``ms``: metadata in a fixed order, CURIEs from its curie_map,
    mappings sorted by subject, predicate, object."""
    prefixes = {**BUILTIN_PREFIXES, **ms.curie_map}

    def compact(iri: str) -> str:
        return _compact(iri, prefixes)

    lines = ["#curie_map:"] + [f"#  {p}: {ms.curie_map[p]}" for p in sorted(ms.curie_map)]
    lines.append(f"#mapping_set_id: {ms.mapping_set_id}")
    for key in ("mapping_set_version", "mapping_set_title", "mapping_set_description"):
        if getattr(ms, key):
            lines.append(f"#{key}: {_yaml_scalar(getattr(ms, key))}")
    lines.append(f"#license: {ms.license}")
    if ms.creator_id:
        lines += ["#creator_id:"] + [f"#  - {compact(c)}" for c in ms.creator_id]
    used = [c for c in COLUMNS if c in REQUIRED_COLUMNS or any(_cell(m, c, compact) for m in ms.mappings)]
    lines.append("\t".join(used))
    for m in ms.mappings:
        lines.append("\t".join(_cell(m, c, compact) for c in used))
    return "\n".join(lines) + "\n"


def _cell(m: Mapping, column: str, compact: Callable[[str], str]) -> str:
    value = getattr(m, column)
    if column in ("subject_id", "predicate_id", "object_id", "mapping_justification"):
        return str(compact(value))
    if column == "author_id":
        return "|".join(compact(a) for a in value)
    if column == "confidence":
        return "" if value is None else repr(value)
    return str(value or "")


def _compact(iri: str, prefixes: dict[str, str]) -> str:
    """The CURIE for ``iri`` with the longest matching namespace, else the IRI itself."""
    best = max(
        ((p, n) for p, n in prefixes.items() if iri.startswith(n) and _CURIE.match(f"{p}:{iri[len(n) :]}")),
        key=lambda pn: len(pn[1]),
        default=None,
    )
    return f"{best[0]}:{iri[len(best[1]) :]}" if best else iri


def _yaml_scalar(text: str) -> str:
    """``text`` as a YAML scalar that YAML readers keep as a string (quoted when it has a colon,
    starts with a special character or would read as a number)."""
    special = ":" in text or text[:1] in "\"'#-[]{}&*!|>%@`" or re.fullmatch(r"[-+.0-9eE]+", text)
    return f'"{text}"' if special and '"' not in text else text
