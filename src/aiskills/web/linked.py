"""Linked data and the HTML pages: every framework IRI under ``{public_base}id/`` resolves at ``/id/…``,
the ontology at ``/ontology`` (one anchor per term) and ``/ontology/<LocalName>``; stored curricula at
``/curricula/<sha256 of the IRI>``; the home page, search and downloads.

Content negotiation by ``Accept`` (with q-values) or ``?format=html|ttl|jsonld|rdf|nt``: HTML for
browsers, Turtle, JSON-LD, RDF/XML or N-Triples for machines. Every answer carries ``Vary: Accept``;
every resource answer carries ``Link: <…?format=…>; rel="alternate"`` for each format. An unknown IRI
is a 404: a page with the nearest matches for a browser, plain text for an RDF client.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, redirect, render_template, request
from flask.typing import ResponseReturnValue

from aiskills.namespaces import STAGING_GRAPH_PREFIX
from aiskills.pages import data
from aiskills.pages.links import FORMAT_LIST, FORMATS, Linker
from aiskills.pages.ranking import Ranker
from aiskills.pages.rdf import (
    MEDIA_TYPES,
    bounded_description,
    describe,
    framework_triples,
    ontology_triples,
    to_bytes,
)
from aiskills.resources import data_dir
from aiskills.web.context import settings as _settings
from aiskills.web.context import store as _store

linked = Blueprint("linked", __name__)

#: Media types a client may ask for, in the order that breaks ties (HTML first, for browsers). Only
#: ``text/html`` is HTML here: the pages are sent as ``text/html``, so ``Accept: application/*`` (or
#: HTML refused with ``q=0``) gets RDF, where ``application/xhtml+xml`` would have brought HTML.
ACCEPTED: dict[str, str] = {
    "text/html": "html",
    "text/turtle": "ttl",
    "application/x-turtle": "ttl",
    "application/ld+json": "jsonld",
    "application/json": "jsonld",
    "application/rdf+xml": "rdf",
    "application/xml": "rdf",
    "text/xml": "rdf",
    "application/n-triples": "nt",
    "text/plain": "nt",
}
NAMES: dict[str, str] = {
    "html": "html",
    "ttl": "ttl",
    "turtle": "ttl",
    "jsonld": "jsonld",
    "json-ld": "jsonld",
    "json": "jsonld",
    "rdf": "rdf",
    "rdfxml": "rdf",
    "xml": "rdf",
    "owl": "rdf",
    "nt": "nt",
    "ntriples": "nt",
    "n-triples": "nt",
}
EXTENSIONS: dict[str, str] = {"html": "html", "ttl": "ttl", "jsonld": "jsonld", "rdf": "rdf", "nt": "nt"}


class Unacceptable(Exception):
    """A ``?format=`` we do not know (400) or an ``Accept`` we cannot meet (406)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@linked.record_once
def _template_globals(state: Any) -> None:
    """The live site: links to the dynamic pages, ``?format=`` download links."""
    env = state.app.jinja_env
    env.globals["live"] = True
    env.globals["formats"] = FORMAT_LIST
    env.globals["format_href"] = lambda path, name: request.script_root + path + "?format=" + name


@linked.after_request
def _vary(response: Response) -> Response:
    response.vary.add("Accept")
    return response


def _linker() -> Linker:
    return Linker(_settings().public_base)


# -- negotiation -----------------------------------------------------------------------------------
def choose(offers: tuple[str, ...] = ("html", "ttl", "jsonld", "rdf", "nt")) -> str:
    """``?format=`` if given, else the best of ``offers`` for ``Accept`` (HTML without one)."""
    name = request.args.get("format")
    if name:
        fmt = NAMES.get(name.lower())
        if fmt is None:
            raise Unacceptable(400, f"unknown format {name!r}: use one of html, ttl, jsonld, rdf, nt")
        if fmt not in offers:
            raise Unacceptable(406, f"this page is available as {', '.join(offers)}, not {name}")
        return fmt
    accept = request.accept_mimetypes
    if not accept:
        return offers[0]
    types = [t for t, f in ACCEPTED.items() if f in offers]
    best = accept.best_match(types)
    if best is None:
        raise Unacceptable(
            406,
            f"cannot answer in any type the request accepts ({request.headers.get('Accept')}); "
            "this resource is available as "
            + ", ".join(t for t in ("text/html", *MEDIA_TYPES.values()) if ACCEPTED[t] in offers),
        )
    return ACCEPTED[best]


def _link_header(path: str) -> str:
    base = request.script_root + path
    links = [f'<{base}?format=html>; rel="alternate"; type="text/html"']
    links += [f'<{base}?format={name}>; rel="alternate"; type="{media}"' for name, media, _, _ in FORMATS]
    return ", ".join(links)


def _content_type(fmt: str) -> str:
    media = MEDIA_TYPES[fmt]
    return media + "; charset=utf-8" if fmt != "rdf" else media


def rdf_response(triples: list[ox.Triple], fmt: str, path: str) -> Response:
    body = to_bytes(triples, fmt, _settings().public_base)
    response = Response(body, content_type=_content_type(fmt))
    response.headers["Link"] = _link_header(path)
    return response


def html_response(template: str, page: Any, path: str | None, status: int = 200, **extra: Any) -> Response:
    response = Response(
        render_template(template, page=page, page_path=path, **extra),
        status=status,
        content_type="text/html; charset=utf-8",
    )
    if path:
        response.headers["Link"] = _link_header(path)
    return response


def not_found(asked_iri: str | None, fmt: str) -> Response:
    """404: the nearest matches and a search form for a browser; a line of text for anyone else."""
    what = f"<{asked_iri}>" if asked_iri else request.path
    linker = _linker()
    suggestions = data.nearest(_store(), linker, asked_iri or request.path) if asked_iri else []
    if fmt != "html":  # the same nearest matches, one IRI a line, for an RDF client or a script
        near = "".join(f"did you mean <{s['ref'].iri}>?\n" for s in suggestions)
        return Response(
            f"not found: the framework holds no resource {what}; search with "
            f"{request.script_root}/search?q=...\n{near}",
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    hint = (asked_iri or request.path).rstrip("/").rsplit("/", 1)[-1]
    return html_response(
        "pages/not_found.html",
        None,
        None,
        404,
        asked_path=request.path,
        asked_iri=asked_iri,
        suggestions=suggestions,
        search_hint=hint,
        id_base=linker.id_base,
    )


# -- routes ----------------------------------------------------------------------------------------
@linked.route("/")
def home() -> Response:
    choose(("html",))
    return html_response("pages/home.html", data.home(_store(), _linker()), None)


PAGES: dict[str, tuple[str, Callable[..., dict[str, Any]]]] = {
    "capability": ("pages/capability.html", data.capability),
    "archetype": ("pages/archetype.html", data.archetype),
    "section": ("pages/section.html", data.section),
    "role": ("pages/role.html", data.role),
}


@linked.route("/id/")
def kinds_overview() -> Response:
    """``/id/``: the kinds of framework IRI, each linking to its index."""
    choose(("html",))
    store, linker = _store(), _linker()
    return html_response(
        "pages/kinds.html", {"kinds": data.kinds_overview(store, linker), "iri": linker.id_base}, None
    )


@linked.route("/id/<path:rest>")
def resource(rest: str) -> ResponseReturnValue:
    """A framework resource, as HTML or RDF; ``/id/<kind>`` (and ``/id/<kind>/``) lists a kind."""
    fmt = choose()
    linker, store = _linker(), _store()
    iri = linker.iri_for_id(rest)
    if rest.strip("/") in data.KIND_INDEXES and "/" not in rest.strip("/"):
        page = data.kind_index(store, linker, rest.strip("/"))
        if fmt != "html":
            return not_found(iri, fmt)
        return html_response("pages/kind_index.html", page, None)
    types = data.kinds(store, iri)
    stem, _, suffix = rest.rpartition(".")
    if types is None and stem and suffix in EXTENSIONS:  # /id/capability/6.1-03.ttl, as on a static copy
        iri, fmt = linker.iri_for_id(stem), EXTENSIONS[suffix]
        types = data.kinds(store, iri)
    if types is None and rest.startswith("framework/"):  # the version IRI of the framework served
        current = data.framework_version_iri(store, linker)
        if current is not None and current[0] == iri:
            iri, types = current[1], data.kinds(store, current[1])
        elif current is not None:  # a kept version: its graph (RDF), or the list of versions (a page)
            kept = {
                f"{current[1]}/{e.version}": e.graph for e in store.catalog({"framework"}) if not e.active
            }
            if iri in kept:
                if fmt == "html":
                    return redirect(request.script_root + "/downloads#graphs", 303)
                where = urlencode({"graph": kept[iri], "format": fmt})
                return redirect(request.script_root + "/graph-store?" + where, 303)
    if types is None:
        return not_found(iri, fmt)
    path = linker.path(iri) or request.path
    if fmt != "html":
        return rdf_response(describe(store, iri), fmt, path)
    kind = data.page_kind(types)
    if kind in PAGES:
        template, build = PAGES[kind]
        return html_response(template, build(store, linker, iri), path)
    return html_response("pages/resource.html", data.resource(store, linker, iri, types), path)


@linked.route("/ontology")
@linked.route("/ontology.<ext>")
def ontology(ext: str | None = None) -> Response:
    """The whole ontology; each term has an anchor (its hash IRI's fragment). ``/ontology.ttl`` and
    the other extensions name a format, as on a static copy."""
    store, linker = _store(), _linker()
    if ext is not None and ext not in EXTENSIONS:
        return not_found(linker.ontology, choose())
    fmt = EXTENSIONS[ext] if ext is not None else choose()
    if fmt != "html":
        return rdf_response(ontology_triples(store), fmt, "/ontology")
    return html_response("pages/ontology.html", data.ontology(store, linker), "/ontology")


@linked.route("/ontology/<local>")
def ontology_term(local: str) -> Response:
    """One class or property of the ontology; ``/ontology/<version>`` (its version IRI) is the
    ontology itself when that is the version served."""
    fmt = choose()
    store, linker = _store(), _linker()
    whole = data.ontology(store, linker)
    if whole["meta"].get("version_iri") == linker.ontology + "/" + local:
        path = f"/ontology/{local}"
        if fmt != "html":
            return rdf_response(ontology_triples(store), fmt, path)
        return html_response("pages/ontology.html", whole, path)
    page = data.ontology_term(store, linker, local)
    stem, _, suffix = local.rpartition(".")
    if page is None and stem and suffix in EXTENSIONS:  # /ontology/Capability.ttl, as on a static copy
        page, local, fmt = data.ontology_term(store, linker, stem), stem, EXTENSIONS[suffix]
    if page is None:
        return not_found(linker.term_iri(local), fmt)
    path = f"/ontology/{local}"
    if fmt != "html":
        return rdf_response(bounded_description(ontology_triples(store), page["iri"]), fmt, path)
    return html_response("pages/term.html", page, path)


@linked.route("/curricula")
def curricula() -> Response:
    choose(("html",))
    return html_response("pages/curricula.html", data.curricula_list(_store(), _linker()), None)


@linked.route("/curricula/<digest>")
def curriculum(digest: str) -> Response:
    """A stored curriculum: as HTML, or its whole stored graph as RDF."""
    fmt = choose()
    store, linker = _store(), _linker()
    page = data.curriculum(store, linker, digest)
    if page is None:
        return not_found(None, fmt)
    path = f"/curricula/{digest}"
    if fmt != "html":
        return rdf_response(store.triples(linker.curriculum_graph(digest)), fmt, path)
    return html_response("pages/curriculum.html", page, path)


@linked.route("/search")
def search() -> Response:
    """Search by words, ranked: ``/search?q=`` with optional ``archetype`` (S, D, C, E, U),
    ``level`` (1-4) and ``domain`` (1-6) filters."""
    choose(("html",))
    q = request.args.get("q", "")[:2000]  # a pasted outcome statement fits
    filters = data.SearchFilters(
        archetype=request.args.get("archetype", "")[:8].strip().upper(),
        level=request.args.get("level", "")[:8].strip(),
        domain=request.args.get("domain", "")[:8].strip(),
    )
    store, linker = _store(), _linker()
    nothing = not q.strip() and not filters.active
    az = data.index(store, linker) if nothing else None  # nothing asked: everything, A to Z
    page = data.search(store, linker, q, filters=filters, ranker=_outcome_ranker())
    return html_response("pages/search.html", page, None, search_q=q, az=az)


def _outcome_ranker() -> Ranker:
    """Search's ranker: words, with a pasted learning outcome ranked by the alignment suggestions."""
    from flask import current_app

    from aiskills.pages.ranking import with_suggestions

    def suggest(text: str) -> list[str]:
        validator = current_app.extensions["aiskills"]["validators"].for_store(_store())
        return [s.notation for s in validator.suggester().rank(text, top=10)]

    return with_suggestions(suggest)


@linked.route("/context.jsonld")
def context() -> Response:
    """The JSON-LD context the curricula and the JSON-LD downloads use."""
    body = (data_dir("ontology") / "context.jsonld").read_bytes()
    return Response(body, content_type="application/ld+json; charset=utf-8")


@linked.route("/graph/<path:rest>")
def graph(rest: str) -> ResponseReturnValue:
    """A named graph's IRI: a stored curriculum's graph goes to its page, the framework and ontology
    graphs to the downloads; an unknown graph is a 404."""
    iri = _settings().public_base + "graph/" + rest
    fmt = choose()
    store = _store()
    # one count of the graph's own triples: the list of every graph is a scan of the whole store
    # (6-8 s on a SPARQL server holding 10,000 curricula); a staging graph is never the store's
    held = not iri.startswith(STAGING_GRAPH_PREFIX) and store.count(iri) > 0
    if fmt != "html" and held:  # its triples, from the Graph Store endpoint
        return redirect(request.script_root + "/graph-store?" + urlencode({"graph": iri, "format": fmt}), 303)
    entries = {e.graph: e for e in store.catalog({"framework", "ontology"})}
    if iri in entries and entries[iri].kind in ("framework", "ontology"):
        return redirect(request.script_root + "/downloads#" + entries[iri].kind, 303)
    kind, _, key = rest.partition("/")
    if kind == "curriculum" and data.curriculum(store, _linker(), key) is not None:
        return redirect(request.script_root + f"/curricula/{key}", 303)
    if held:  # a graph without a page of its own (the provision counts): as Turtle
        return redirect(
            request.script_root + "/graph-store?" + urlencode({"graph": iri, "format": "ttl"}), 303
        )
    return not_found(iri, fmt)


@linked.route("/validation")
@linked.route("/shapes/curriculum")
def validation_rules() -> Response:
    """The rules a curriculum is checked against, one anchor per rule; to an RDF client ``/validation``
    (the ``aisv:`` namespace of reports and kept answers) is that vocabulary, ``ontology/validation.ttl``."""
    fmt = choose() if request.path == "/validation" else choose(("html",))
    if fmt != "html":
        vocabulary = ox.parse(path=str(data_dir("ontology") / "validation.ttl"), format=ox.RdfFormat.TURTLE)
        return rdf_response(
            [t.triple if isinstance(t, ox.Quad) else t for t in vocabulary], fmt, "/validation"
        )
    from aiskills.validation.rules import rules

    return html_response("pages/rules.html", {"rules": rules()}, None)


@linked.route("/downloads")
def downloads() -> Response:
    """Every dump of the store's current data, the templates and the JSON-LD context, with versions."""
    choose(("html",))
    return html_response("pages/downloads.html", data.downloads(_store(), _linker()), None)


@linked.route("/downloads/templates/<name>")
def template_file(name: str) -> Response:
    """A blank template (curriculum or framework, CSV or XLSX)."""
    files = {
        p.name: p for p in (data_dir("ontology") / "templates").iterdir() if p.suffix in (".csv", ".xlsx")
    }
    if name not in files:
        return not_found(None, choose(("html", "nt")))
    return _attachment(files[name].read_bytes(), name)


@linked.route("/downloads/capabilities.<ext>")
def capabilities_file(ext: str) -> Response:
    """The current framework's capabilities in the import template (what ``aiskills framework
    export`` writes)."""
    from aiskills import loading
    from aiskills.framework.model import capability_rows
    from aiskills.framework.template import write_csv, write_xlsx

    current = loading.current_framework(_store())
    if ext not in ("csv", "xlsx") or current is None:
        return not_found(None, choose(("html", "nt")))
    rows = capability_rows(current.triples)
    return _attachment(write_xlsx(rows) if ext == "xlsx" else write_csv(rows), f"capabilities.{ext}")


def _attachment(body: bytes, name: str) -> Response:
    media = {
        "csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }[name.rsplit(".", 1)[-1]]
    response = Response(body, content_type=media)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@linked.route("/downloads/<name>.<ext>")
def download(name: str, ext: str) -> Response:
    """The current framework (``framework``) or the ontology (``ontology``) as a file."""
    fmt = NAMES.get(ext.lower())
    if name not in ("framework", "ontology") or fmt is None or fmt == "html":
        return Response(
            "not found: downloads are framework.ttl|jsonld|rdf|nt and ontology.ttl|jsonld|rdf|nt\n",
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    store = _store()
    triples = ontology_triples(store) if name == "ontology" else framework_triples(store)
    response = Response(to_bytes(triples, fmt, _settings().public_base), content_type=_content_type(fmt))
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{ext.lower()}"'
    return response
