"""The static site a release publishes: every page and every link inside the folder, each resource's
RDF beside its page, a search that works on a static host, and no serious accessibility problems
(axe-core in Chromium)."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest
from support.crawl import broken_links
from support.live import serving

from aiskills import loading
from aiskills import namespaces as ns
from aiskills.pages.site import write_site
from aiskills.resources import framework_dir
from aiskills.store.base import Store
from aiskills.store.embedded import EmbeddedStore


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    s = EmbeddedStore(None)
    loading.load_bundled(s)
    yield s
    s.close()


@pytest.fixture(scope="module")
def site(store: Store, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("site")
    return out, write_site(store, out)


def test_every_link_of_every_page_resolves_inside_the_folder(site: tuple[Path, list[Path]]) -> None:
    out, written = site
    pages = sorted(out.rglob("*.html"))
    assert set(pages) <= set(written)
    assert len(pages) > 250
    broken = broken_links(out)
    assert not broken, broken[:20]


@pytest.mark.parametrize("page, link", [("a.html", "/x.html"), ("a.html", "b.html"), ("a.html", "a.html#nowhere"),
                                         ("d/a.html", "../../outside.html")])
def test_the_crawler_catches_each_kind_of_broken_link(tmp_path: Path, page: str, link: str) -> None:
    (tmp_path / "site" / "d").mkdir(parents=True)
    (tmp_path / "outside.html").write_text("<p>outside</p>")
    (tmp_path / "site" / page).write_text(f'<a href="{link}">x</a><a href="#top" id="top">top</a>')
    assert broken_links(tmp_path / "site") == [f"{page} -> {link}" + (" (absolute)" if link.startswith("/") else
                                                                     " (no such anchor)" if "#" in link else "")]


def test_a_page_for_every_framework_resource_and_ontology_term(site, store) -> None:  # type: ignore[no-untyped-def]
    out, _ = site
    framework = next(e for e in store.catalog() if e.kind == "framework")
    typed = {t.subject.value for t in store.triples(framework.graph)
             if t.predicate.value == ns.RDF + "type" and t.subject.value.startswith(ns.ID)}
    for iri in typed:
        assert (out / f"id/{iri[len(ns.ID):]}.html").is_file(), iri
    terms = {t.subject.value for t in store.triples(ns.ONTOLOGY_GRAPH)
             if isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(ns.AIS)}
    for iri in terms:
        local = iri[len(ns.AIS):]
        assert (out / f"ontology/{local}.html").is_file(), local
        assert f'id="{local}"' in (out / "ontology.html").read_text(encoding="utf-8")
    for name in ("index.html", "search.html", "search-index.json", "static/style.css", "static/search.js",
                 "downloads/framework.ttl", "downloads/ontology.jsonld"):
        assert (out / name).is_file(), name


def test_each_resource_has_its_rdf_beside_its_page(site, store) -> None:  # type: ignore[no-untyped-def]
    out, _ = site
    cap = ox.NamedNode(ns.capability_iri("6.1-03"))
    expected = {ox.Triple(cap, p, o) for p, o in store.select("SELECT ?p ?o WHERE { ?s ?p ?o }", {"s": cap}).rows}  # type: ignore[arg-type]
    for ext, fmt in (("ttl", ox.RdfFormat.TURTLE), ("jsonld", ox.RdfFormat.JSON_LD), ("rdf", ox.RdfFormat.RDF_XML),
                     ("nt", ox.RdfFormat.N_TRIPLES)):
        got = set(ox.parse(path=str(out / f"id/capability/6.1-03.{ext}"), format=fmt))
        assert {(t.subject, t.predicate, t.object.value) for t in expected} <= \
            {(t.subject, t.predicate, t.object.value) for t in got}, ext  # type: ignore[union-attr]
    page = (out / "id/capability/6.1-03.html").read_text(encoding="utf-8")
    assert 'href="6.1-03.ttl"' in page and 'href="../../index.html"' in page
    framework = next(e for e in store.catalog() if e.kind == "framework")
    assert len(list(ox.parse(path=str(out / "downloads/framework.nt"), format=ox.RdfFormat.N_TRIPLES))) == \
        store.count(framework.graph)


def test_the_search_index_holds_every_capability_and_the_form_works_without_javascript(site) -> None:  # type: ignore[no-untyped-def]
    out, _ = site
    index = json.loads((out / "search-index.json").read_text(encoding="utf-8"))
    import csv

    with (framework_dir() / "capabilities.csv").open(encoding="utf-8", newline="") as f:
        statements = {r["notation"]: r["statement"] for r in csv.DictReader(f)}
    by_notation = {e["n"]: e for e in index if e["k"] == "Capability"}
    assert set(by_notation) == set(statements)
    assert all(by_notation[n]["l"] == s and (out / by_notation[n]["u"]).is_file() for n, s in statements.items())
    home = (out / "index.html").read_text(encoding="utf-8")
    assert 'action="search.html"' in home
    search = (out / "search.html").read_text(encoding="utf-8")
    assert search.count('<li data-text=') == len(index)  # the A-Z list: what the form shows without JavaScript
    assert 'href="/validate"' not in home and "validate.html" not in home  # no dead links to the live app


# -- in Chromium -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def served(site) -> Iterator[str]:  # type: ignore[no-untyped-def]
    out, _ = site

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            """No access log on the test output."""

    with serving(ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(out)))) as url:
        yield url


SAMPLE = ["index.html", "id/archetype/embedder.html", "id/domain/6.html", "id/domain/4.1.2.html",
          "id/capability/6.1-03.html", "id/role/clinical-safety-officer.html", "id/level/2.html",
          "id/framework.html", "ontology.html", "ontology/Capability.html", "search.html", "404.html"]


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 375])
def test_axe_finds_no_serious_or_critical_problems(browser, served, width: int) -> None:  # type: ignore[no-untyped-def]
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    problems = []
    for name in SAMPLE:
        page.goto(f"{served}/{name}")
        result = axe.run(page)
        for v in result.response["violations"]:
            if v["impact"] in ("serious", "critical"):
                problems.append(f"{name}: {v['id']} ({v['impact']}): {v['help']} -- "
                                + "; ".join(n["target"][0] for n in v["nodes"][:3]))
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if width == 375:
            assert overflow <= 0, f"{name} scrolls sideways on a phone ({overflow} px)"
    context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.browser
def test_the_static_search_box_finds_a_capability_with_javascript(browser, served) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{served}/index.html")
    page.fill("#site-q", "6.1-03")
    page.press("#site-q", "Enter")
    page.wait_for_selector("#search-results ol.results li a")
    first = page.locator("#search-results ol.results li a").first
    assert first.get_attribute("href") == "id/capability/6.1-03.html"
    page.fill("#q", "automation bias")
    page.click("#search-form button")
    page.wait_for_function("document.querySelector('#search-results p').textContent.includes('automation bias')")
    hrefs = page.locator("#search-results ol.results li a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert hrefs and all(h.startswith("id/") for h in hrefs)
    first.page.locator("#search-results ol.results li a").first.click()
    page.wait_for_load_state()
    assert "/id/" in page.url and "bias" in page.inner_text("main").lower()
    context.close()
    assert not errors
