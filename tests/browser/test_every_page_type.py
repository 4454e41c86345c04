"""Every kind of page, in Chromium at 1280 px and at 375 px: no page scrolls sideways on a phone
(``scrollWidth`` against the viewport), and axe-core finds no serious or critical problem. With
``AISKILLS_SCREENSHOTS`` set (``make screenshots``) each page is saved at both widths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browser.conftest import screenshot

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
#: Name → path; None: found at run time (the first stored curriculum, a validation report).
PAGES: dict[str, str | None] = {
    "home": "/",
    "archetype": "/id/archetype/embedder",
    "capability": "/id/capability/6.2-07",
    "domain": "/id/domain/5",
    "sub-domain": "/id/domain/5.1",
    "role": "/id/role/clinical-safety-officer",
    "level": "/id/level/2",
    "bloom": "/id/bloom/apply",
    "scheme": "/id/scheme/roles",
    "framework": "/id/framework",
    "roles-index": "/id/role",
    "iris": "/id/",
    "ontology": "/ontology",
    "ontology-term": "/ontology/Capability",
    "search": "/search?q=patient+concerns&archetype=U",
    "search-a-z": "/search",
    "downloads": "/downloads",
    "rules": "/shapes/curriculum",
    "curricula": "/curricula",
    "curriculum": None,
    "validate": "/validate",
    "validate-report": None,
    "alignment": "/alignment",
    "alignment-side-by-side": None,
    "sparql": "/sparql?query=SELECT+%3Fs+%3Fp+%3Fo+WHERE+%7B+%3Fs+%3Fp+%3Fo+%7D+LIMIT+120&format=html",
    "not-found": "/id/capability/6.1-3",
}
CSP_STYLE = "Applying inline style violates the following Content Security Policy directive"


def open_page(page, name: str) -> int:  # type: ignore[no-untyped-def]
    """Go to the page called ``name``; its status."""
    path = PAGES[name]
    if name == "curriculum" or name == "alignment-side-by-side":
        page.goto("/curricula")
        href = page.locator("main table a").first.get_attribute("href")
        if name == "curriculum":
            return page.goto(href).status  # type: ignore[no-any-return]
        page.goto("/alignment")
        page.select_option("#curriculum", index=1)
        page.get_by_role("button", name="Show coverage").click()
        page.wait_for_selector("section.archetype-answer")
        return 200
    if name == "validate-report":
        page.goto("/validate")
        page.get_by_label("Curriculum file").set_input_files(str(EXAMPLES / "many-problems.json"))
        page.get_by_role("button", name="Validate").click()
        page.wait_for_selector("section.report")
        return 200
    response = page.goto(path)
    if name == "sparql":
        page.wait_for_selector("#yasgui[data-ready=true]")
    return response.status  # type: ignore[no-any-return]


def new_page(browser, live_server: str, width: int):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server, viewport={"width": width, "height": 900},
                                  is_mobile=width < 500)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text)
            if m.type == "error" and CSP_STYLE not in m.text and "404" not in m.text else None)
    return context, page, errors


@pytest.mark.parametrize("name", list(PAGES))
def test_no_page_scrolls_sideways_on_a_375_px_phone(browser, live_server: str, name: str) -> None:  # type: ignore[no-untyped-def]
    context, page, errors = new_page(browser, live_server, 375)
    status = open_page(page, name)
    assert status == (404 if name == "not-found" else 200)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} scrolls sideways by {overflow} px on a 375 px screen"
    wide = page.evaluate("""() => [...document.querySelectorAll('main *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && getComputedStyle(e).overflowX !== 'auto')
        .filter(e => !e.closest('.CodeMirror, .yasr, .yasqe, .table-wrap'))
        .map(e => e.tagName + '.' + e.className).slice(0, 5)""")
    assert not wide, f"{name}: elements wider than the screen: {wide}"
    if os.environ.get("AISKILLS_SCREENSHOTS"):
        screenshot(page, f"{name}-phone")
    assert not errors, errors
    context.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_type_passes_axe_at_1280_px(browser, live_server: str, name: str) -> None:  # type: ignore[no-untyped-def]
    from axe_playwright_python.sync_playwright import Axe

    context, page, errors = new_page(browser, live_server, 1280)
    open_page(page, name)
    assert page.locator("h1").count() == 1
    result = Axe().run(page)
    serious = [f"{v['id']}: {v['help']} ({[n['target'] for n in v['nodes']][:3]})"
               for v in result.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, serious
    if os.environ.get("AISKILLS_SCREENSHOTS"):
        screenshot(page, name)
    assert not errors, errors
    context.close()


def test_codes_do_not_break_mid_word_on_a_phone(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    """Every capability code on a long page sits on one line at 375 px."""
    context, page, _errors = new_page(browser, live_server, 375)
    page.goto("/id/archetype/embedder")
    broken = page.evaluate("""() => [...document.querySelectorAll('a.code')]
        .filter(a => a.getClientRects().length > 1).map(a => a.textContent).slice(0, 5)""")
    assert page.locator("a.code").count() > 50 and not broken, broken
    context.close()
