"""Reading and writing RDF files: formats by extension or name, parse errors with their place."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Final

import pyoxigraph as ox

from aiskills import namespaces as ns
from aiskills.errors import InputError

XSD_STRING = ns.XSD + "string"
RDF_TYPE: Final = ox.NamedNode(ns.RDF + "type")
XSD_INTEGER: Final = ox.NamedNode(ns.XSD + "integer")

FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "json-ld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "rdf": ox.RdfFormat.RDF_XML,
    "owl": ox.RdfFormat.RDF_XML,
    "xml": ox.RdfFormat.RDF_XML,
    "nq": ox.RdfFormat.N_QUADS,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
}

EXPORT_FORMATS = ("turtle", "nt", "jsonld", "rdfxml")

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


def term_value(term: Term) -> str:
    """The IRI, blank node id or lexical form of ``term``.

    The project's graphs hold no quoted triples (RDF-star); one here is a programming error."""
    if isinstance(term, ox.Triple):
        raise TypeError(f"a quoted triple has no single value: {term}")
    return term.value


def format_named(name: str) -> ox.RdfFormat:
    """The RDF format for a name such as ``turtle`` or ``nt``."""
    try:
        return FORMATS[name.lower()]
    except KeyError:
        raise InputError(
            f"unknown RDF format {name!r}", fix="use one of " + ", ".join(EXPORT_FORMATS)
        ) from None


def format_of(path: Path) -> ox.RdfFormat:
    """The RDF format a file's extension names."""
    ext = path.suffix.lower().lstrip(".")
    if path.name.lower().endswith(".jsonld") or ext == "json":
        return ox.RdfFormat.JSON_LD
    if ext in FORMATS:
        return FORMATS[ext]
    raise InputError(
        "the file extension does not name an RDF format",
        source=str(path),
        fix="use .ttl, .nt, .jsonld, .rdf/.owl, .nq or .trig",
    )


_DECLARATIONS = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


def parse_triples(
    data: bytes, fmt: ox.RdfFormat, source: str, base_iri: str | None = None
) -> list[ox.Triple]:
    """Parse ``data``; a syntax error becomes an InputError naming ``source`` and the line.

    RDF/XML with a DOCTYPE or entity declarations is refused before parsing: entities are never
    fetched or expanded (no external files, no exponential expansion)."""
    if fmt == ox.RdfFormat.RDF_XML and (m := _DECLARATIONS.search(data)):
        line = data[: m.start()].count(b"\n") + 1
        raise InputError(
            "RDF/XML with a DOCTYPE or entity declarations is not accepted",
            source=source,
            place=f"line {line}",
            fix="remove the <!DOCTYPE …> and write the values out",
        )
    try:
        return [
            q.triple if isinstance(q, ox.Quad) else q for q in ox.parse(data, format=fmt, base_iri=base_iri)
        ]
    except SyntaxError as exc:
        raise InputError(
            f"not valid {fmt.name}: {exc}",
            source=source,
            place=_place(exc),
            fix="correct the syntax at that place",
        ) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(
            f"cannot be read as {fmt.name}: {exc}", source=source, fix="save the file as UTF-8 text"
        ) from None


def read_triples(path: Path, fmt: ox.RdfFormat | None = None) -> list[ox.Triple]:
    """Parse an RDF file into triples (quads lose their graph)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", source=str(path)) from None
    return parse_triples(data, fmt or format_of(path), str(path))


def serialize(
    triples: Iterable[ox.Triple], fmt: ox.RdfFormat, prefixes: dict[str, str] | None = None
) -> bytes:
    """Serialise triples; Turtle, RDF/XML and JSON-LD output is sorted so it is reproducible."""
    ordered = sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    if prefixes and fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML, ox.RdfFormat.TRIG):
        return ox.serialize(ordered, format=fmt, prefixes=prefixes) or b""
    return ox.serialize(ordered, format=fmt) or b""


def _place(exc: SyntaxError) -> str | None:
    """``line L, column C`` from a pyoxigraph parser message, when it gives one."""
    text = str(exc)
    line = re.search(r"line (\d+)", text)
    col = re.search(r"columns? (\d+)", text)
    if not line:
        return None
    return f"line {line.group(1)}" + (f", column {col.group(1)}" if col else "")


def canonical(triples: Sequence[ox.Triple]) -> list[ox.Triple]:
    """``triples`` with every blank node relabelled canonically (rdflib's RGDA1 hashing of the
    triples that mention blank nodes), so the same graph always gets the same labels, and sorted."""
    plain = [
        t for t in triples if not (isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode))
    ]
    seen = set(plain)
    blank = [t for t in triples if t not in seen]
    if not blank:
        return sorted(set(plain), key=str)
    import rdflib
    from rdflib.compare import to_canonical_graph

    graph = rdflib.Graph().parse(data=ox.serialize(blank, format=ox.RdfFormat.N_TRIPLES) or b"", format="nt")
    text = to_canonical_graph(graph).serialize(format="nt", encoding="utf-8")
    relabelled = [
        q.triple if isinstance(q, ox.Quad) else q for q in ox.parse(text, format=ox.RdfFormat.N_TRIPLES)
    ]
    return sorted(set(plain) | set(relabelled), key=str)


def to_rdflib(term: Term) -> Any:
    """The same term in rdflib, blank-node labels kept (a parse would mint new ones)."""
    import rdflib

    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Triple):
        raise TypeError(f"a quoted triple has no rdflib term: {term}")
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    return rdflib.Literal(term.value, datatype=None if datatype == XSD_STRING else rdflib.URIRef(datatype))


def integer(n: int) -> ox.Literal:
    """``n`` as an ``xsd:integer`` literal."""
    return ox.Literal(str(n), datatype=XSD_INTEGER)
