"""Write one curriculum (the JSON submission shape, as a dict) in every submission format, so that
each rule can be tested in each format from one description."""

from __future__ import annotations

import copy
import csv
import io
import json
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from openpyxl import Workbook

from aiskills.submission.readers import TABLE_COLUMNS, TABLE_SHEET, read_bytes

BASE: dict[str, Any] = {
    "id": "https://provider.example/curricula/ai-foundations",
    "title": "AI foundations for clinical staff",
    "provider": {"id": "https://provider.example/", "name": "Example University"},
    "targetArchetypes": ["User"],
    "modules": [
        {"title": "What AI is", "notionalHours": 10, "learningOutcomes": [
            {"statement": "Explain how machine learning differs from rule-based software",
             "bloomLevel": "understand", "alignedTo": ["6-01"]},
            {"statement": "Describe examples of AI in healthcare with their benefits and risks",
             "bloomLevel": "understand", "alignedTo": ["6-02"]},
        ]},
        {"title": "Using AI safely", "notionalHours": 6, "learningOutcomes": [
            {"statement": "Identify where automation bias can affect a clinical decision",
             "bloomLevel": "analyse", "alignedTo": ["6-03"]},
        ]},
    ],
}


def base() -> dict[str, Any]:
    return copy.deepcopy(BASE)


def to_json(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, indent=2).encode("utf-8")


def rows(doc: dict[str, Any]) -> list[list[str]]:
    """The table rows (header first); curriculum and module cells only on the first row of a group."""
    out = [list(TABLE_COLUMNS)]
    provider = doc.get("provider") or {}
    first = True
    for module in doc.get("modules", []):
        outcomes = module.get("learningOutcomes") or [{}]
        first_of_module = True
        for o in outcomes:
            cells = dict.fromkeys(TABLE_COLUMNS, "")
            if first:
                cells.update(curriculum_id=doc.get("id", ""), curriculum_title=doc.get("title", ""),
                             provider_id=provider.get("id", ""), provider_name=provider.get("name", ""),
                             target_archetypes=";".join(doc.get("targetArchetypes", [])))
            if first_of_module:
                cells.update(module_id=module.get("id", ""), module_title=module.get("title", ""),
                             notional_hours=_text(module.get("notionalHours")))
            cells.update(outcome_id=o.get("id", ""), outcome_statement=o.get("statement", ""),
                         bloom_level=o.get("bloomLevel", ""), aligned_capabilities=";".join(o.get("alignedTo", [])))
            out.append([cells[c] for c in TABLE_COLUMNS])
            first = first_of_module = False
    return out


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def to_csv(doc: dict[str, Any]) -> bytes:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\n").writerows(rows(doc))
    return buf.getvalue().encode("utf-8")


def to_xlsx(doc: dict[str, Any]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = TABLE_SHEET
    for r in rows(doc):
        sheet.append([_number(c) for c in r])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _number(cell: str) -> Any:
    try:
        return float(cell) if "." in cell else int(cell)
    except ValueError:
        return cell


def to_turtle(doc: dict[str, Any]) -> bytes:
    """Turtle in our terms: the triples the JSON reader makes, without validation-only facts."""
    submission = read_bytes(to_json(doc), "c.json")
    return ox.serialize(submission.stored_triples(), format=ox.RdfFormat.TURTLE,
                        prefixes={"ais": "https://w3id.org/aiskills/ontology#",
                                  "dct": "http://purl.org/dc/terms/"}) or b""


WRITERS = {"json": to_json, "csv": to_csv, "xlsx": to_xlsx, "ttl": to_turtle}


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def store_examples(store: Any) -> list[str]:
    """Validate and store every conforming example curriculum in ``examples/``; their IRIs."""
    from aiskills import curricula
    from aiskills.submission.readers import read_submission
    from aiskills.validation.engine import validator_for

    validator = validator_for(store)
    stored = []
    for path in sorted(EXAMPLES.iterdir()):
        if path.suffix not in (".json", ".csv", ".xlsx", ".ttl") or path.name == "many-problems.json":
            continue
        submission = read_submission(path)
        report = validator.validate(submission)
        assert report.conforms, f"{path.name} should conform"
        stored.append(curricula.submit(store, submission, report).curriculum)
    return stored


def turtle_with_one_outcome(module: str, outcome: str) -> bytes:
    """A Turtle curriculum with one module whose one learning outcome is a blank node: ``module`` and
    ``outcome`` are the rest of their descriptions (types, hours, statement, alignments), as written."""
    return f"""@prefix ais: <https://w3id.org/aiskills/ontology#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://p.example/c> a ais:Curriculum ; dct:title "T" ; ais:provider <https://p.example/> ;
  ais:targetArchetype <https://w3id.org/aiskills/id/archetype/user> ; ais:hasModule <https://p.example/c/m1> .
<https://p.example/> rdfs:label "P" .
<https://p.example/c/m1> dct:title "M" ; ais:hasLearningOutcome _:o ; {module} .
_:o {outcome} .
""".encode()
