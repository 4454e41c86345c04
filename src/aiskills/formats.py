"""The one registry of formats the project reads and writes over HTTP and in files: each format's
``?format=`` name, media type (and the other media types read as it), file extension, label, W3C
format IRI, pyoxigraph format, which endpoints offer it (``sparql``, ``graph-store``, ``id``, ``api``),
and the other names and media types clients use for it (those of other SPARQL servers, which
SPARQLWrapper sends). The SPARQL endpoint, the Graph Store, the linked-data routes, ``/api`` and the
pages read it from here."""

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
    #: Other ``?format=`` names for it (Fuseki's, Virtuoso's, and so SPARQLWrapper's); a name may mean
    #: a results format for SELECT and ASK and a graph format for CONSTRUCT and DESCRIBE ("json", "xml").
    names: tuple[str, ...] = ()
    #: Other media types clients send for it (in ``Accept`` or as ``?format=``) on the SPARQL endpoint.
    sent_as: tuple[str, ...] = ()


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
    names=("json",),
    sent_as=("application/json",),
)
XML = Format(
    "xml",
    "application/sparql-results+xml",
    FORMATS_NS + "SPARQL_Results_XML",
    results=ox.QueryResultsFormat.XML,
    label="XML",
    extension="srx",
    offered_by=_SPARQL,
    names=("xml",),
    sent_as=("application/xml", "text/xml"),
)
CSV = Format(
    "csv",
    "text/csv",
    FORMATS_NS + "SPARQL_Results_CSV",
    results=ox.QueryResultsFormat.CSV,
    label="CSV",
    extension="csv",
    offered_by=_SPARQL | {"api"},
    names=("csv",),
)
TSV = Format(
    "tsv",
    "text/tab-separated-values",
    FORMATS_NS + "SPARQL_Results_TSV",
    results=ox.QueryResultsFormat.TSV,
    label="TSV",
    extension="tsv",
    offered_by=_SPARQL,
    names=("tsv",),
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
    names=("turtle", "ttl", "n3"),  # Turtle is N3 without N3's extensions
    sent_as=("application/x-turtle", "text/n3", "text/rdf+n3"),
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
    names=("nt", "ntriples", "n-triples"),
    sent_as=("text/plain",),
)
JSONLD = Format(
    "jsonld",
    "application/ld+json",
    FORMATS_NS + "JSON-LD",
    rdf=ox.RdfFormat.JSON_LD,
    label="JSON-LD",
    extension="jsonld",
    offered_by=_RDF,
    names=("jsonld", "json-ld", "json"),
    sent_as=("application/json+ld",),
)
RDFXML = Format(
    "rdfxml",
    "application/rdf+xml",
    FORMATS_NS + "RDF_XML",
    rdf=ox.RdfFormat.RDF_XML,
    label="RDF/XML",
    extension="rdf",
    offered_by=_RDF,
    names=("rdfxml", "rdf+xml", "rdf", "xml"),
)
#: ``/api``'s JSON answers (``?format=json``, the default) beside ``CSV``.
API_JSON = Format(
    "json",
    "application/json",
    "",
    label="JSON",
    extension="json",
    offered_by=frozenset({"api"}),
    names=("json",),
)
#: The query page with the result as a table (``?format=html``, or a browser's ``Accept``).
HTML = Format("html", "text/html", "", label="HTML table", extension="html")

REGISTRY: tuple[Format, ...] = (JSON, XML, CSV, TSV, TURTLE, NTRIPLES, JSONLD, RDFXML, API_JSON, HTML)


def offered(endpoint: str) -> tuple[Format, ...]:
    """The formats ``endpoint`` offers, in the registry's order."""
    return tuple(f for f in REGISTRY if endpoint in f.offered_by)


def read_as(endpoint: str) -> dict[str, ox.RdfFormat]:
    """Media type → RDF format, for every RDF format ``endpoint`` reads (its own and its other types)."""
    return {m: f.rdf for f in offered(endpoint) if f.rdf is not None for m in (f.media_type, *f.also)}


def by_name(name: str, endpoint: str, graph: bool = False) -> Format | None:
    """The format ``?format=name`` means on ``endpoint``: for a graph (CONSTRUCT, DESCRIBE) when
    ``graph``, else for results (SELECT, ASK, or ``/api``'s tables); ``None`` when it means none."""
    key = name.lower().split(";")[0].strip()
    return next(
        (f for f in offered(endpoint) if (f.rdf is not None) == graph and key in (f.name, *f.names)),
        None,
    )


def names(endpoint: str) -> tuple[str, ...]:
    """Every ``?format=`` name ``endpoint`` knows, in the registry's order."""
    return tuple(dict.fromkeys(n for f in offered(endpoint) for n in (f.name, *f.names)))


def sent_as(endpoint: str) -> dict[str, Format]:
    """Other media types clients send → the format ``endpoint`` reads them as."""
    return {m: f for f in offered(endpoint) for m in f.sent_as}
