"""The submission format's one field table: each field's JSON key, CSV/XLSX column, JSON-LD term and
meaning. The JSON, CSV and XLSX readers, the JSON-LD context check and the OpenAPI schema of a
submitted curriculum are all read off it; a field added here is added everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from aiskills.namespaces import PREFIXES

Owner = Literal["curriculum", "provider", "module", "outcome"]


@dataclass(frozen=True)
class Field:
    owner: Owner  # the item the field belongs to
    attr: str  # its attribute on CurriculumIn, ModuleIn or OutcomeIn
    key: str  # its JSON key (and JSON-LD term)
    column: str | None  # its CSV/XLSX column, if tables carry it
    term: str | dict[str, Any]  # its definition in the JSON-LD context
    description: str = ""
    many: bool = False  # a list in JSON, values separated by ';' in a table cell


_ANY_LIST = {
    "anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}, {"type": "array", "items": {}}]
}

FIELDS: tuple[Field, ...] = (
    Field("curriculum", "id", "id", "curriculum_id", "@id", "the curriculum's IRI"),
    Field("curriculum", "title", "title", "curriculum_title", "dct:title"),
    Field("curriculum", "description", "description", None, "dct:description"),
    Field("curriculum", "version", "version", None, "dct:hasVersion"),
    Field("provider", "provider_id", "id", "provider_id", "@id", "the provider's IRI"),
    Field("provider", "provider_name", "name", "provider_name", "rdfs:label", "the provider's name"),
    Field(
        "curriculum",
        "targets",
        "targetArchetypes",
        "target_archetypes",
        {"@id": "ais:targetArchetype", "@type": "@vocab", "@container": "@set"},
        "Shaper, Driver, Creator, Embedder or User",
        many=True,
    ),
    Field("module", "id", "id", "module_id", "@id"),
    Field("module", "title", "title", "module_title", "dct:title"),
    Field(
        "module",
        "hours",
        "notionalHours",
        "notional_hours",
        {"@id": "ais:notionalHours", "@type": "xsd:decimal"},
        "a number of hours",
    ),
    Field(
        "outcome",
        "id",
        "id",
        "outcome_id",
        "@id",
        "IRI of the learning outcome, or a code such as LO1 (minted from its position when absent)",
    ),
    Field(
        "outcome", "statement", "statement", "outcome_statement", "ais:statement", "what the learner can do"
    ),
    Field(
        "outcome",
        "bloom",
        "bloomLevel",
        "bloom_level",
        {"@id": "ais:bloomLevel", "@type": "@vocab"},
        "remember, understand, apply, analyse, evaluate or create",
    ),
    Field(
        "outcome",
        "aligned",
        "alignedTo",
        "aligned_capabilities",
        {
            "@id": "ais:alignedTo",
            "@type": "@id",
            "@container": "@set",
            "@context": {"@base": "https://w3id.org/aiskills/id/capability/"},
        },
        "capability codes (e.g. 6-01) or IRIs",
        many=True,
    ),
)

# How items nest in JSON: the key holding the provider, the modules and each module's outcomes.
PROVIDER = Field("curriculum", "provider", "provider", None, {"@id": "ais:provider", "@type": "@id"})
MODULES = Field("curriculum", "modules", "modules", None, {"@id": "ais:hasModule", "@container": "@set"})
OUTCOMES = Field(
    "module", "outcomes", "learningOutcomes", None, {"@id": "ais:hasLearningOutcome", "@container": "@set"}
)

TABLE_COLUMNS: tuple[str, ...] = tuple(f.column for f in FIELDS if f.column)
LIST_KEYS: frozenset[str] = frozenset(f.key for f in FIELDS if f.many)


def of(owner: Owner) -> tuple[Field, ...]:
    """The fields of one kind of item, in table order."""
    return tuple(f for f in FIELDS if f.owner == owner)


def predicate(f: Field) -> str | None:
    """The IRI of the property a field's value is stated with (``ais:alignedTo``), or ``None`` for
    an item's own id."""
    term = f.term["@id"] if isinstance(f.term, dict) else f.term
    prefix, _, local = term.partition(":")
    return None if term.startswith("@") or prefix not in PREFIXES else PREFIXES[prefix] + local


def context_terms() -> dict[str, str | dict[str, Any]]:
    """The JSON-LD context's definition of every key (``id`` is ``@id`` wherever it appears)."""
    terms: dict[str, str | dict[str, Any]] = {}
    for f in (*FIELDS, PROVIDER, MODULES, OUTCOMES):
        if f.key not in terms or terms[f.key] == f.term:
            terms[f.key] = f.term
        elif f.key != "title":  # a module's title and a curriculum's are both dct:title
            raise ValueError(f"the key {f.key!r} means two things")
    return terms


def _property(f: Field) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if f.many:
        out["nullable"] = True
    if f.description:
        out["description"] = f.description
    if f.many:
        out.update(_ANY_LIST)
    return out


def openapi_schema(context_iri: str) -> dict[str, Any]:
    """The OpenAPI schema of a curriculum in the JSON submission format: structure only, as the
    readers check it (values are judged by the rules and reported, not refused)."""
    outcome = {
        "type": "object",
        "description": "A learning outcome.",
        "properties": {f.key: _property(f) for f in of("outcome")},
    }
    module: dict[str, Any] = {
        "type": "object",
        "description": "A module.",
        "properties": {f.key: _property(f) for f in of("module")},
    }
    module["properties"][OUTCOMES.key] = {"type": "array", "nullable": True, "items": outcome}
    properties: dict[str, Any] = {
        "@context": {
            "type": "string",
            "nullable": True,
            "enum": [context_iri, None],
            "description": "optional; only our context is accepted (never fetched)",
        }
    }
    for f in of("curriculum"):
        if f.attr == "targets":
            properties[PROVIDER.key] = {"description": "an object {id, name}, or the provider's IRI"}
        properties[f.key] = _property(f)
    properties[MODULES.key] = {"type": "array", "nullable": True, "items": module}
    return {
        "type": "object",
        "description": "A curriculum in the JSON submission format (see examples/). Only its structure is "
        "checked here: anything else (a missing id, an unknown capability code, a bad Bloom level, a value "
        "of the wrong kind) is judged by the rules and appears in the report, not as a 400.",
        "properties": properties,
    }
