"""The linked-data pages in Chromium: an IRI followed from a capability page to its Turtle, the main
pages free of serious accessibility problems (axe-core), and screenshots of them (written by `make screenshots`)."""

from __future__ import annotations

import hashlib

import pyoxigraph as ox
import pytest
from browser.conftest import screenshot  # type: ignore[import-not-found]

from aiskills import namespaces as ns

CAP = ns.capability_iri("6.1-03")


def test_following_a_capability_iri_to_its_turtle(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/id/archetype/user")
    page.click("a[href='/id/capability/6.1-03']")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().strip()
    assert CAP in page.locator("dl.iri code").first.inner_text()
    with page.expect_response(lambda r: "format=ttl" in r.url) as info:
        page.click("dl.iri a[type='text/turtle']")
    response = info.value
    assert response.headers["content-type"].startswith("text/turtle")
    page.wait_for_load_state()
    body = page.inner_text("body").encode("utf-8")  # Chromium shows text/turtle as text
    triples = list(ox.parse(body, format=ox.RdfFormat.TURTLE))
    assert any(t.subject == ox.NamedNode(CAP) and t.predicate.value == ns.SKOS + "notation"
               and t.object.value == "6.1-03" for t in triples)


SHOTS = {
    "home": "/",
    "archetype": "/id/archetype/shaper",
    "capability": "/id/capability/6.2-07",  # three example curricula teach it
    "curriculum": None,  # the first stored curriculum
    "not-found": "/id/capability/6.1-3",
}


@pytest.mark.parametrize("name", [n for n in SHOTS if n != "not-found"])
def test_main_pages_pass_axe_and_are_screenshotted(page, name: str) -> None:  # type: ignore[no-untyped-def]
    check_and_shoot(page, name)


def test_the_404_page_passes_axe_and_is_screenshotted(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    """Its own context: Chromium logs every 404 response as a console error, which the ``page``
    fixture counts as a failure."""
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    check_and_shoot(page, "not-found")
    assert "/id/capability/6.1-03" in page.locator("main").inner_html()
    context.close()


def check_and_shoot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    from axe_playwright_python.sync_playwright import Axe

    path = SHOTS[name]
    if path is None:
        page.goto("/curricula")
        path = page.locator("main table a").first.get_attribute("href")
        assert path and len(path.rsplit("/", 1)[-1]) == len(hashlib.sha256(b"").hexdigest())
    response = page.goto(path)
    assert response.status == (404 if name == "not-found" else 200)
    assert page.locator("h1").count() == 1
    result = Axe().run(page)
    serious = [f"{v['id']}: {v['help']}" for v in result.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, serious
    page.set_viewport_size({"width": 1280, "height": 900})
    shot = screenshot(page, f"pages-{name}")
    assert len(shot) > 10_000


def test_pages_work_on_a_phone_without_sideways_scrolling(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server, viewport={"width": 375, "height": 800}, is_mobile=True)
    page = context.new_page()
    for path in ("/", "/id/archetype/embedder", "/id/capability/6.1-03", "/id/domain/5", "/ontology", "/search?q=bias"):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow} px on a 375 px screen"
    page.goto("/id/capability/6.1-03")
    screenshot(page, "pages-capability-phone")
    context.close()


def test_the_header_search_is_usable_by_keyboard(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    page.keyboard.press("Tab")  # the skip link
    assert page.evaluate("document.activeElement.textContent").strip() == "Skip to content"
    page.focus("#site-q")
    page.keyboard.type("6.1-03")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=6.1-03")
    first = page.locator("ol.results li a").first
    assert first.get_attribute("href") == "/id/capability/6.1-03"
