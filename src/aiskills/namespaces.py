"""IRIs the project mints and reads. See docs/vocabulary.md for the contract."""

from __future__ import annotations

from typing import Final

AIS: Final = "https://w3id.org/aiskills/ontology#"
ONTOLOGY_IRI: Final = "https://w3id.org/aiskills/ontology"
ID: Final = "https://w3id.org/aiskills/id/"
GRAPH: Final = "https://w3id.org/aiskills/graph/"

FRAMEWORK_IRI: Final = ID + "framework"
ONTOLOGY_GRAPH: Final = GRAPH + "ontology"
CATALOG_GRAPH: Final = GRAPH + "catalog"
FRAMEWORK_GRAPH_PREFIX: Final = GRAPH + "framework/"
CURRICULUM_GRAPH_PREFIX: Final = GRAPH + "curriculum/"
STAGING_GRAPH_PREFIX: Final = GRAPH + "staging/"

SKOS: Final = "http://www.w3.org/2004/02/skos/core#"
DCT: Final = "http://purl.org/dc/terms/"
RDF: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS: Final = "http://www.w3.org/2000/01/rdf-schema#"
OWL: Final = "http://www.w3.org/2002/07/owl#"
XSD: Final = "http://www.w3.org/2001/XMLSchema#"
PROV: Final = "http://www.w3.org/ns/prov#"
SH: Final = "http://www.w3.org/ns/shacl#"
CETERMS: Final = "https://purl.org/ctdl/terms/"
CEASN: Final = "https://purl.org/ctdlasn/terms/"

#: What a graph is about: a curriculum graph names its curriculum, a catalogue entry its subject.
DCT_SUBJECT: Final = DCT + "subject"

PREFIXES: Final[dict[str, str]] = {
    "ais": AIS,
    "aisid": ID,
    "skos": SKOS,
    "dct": DCT,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "prov": PROV,
    "sh": SH,
}


def framework_graph(version: str) -> str:
    """The named graph that holds one version of the framework."""
    return FRAMEWORK_GRAPH_PREFIX + version


def capability_iri(notation: str) -> str:
    return f"{ID}capability/{notation}"


def section_iri(code: str) -> str:
    return f"{ID}domain/{code}"


def level_iri(level: int | str) -> str:
    return f"{ID}level/{level}"


def archetype_iri(slug: str) -> str:
    return f"{ID}archetype/{slug}"


def bloom_iri(name: str) -> str:
    return f"{ID}bloom/{name}"


def role_iri(slug: str) -> str:
    return f"{ID}role/{slug}"
