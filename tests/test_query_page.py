"""The query page researchers know: the framework's prefixes declared and offered, parser errors as
line, column and what was expected in words, results with prefixed names, sorting and paging, and
examples whose parameters are set in one place (changing that one line changes the whole answer)."""

from __future__ import annotations

import html
import re
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest
from support.curricula import store_examples

from aiskills import alignment, loading
from aiskills.config import Settings
from aiskills.store.embedded import EmbeddedStore
from aiskills.web import create_app
from aiskills.web.sparql_page import PREFIXES, compact, examples_for, readable_error


@pytest.fixture(scope="module")
def store():  # type: ignore[no-untyped-def]
    s = EmbeddedStore(None)
    loading.load_bundled(s)
    store_examples(s)
    return s


@pytest.fixture(scope="module")
def client(store):  # type: ignore[no-untyped-def]
    return create_app(Settings(), store=store).test_client()


def run(client, query: str, **extra: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get("/sparql?" + urlencode({"query": query, "format": "html", **extra}))
    return response.get_data(as_text=True)


def test_a_missing_prefix_is_named_with_its_declaration_not_the_parsers_character_classes(client) -> None:  # type: ignore[no-untyped-def]
    page = run(client, "SELECT * WHERE {\n  ?s skos:prefLabel ?o\n}")
    error = html.unescape(page.split('<pre class="error">', 1)[1].split("</pre>", 1)[0])
    assert error.startswith("SPARQL syntax error at line 2, column ")
    assert f"the prefix skos: is not declared (add PREFIX skos: <{PREFIXES['skos']}> at the top)" in error
    assert "\\u{" not in error and len(error.splitlines()) <= 3


def test_other_syntax_errors_say_what_was_expected_in_words() -> None:
    query = "SELECT * WHERE { ?s ?p ?o "
    try:
        ox.Store().query(query)
    except SyntaxError as exc:
        text = readable_error(f"SPARQL syntax error: {exc}", query)
    assert text.startswith("SPARQL syntax error at line 1, column ")
    assert "expected" in text and "'}'" in text and "[" not in text.split("\n")[0]


def test_results_show_prefixed_names_linked_to_their_pages(client) -> None:  # type: ignore[no-untyped-def]
    page = run(client, "SELECT ?c WHERE { ?c a <https://w3id.org/aiskills/ontology#Capability> } ORDER BY ?c LIMIT 3")
    cells = re.findall(r'<td class="iri" data-label="c"><a href="([^"]+)" title="([^"]+)">([^<]+)</a>', page)
    assert len(cells) == 3
    for href, full, text in cells:
        assert text == compact(full) and text.startswith("capability:") and href == "/id/" + full.split("/id/", 1)[1]


def test_results_sort_by_a_column_and_come_in_pages(client) -> None:  # type: ignore[no-untyped-def]
    query = "SELECT ?n WHERE { ?c a <https://w3id.org/aiskills/ontology#Capability> ; <http://www.w3.org/2004/02/skos/core#notation> ?n }"
    first = run(client, query, sort="-n")
    shown = re.findall(r'<td class="literal" data-label="n">([^<]+)</td>', first)
    assert len(shown) == 100 and shown == sorted(shown, reverse=True)
    assert "Rows 1 to 100 of 187" in first
    second = run(client, query, sort="-n", page="2")
    more = re.findall(r'<td class="literal" data-label="n">([^<]+)</td>', second)
    assert "Rows 101 to 187 of 187" in second and more[0] < shown[-1] and not set(more) & set(shown)


def test_each_example_sets_its_parameters_once_and_answers_as_the_question_does(client, store) -> None:  # type: ignore[no-untyped-def]
    questions = {q.name: q for q in alignment.questions()}
    for example in examples_for(store, questions):
        if not example.bound:
            continue
        assert example.query.count("VALUES") == 1, example.name
        table = store.select(example.query)
        asked = alignment.ask(store, example.name, dict(example.bound))
        assert sorted(map(str, table.rows)) == sorted(map(str, asked.table.rows)), example.name


def test_changing_the_one_values_line_of_coverage_gaps_changes_the_whole_answer(store) -> None:  # type: ignore[no-untyped-def]
    questions = {q.name: q for q in alignment.questions()}
    (example,) = [e for e in examples_for(store, questions) if e.name == "coverage-gaps"]
    bound = dict(example.bound)
    others = [r[0].value for r in store.select(
        "SELECT ?c WHERE { ?c a <https://w3id.org/aiskills/ontology#Curriculum> } ORDER BY ?c").rows
        if r[0].value != bound["curriculum"]]
    other = others[0]
    edited = example.query.replace(f"<{bound['curriculum']}>", f"<{other}>")
    assert edited != example.query
    asked = alignment.ask(store, "coverage-gaps", {**bound, "curriculum": other})
    assert len(store.select(edited).rows) == len(asked.table.rows)
