"""The bundled sources: the ontology and the reference encoding of the framework."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from aiskills import namespaces as ns
from aiskills.errors import InputError
from aiskills.framework.model import Framework, build_framework, section_codes
from aiskills.framework.template import read_template
from aiskills.rdf import read_triples, term_value
from aiskills.resources import framework_dir, ontology_file

STRUCTURE_FILE = "framework.ttl"
CAPABILITIES_FILE = "capabilities.csv"


def ontology() -> tuple[list[ox.Triple], str]:
    """The ontology's triples and its version (``owl:versionInfo``)."""
    path = ontology_file()
    triples = read_triples(path)
    return triples, ontology_version(triples, str(path))


def ontology_version(triples: list[ox.Triple], source: str) -> str:
    info = ox.NamedNode(ns.OWL + "versionInfo")
    onto = ox.NamedNode(ns.ONTOLOGY_IRI)
    versions = [term_value(t.object) for t in triples if t.subject == onto and t.predicate == info]
    if not versions:
        raise InputError(
            f"<{ns.ONTOLOGY_IRI}> has no owl:versionInfo",
            source=source,
            fix="add owl:versionInfo to the ontology header",
        )
    return versions[0]


def structure(path: Path | None = None) -> list[ox.Triple]:
    """The framework's structure (scheme, sections, levels, Bloom levels, archetypes, roles)."""
    return read_triples(path or framework_dir() / STRUCTURE_FILE)


def framework(directory: Path | None = None) -> Framework:
    """The bundled framework: its structure plus the capabilities in its template file."""
    directory = directory or framework_dir()
    struct = structure(directory / STRUCTURE_FILE)
    rows = read_template(directory / CAPABILITIES_FILE, section_codes(struct))
    return build_framework(struct, rows, str(directory / STRUCTURE_FILE))
