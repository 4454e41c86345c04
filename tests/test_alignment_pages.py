"""``/alignment``: a curriculum against an archetype or a role (coverage per domain as a chart, the gaps
as linked capabilities), an archetype across every stored curriculum (ranking, what nobody teaches),
and clear 400s for choices that name nothing. Checked against the constructed framework and curricula
of ``support.alignment_data``, whose answers are known by construction."""

from __future__ import annotations

import html as html_module
import re
from collections import Counter
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from support import alignment_data as d
from support.html import outline

from aiskills.config import Settings
from aiskills.store.embedded import EmbeddedStore
from aiskills.web import create_app


@pytest.fixture(scope="module")
def store() -> Iterator[EmbeddedStore]:
    s = EmbeddedStore(None)
    d.load_all(s)
    yield s
    s.close()


@pytest.fixture(scope="module")
def client(store: EmbeddedStore) -> FlaskClient:
    return create_app(Settings.from_env({}), store=store).test_client()


def page(client: FlaskClient, status: int = 200, **params: str) -> str:
    response = client.get("/alignment", query_string=params)
    html = response.get_data(as_text=True)
    assert response.status_code == status, html
    return html


def meters(html: str) -> list[tuple[int, int]]:
    """(value, max) of each meter, in page order."""
    return [(int(v), int(m)) for m, v in re.findall(r'<meter min="0" max="(\d+)" value="(\d+)"', html)]


def test_the_forms_list_curricula_archetypes_and_roles_with_labels(client: FlaskClient) -> None:
    html = page(client)
    for doc in d.CURRICULA:
        assert f'<option value="{doc["id"]}"' in html and doc["title"] in html
    for name in d.ARCHETYPE_LABELS.values():
        assert f'<option value="{name}"' in html
    assert '<option value="https://w3id.org/aiskills/id/role/' in html
    o = outline(html)
    archetype_boxes = {f"archetype-{i}" for i in range(1, len(d.ARCHETYPE_LABELS) + 1)}
    assert o.inputs - {"site-q"} == {"curriculum", "role", "level", "rank-archetype"} | archetype_boxes  # site-q: the header search
    assert o.inputs <= o.labels
    assert o.styled == 0 and o.scripts == 0
    assert 'method="get"' in html


def test_coverage_per_domain_as_a_chart_with_numbers(client: FlaskClient) -> None:
    html = page(client, curriculum=d.EMBEDDING, archetype="Embedder")
    required = Counter(d.top_domain(c[1]) for c in d.badged("E"))
    covered = Counter(d.top_domain(d.section_of(n)) for n in d.aligned(d.EMBEDDING_DOC) & set(d.notations("E")))
    assert meters(html) == [(covered[x], required[x] or 1) for x in d.DOMAINS]
    assert f"{covered['1']} of {required['1']} (" in html
    total = sum(covered.values())
    assert f"Coverage of Embedder: {total} of {len(d.badged('E'))} capabilities" in html


def test_the_gaps_are_listed_and_linked_to_their_pages(client: FlaskClient) -> None:
    html = page(client, curriculum="Embedding AI in practice", archetype="embedder")
    gaps = set(d.notations("E")) - d.aligned(d.EMBEDDING_DOC)
    linked = set(re.findall(r'<a href="/id/capability/([^"]+)">', html))
    assert linked == gaps
    assert f"Gaps: {len(gaps)} capabilities not covered" in html


def test_the_gaps_at_one_level(client: FlaskClient) -> None:
    html = page(client, curriculum=d.EMBEDDING, archetype="Embedder", level="4")
    gaps = set(d.notations("E", 4)) - d.aligned(d.EMBEDDING_DOC)
    assert set(re.findall(r'<a href="/id/capability/([^"]+)">', html)) == gaps
    assert '<option value="4" selected>' in html


def test_a_role_shows_each_archetype_it_maps_to(client: FlaskClient, store: EmbeddedStore) -> None:
    rows = store.select("""PREFIX ais: <https://w3id.org/aiskills/ontology#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?role ?label (COUNT(?a) AS ?n) WHERE { ?role a ais:Role ; skos:prefLabel ?label ; ais:archetype ?a }
        GROUP BY ?role ?label HAVING (COUNT(?a) > 1) ORDER BY ?role LIMIT 1""").values()
    role, label, _ = rows[0]
    archetypes = [name for (name,) in store.select(
        "PREFIX ais: <https://w3id.org/aiskills/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        f"SELECT ?name WHERE {{ <{role}> ais:archetype/skos:prefLabel ?name }}").values()]
    html = page(client, curriculum=d.CREATORS, role=role or "")
    assert f"for the role {label}" in html
    shown = re.findall(r"Coverage of (\w+):", html)
    assert sorted(shown) == sorted(archetypes) and len(meters(html)) == 6 * len(archetypes)


def test_an_archetype_alone_ranks_the_curricula_and_lists_what_nobody_teaches(client: FlaskClient) -> None:
    html = page(client, archetype="Embedder")
    required = set(d.notations("E"))
    expected = sorted(((len(d.aligned(doc) & required), doc["title"]) for doc in d.CURRICULA),
                      key=lambda t: (-t[0], t[1]))
    ranking = html[html.index("Which curricula cover Embedder best"):html.index("What nobody teaches")]
    titles = re.findall(r"archetype=Embedder\">([^<]+)</a>", ranking)
    assert titles == [t for _, t in expected]
    assert meters(ranking) == [(n, len(required)) for n, _ in expected]
    untaught = required - set().union(*(d.aligned(doc) for doc in d.CURRICULA))
    rest = html[html.index("What nobody teaches"):]
    assert set(re.findall(r'<a href="/id/capability/([^"]+)">', rest)) == untaught
    assert f"What nobody teaches: {len(untaught)} of the capabilities Embedder needs" in html


def test_a_role_alone_ranks_the_curricula_for_each_of_its_archetypes(client: FlaskClient, store: EmbeddedStore) -> None:
    rows = store.select("""PREFIX ais: <https://w3id.org/aiskills/ontology#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?role (GROUP_CONCAT(?name; separator="|") AS ?names) WHERE {
          ?role a ais:Role ; ais:archetype/skos:prefLabel ?name } GROUP BY ?role ORDER BY ?role LIMIT 1""").values()
    role, names = rows[0]
    html = page(client, role=role or "")
    assert sorted(re.findall(r"Which curricula cover (\w+) best</h3>", html)) == sorted((names or "").split("|"))
    assert len(meters(html)) == len(d.CURRICULA) * len((names or "").split("|"))


@pytest.mark.parametrize(("params", "says"), [
    ({"curriculum": d.EMBEDDING, "archetype": "Wizard"}, "there is no archetype &#39;Wizard&#39;"),
    ({"curriculum": "https://nowhere.example/c", "archetype": "User"}, "there is no stored curriculum"),
    ({"curriculum": d.EMBEDDING, "archetype": "User", "role": "x"}, "not both"),
    ({"curriculum": d.EMPTY, "archetype": "Wizard"}, "there is no archetype"),
    ({"curriculum": d.EMBEDDING, "role": "no-such-role"}, "there is no role"),
    ({"curriculum": d.EMBEDDING, "archetype": "User", "level": "7"}, "there is no knowledge level"),
    ({"curriculum": "https://nowhere.example/c"}, "there is no stored curriculum"),  # alone: its targets
])
def test_choices_that_name_nothing_are_400_with_the_reason(client: FlaskClient, params: dict, says: str) -> None:  # type: ignore[type-arg]
    html = page(client, status=400, **params)
    assert says in html and "That cannot be answered" in html
    assert "<form" in html  # the forms are still there to try again


@pytest.mark.parametrize(("params", "same_as"), [
    ({"archetype": "E"}, {"archetype": "Embedder"}),
    ({"archetype": "embedders"}, {"archetype": "Embedder"}),
    ({"archetype": "USER"}, {"archetype": "User"}),
    ({"curriculum": d.EMBEDDING, "archetype": "embedders", "level": "Level 4"},
     {"curriculum": d.EMBEDDING, "archetype": "Embedder", "level": "4"}),
])
def test_the_page_reads_choices_as_the_questions_do(client: FlaskClient, params: dict, same_as: dict) -> None:  # type: ignore[type-arg]
    """A badge letter, a plural, any case, ``Level 4``: what ``/api/ask`` takes, the page takes too,
    and answers as for the name itself (the form then shows the name)."""
    assert page(client, **params).split("<main", 1)[1] == page(client, **same_as).split("<main", 1)[1]


def test_a_near_miss_is_400_with_the_closest_names(client: FlaskClient) -> None:
    html = page(client, status=400, archetype="Embeder")
    assert "there is no archetype &#39;Embeder&#39;" in html and "did you mean Embedder" in html


def test_titles_from_curricula_are_escaped(store: EmbeddedStore) -> None:
    doc = {**d.EMPTY_DOC, "id": "https://example.org/curricula/hostile", "title": "<script>alert(1)</script>"}
    local = EmbeddedStore(None)
    d.load_framework(local)
    d.store_curriculum(local, doc)
    client = create_app(Settings.from_env({}), store=local).test_client()
    for html in (page(client), page(client, archetype="Embedder"),
                 page(client, curriculum=doc["id"], archetype="Embedder")):
        assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    local.close()


def test_a_curriculum_alone_shows_its_own_targets_side_by_side(client: FlaskClient) -> None:
    """The Creators curriculum targets Creator and User: both answers, ticked, with a table of both."""
    html = page(client, curriculum=d.CREATORS)
    answers = re.findall(r'<h3 id="cov-\d+">Coverage of (\w+):', html)
    assert answers == ["Creator", "User"]
    assert re.findall(r'<input type="checkbox" id="archetype-\d+" name="archetype" value="(\w+)" checked>', html) == ["Creator", "User"]
    side = html.split('<table class="side-by-side">', 1)[1].split("</table>", 1)[0]
    assert "Creator" in side and "User" in side


def test_several_archetypes_ticked_are_answered_side_by_side(client: FlaskClient) -> None:
    html = page(client, curriculum=d.EMBEDDING, archetype=["Embedder", "User"])  # type: ignore[arg-type]
    assert re.findall(r'<h3 id="cov-\d+">Coverage of (\w+):', html) == ["Embedder", "User"]
    one = page(client, curriculum=d.EMBEDDING, archetype="Embedder")
    first = one.split('<h3 id="cov-1">', 1)[1].split("</h3>", 1)[0]
    assert first in html  # the same numbers as asked alone


def test_a_long_ranking_is_shown_a_page_at_a_time_with_links_between_pages(
        client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """With pages of two, the ranking's pages (followed by their own Next and Previous links) show
    the whole ranking once, in order; an offset that is no number is a 400 naming it."""
    from aiskills.web import alignment_pages

    monkeypatch.setattr(alignment_pages, "RANKING_PAGE", 2)
    required = set(d.notations("E"))
    expected = [t for _, t in sorted(((len(d.aligned(doc) & required), doc["title"]) for doc in d.CURRICULA),
                                     key=lambda t: (-t[0], t[1]))]
    seen: list[str] = []
    url = "/alignment?archetype=Embedder"
    pages = []
    while url:
        res = client.get(url)
        html = res.get_data(as_text=True)
        assert res.status_code == 200, html
        ranking = html[html.index("Which curricula cover Embedder best"):html.index("What nobody teaches")]
        titles = re.findall(r'class="bar-label"[^>]*><a href="[^"]*">([^<]+)</a>', ranking)
        assert f"Curricula {len(seen) + 1} to {len(seen) + len(titles)}, best first." in ranking
        seen += titles
        pages.append(url)
        previous = re.search(r'<a rel="prev" href="([^"]+)">Previous 2</a>', ranking)
        assert (previous is not None) == (len(pages) > 1)
        if previous:
            assert html_module.unescape(previous.group(1)) in [p[len("/alignment"):] for p in pages[:-1]] + ["?archetype=Embedder"]
        following = re.search(r'<a rel="next" href="([^"]+)">Next 2</a>', ranking)
        url = "/alignment" + html_module.unescape(following.group(1)) if following else ""
    assert seen == expected and len(pages) == 2
    bad = page(client, status=400, archetype="Embedder", offset="two")
    assert "must be a whole number from 0 to 9223372036854775807, not &#39;two&#39;" in bad and "give offset as" in bad


def _title(iri: str) -> str:
    return next(str(doc["title"]) for doc in d.CURRICULA if doc["id"] == iri)


def test_over_the_dropdown_max_the_form_asks_for_an_iri_or_title_and_answers_the_same(store: EmbeddedStore) -> None:
    """With more curricula stored than AISKILLS_DROPDOWN_MAX, the form reads none of them: it offers a
    text field for an IRI or exact title, and either answers as the list's choice did."""
    listed = create_app(Settings.from_env({}), store=store).test_client()
    asking = create_app(Settings.from_env({"AISKILLS_DROPDOWN_MAX": str(len(d.CURRICULA) - 1)}),
                        store=store).test_client()
    form = page(asking)
    assert '<input id="curriculum" name="curriculum" required value=""' in form
    assert '<select id="curriculum"' not in form and f"More than {len(d.CURRICULA) - 1} curricula" in form
    assert not any(f'<option value="{doc["id"]}"' in form for doc in d.CURRICULA)
    by_list = page(listed, curriculum=d.EMBEDDING, archetype="Embedder")
    for given in (d.EMBEDDING, _title(d.EMBEDDING)):
        html = page(asking, curriculum=given, archetype="Embedder")
        assert meters(html) == meters(by_list) != []
        assert f'value="{html_module.escape(given, quote=True)}"' in html  # kept in the field to edit
        assert f'<h2 id="answers-heading">{html_module.escape(_title(d.EMBEDDING))}</h2>' in html
    alone = page(asking, curriculum=_title(d.CREATORS))  # a title alone: the curriculum's own targets
    assert re.findall(r'<h3 id="cov-\d+">Coverage of (\w+):', alone) == ["Creator", "User"]
    assert "there is no stored curriculum" in page(asking, status=400, curriculum="No such course", archetype="User")


def test_the_list_of_choices_is_read_only_up_to_its_limit(store: EmbeddedStore) -> None:
    from aiskills.curricula import choices

    n = len(d.CURRICULA)
    listed = choices(store, n)
    assert listed is not None and {c.curriculum for c in listed} == {doc["id"] for doc in d.CURRICULA}
    assert [c.title for c in listed] == sorted(str(doc["title"]) for doc in d.CURRICULA)
    assert choices(store, n - 1) is None
