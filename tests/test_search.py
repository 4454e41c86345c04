"""Search people expect: word-based and ranked (words in any order and form, a pasted learning outcome
finds the capabilities it is about), filters by archetype, level and domain, the statement shown."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from aiskills import loading
from aiskills.config import Settings
from aiskills.pages import data
from aiskills.pages.links import Linker
from aiskills.pages.ranking import Document, rank
from aiskills.resources import framework_dir
from aiskills.store.embedded import EmbeddedStore
from aiskills.web import create_app

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
LINKER = Linker()


@pytest.fixture(scope="module")
def store():  # type: ignore[no-untyped-def]
    s = EmbeddedStore(None)
    loading.load_bundled(s)
    return s


def capabilities() -> list[dict[str, str]]:
    with (framework_dir() / "capabilities.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def codes(found: dict) -> list[str]:  # type: ignore[type-arg]
    return [r["ref"].notation for r in found["results"] if r["kind"] == "Capability"]


def test_words_match_in_any_order_and_form(store) -> None:  # type: ignore[no-untyped-def]
    found = codes(data.search(store, LINKER, "patient concerns"))
    both = [c["notation"] for c in capabilities()
            if "concern" in c["statement"].lower() and "patient" in c["statement"].lower()]
    assert both and set(both) <= set(found[: len(both) + 3])  # those holding both words lead
    assert len(found) > len(both)  # one word is enough to be found, lower down


def test_an_exact_code_comes_first(store) -> None:  # type: ignore[no-untyped-def]
    assert codes(data.search(store, LINKER, "6.1-03"))[0] == "6.1-03"


def test_a_verb_finds_the_bloom_level_that_lists_it(store) -> None:  # type: ignore[no-untyped-def]
    found = data.search(store, LINKER, "discuss")
    assert found["total"] >= 1 and found["results"][0]["kind"] == "Bloom level"


def test_a_pasted_outcome_finds_the_capabilities_it_is_aligned_to(store) -> None:  # type: ignore[no-untyped-def]
    """Every outcome of the example curricula in CSV: one of the capabilities its author aligned it to
    is among the first five results for its statement pasted whole."""
    outcomes = []
    for path in EXAMPLES.glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as f:
            outcomes += [(r["outcome_statement"], set(r["aligned_capabilities"].split(";")))
                         for r in csv.DictReader(f) if r["outcome_statement"]]
    assert len(outcomes) >= 10
    misses = [s for s, aligned in outcomes if not aligned & set(codes(data.search(store, LINKER, s))[:5])]
    assert not misses, misses


def test_filters_keep_only_the_capabilities_they_name(store) -> None:  # type: ignore[no-untyped-def]
    filters = data.SearchFilters(archetype="E", level="2", domain="6")
    found = codes(data.search(store, LINKER, "", filters=filters, limit=1000))
    expected = [c["notation"] for c in capabilities() if "E" in c["archetypes"].split(";")
                and c["level"] == "2" and c["notation"].split(".")[0].split("-")[0] == "6"]
    assert expected and sorted(found) == sorted(expected)
    worded = codes(data.search(store, LINKER, "bias", filters=data.SearchFilters(level="1")))
    level = {c["notation"]: c["level"] for c in capabilities()}
    assert worded and all(level[c] == "1" for c in worded)


def test_the_ranker_is_one_function_over_documents() -> None:
    docs = [Document("a", "1-01", "Explain bias", "bias in data"), Document("b", "1-02", "Plan a budget", ""),
            Document("c", "1-03", "Discuss risk", "")]
    assert [d.key for _, d in rank("biased data", docs)] == ["a"]
    assert rank("", docs) == []


def test_the_page_shows_the_statement_level_and_filters(store) -> None:  # type: ignore[no-untyped-def]
    client = create_app(Settings(), store=store).test_client()
    page = client.get("/search?q=bias&archetype=U").get_data(as_text=True)
    assert '<option value="U" selected>' in page
    statements = {c["notation"]: c["statement"] for c in capabilities()}
    first = re.search(r'<a class="code" href="/id/capability/([^"]+)">', page)
    assert first and statements[first.group(1)].replace("'", "&#39;") in page
