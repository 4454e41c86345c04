"""A static copy of the framework's pages, for a release: the web app's templates rendered with
relative links into a folder that any static host (or a file browser) can serve.

The site holds ``index.html``, ``ontology.html`` with one ``ontology/<Term>.html`` per class and
property, one page per framework resource (``id/capability/6.1-03.html`` …), each resource's RDF beside
its page (``.ttl``, ``.jsonld``, ``.rdf``, ``.nt``), the whole framework and ontology under
``downloads/``, the stylesheet, and a search page: ``search.html`` lists everything A to Z (so the
search form works without JavaScript) and ``static/search.js`` filters ``search-index.json``.
"""

from __future__ import annotations

import functools
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2

from aiskills.pages import data
from aiskills.pages.links import FORMAT_LIST, FORMATS, Linker, relative_file, site_file
from aiskills.pages.rdf import bounded_description, describe, framework_triples, ontology_triples, to_bytes
from aiskills.resources import web_dir
from aiskills.store.base import Store

EXT = {name: ext for name, _, ext, _ in FORMATS}
TEMPLATES = {
    "capability": "pages/capability.html",
    "archetype": "pages/archetype.html",
    "section": "pages/section.html",
    "role": "pages/role.html",
    "resource": "pages/resource.html",
}


def environment() -> jinja2.Environment:
    """The web app's templates, outside Flask (autoescaped, like Flask's)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(web_dir() / "templates")),
        autoescape=True,
        undefined=jinja2.Undefined,
    )


class SiteWriter:
    """Renders pages into ``out``; every link relative to the page that holds it."""

    def __init__(self, store: Store, out: Path, public_base: str, in_release: bool = False) -> None:
        self.in_release = in_release  # the site is a release's docs/: it may link the release's files
        self.store = store
        self.out = out
        self.linker = Linker(public_base)
        self.public_base = public_base
        self.env = environment()
        self.written: list[Path] = []

    def globals_for(self, file: str) -> dict[str, Any]:
        def href(path: str) -> str:
            return relative_file(file, path)

        def format_href(path: str, name: str) -> str:
            return relative_file(file, f"{path}.{EXT[name]}")

        return {
            "href": href,
            "static_href": lambda name: relative_file(file, "/static/" + name),
            "format_href": format_href,
            "formats": FORMAT_LIST,
            "live": False,
            "in_release": self.in_release,
        }

    def page(self, path: str, template: str, page: Any, page_path: str | None = None, **extra: Any) -> None:
        """Render ``template`` as the file that serves the site path ``path``."""
        file = site_file(path)
        html = self.env.get_template(template).render(
            page=page, page_path=page_path, **self.globals_for(file), **extra
        )
        self.write(file, html.encode("utf-8"))

    def write(self, file: str, body: bytes) -> None:
        target = self.out / file
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        self.written.append(target)

    def rdf(self, path: str, triples_of: Callable[[], list[Any]]) -> None:
        """The resource's RDF in every format, beside its page."""
        triples = triples_of()
        for name, ext in EXT.items():
            self.write(site_file(f"{path}.{ext}"), to_bytes(triples, name, self.public_base))


def write_site(
    store: Store,
    out_dir: Path | str,
    public_base: str = "https://w3id.org/aiskills/",
    in_release: bool = False,
) -> list[Path]:
    """Write the static site of the store's current framework and ontology into ``out_dir``; the
    files written. ``in_release``: the site is a release's ``docs/`` and links the release's files."""
    w = SiteWriter(store, Path(out_dir), public_base, in_release)
    linker = w.linker
    w.page("/", "pages/home.html", data.home(store, linker))
    _ontology(w)
    entries = data.index(store, linker)
    for entry in entries:
        _resource(w, entry)
    _search(w, entries)
    w.page(
        "/404",
        "pages/not_found.html",
        None,
        asked_path="",
        asked_iri=None,
        suggestions=[],
        search_hint="",
        id_base=linker.id_base,
    )
    _downloads(w)
    _case_and_ctdl(w)
    for name in ("style.css", "search.js"):
        w.out.joinpath("static").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(web_dir() / "static" / name, w.out / "static" / name)
        w.written.append(w.out / "static" / name)
    return w.written


def _ontology(w: SiteWriter) -> None:
    whole = data.ontology(w.store, w.linker)
    w.page("/ontology", "pages/ontology.html", whole, "/ontology")
    triples = ontology_triples(w.store)
    w.rdf("/ontology", lambda: triples)
    for term in whole["terms"]:
        path = term["path"]
        w.page(path, "pages/term.html", {**term, "ontology": whole}, path)
        w.rdf(path, functools.partial(bounded_description, triples, term["iri"]))


def _resource(w: SiteWriter, entry: dict[str, Any]) -> None:
    iri, path = entry["ref"].iri, entry["ref"].path
    kind = data.page_kind(entry["types"])
    if kind == "capability":
        page = data.capability(w.store, w.linker, iri, curricula=False)
    elif kind == "resource":
        page = data.resource(w.store, w.linker, iri, entry["types"])
    else:
        page = {"archetype": data.archetype, "section": data.section, "role": data.role}[kind](
            w.store, w.linker, iri
        )
    w.page(path, TEMPLATES[kind], page, path)
    w.rdf(path, lambda: describe(w.store, iri))


def _search(w: SiteWriter, entries: list[dict[str, Any]]) -> None:
    """``search.html``: the A-Z list (no JavaScript needed) and the index ``search.js`` filters."""
    index = [
        {
            "n": e["notation"] or "",
            "l": e["label"],
            "k": e["kind"],
            "d": e["definition"],
            "u": site_file(e["ref"].path),
        }
        for e in entries
    ]
    w.write("search-index.json", json.dumps(index, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    w.page(
        "/search",
        "pages/search.html",
        {"q": "", "results": [], "total": 0},
        None,
        az=entries,
        search_index="search-index.json",
    )


def _downloads(w: SiteWriter) -> None:
    for name, triples in (("framework", framework_triples(w.store)), ("ontology", ontology_triples(w.store))):
        for fmt, ext in EXT.items():
            w.write(f"downloads/{name}.{ext}", to_bytes(triples, fmt, w.public_base))


def _case_and_ctdl(w: SiteWriter) -> None:
    """Each capability's CASE item and CTDL-ASN node as a file, where its page links them."""
    from aiskills.errors import InputError
    from aiskills.loading import current_framework
    from aiskills.publishing import case, ctdl
    from aiskills.publishing.ctdl import CONTEXT

    framework = current_framework(w.store)
    if framework is None:
        return
    mappings = case.store_mappings(w.store)
    base = case.api_base(w.public_base)
    index = case.CaseIndex(
        case.build_packages(framework.triples, framework.version, base, mappings=mappings), base
    )
    for identifier in index.by_kind.get("CFItems", {}):
        item = index.get("CFItems", identifier)
        w.write(f"ims/case/v1p1/CFItems/{identifier}.json", _json(item))
    try:
        document = ctdl.ctdl_document(framework.triples, mappings)
    except InputError:
        return  # a framework without CTIDs has no CTDL-ASN nodes (its pages link none)
    for node in document["@graph"]:
        w.write(f"ctdl/{node['ceterms:ctid']}.json", _json({"@context": CONTEXT, **node}))


def _json(body: object) -> bytes:
    return (json.dumps(body, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
