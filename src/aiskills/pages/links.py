"""Where each IRI is served: framework IRIs under ``{public_base}id/`` at ``/id/…``, ontology terms at
``/ontology`` and ``/ontology/<LocalName>``, stored curricula at ``/curricula/<sha256 of the IRI>``.

Paths are site paths (``/id/capability/6.1-03``); the Flask app prefixes its script root, a static
release turns them into relative ``.html`` file names (``relative_file``).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from urllib.parse import quote, unquote

from aiskills import curricula
from aiskills import namespaces as ns
from aiskills.formats import JSONLD, NTRIPLES, RDFXML, TURTLE

#: RDF formats a resource is served in: ``?format=`` name, media type, file extension, label.
FORMATS: tuple[tuple[str, str, str, str], ...] = tuple(
    (f.extension, f.media_type, f.extension, f.label) for f in (TURTLE, JSONLD, RDFXML, NTRIPLES)
)
#: The same, as the templates use them.
FORMAT_LIST = [
    {"name": name, "media_type": media, "ext": ext, "label": label} for name, media, ext, label in FORMATS
]
#: File extensions a site path may end in that name a file rather than a page.
FILE_SUFFIXES = (".ttl", ".jsonld", ".rdf", ".nt", ".json", ".css", ".js", ".png", ".svg", ".txt", ".csv")


@dataclass(frozen=True)
class Linker:
    """Maps IRIs to site paths and back, for one public base IRI (ending in ``/``)."""

    public_base: str = "https://w3id.org/aiskills/"
    ontology: str = ns.ONTOLOGY_IRI
    vocab: str = ns.AIS

    @property
    def id_base(self) -> str:
        return self.public_base + "id/"

    def iri_for_id(self, rest: str) -> str:
        """The IRI that ``/id/<rest>`` names."""
        return self.id_base + rest

    def term_iri(self, local: str) -> str:
        return self.vocab + local

    def path(self, iri: str) -> str | None:
        """The site path that serves ``iri``, or None when it is not ours (an external link)."""
        if iri.startswith(self.id_base) and len(iri) > len(self.id_base):
            return "/id/" + quote(iri[len(self.id_base) :], safe="/-._~")
        if iri == self.ontology:
            return "/ontology"
        if iri.startswith(self.vocab) and len(iri) > len(self.vocab):
            return "/ontology/" + quote(iri[len(self.vocab) :], safe="-._~")
        return None

    @staticmethod
    def curriculum_path(iri: str) -> str:
        """A stored curriculum's page: the key of its graph, as the curricula API names it."""
        return "/curricula/" + curricula.key_of(curricula.curriculum_graph(iri))

    @staticmethod
    def curriculum_graph(key: str) -> str:
        return curricula.graph_for_key(key)


def site_file(path: str) -> str:
    """The file a static release writes for a site path: ``/`` → ``index.html``, ``/id/a/b`` →
    ``id/a/b.html``, files (``/downloads/framework.ttl``) as they are. A ``#fragment`` is kept."""
    path, _, fragment = path.partition("#")
    path = unquote(path)
    if path in ("", "/"):
        name = "index.html"
    elif path.endswith("/"):
        name = path.strip("/") + "/index.html"
    elif path.lower().endswith(FILE_SUFFIXES):
        name = path.lstrip("/")
    else:
        name = path.lstrip("/") + ".html"
    return name + ("#" + fragment if fragment else "")


def relative_file(from_file: str, path: str) -> str:
    """The relative link from the page written as ``from_file`` to the site path ``path``."""
    target = site_file(path)
    name, _, fragment = target.partition("#")
    start = posixpath.dirname(from_file) or "."
    rel = posixpath.relpath(name, start)
    return quote(rel, safe="/-._~") + ("#" + fragment if fragment else "")
