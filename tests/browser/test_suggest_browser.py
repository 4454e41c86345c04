"""In Chromium: validate a spreadsheet whose outcome has no alignment, tick a suggestion, download the
file (same name, same format) and validate the download: the outcome is aligned now."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser.conftest import screenshot
from support.curricula import WRITERS, base

from aiskills.submission.readers import read_bytes
from aiskills.suggestions import outcomes as so
from aiskills.validation.engine import validator_for


def course(tmp_path: Path, fmt: str) -> Path:
    """base() plus an outcome without alignment (the last one of module 2)."""
    doc = base()
    doc["modules"][1]["learningOutcomes"].append(
        {"statement": "Complete a DPIA before a new AI tool processes patient data", "bloomLevel": "apply"}
    )
    path = tmp_path / f"ai-foundations.{fmt}"
    path.write_bytes(WRITERS[fmt](doc))
    return path


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json", "ttl"])
def test_tick_a_suggestion_download_the_file_and_it_validates(page, tmp_path: Path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto("/validate")
    page.get_by_label("Curriculum file").set_input_files(str(course(tmp_path, fmt)))
    page.get_by_role("button", name="Validate").click()
    page.wait_for_selector("section.suggestions")
    before = read_bytes(course(tmp_path, fmt).read_bytes(), f"c.{fmt}")
    assert "outcome-alignment" in validator_for(None).validate(before).rules()
    box = page.locator("fieldset.outcome-suggestions", has_text="Complete a DPIA").locator("input[type=checkbox]").first
    code = (box.get_attribute("value") or "").rpartition("|")[2]
    assert code in {"3.2-09", "3.2-04"}
    box.check()
    if fmt == "xlsx":
        screenshot(page, "validate-suggestions")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download ai-foundations").click()
    download = info.value
    assert download.suggested_filename == f"ai-foundations.{fmt}"
    saved = tmp_path / "downloaded" / download.suggested_filename
    download.save_as(str(saved))
    again = read_bytes(saved.read_bytes(), saved.name)
    assert so.outcomes(again)[-1].aligned == [code]
    report = validator_for(None).validate(again)
    assert "outcome-alignment" not in report.rules()
    assert len(report.results) <= len(validator_for(None).validate(before).results) - 1


def test_the_suggestions_pass_axe_and_fit_a_phone(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from axe_playwright_python.sync_playwright import Axe

    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/validate")
    page.get_by_label("Curriculum file").set_input_files(str(course(tmp_path, "csv")))
    # the width once the answer is shown: its stylesheets loaded (the element alone can be in the
    # document before they are, and then nothing is laid out as the user will see it)
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Validate").click()
    page.wait_for_selector("section.suggestions input[type=checkbox]")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page is {width}px wide on a 375px phone"
    result = Axe().run(page)
    serious = [f"{v['id']}: {v['help']}" for v in result.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, serious


def test_download_with_nothing_ticked_says_so_beside_the_button(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """It had left the report for a page headed "The curriculum could not be read"."""
    page.goto("/validate")
    page.get_by_label("Curriculum file").set_input_files(str(course(tmp_path, "csv")))
    page.get_by_role("button", name="Validate").click()
    page.wait_for_selector("section.suggestions input[type=checkbox]")
    assert "does not conform" in page.title()  # the outcome is in the title: a screen reader hears it
    page.get_by_role("button", name="Download ai-foundations").click()
    note = page.locator("#fill-note")
    note.wait_for(state="visible")
    assert "Tick at least one suggestion" in note.inner_text()
    assert page.url.endswith("/validate") and page.locator("section.suggestions").count() == 1
