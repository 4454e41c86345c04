"""The query page in Chromium. Without JavaScript: the plain form runs an example, the answer table
downloads as CSV, a bad query shows its error in words. With JavaScript: YASGUI replaces the form,
declares the framework's prefixes, runs the example and shows the answer with prefixed names, sorting
and paging."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import urlopen

from browser.conftest import screenshot

#: YASGUI writes a few style attributes into the markup it builds (a tooltip's underline, table
#: widths); the site's Content-Security-Policy refuses inline styles and Chromium logs each refusal.
#: Those refusals change nothing a user needs; any other console message fails the test.
CSP_STYLE = "Applying inline style violates the following Content Security Policy directive"


def test_without_javascript_the_form_runs_an_example_and_downloads_its_csv(browser, live_server: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server, java_script_enabled=False, accept_downloads=True)
    page = context.new_page()
    page.goto("/sparql")
    assert page.title().startswith("SPARQL query")
    assert page.locator("#yasgui").is_hidden() and page.locator("#sparql-form").is_visible()
    page.click('a.edit-example[href*="example=archetype-capabilities"]')
    query = page.locator("#query").input_value()
    assert query.count("VALUES") == 1 and "archetype/embedder" in query.lower()
    page.click("#sparql-form button[type=submit]")  # a plain GET form submit: the answer comes back as this page
    page.wait_for_selector("table.sparql-results")
    headers = page.locator("table.sparql-results thead th").all_inner_texts()
    assert headers == ["capability", "notation", "label", "level", "domain"]
    shown = page.locator("table.sparql-results tbody tr").count()
    assert shown > 10
    first_link = page.locator("table.sparql-results tbody tr >> nth=0 >> td >> nth=0 >> a")
    assert first_link.get_attribute("href").startswith("/id/capability/")  # an IRI of ours links here
    assert first_link.inner_text().startswith("capability:")  # written as a prefixed name
    with page.expect_download() as info:
        page.click('a.download[data-format="CSV"]')
    saved = tmp_path / "answer.csv"
    info.value.save_as(saved)
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8"))))
    total = int(page.locator("#results p").first.inner_text().split()[0])
    assert rows[0] == headers and len(rows) - 1 == total and shown == min(total, 100)  # pages of 100
    with urlopen(f"{live_server}/sparql?{urlencode({'query': query})}") as res:
        bindings = json.load(res)["results"]["bindings"]
    assert [r[0] for r in rows[1:]] == [b["capability"]["value"] for b in bindings]
    page.click("table.sparql-results thead th >> nth=1 >> a")  # sort by notation
    codes = page.locator("table.sparql-results tbody tr td:nth-child(2)").all_inner_texts()
    assert codes == sorted(codes)
    context.close()


def test_a_missing_prefix_is_explained_on_the_page(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    page.goto("/sparql")
    page.fill("#query", "SELECT ?x WHERE { ?x skos:prefLabel ?l }")
    with page.expect_navigation() as nav:
        page.click("#sparql-form button[type=submit]")
    assert nav.value.status == 400
    error = page.inner_text("#sparql-error pre")
    assert "line 1, column" in error and "the prefix skos: is not declared" in error
    assert "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>" in error and "\\u{" not in error
    assert page.locator("#query").input_value() == "SELECT ?x WHERE { ?x skos:prefLabel ?l }"
    context.close()


def yasgui_page(browser, live_server: str, width: int = 1280):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server, viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" and CSP_STYLE not in msg.text else None)
    return context, page, errors


def test_with_javascript_yasgui_runs_an_example_with_prefixed_names_sorting_and_paging(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    context, page, errors = yasgui_page(browser, live_server)
    page.goto("/sparql?example=archetype-capabilities")
    page.wait_for_selector("#yasgui[data-ready=true]")
    assert page.locator("#sparql-form").is_hidden()
    text = page.evaluate("window.aiskillsYasgui.getTab().getYasqe().getValue()")
    assert text.count("VALUES") == 1 and "archetype/embedder" in text
    prefixes = page.evaluate("Object.keys(window.aiskillsYasgui.getTab().getYasqe().getPrefixesFromQuery())")
    assert {"ais", "skos"} <= set(prefixes)
    page.click(".yasqe_queryButton")
    page.wait_for_selector(".yasr table.dataTable tbody tr td a")
    first = page.locator(".yasr table.dataTable tbody tr td a").first.inner_text()
    assert first.startswith("capability:")  # prefixed names, with our prefixes
    assert page.locator(".yasr .dataTables_paginate, .yasr .paginate_button, .yasr [class*=pagin]").count() > 0
    page.locator(".yasr table.dataTable thead th").nth(2).click()  # sort by notation (after the row number)
    screenshot(page, "sparql-yasgui")
    assert not errors, errors
    context.close()


def test_the_query_page_fits_a_375_px_phone(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    context, page, errors = yasgui_page(browser, live_server, 375)
    page.goto("/sparql?example=framework-summary")
    page.wait_for_selector("#yasgui[data-ready=true]")
    page.click(".yasqe_queryButton")
    page.wait_for_selector(".yasr table.dataTable tbody tr")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert not errors, errors
    context.close()
