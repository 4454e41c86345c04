"""Linked data: every framework IRI and ontology term resolves to HTML and to RDF by content negotiation;
the RDF returned is the resource's description from the store, checked by parsing it."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest
from support.curricula import store_examples

from aiskills import loading
from aiskills import namespaces as ns
from aiskills.config import Settings
from aiskills.store.base import CatalogEntry, GraphData, Store
from aiskills.store.embedded import EmbeddedStore
from aiskills.web import create_app

CAP = ns.capability_iri("6.1-03")
FORMATS = {"ttl": ("text/turtle", ox.RdfFormat.TURTLE), "jsonld": ("application/ld+json", ox.RdfFormat.JSON_LD),
           "rdf": ("application/rdf+xml", ox.RdfFormat.RDF_XML), "nt": ("application/n-triples", ox.RdfFormat.N_TRIPLES)}
OTHER_BASE = "https://skills.example.org/"


@pytest.fixture(scope="module")
def shared() -> Store:
    """The bundled framework and the example curricula, in memory, shared by the module's tests."""
    s = EmbeddedStore(None)
    loading.load_bundled(s)
    store_examples(s)
    return s


@pytest.fixture(scope="module")
def client(shared: Store):  # type: ignore[no-untyped-def]
    return create_app(Settings(), store=shared).test_client()


def parse(response, fmt: ox.RdfFormat) -> set[ox.Triple]:  # type: ignore[no-untyped-def]
    return {q.triple if isinstance(q, ox.Quad) else q for q in ox.parse(response.data, format=fmt)}


def subject_triples(store: Store, iri: str) -> set[ox.Triple]:
    """What the store holds with ``iri`` as subject, read with plain SPARQL here."""
    table = store.select("SELECT ?p ?o WHERE { ?s ?p ?o }", {"s": ox.NamedNode(iri)})
    return {ox.Triple(ox.NamedNode(iri), p, o) for p, o in table.rows}  # type: ignore[arg-type]


def lower_languages(triples: set[ox.Triple]) -> set[ox.Triple]:
    """Language tags compared case-insensitively (BCP 47 tags are)."""
    def fix(t: object) -> object:
        if isinstance(t, ox.Literal) and t.language:
            return ox.Literal(t.value, language=t.language.lower())
        return t
    return {ox.Triple(t.subject, t.predicate, fix(t.object)) for t in triples}  # type: ignore[arg-type]


def test_a_resource_description_is_the_same_on_both_backends(store: Store) -> None:
    """The description query (CONSTRUCT with labels of linked things) on pyoxigraph and on Virtuoso."""
    from aiskills.pages.rdf import describe

    loading.load_bundled(store)
    got = lower_languages(set(describe(store, CAP)))
    assert lower_languages(subject_triples(store, CAP)) <= got
    level = next(t.object for t in got if t.subject.value == CAP and t.predicate.value == ns.AIS + "level")
    assert any(t.subject == level and t.predicate.value == ns.SKOS + "prefLabel" for t in got)
    assert {t.subject for t in got} - {ox.NamedNode(CAP)} <= {t.object for t in got if t.subject.value == CAP}


# -- negotiation -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(FORMATS))
def test_capability_rdf_by_accept_is_its_description_with_linked_labels(client, shared, name: str) -> None:  # type: ignore[no-untyped-def]
    media, fmt = FORMATS[name]
    response = client.get("/id/capability/6.1-03", headers={"Accept": media})
    assert response.status_code == 200
    assert response.mimetype == media
    got = lower_languages(parse(response, fmt))
    mine = lower_languages(subject_triples(shared, CAP))
    assert mine and mine <= got
    shaper_label = ox.Triple(ox.NamedNode(ns.archetype_iri("shaper")), ox.NamedNode(ns.SKOS + "prefLabel"),
                             ox.Literal("Shaper", language="en-gb"))
    assert (shaper_label in got) == (ox.Triple(ox.NamedNode(CAP), ox.NamedNode(ns.AIS + "archetype"),
                                               ox.NamedNode(ns.archetype_iri("shaper"))) in got)
    section = next(t.object for t in got if t.subject.value == CAP and t.predicate.value == ns.AIS + "section")
    assert any(t.subject == section and t.predicate.value == ns.SKOS + "prefLabel" for t in got)
    # only the capability, and labels/notations of what it links to
    assert {t.subject for t in got} - {ox.NamedNode(CAP)} <= {t.object for t in got if t.subject.value == CAP}
    assert response.headers["Vary"] == "Accept"


@pytest.mark.parametrize("name", list(FORMATS))
def test_format_parameter_overrides_accept(client, name: str) -> None:  # type: ignore[no-untyped-def]
    media, fmt = FORMATS[name]
    response = client.get(f"/id/capability/6.1-03?format={name}", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.mimetype == media
    assert ox.Triple(ox.NamedNode(CAP), ox.NamedNode(ns.SKOS + "notation"), ox.Literal("6.1-03")) in parse(response, fmt)


@pytest.mark.parametrize("name", list(FORMATS))
def test_a_file_extension_names_the_format_as_on_a_static_copy(client, name: str) -> None:  # type: ignore[no-untyped-def]
    media, fmt = FORMATS[name]
    response = client.get(f"/id/capability/6.1-03.{name}", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.mimetype == media
    assert ox.Triple(ox.NamedNode(CAP), ox.NamedNode(ns.SKOS + "notation"), ox.Literal("6.1-03")) in parse(response, fmt)
    dotted = client.get("/id/domain/4.1", headers={"Accept": "text/turtle"})  # a dot in a code, not an extension
    assert dotted.status_code == 200 and dotted.mimetype == "text/turtle"
    assert ox.Triple(ox.NamedNode(ns.ID + "domain/4.1"), ox.NamedNode(ns.SKOS + "notation"),
                     ox.Literal("4.1")) in parse(dotted, ox.RdfFormat.TURTLE)
    assert client.get(f"/id/capability/6.1-99.{name}").status_code == 404


def test_browsers_get_html_and_q_values_decide(client) -> None:  # type: ignore[no-untyped-def]
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    page = client.get("/id/capability/6.1-03", headers={"Accept": browser})
    assert page.mimetype == "text/html" and "6.1-03" in page.get_data(as_text=True)
    assert client.get("/id/capability/6.1-03", headers={"Accept": "text/html;q=0.5, text/turtle;q=0.9"}).mimetype \
        == "text/turtle"
    assert client.get("/id/capability/6.1-03",
                      headers={"Accept": "application/rdf+xml;q=0.2, application/ld+json"}).mimetype \
        == "application/ld+json"
    assert client.get("/id/capability/6.1-03", headers={"Accept": "text/turtle;q=0, */*;q=0.1"}).mimetype == "text/html"
    assert client.get("/id/capability/6.1-03?format=html", headers={"Accept": "text/turtle"}).mimetype == "text/html"


def test_unknown_format_is_400_and_an_unmeetable_accept_is_406(client) -> None:  # type: ignore[no-untyped-def]
    bad = client.get("/id/capability/6.1-03?format=pdf")
    assert bad.status_code == 400 and "ttl" in bad.get_data(as_text=True)
    refused = client.get("/id/capability/6.1-03", headers={"Accept": "image/png"})
    assert refused.status_code == 406 and "text/turtle" in refused.get_data(as_text=True)
    assert refused.headers["Vary"] == "Accept"


def test_every_resource_answer_has_vary_and_a_link_alternate_for_each_format(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/id/capability/6.1-03", "/id/archetype/user", "/ontology", "/ontology/Capability"):
        for accept in ("text/html", "text/turtle"):
            response = client.get(path, headers={"Accept": accept})
            # Accept, and Accept-Encoding for an answer long enough to be sent compressed
            assert response.headers["Vary"] in ("Accept", "Accept, Accept-Encoding")
            assert (response.headers["Vary"] == "Accept") == (len(response.data) < 32 * 1024)
            links = dict(re.findall(r'<([^>]+)>; rel="alternate"; type="([^"]+)"', response.headers["Link"]))
            assert links == {f"{path}?format={n}": t for n, t in
                             [("html", "text/html"), ("ttl", "text/turtle"), ("jsonld", "application/ld+json"),
                              ("rdf", "application/rdf+xml"), ("nt", "application/n-triples")]}
            for url, media in links.items():
                assert client.get(url).mimetype == media


def test_jsonld_is_compacted_with_the_project_context(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/id/capability/6.1-03", headers={"Accept": "application/ld+json"})
    doc = json.loads(response.data)
    assert doc["@context"]["statement"] == "ais:statement" and doc["@context"]["skos"] == ns.SKOS
    node = next(n for n in doc["@graph"] if n["id"] == CAP)
    assert "ais:Capability" in node["type"]
    assert node["bloomLevel"] in ("remember", "understand", "apply", "analyse", "evaluate", "create")
    assert node["skos:notation"] == "6.1-03"
    turtle = client.get("/id/capability/6.1-03?format=ttl")
    assert parse(response, ox.RdfFormat.JSON_LD) == parse(turtle, ox.RdfFormat.TURTLE)


# -- every IRI resolves ----------------------------------------------------------------------------
def test_every_framework_iri_resolves_to_its_own_triples(client, shared) -> None:  # type: ignore[no-untyped-def]
    subjects = {s for (s,) in shared.select("SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?s), ?b)) }",
                                           {"b": ox.Literal(ns.ID)}).values()}
    assert len(subjects) > 250
    for iri in sorted(subjects):  # type: ignore[type-var]
        path = "/id/" + iri[len(ns.ID):]  # type: ignore[index]
        response = client.get(path, headers={"Accept": "application/n-triples"})
        assert response.status_code == 200, path
        assert subject_triples(shared, iri) <= parse(response, ox.RdfFormat.N_TRIPLES), path  # type: ignore[arg-type]
        page = client.get(path, headers={"Accept": "text/html"})
        assert page.status_code == 200 and f"<code>{iri}</code>" in page.get_data(as_text=True), path


def test_every_ontology_term_has_an_anchor_and_a_page(client, shared) -> None:  # type: ignore[no-untyped-def]
    terms = sorted({t.subject.value for t in shared.triples(ns.ONTOLOGY_GRAPH)
                    if isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(ns.AIS)})
    assert len(terms) >= 25
    ontology = client.get("/ontology", headers={"Accept": "text/html"}).get_data(as_text=True)
    for iri in terms:
        local = iri[len(ns.AIS):]
        assert f'id="{local}"' in ontology, local
        page = client.get(f"/ontology/{local}", headers={"Accept": "text/html"})
        assert page.status_code == 200 and f"ais:{local}" in page.get_data(as_text=True)
        rdf = parse(client.get(f"/ontology/{local}?format=nt"), ox.RdfFormat.N_TRIPLES)
        # served blank nodes are labelled canonically, so they are compared as "some blank node"
        assert {_blanked(t) for t in shared.triples(ns.ONTOLOGY_GRAPH) if t.subject.value == iri} \
            <= {_blanked(t) for t in rdf}


def _blanked(t: ox.Triple) -> tuple[object, object, object]:
    return t.subject, t.predicate, "_:" if isinstance(t.object, ox.BlankNode) else t.object


def test_the_ontology_iri_serves_the_whole_ontology(client, shared) -> None:  # type: ignore[no-untyped-def]
    got = parse(client.get("/ontology", headers={"Accept": "text/turtle"}), ox.RdfFormat.TURTLE)
    assert len(got) == shared.count(ns.ONTOLOGY_GRAPH)
    assert ox.Triple(ox.NamedNode(ns.ONTOLOGY_IRI), ox.NamedNode(ns.RDF + "type"),
                     ox.NamedNode(ns.OWL + "Ontology")) in got


def test_an_ontology_class_description_follows_its_restrictions(client) -> None:  # type: ignore[no-untyped-def]
    got = parse(client.get("/ontology/Capability?format=ttl"), ox.RdfFormat.TURTLE)
    restricted = {t.object.value for t in got if t.predicate.value == ns.OWL + "onProperty"}
    assert {ns.AIS + "archetype", ns.AIS + "level", ns.AIS + "section"} <= restricted


# -- 404 -------------------------------------------------------------------------------------------
def test_unknown_iri_is_a_helpful_404_page_for_browsers(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/id/capability/6.1-3", headers={"Accept": "text/html"})
    assert response.status_code == 404 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert f"{ns.ID}capability/6.1-3" in page
    suggested = re.findall(r'href="(/id/[^"]+)"', page.split("Did you mean", 1)[1].split("</ul>", 1)[0])
    assert "/id/capability/6.1-03" in suggested
    assert 'action="/search"' in page and 'href="/"' in page
    assert response.headers["Vary"] == "Accept"
    role = client.get("/id/role/clinical-safety-oficer", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'href="/id/role/clinical-safety-officer"' in role


def test_an_rdf_client_gets_the_nearest_iris_in_the_404_text_too(client) -> None:  # type: ignore[no-untyped-def]
    """The same nearest matches as the page, one IRI a line, for a client that asked for Turtle."""
    response = client.get("/id/capability/6.1-O3", headers={"Accept": "text/turtle"})
    assert response.status_code == 404 and response.mimetype == "text/plain"
    assert f"did you mean <{ns.ID}capability/6.1-03>?" in response.get_data(as_text=True).splitlines()


@pytest.mark.parametrize("path", ["/id/capability/6.1-03%20", "/id/capability/%00", "/id/role/a%3Eb",
                                  "/id/domain/%7B1%7D", "/id/archetype/a%22b", "/id/framework/2026.1%20",
                                  "/id/capability/6.1-03%20.ttl"])
def test_a_path_that_makes_no_iri_is_a_404_naming_it(client, path: str) -> None:  # type: ignore[no-untyped-def]
    """A space, quote, brace or control character in the path names no resource (no IRI holds
    one): 404 as for any unknown IRI, for a browser and for an RDF client, never a failure of ours."""
    for accept in ("text/html", "text/turtle"):
        response = client.get(path, headers={"Accept": accept})
        assert response.status_code == 404, (path, accept, response.status_code)
        assert "not found" in response.get_data(as_text=True).lower() or accept == "text/html"


@pytest.mark.parametrize(("accept", "answered"), [
    ("application/*", None), ("text/html;q=0, */*;q=0.1", None), ("application/*;q=0.9", None),
    ("text/turtle; charset=utf-8", "text/turtle"),
    ('application/ld+json; profile="http://www.w3.org/ns/json-ld#expanded"', "application/ld+json")])
def test_an_accept_that_refuses_html_or_names_parameters_gets_rdf(  # type: ignore[no-untyped-def]
        client, accept: str, answered: str | None) -> None:
    """An Accept that excludes HTML (a wildcard of another type, or q=0) gets RDF in a type it
    accepts, never the HTML page; a media range's parameters do not narrow it."""
    response = client.get("/id/capability/6.1-03", headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype != "text/html", (accept, response.mimetype)
    assert response.mimetype == (answered or response.mimetype)
    rdf = {f.media_type: f for f in (ox.RdfFormat.TURTLE, ox.RdfFormat.JSON_LD, ox.RdfFormat.RDF_XML,
                                      ox.RdfFormat.N_TRIPLES)}[response.mimetype]  # one of the RDF types
    subjects = {t.subject for t in ox.parse(response.data, format=rdf)}
    assert ox.NamedNode(f"{ns.ID}capability/6.1-03") in subjects


def test_unknown_iri_is_plain_text_for_rdf_clients(client) -> None:  # type: ignore[no-untyped-def]
    for accept in ("text/turtle", "application/ld+json", "application/n-triples"):
        response = client.get("/id/capability/99-99", headers={"Accept": accept})
        assert response.status_code == 404 and response.mimetype == "text/plain"
        assert f"<{ns.ID}capability/99-99>" in response.get_data(as_text=True)
    term = client.get("/ontology/NoSuchClass", headers={"Accept": "text/turtle"})
    assert term.status_code == 404 and "NoSuchClass" in term.get_data(as_text=True)


# -- the public base -------------------------------------------------------------------------------
def rebased(triples: list[ox.Triple], base: str) -> list[ox.Triple]:
    def move(t: object) -> object:
        if isinstance(t, ox.NamedNode) and t.value.startswith(ns.ID):
            return ox.NamedNode(base + "id/" + t.value[len(ns.ID):])
        return t
    return [ox.Triple(move(t.subject), t.predicate, move(t.object)) for t in triples]  # type: ignore[arg-type]


def test_public_base_decides_which_namespace_id_serves() -> None:
    """A standards body's own domain: data under it resolves, the w3id IRIs do not."""
    source = EmbeddedStore(None)
    loading.load_bundled(source)
    framework = next(e for e in source.catalog() if e.kind == "framework")
    store = EmbeddedStore(None)
    graph = "https://skills.example.org/graph/framework"
    body = ox.serialize(rebased(source.triples(framework.graph), OTHER_BASE), format=ox.RdfFormat.N_TRIPLES) or b""
    onto = ox.serialize(source.triples(ns.ONTOLOGY_GRAPH), format=ox.RdfFormat.N_TRIPLES) or b""
    store.replace_graphs([GraphData(graph, body, ox.RdfFormat.N_TRIPLES),
                          GraphData(ns.ONTOLOGY_GRAPH, onto, ox.RdfFormat.N_TRIPLES)],
                         [CatalogEntry(graph, "framework", framework.version),
                          CatalogEntry(ns.ONTOLOGY_GRAPH, "ontology", "x")])
    ours = create_app(Settings(public_base=OTHER_BASE), store=store).test_client()
    iri = OTHER_BASE + "id/capability/6.1-03"
    got = parse(ours.get("/id/capability/6.1-03?format=ttl"), ox.RdfFormat.TURTLE)
    assert ox.Triple(ox.NamedNode(iri), ox.NamedNode(ns.SKOS + "notation"), ox.Literal("6.1-03")) in got
    assert not any(t.subject.value.startswith(ns.ID) for t in got)
    page = ours.get("/id/capability/6.1-03", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert f"<code>{iri}</code>" in page and 'href="/id/domain/6.1"' in page
    home = ours.get("/").get_data(as_text=True)
    assert 'href="/id/archetype/user"' in home
    assert ours.get("/id/capability/not-there", headers={"Accept": "text/html"}).status_code == 404
    default = create_app(Settings(), store=store).test_client()
    assert default.get("/id/capability/6.1-03", headers={"Accept": "text/turtle"}).status_code == 404


# -- curricula and downloads -----------------------------------------------------------------------
def test_a_stored_curriculum_serves_its_whole_graph_as_rdf(client, shared) -> None:  # type: ignore[no-untyped-def]
    entry = next(e for e in shared.catalog() if e.kind == "curriculum")
    iri = dict(entry.extra)[ns.DCT + "subject"].value
    digest = hashlib.sha256(iri.encode()).hexdigest()
    assert entry.graph.endswith(digest)
    got = parse(client.get(f"/curricula/{digest}", headers={"Accept": "application/n-triples"}),
                ox.RdfFormat.N_TRIPLES)
    assert got == set(shared.triples(entry.graph))


@pytest.mark.parametrize("name", list(FORMATS))
def test_downloads_hold_the_current_framework_and_the_ontology(client, shared, name: str) -> None:  # type: ignore[no-untyped-def]
    media, fmt = FORMATS[name]
    framework = next(e for e in shared.catalog() if e.kind == "framework" and e.active)
    response = client.get(f"/downloads/framework.{name}")
    assert response.mimetype == media and "attachment" in response.headers["Content-Disposition"]
    assert len(parse(response, fmt)) == shared.count(framework.graph)
    assert len(parse(client.get(f"/downloads/ontology.{name}"), fmt)) == shared.count(ns.ONTOLOGY_GRAPH)
    missing = client.get(f"/downloads/everything.{name}")
    assert missing.status_code == 404 and "framework.ttl" in missing.get_data(as_text=True)


def test_html_only_pages_refuse_rdf_with_406(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/", "/search?q=data", "/curricula"):
        response = client.get(path, headers={"Accept": "text/turtle"})
        assert response.status_code == 406 and "text/html" in response.get_data(as_text=True)
        assert response.headers["Vary"] == "Accept"


@pytest.mark.parametrize("path", ["/ontology.ttl", "/ontology/Capability.ttl"])
def test_the_ontology_and_its_terms_take_a_format_extension_as_the_ids_do(client, path: str) -> None:  # type: ignore[no-untyped-def]
    """``/ontology.ttl`` and ``/ontology/Capability.ttl`` give the same triples as asking for Turtle."""
    asked = client.get(path.removesuffix(".ttl"), headers={"Accept": "text/turtle"})
    res = client.get(path)
    assert res.status_code == 200 and res.mimetype == "text/turtle"
    assert parse(res, ox.RdfFormat.TURTLE) == parse(asked, ox.RdfFormat.TURTLE) != set()


@pytest.mark.parametrize("graph", ["graph/provision", "graph/framework/2026.1", "graph/ontology"])
def test_a_graph_iri_dereferences_to_its_triples_for_an_rdf_client(client, shared: Store, graph: str) -> None:  # type: ignore[no-untyped-def]
    """Graph IRIs are in the served data (the provision counts' rows are ``graph/provision#…``): an RDF
    client is sent to the graph's triples (it got 404 or 406); a browser to its page or a download."""
    iri = ns.GRAPH + graph.removeprefix("graph/")
    assert iri in shared.graph_names()
    res = client.get("/" + graph, headers={"Accept": "text/turtle"})
    assert res.status_code == 303
    triples = client.get(res.headers["Location"], headers={"Accept": "text/turtle"})
    assert triples.status_code == 200 and parse(triples, ox.RdfFormat.TURTLE) == set(shared.triples(iri))
    page = client.get("/" + graph, headers={"Accept": "text/html"})
    assert page.status_code == 303
    if graph != "graph/provision":  # the framework and the ontology have their downloads
        assert page.headers["Location"].startswith("/downloads#")


def test_the_aisv_namespace_dereferences_to_a_vocabulary_declaring_every_term_the_data_uses(client) -> None:  # type: ignore[no-untyped-def]
    """Reports, stored curricula and the kept answers use ``aisv:`` terms (``aisv:taughtBy`` on every
    capability): each used in the code, the queries or the shapes is declared, with a label and a
    comment, in what ``/validation`` gives an RDF client (it gave 406)."""
    root = Path(__file__).resolve().parent.parent
    aisv = "https://w3id.org/aiskills/validation#"
    used: set[str] = set()
    for folder, pattern in (("src", "*.py"), ("queries", "*.r[qu]"), ("shapes", "*.ttl")):
        for path in (root / folder).rglob(pattern):
            text = path.read_text(encoding="utf-8")
            used |= set(re.findall(r'aisv:([A-Za-z]+)', text)) | set(re.findall(r'AISV \+ "([A-Za-z]+)"', text))
            used |= set(re.findall(r"validation#([A-Za-z]+)", text))
    used |= {sev + "s" for sev in ("violation", "warning", "info")}  # AISV + sev.value + "s"
    assert {"taughtBy", "listRank", "ArchetypeCoverage", "hint"} <= used
    res = client.get("/validation", headers={"Accept": "text/turtle"})
    assert res.status_code == 200 and res.mimetype == "text/turtle"
    triples = parse(res, ox.RdfFormat.TURTLE)
    described = {t.subject.value for t in triples}
    label, comment = ns.RDFS + "label", ns.RDFS + "comment"
    for term in sorted(used):
        iri = aisv + term
        assert iri in described, f"aisv:{term} is used but not declared"
        predicates = {t.predicate.value for t in triples if t.subject.value == iri}
        assert {label, comment} <= predicates, f"aisv:{term} lacks a label or a comment"
    assert client.get("/validation", headers={"Accept": "text/html"}).mimetype == "text/html"  # the rules' page


def test_a_public_base_the_store_has_no_framework_under_is_said_and_the_pages_still_answer(
    shared: Store, caplog: pytest.LogCaptureFixture
) -> None:
    """The bundled framework (w3id IRIs) served with another AISKILLS_PUBLIC_BASE: the log says the
    framework is not under it and what to do; the home page answers (it was a 500)."""
    import logging

    with caplog.at_level(logging.WARNING):
        app = create_app(Settings(public_base="http://example.org/fw/"), store=shared)
    assert any("holds no framework under it" in r.getMessage() for r in caplog.records)
    home = app.test_client().get("/")
    assert home.status_code == 200 and "Capabilities by domain and archetype" in home.get_data(as_text=True)


def test_a_kept_framework_version_keeps_resolving_once_another_is_current(tmp_path: Path) -> None:
    """Once 2026.2 was current, /id/framework/2026.1 and the graph's IRI gave 404, though the store
    keeps 2026.1 and CASE still lists it: a harvester's stored version IRIs broke."""
    from aiskills.framework import bundle
    from aiskills.framework.model import capability_rows
    from aiskills.framework.template import write_csv

    store = EmbeddedStore(tmp_path / "store")
    loading.load_bundled(store)
    template = tmp_path / "fw.csv"
    template.write_bytes(write_csv(capability_rows(bundle.framework().triples)))
    loading.import_into(store, template, version="2026.2")
    client = create_app(Settings(), store=store).test_client()
    kept = ns.framework_graph("2026.1")
    expected = set(store.triples(kept))
    for path in ("/id/framework/2026.1", "/graph/framework/2026.1"):
        moved = client.get(path, headers={"Accept": "text/turtle"})
        assert moved.status_code == 303, (path, moved.status_code)
        answer = client.get(moved.headers["Location"])
        assert answer.status_code == 200 and parse(answer, ox.RdfFormat.TURTLE) == expected
    page = client.get("/id/framework/2026.1", headers={"Accept": "text/html"})
    assert page.status_code == 303 and page.headers["Location"].endswith("/downloads#graphs")
    listed = client.get("/downloads").get_data(as_text=True)
    assert "2026.1</td><td data-label=\"State\">kept" in listed and "2026.2</td><td data-label=\"State\">current" in listed
    assert client.get("/id/framework/2025.9", headers={"Accept": "text/turtle"}).status_code == 404
    union = client.get("/graph-store?default", headers={"Accept": "application/n-triples"})
    version = ox.Triple(ox.NamedNode(ns.FRAMEWORK_IRI), ox.NamedNode(ns.DCT + "hasVersion"), ox.Literal("2026.1"))
    assert version in expected and version not in parse(union, ox.RdfFormat.N_TRIPLES), "kept stays out of the dataset"
    store.close()


def test_a_graph_iri_is_answered_from_that_graph_alone_on_every_backend(store: Store,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """On every backend (the ``store`` fixture), ``/graph/…`` sends an RDF client to the triples of a
    graph the store holds (a curriculum's, the provision counts') and a browser of the provision
    graph to its Turtle, and answers 404 for a graph it does not hold, asking the store about that graph
    alone: the list of every graph, a scan of the whole store (6-8 s on a SPARQL server holding 10,000
    curricula), is never read (reading it here fails the test)."""
    from support import alignment_data as data

    from aiskills import curricula

    data.load_all(store)
    graph = curricula.curriculum_graph(data.EMBEDDING)
    monkeypatch.setattr(store, "graph_names", lambda: pytest.fail("the list of every graph was read"))
    client = create_app(Settings(), store=store).test_client()
    for rest in (graph.removeprefix(ns.GRAPH), "provision"):
        res = client.get("/graph/" + rest, headers={"Accept": "text/turtle"})
        assert res.status_code == 303, rest
        assert res.headers["Location"].endswith("/graph-store?" + urlencode({"graph": ns.GRAPH + rest, "format": "ttl"}))
    res = client.get("/graph/provision", headers={"Accept": "text/html"})
    assert res.status_code == 303 and "format=ttl" in res.headers["Location"]
    res = client.get("/graph/curriculum/" + "0" * 64, headers={"Accept": "text/turtle"})
    assert res.status_code == 404 and ns.GRAPH + "curriculum/" + "0" * 64 in res.get_data(as_text=True)
