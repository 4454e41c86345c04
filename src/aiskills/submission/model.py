"""What a reader produces: the curriculum graph and where each of its facts came from."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from aiskills import namespaces as ns

#: Facts only the validation needs (they are never stored): where an explicit id was declared.
AISV = "https://w3id.org/aiskills/validation#"
DECLARED_AT = ox.NamedNode(AISV + "declaredAt")


@dataclass(frozen=True)
class Location:
    """A place in a submitted file; only the fields that make sense for its format are set."""

    row: int | None = None
    column: str | None = None
    json_path: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        if self.row is not None:
            return f"row {self.row}" + (f", column {self.column}" if self.column else "")
        if self.json_path is not None:
            return self.json_path
        if self.line is not None:
            return f"line {self.line}"
        return ""

    def as_dict(self) -> dict[str, object]:
        return {
            k: v
            for k, v in (
                ("row", self.row),
                ("column", self.column),
                ("jsonPath", self.json_path),
                ("line", self.line),
            )
            if v is not None
        }


Key = tuple[str, str | None, str | None]  # (subject, predicate, value) as N-Triples text; None = any


@dataclass
class SourceMap:
    """Where facts came from, looked up from the most to the least specific key."""

    places: dict[Key, Location] = field(default_factory=dict)
    originals: dict[tuple[str, str, str], str] = field(default_factory=dict)  # value as the user typed it

    def add(
        self,
        subject: ox.NamedNode | ox.BlankNode,
        predicate: ox.NamedNode | None,
        location: Location,
        value: ox.NamedNode | ox.Literal | ox.BlankNode | None = None,
        original: str | None = None,
    ) -> None:
        key = (
            str(subject),
            None if predicate is None else str(predicate),
            None if value is None else str(value),
        )
        self.places.setdefault(key, location)
        if original is not None and predicate is not None and value is not None:
            self.originals.setdefault((str(subject), str(predicate), str(value)), original)

    def find(self, subject: str, predicate: str | None = None, value: str | None = None) -> Location | None:
        """The location of (subject, predicate, value), else (subject, predicate), else the subject's."""
        for key in ((subject, predicate, value), (subject, predicate, None), (subject, None, None)):
            if key in self.places:
                return self.places[key]
        return None

    def original(self, subject: str, predicate: str, value: str) -> str | None:
        return self.originals.get((subject, predicate, value))


@dataclass(frozen=True)
class TableLayout:
    """Where a table's curriculum is: the sheet (XLSX), the header's row as the spreadsheet numbers it,
    and the CSV field separator."""

    sheet: str | None
    header_row: int
    delimiter: str = ","


@dataclass
class Submission:
    """A curriculum read from a file: its triples, its IRI (or blank node), and the source map."""

    source: str  # file name as given
    format: str  # json, jsonld, csv, xlsx, turtle, ntriples, rdfxml
    curriculum: ox.NamedNode | ox.BlankNode
    triples: list[ox.Triple]
    sources: SourceMap
    sha256: str
    #: Where a table's curriculum was found (CSV and XLSX): what writing into the file reads again.
    layout: TableLayout | None = None

    @property
    def curriculum_id(self) -> str | None:
        return self.curriculum.value if isinstance(self.curriculum, ox.NamedNode) else None

    def stored_triples(self) -> list[ox.Triple]:
        """The triples to store: validation-only facts removed."""
        return [t for t in self.triples if not t.predicate.value.startswith(AISV)]


CURRICULUM = ox.NamedNode(ns.AIS + "Curriculum")
MODULE = ox.NamedNode(ns.AIS + "Module")
OUTCOME = ox.NamedNode(ns.AIS + "LearningOutcome")
PROVIDER = ox.NamedNode(ns.AIS + "Provider")
TYPE = ox.NamedNode(ns.RDF + "type")
TITLE = ox.NamedNode(ns.DCT + "title")
DESCRIPTION = ox.NamedNode(ns.DCT + "description")
VERSION = ox.NamedNode(ns.DCT + "hasVersion")
IDENTIFIER = ox.NamedNode(ns.DCT + "identifier")
LABEL = ox.NamedNode(ns.RDFS + "label")
HAS_PROVIDER = ox.NamedNode(ns.AIS + "provider")
TARGET = ox.NamedNode(ns.AIS + "targetArchetype")
HAS_MODULE = ox.NamedNode(ns.AIS + "hasModule")
HOURS = ox.NamedNode(ns.AIS + "notionalHours")
HAS_OUTCOME = ox.NamedNode(ns.AIS + "hasLearningOutcome")
STATEMENT = ox.NamedNode(ns.AIS + "statement")
BLOOM = ox.NamedNode(ns.AIS + "bloomLevel")
ALIGNED = ox.NamedNode(ns.AIS + "alignedTo")
