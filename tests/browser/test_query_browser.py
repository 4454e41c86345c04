"""The query page in Chromium: run an example (an alignment question) with a plain form submit, read
the answer table, download it as CSV and check the file; a screenshot of the page with results."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import urlopen

from browser.conftest import screenshot


def test_run_an_example_and_download_its_csv(page, live_server: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto("/sparql")
    assert page.title().startswith("SPARQL query")
    page.click('a.edit-example[href*="example=archetype-capabilities"]')
    editor = page.locator("#query")
    query = editor.input_value()
    assert "VALUES" in query and "archetype/embedder" in query.lower()
    page.click("#sparql-form button[type=submit]")  # a plain GET form submit: the answer comes back as this page
    page.wait_for_selector("table.sparql-results")
    headers = page.locator("table.sparql-results thead th").all_inner_texts()
    assert headers == ["capability", "notation", "label", "level", "domain"]
    shown = page.locator("table.sparql-results tbody tr").count()
    assert shown > 10
    first_link = page.locator("table.sparql-results tbody tr >> nth=0 >> td >> nth=0 >> a")
    assert first_link.get_attribute("href").startswith("/id/capability/")  # an IRI of ours links here
    page.set_viewport_size({"width": 1280, "height": 1000})
    # the editor and the first rows, not all 100+ rows
    assert len(screenshot(page, "sparql-query", full_page=False)) > 10_000

    with page.expect_download() as info:
        page.click('a.download[data-format="CSV"]')
    saved = tmp_path / "answer.csv"
    info.value.save_as(saved)
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert rows[0] == headers and len(rows) - 1 == shown
    # the same rows the protocol gives as JSON to a program
    with urlopen(f"{live_server}/sparql?{urlencode({'query': query})}") as res:
        bindings = json.load(res)["results"]["bindings"]
    assert [r[0] for r in rows[1:]] == [b["capability"]["value"] for b in bindings]
    assert all(r[0].startswith("https://w3id.org/aiskills/id/capability/") for r in rows[1:])


def test_a_bad_query_shows_its_error_on_the_page(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    """The answer is a 400 page (Chromium logs the status, so this test uses its own context rather
    than the ``page`` fixture, which fails on any console error)."""
    context = browser.new_context(base_url=live_server)
    try:
        page = context.new_page()
        page.goto("/sparql")
        page.fill("#query", "SELECT ?x WHERE { ?x ")
        with page.expect_navigation() as nav:
            page.click("#sparql-form button[type=submit]")
        assert nav.value.status == 400
        assert "SPARQL syntax error" in page.inner_text("#sparql-error")
        assert page.locator("#query").input_value() == "SELECT ?x WHERE { ?x "
    finally:
        context.close()


def test_the_query_page_fits_a_375_px_phone_and_works_by_keyboard(page) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/sparql?example=framework-summary")
    # nothing but the results table (which scrolls in its own box) may be wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.focus("#query")
    page.keyboard.press("Control+Enter")  # sparql.js: runs the query from the editor
    page.wait_for_selector("table.sparql-results")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.locator("table.sparql-results tbody tr").count() > 0
    page.locator("#results-heading").scroll_into_view_if_needed()
    screenshot(page, "sparql-query-phone", full_page=False)
