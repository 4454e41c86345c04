"""In Chromium: upload a spreadsheet with mistakes on /validate and read the report (row and column of
each mistake, the coverage chart); use the alignment forms; screenshots of both pages."""

from __future__ import annotations

from pathlib import Path

from browser.conftest import screenshot
from playwright.sync_api import expect
from support.curricula import base, to_xlsx


def spreadsheet_with_mistakes(tmp_path: Path) -> Path:
    """base() with an unknown capability (row 2) and a Bloom level that does not exist (row 4)."""
    doc = base()
    doc["modules"][0]["learningOutcomes"][0]["alignedTo"] = ["6-01", "9-99"]
    doc["modules"][1]["learningOutcomes"][0]["bloomLevel"] = "memorise"
    path = tmp_path / "ai-foundations.xlsx"
    path.write_bytes(to_xlsx(doc))
    return path


def test_upload_a_spreadsheet_and_read_where_the_mistakes_are(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto("/validate")
    page.get_by_label("Curriculum file").set_input_files(str(spreadsheet_with_mistakes(tmp_path)))
    page.get_by_role("button", name="Validate").click()
    page.wait_for_selector("section.report")
    summary = page.locator("section.report .verdict").inner_text()
    assert "ai-foundations.xlsx does not conform" in summary
    rows = page.locator("tr.result")
    found = {(rows.nth(i).locator("td").nth(1).inner_text(), rows.nth(i).locator("td.place").inner_text())
             for i in range(rows.count())}
    assert ("unknown-capability", "row 2, column aligned_capabilities") in found
    assert any(place == "row 4, column bloom_level" for _, place in found)
    meter = page.locator("ul.chart meter").first
    assert int(meter.get_attribute("value") or -1) >= 1  # 6-01 is a User capability
    assert "of" in page.locator("ul.chart .bar-value").first.inner_text()
    screenshot(page, "validate-report")


def test_the_report_reads_on_a_phone(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/validate")
    page.get_by_label("Curriculum file").set_input_files(str(spreadsheet_with_mistakes(tmp_path)))
    # the width once the answer is shown: its stylesheets loaded (the element alone can be in the
    # document before they are, and then nothing is laid out as the user will see it)
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Validate").click()
    page.wait_for_selector("section.report")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page is {width}px wide on a 375px phone"


def test_pick_a_curriculum_and_an_archetype_on_the_alignment_page(page) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto("/alignment")
    options = page.locator("#curriculum option")
    assert options.count() >= 5  # the example curricula
    page.select_option("#curriculum", index=0)
    page.check("input[name=archetype][value=User]")
    page.get_by_role("button", name="Show coverage").click()
    page.wait_for_selector("section.archetype-answer")
    assert page.locator("section.archetype-answer ul.chart meter").count() == 6  # one per domain
    first_gap = page.locator("ul.gaps a").first
    href = first_gap.get_attribute("href") or ""
    assert href.startswith("/id/capability/")
    screenshot(page, "alignment")


def test_the_alignment_form_is_sent_with_archetypes_or_a_role_never_both(page) -> None:  # type: ignore[no-untyped-def]
    """The form let a designer tick archetypes and pick a role, and the answer was a 400 ("choose
    archetypes or a role, not both"); each choice now clears the other."""
    page.goto("/alignment")
    page.check("input[name=archetype][value=User]")
    role = page.locator("#role option").nth(1).get_attribute("value") or ""
    page.select_option("#role", role)
    assert not page.is_checked("input[name=archetype][value=User]")
    page.check("input[name=archetype][value=Embedder]")
    assert page.input_value("#role") == ""
    page.get_by_role("button", name="Show coverage").click()
    page.wait_for_selector("section.archetype-answer")
    assert page.locator("section.notice.problem").count() == 0


def test_a_clean_report_stores_the_curriculum_with_a_token_asked_once_per_session(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    """Its own context: the refused token's 401 is logged by Chromium, as it should be; any other
    console error still fails the test."""
    from browser.conftest import WRITE_TOKEN

    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "401" not in m.text else None)

    clean = Path(__file__).resolve().parents[2] / "examples" / "driver-ai-commissioning.csv"

    def validate() -> None:
        page.goto("/validate")
        page.get_by_label("Curriculum file").set_input_files(str(clean))
        page.get_by_role("button", name="Validate").click()
        page.wait_for_selector("section#store form#store-form:not([hidden])")

    validate()
    assert page.locator("#store-data").is_hidden()
    page.fill("#store-token", "not-the-token")
    page.get_by_role("button", name="Store the curriculum").click()
    # a locator's wait, not a JavaScript string: the site's CSP (no 'unsafe-eval') can refuse the latter
    # in words (it had said "refused the token: 401"; the 401's body is plain text, not JSON)
    expect(page.locator("#store-status")).to_contain_text("the server does not know that token")
    assert page.evaluate("sessionStorage.getItem('aiskills.writeToken')") is None  # a refused token is not kept
    page.fill("#store-token", WRITE_TOKEN)
    page.get_by_role("button", name="Store the curriculum").click()
    page.wait_for_selector("#store-status a")
    stored = page.locator("#store-status a").get_attribute("href") or ""
    assert stored.startswith("/curricula/") and len(stored.rsplit("/", 1)[-1]) == 64
    assert WRITE_TOKEN not in page.url and WRITE_TOKEN not in page.content()
    assert page.evaluate("document.cookie") == ""
    validate()  # later in the same session: the token is not asked again
    assert page.locator("#store-token").is_hidden() and page.locator("#store-token-known").is_visible()
    page.get_by_role("button", name="Store the curriculum").click()
    page.wait_for_selector("#store-status a")
    page.goto(stored)
    assert "Commissioning AI" in page.locator("h1").inner_text()
    assert not errors, errors
    context.close()


def test_a_file_dropped_on_the_page_is_checked(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A designer drops her export on the page, not on the small file button: the drop had done
    nothing (or the browser opened the file in place of the page)."""
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto("/validate")
    assert page.locator("#drop-hint").is_visible()
    data = list(spreadsheet_with_mistakes(tmp_path).read_bytes())
    transfer = page.evaluate_handle(
        """(bytes) => { const t = new DataTransfer();
             t.items.add(new File([new Uint8Array(bytes)], "dropped.xlsx"));
             return t; }""", data)
    with page.expect_navigation(wait_until="load"):
        page.locator("h1").dispatch_event("drop", {"dataTransfer": transfer})
    assert "dropped.xlsx does not conform" in page.locator("section.report .verdict").inner_text()
    assert "dropped.xlsx does not conform" in page.title()
