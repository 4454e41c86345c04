"""Another publisher's CASE framework (a CFPackage) as a SKOS concept scheme, to map ours against.

``read_package`` reads a CFPackage's JSON (from bytes: the caller reads the file, or the URL the user
named) and checks what the conversion needs, naming the place of each problem (``CFItems[3].uri``);
``scheme_triples`` turns it into a ``skos:ConceptScheme`` (the CFDocument's ``uri``) whose
``skos:Concept`` s are the CFItems' ``uri`` s, with their statements as ``skos:prefLabel``, their codes as
``skos:notation`` and the ``isChildOf`` tree as ``skos:broader`` / ``skos:topConceptOf``. SSSOM crosswalks
can then name those IRIs as ``object_id`` and the pages show their labels. No I/O here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from aiskills import namespaces as ns
from aiskills.errors import InputError, ProblemsError
from aiskills.store.base import Store

SCHEME_GRAPH_PREFIX = ns.GRAPH + "scheme/"


@dataclass(frozen=True)
class Problem:
    place: str
    message: str

    def __str__(self) -> str:
        return f"{self.place}: {self.message}"


class PackageError(ProblemsError):
    """A CFPackage that cannot be read as a concept scheme; ``problems`` lists each place."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        super().__init__(source, problems, "; nothing was imported (give a CASE 1.0 or 1.1 CFPackage)")


@dataclass(frozen=True)
class ImportedScheme:
    scheme: str
    title: str
    graph: str
    triples: list[ox.Triple]
    concepts: int


def scheme_graph(scheme: str) -> str:
    """The named graph an imported scheme is kept in."""
    return SCHEME_GRAPH_PREFIX + hashlib.sha256(scheme.encode("utf-8")).hexdigest()


def read_package(data: bytes, source: str) -> dict[str, Any]:
    """The CFPackage in ``data``, or ``InputError`` / ``PackageError`` naming what is wrong where."""
    try:
        package = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError(
            f"is not UTF-8 text (byte {exc.start})", source=source, fix="give the CFPackage JSON"
        ) from None
    except json.JSONDecodeError as exc:
        raise InputError(
            f"is not JSON: {exc.msg}",
            source=source,
            place=f"line {exc.lineno}, column {exc.colno}",
            fix="give the JSON a CASE provider returns for CFPackages/{identifier}",
        ) from None
    problems: list[Problem] = []
    if not isinstance(package, dict) or not isinstance(package.get("CFDocument"), dict):
        raise InputError(
            "has no CFDocument object at the top level",
            source=source,
            fix="give a CFPackage (GET …/ims/case/v1p1/CFPackages/{identifier}), not a CFDocument list",
        )
    _check_node(package["CFDocument"], "CFDocument", "title", problems)
    items = package.get("CFItems", [])
    if not isinstance(items, list):
        problems.append(Problem("CFItems", "is not a list"))
        items = []
    for n, item in enumerate(items):
        _check_node(item, f"CFItems[{n}]", "fullStatement", problems)
    associations = package.get("CFAssociations", [])
    if not isinstance(associations, list):
        problems.append(Problem("CFAssociations", "is not a list"))
    if problems:
        raise PackageError(source, problems)
    return package


def _check_node(node: Any, place: str, text: str, problems: list[Problem]) -> None:
    if not isinstance(node, dict):
        problems.append(Problem(place, "is not an object"))
        return
    where = f"{place} ({node['identifier']})" if isinstance(node.get("identifier"), str) else place
    uri = node.get("uri")
    if (
        not isinstance(uri, str)
        or not uri.startswith(("http://", "https://"))
        or any(c in uri for c in ' <>"{}|\\^`')
    ):
        problems.append(Problem(f"{where}.uri", f"{uri!r} is not an http(s) IRI (the concept needs one)"))
    if not isinstance(node.get(text), str) or not node[text].strip():
        problems.append(Problem(f"{where}.{text}", "is missing or empty"))


def scheme_triples(package: dict[str, Any]) -> ImportedScheme:
    """The CFPackage (as ``read_package`` returned it) as SKOS triples."""
    doc = package["CFDocument"]
    scheme = ox.NamedNode(doc["uri"])
    lang = doc.get("language") if isinstance(doc.get("language"), str) and doc.get("language") else None

    def text(value: str) -> ox.Literal:
        return ox.Literal(value, language=lang) if lang else ox.Literal(value)

    a, skos, dct = ox.NamedNode(ns.RDF + "type"), ns.SKOS, ns.DCT
    out = [
        ox.Triple(scheme, a, ox.NamedNode(skos + "ConceptScheme")),
        ox.Triple(scheme, ox.NamedNode(skos + "prefLabel"), text(doc["title"])),
        ox.Triple(scheme, ox.NamedNode(dct + "identifier"), ox.Literal(str(doc.get("identifier", "")))),
    ]
    for key, prop in (("creator", "creator"), ("publisher", "publisher"), ("version", "hasVersion")):
        if isinstance(doc.get(key), str) and doc[key]:
            out.append(ox.Triple(scheme, ox.NamedNode(dct + prop), ox.Literal(doc[key])))
    if isinstance(doc.get("description"), str) and doc["description"]:
        out.append(ox.Triple(scheme, ox.NamedNode(dct + "description"), text(doc["description"])))
    by_id = {str(i.get("identifier")): i["uri"] for i in package.get("CFItems", [])}
    by_id[str(doc.get("identifier"))] = doc["uri"]
    for item in package.get("CFItems", []):
        c = ox.NamedNode(item["uri"])
        out += [
            ox.Triple(c, a, ox.NamedNode(skos + "Concept")),
            ox.Triple(c, ox.NamedNode(skos + "inScheme"), scheme),
            ox.Triple(c, ox.NamedNode(skos + "prefLabel"), text(item["fullStatement"])),
        ]
        if isinstance(item.get("humanCodingScheme"), str) and item["humanCodingScheme"]:
            out.append(ox.Triple(c, ox.NamedNode(skos + "notation"), ox.Literal(item["humanCodingScheme"])))
        if isinstance(item.get("notes"), str) and item["notes"]:
            out.append(ox.Triple(c, ox.NamedNode(skos + "note"), text(item["notes"])))
        if isinstance(item.get("identifier"), str):
            out.append(ox.Triple(c, ox.NamedNode(dct + "identifier"), ox.Literal(item["identifier"])))
    for assoc in package.get("CFAssociations", []):
        if not isinstance(assoc, dict) or assoc.get("associationType") != "isChildOf":
            continue
        origin = by_id.get(str((assoc.get("originNodeURI") or {}).get("identifier")))
        dest = by_id.get(str((assoc.get("destinationNodeURI") or {}).get("identifier")))
        if origin is None or dest is None or origin == doc["uri"]:
            continue
        child = ox.NamedNode(origin)
        if dest == doc["uri"]:
            out += [
                ox.Triple(child, ox.NamedNode(skos + "topConceptOf"), scheme),
                ox.Triple(scheme, ox.NamedNode(skos + "hasTopConcept"), child),
            ]
        else:
            out.append(ox.Triple(child, ox.NamedNode(skos + "broader"), ox.NamedNode(dest)))
    triples = list(dict.fromkeys(out))
    return ImportedScheme(doc["uri"], doc["title"], scheme_graph(doc["uri"]), triples, len(by_id) - 1)


def load_scheme(store: Store, imported: ImportedScheme) -> None:
    """Keep the scheme in its own active graph (replacing an earlier import of the same scheme)."""
    from aiskills.store.base import CatalogEntry, GraphData

    data = ox.serialize(imported.triples, format=ox.RdfFormat.N_TRIPLES) or b""
    version = next(
        (
            t.object.value
            for t in imported.triples
            if t.predicate.value == ns.DCT + "hasVersion" and isinstance(t.object, ox.Literal)
        ),
        None,
    )
    store.replace_graphs(
        [GraphData(imported.graph, data, ox.RdfFormat.N_TRIPLES)],
        [CatalogEntry(imported.graph, "scheme", version)],
    )
