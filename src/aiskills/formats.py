"""The one registry of formats the project reads and writes over HTTP and in files: each format's
``?format=`` name, media type (and the other media types read as it), file extension, label, W3C
format IRI, pyoxigraph format, and which endpoints offer it (``sparql``, ``graph-store``, ``id``).
The SPARQL endpoint, the Graph Store, the linked-data routes and the pages read it from here."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

FORMATS_NS = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class Format:
    """One format: its ``?format=`` name, media type, W3C format IRI, pyoxigraph format."""

    name: str
    media_type: str
    iri: str
    results: ox.QueryResultsFormat | None = None
    rdf: ox.RdfFormat | None = None
    label: str = ""
    extension: str = ""  # a file's extension; also the ``?format=`` name on /id and the pages
    also: tuple[str, ...] = ()  # other media types read as this format
    offered_by: frozenset[str] = field(default_factory=frozenset)


_SPARQL = frozenset({"sparql"})
_RDF = frozenset({"sparql", "graph-store", "id"})

JSON = Format(
    "json",
    "application/sparql-results+json",
    FORMATS_NS + "SPARQL_Results_JSON",
    results=ox.QueryResultsFormat.JSON,
    label="JSON",
    extension="srj",
    offered_by=_SPARQL,
)
XML = Format(
    "xml",
    "application/sparql-results+xml",
    FORMATS_NS + "SPARQL_Results_XML",
    results=ox.QueryResultsFormat.XML,
    label="XML",
    extension="srx",
    offered_by=_SPARQL,
)
CSV = Format(
    "csv",
    "text/csv",
    FORMATS_NS + "SPARQL_Results_CSV",
    results=ox.QueryResultsFormat.CSV,
    label="CSV",
    extension="csv",
    offered_by=_SPARQL,
)
TSV = Format(
    "tsv",
    "text/tab-separated-values",
    FORMATS_NS + "SPARQL_Results_TSV",
    results=ox.QueryResultsFormat.TSV,
    label="TSV",
    extension="tsv",
    offered_by=_SPARQL,
)
TURTLE = Format(
    "turtle",
    "text/turtle",
    FORMATS_NS + "Turtle",
    rdf=ox.RdfFormat.TURTLE,
    label="Turtle",
    extension="ttl",
    also=("application/x-turtle",),
    offered_by=_RDF,
)
NTRIPLES = Format(
    "nt",
    "application/n-triples",
    FORMATS_NS + "N-Triples",
    rdf=ox.RdfFormat.N_TRIPLES,
    label="N-Triples",
    extension="nt",
    also=("text/plain",),
    offered_by=_RDF,
)
JSONLD = Format(
    "jsonld",
    "application/ld+json",
    FORMATS_NS + "JSON-LD",
    rdf=ox.RdfFormat.JSON_LD,
    label="JSON-LD",
    extension="jsonld",
    offered_by=_RDF,
)
RDFXML = Format(
    "rdfxml",
    "application/rdf+xml",
    FORMATS_NS + "RDF_XML",
    rdf=ox.RdfFormat.RDF_XML,
    label="RDF/XML",
    extension="rdf",
    offered_by=_RDF,
)
#: The query page with the result as a table (``?format=html``, or a browser's ``Accept``).
HTML = Format("html", "text/html", "", label="HTML table", extension="html")

REGISTRY: tuple[Format, ...] = (JSON, XML, CSV, TSV, TURTLE, NTRIPLES, JSONLD, RDFXML, HTML)


def offered(endpoint: str) -> tuple[Format, ...]:
    """The formats ``endpoint`` offers, in the registry's order."""
    return tuple(f for f in REGISTRY if endpoint in f.offered_by)


def read_as(endpoint: str) -> dict[str, ox.RdfFormat]:
    """Media type → RDF format, for every RDF format ``endpoint`` reads (its own and its other types)."""
    return {m: f.rdf for f in offered(endpoint) if f.rdf is not None for m in (f.media_type, *f.also)}
