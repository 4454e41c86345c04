"""Common slips in a curriculum are named for what they are, once: a comma for ';', the letter O for a
zero, a stray space, another form of a name; the nearest-code hint puts the slip's correction first
and the page links each candidate with its statement."""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path

import pytest

from aiskills.config import Settings
from aiskills.framework.model import capability_rows
from aiskills.store.embedded import EmbeddedStore
from aiskills.submission.readers import read_bytes
from aiskills.validation.engine import CurriculumValidator
from aiskills.validation.report import Report, Severity
from aiskills.validation.slips import nearest_codes
from aiskills.web import create_app

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "driver-ai-commissioning.csv"
TARGETS, BLOOM, ALIGNED = 4, 10, 11  # columns of the example's rows


@pytest.fixture(scope="module")
def validator(bundled_ontology, bundled_framework) -> CurriculumValidator:  # type: ignore[no-untyped-def]
    return CurriculumValidator(bundled_ontology[0], bundled_framework.triples, bundled_framework.version)


def slipped(column: int, value: str) -> bytes:
    """The example curriculum (which conforms) with one cell of its first outcome row changed."""
    rows = list(csv.reader(EXAMPLE.read_text(encoding="utf-8").splitlines()))
    rows[1][column] = value
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def problems(validator: CurriculumValidator, data: bytes) -> list:  # type: ignore[type-arg]
    report: Report = validator.validate(read_bytes(data, "slip.csv"))
    return [r for r in report.results if r.severity is not Severity.INFO]


def test_the_example_conforms_before_any_slip(validator: CurriculumValidator) -> None:
    assert problems(validator, EXAMPLE.read_bytes()) == []


def test_the_letter_o_for_a_zero_is_named_and_the_right_code_comes_first(validator: CurriculumValidator) -> None:
    (r,) = problems(validator, slipped(ALIGNED, "6.2-O3"))
    assert r.rule == "unknown-capability" and r.slip == "typo"
    assert "letter O where a zero belongs" in r.message
    assert r.candidates[0] == "6.2-03"
    assert r.hint.startswith("Write 6.2-03.")


def test_nearest_codes_rank_the_corrected_code_before_similar_ones(bundled_framework) -> None:  # type: ignore[no-untyped-def]
    notations = sorted(c.notation for c in capability_rows(bundled_framework.triples))
    assert nearest_codes("6.2-O3", notations)[0] == "6.2-03"
    assert nearest_codes("6.1-3", notations)[0] == "6.1-03"
    assert nearest_codes("6.1 03", notations)[0] == "6.1-03"
    assert nearest_codes("6.9-99", notations)[0].startswith("6.")  # no slip: still the nearest codes


def test_archetypes_separated_by_a_comma_give_one_message_not_one_per_outcome(validator: CurriculumValidator) -> None:
    found = problems(validator, slipped(TARGETS, "Drivers, Users"))
    assert [r.rule for r in found] == ["unknown-archetype"]
    (r,) = found
    assert "separated by a comma" in r.message and "';'" in r.message
    assert "Write Drivers; Users." in r.hint
    assert "follow-on results" in r.hint  # the held-back warnings are counted, not dropped silently
    assert problems(validator, slipped(TARGETS, "Drivers; Users")) == []  # and the fix it names works


def test_codes_separated_by_a_comma_are_named_with_the_fix(validator: CurriculumValidator) -> None:
    (r,) = problems(validator, slipped(ALIGNED, "6.1-03, 6.1-05"))
    assert r.slip == "comma" and "codes are separated by ';'" in r.message
    assert r.hint == "Write 6.1-03; 6.1-05."
    assert r.candidates == ("6.1-03", "6.1-05")


def test_a_trailing_space_and_a_plural_archetype_are_accepted(validator: CurriculumValidator) -> None:
    assert problems(validator, slipped(ALIGNED, "6.1-03 ")) == []
    assert problems(validator, slipped(TARGETS, "Drivers ")) == []


def test_another_form_of_a_bloom_level_is_named(validator: CurriculumValidator) -> None:
    (r,) = problems(validator, slipped(BLOOM, "Understands"))
    assert r.rule == "outcome-bloom" and r.slip == "form" and "'understand'" in r.message


@pytest.mark.parametrize(("value", "first"), [
    ("2026-01-06 00:00:00", "6-01"),  # a workbook's date cell: 6-01 typed as 6 January (day-month)
    ("2026-01-06", "6-01"),
    ("2001-06-01 00:00:00", "6-01"),  # 6-01 typed as June 2001 (month-year)
    ("06-Jan", "6-01"),  # the same dates as a spreadsheet writes them into CSV
    ("6-Jan", "6-01"),
    ("Jan-06", "1-06"),
    ("06/01/2026", "6-01"),
])
def test_a_code_the_spreadsheet_turned_into_a_date_is_named_with_the_code_first(
    validator: CurriculumValidator, value: str, first: str
) -> None:
    """Typed into Excel, 6-01 becomes a date: the report names it as one, with the fix (format the
    column as Text) and the code the date was typed as first among the candidates."""
    (r,) = problems(validator, slipped(ALIGNED, value))
    assert r.rule == "unknown-capability" and r.slip == "date"
    assert f": '{value}' is a date" in r.message and r.hint.startswith("Format the column as Text")
    assert r.candidates[0] == first and f"write {first}" in r.hint
    assert r.as_dict()["slip"] == "date"


def test_a_slip_follows_the_rule_s_message_after_a_colon(validator: CurriculumValidator) -> None:
    """The rule's message and the slip's explanation read as two parts, not one run-on sentence."""
    (r,) = problems(validator, slipped(BLOOM, "Understands"))
    assert ": 'Understands' looks like 'understand'" in r.message


def test_the_report_page_links_each_candidate_code_with_its_statement(bundled_framework) -> None:  # type: ignore[no-untyped-def]
    from aiskills import loading

    store = EmbeddedStore(None)
    loading.load_bundled(store)
    client = create_app(Settings(), store=store).test_client()
    response = client.post(
        "/validate", data={"file": (io.BytesIO(slipped(ALIGNED, "6.2-O3")), "slip.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    statement = next(c.statement for c in capability_rows(bundled_framework.triples) if c.notation == "6.2-03")
    first = page.index('<ul class="candidates">')
    assert page.index('href="/id/capability/6.2-03"', first) < page.index('href="/id/capability/6.2-13"', first)
    assert statement in html.unescape(page[first:])
