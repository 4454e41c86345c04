"""The HTML pages: what each shows is what the data says (counts computed here from the bundled
capabilities CSV and the example curricula, not from the pages' own queries), on both backends for
the page data, and through the Flask app for the rendered pages."""

from __future__ import annotations

import csv
import hashlib
import itertools
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest
from support.curricula import EXAMPLES, store_examples

from aiskills import alignment, loading
from aiskills import namespaces as ns
from aiskills.config import Settings
from aiskills.pages import data
from aiskills.pages.links import Linker
from aiskills.resources import framework_dir
from aiskills.store.base import CatalogEntry, GraphData, Store
from aiskills.store.embedded import EmbeddedStore
from aiskills.submission.readers import read_submission
from aiskills.web import create_app

LINKER = Linker()
BADGES = "SDCEU"
ARCHETYPES = {"S": "shaper", "D": "driver", "C": "creator", "E": "embedder", "U": "user"}
DEPRECATED = "6.1-02"
REPLACEMENT = "6.1-03"
MAPPED = "6.1-04"
OTHER = "https://other-framework.example/skills/ml-basics"


def capabilities_csv() -> list[dict[str, str]]:
    with (framework_dir() / "capabilities.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def current(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The rows the module's store holds as current (one capability there is deprecated)."""
    return [r for r in rows if r["notation"] != DEPRECATED]


def expected_heatmap(rows: list[dict[str, str]]) -> Counter[tuple[str, str]]:
    """(top-level domain, badge) → capabilities, straight from the bundled CSV."""
    out: Counter[tuple[str, str]] = Counter()
    for row in rows:
        for badge in row["archetypes"].split(";"):
            out[(row["domain"].split(".")[0], badge.strip())] += 1
    return out


def example_alignments() -> dict[str, set[str]]:
    """Capability notation → titles of the example curricula with an outcome aligned to it."""
    out: dict[str, set[str]] = {}
    for path in sorted(EXAMPLES.iterdir()):
        if path.suffix not in (".json", ".csv", ".xlsx", ".ttl") or path.name == "many-problems.json":
            continue
        submission = read_submission(path)
        title = next(t.object.value for t in submission.stored_triples() if t.predicate.value == ns.DCT + "title"
                     and t.subject.value == submission.curriculum_id)
        for t in submission.stored_triples():
            if t.predicate.value == ns.AIS + "alignedTo":
                out.setdefault(t.object.value.rsplit("/", 1)[-1], set()).add(title)
    return out


def add_to_framework(store: Store, triples: list[ox.Triple]) -> None:
    """Put extra triples into the current framework graph (replacing it whole, as a load does)."""
    graph = next(e.graph for e in store.catalog() if e.kind == "framework" and e.active)
    body = ox.serialize(store.triples(graph) + triples, format=ox.RdfFormat.N_TRIPLES) or b""
    store.replace_graphs([GraphData(graph, body, ox.RdfFormat.N_TRIPLES)])


def deprecation_and_mapping() -> list[ox.Triple]:
    cap = lambda n: ox.NamedNode(ns.capability_iri(n))
    return [
        ox.Triple(cap(DEPRECATED), ox.NamedNode(ns.OWL + "deprecated"),
                  ox.Literal("true", datatype=ox.NamedNode(ns.XSD + "boolean"))),
        ox.Triple(cap(DEPRECATED), ox.NamedNode(ns.DCT + "isReplacedBy"), cap(REPLACEMENT)),
        ox.Triple(cap(MAPPED), ox.NamedNode(ns.SKOS + "exactMatch"), ox.NamedNode(OTHER)),
        ox.Triple(cap(MAPPED), ox.NamedNode(ns.SKOS + "closeMatch"), ox.NamedNode(OTHER + "-advanced")),
        ox.Triple(ox.NamedNode(OTHER), ox.NamedNode(ns.SKOS + "prefLabel"), ox.Literal("Machine learning basics")),
    ]


@pytest.fixture(scope="module")
def full_store() -> Store:
    """The bundled framework, the example curricula, one deprecated capability and one mapped one."""
    store = EmbeddedStore(None)
    loading.load_bundled(store)
    store_examples(store)
    add_to_framework(store, deprecation_and_mapping())
    return store


@pytest.fixture(scope="module")
def client(full_store: Store):  # type: ignore[no-untyped-def]
    return create_app(Settings(), store=full_store).test_client()


def html(client, path: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, (path, response.status_code)
    assert response.content_type == "text/html; charset=utf-8"
    return response.get_data(as_text=True)


def text_of(markup: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup)).replace("&amp;", "&").replace("&#39;", "'")


class Table(HTMLParser):
    """Rows of the first table with the given class: each row's cells as text."""

    def __init__(self, cls: str) -> None:
        super().__init__()
        self.cls, self.depth, self.rows, self.cell = cls, 0, [], None  # type: ignore[var-annotated]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and self.cls in (a.get("class") or "").split():
            self.depth = 1
        elif self.depth and tag == "tr":
            self.rows.append([])
        elif self.depth and tag in ("td", "th"):
            self.cell = ""
            self.rows[-1].append(("", (a.get("class") or "")))

    def handle_data(self, d: str) -> None:
        if self.depth and self.cell is not None and self.rows and self.rows[-1]:
            text, cls = self.rows[-1][-1]
            self.rows[-1][-1] = (text + d, cls)

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.depth = 0
        elif tag in ("td", "th"):
            self.cell = None


def table(markup: str, cls: str) -> list[list[tuple[str, str]]]:
    parser = Table(cls)
    parser.feed(markup)
    return [[(" ".join(t.split()), c) for t, c in row] for row in parser.rows]


# -- page data on both backends --------------------------------------------------------------------
def test_page_data_reads_the_same_framework_on_both_backends(store: Store) -> None:
    """Home, archetype, section, capability and role data on the embedded store and on Virtuoso
    match the bundled CSV."""
    loading.load_bundled(store)
    rows = capabilities_csv()
    home = data.home(store, LINKER)
    expected = expected_heatmap(rows)
    for row in home["heatmap"]:
        for badge, cell in zip(BADGES, row["cells"]):
            assert cell["count"] == expected[(row["domain"].notation, badge)], (row["domain"].notation, badge)
    assert home["totals"]["capabilities"] == len(rows)
    user = data.archetype(store, LINKER, ns.archetype_iri("user"))
    assert user["count"] == sum(1 for r in rows if "U" in r["archetypes"].split(";"))
    six = data.section(store, LINKER, ns.section_iri("6"))
    assert six["count"] == sum(1 for r in rows if r["domain"].split(".")[0] == "6")
    assert [c["ref"].notation for c in six["children"]] == ["6.1", "6.2", "6.3", "6.4"]
    first = rows[0]
    cap = data.capability(store, LINKER, ns.capability_iri(first["notation"]))
    assert cap["statement"] == first["statement"]
    assert cap["level"].notation == first["level"]
    assert sorted(a["badge"] for a in cap["archetypes"]) == sorted(first["archetypes"].split(";"))
    role = data.role(store, LINKER, ns.role_iri("clinical-safety-officer"))
    assert [a["badge"] for a in role["archetypes"]] == ["E"]
    assert role["count"] == sum(1 for r in rows if "E" in r["archetypes"].split(";"))
    found = data.search(store, LINKER, "6.1-03")
    assert found["results"][0]["ref"].notation == "6.1-03"


# -- the home page ---------------------------------------------------------------------------------
def test_home_heat_map_has_the_csv_counts_in_its_cells_with_shades(client) -> None:  # type: ignore[no-untyped-def]
    page = html(client, "/")
    rows = table(page, "heatmap")
    header, body = rows[0], rows[1:]
    assert [h for h, _ in header][1:6] == ["Shapers (S)", "Drivers (D)", "Creators (C)", "Embedders (E)", "Users (U)"]
    expected = expected_heatmap(current(capabilities_csv()))
    top = max(expected.values())
    assert len(body) == 6
    for row in body:
        domain = row[0][0].split()[0]
        for badge, (count, cls) in zip(BADGES, row[1:6]):
            assert int(count) == expected[(domain, badge)]
            shade = int(re.search(r"heat-(\d)", cls).group(1))  # type: ignore[union-attr]
            assert (shade == 0) == (int(count) == 0)
            if int(count) == top:
                assert shade == 5
    totals = Counter(r["domain"].split(".")[0] for r in current(capabilities_csv()))
    assert {row[0][0].split()[0]: int(row[-1][0]) for row in body} == totals


def test_home_points_each_kind_of_user_somewhere(client) -> None:  # type: ignore[no-untyped-def]
    page = html(client, "/")
    for target in ('href="/validate"', 'href="/alignment"', 'href="/sparql"', 'href="/downloads/framework.ttl"',
                   'href="/ontology"', 'href="/id/archetype/embedder"', 'href="/id/domain/6"', 'href="/curricula"'):
        assert target in page
    assert f"{len(current(capabilities_csv()))} capabilities" in text_of(page)


# -- archetypes, sections, roles -------------------------------------------------------------------
def test_archetype_page_lists_its_capabilities_by_domain_and_level_and_its_roles(client) -> None:  # type: ignore[no-untyped-def]
    page = html(client, "/id/archetype/embedder")
    mine = [r for r in current(capabilities_csv()) if "E" in r["archetypes"].split(";")]
    shown = set(re.findall(r'href="/id/capability/([^"]+)"', page))
    assert shown == {r["notation"] for r in mine}
    assert f"{len(mine)} capabilities are badged for Embedders" in text_of(page)
    assert 'href="/id/role/clinical-safety-officer"' in page
    levels = Counter(r["level"] for r in mine)
    for level, n in levels.items():
        assert f"{n} at level {level}" in text_of(page)


def test_domain_page_shows_its_sections_and_every_capability_below_it(client) -> None:  # type: ignore[no-untyped-def]
    page = html(client, "/id/domain/5")
    for code in ("5.1", "5.1.1", "5.1.4", "5.2", "5.2.1"):
        assert f'href="/id/domain/{code}"' in page
    below = {r["notation"] for r in capabilities_csv() if r["domain"].split(".")[0] == "5"}
    assert set(re.findall(r'href="/id/capability/([^"]+)"', page)) == below
    group = html(client, "/id/domain/5.1.3")
    assert 'href="/id/domain/5.1"' in group and 'href="/id/domain/5"' in group  # the breadcrumb trail


def test_role_page_names_its_archetypes(client) -> None:  # type: ignore[no-untyped-def]
    page = html(client, "/id/role/clinical-safety-officer")
    assert "Clinical safety officer" in page
    assert 'href="/id/archetype/embedder"' in page
    assert 'href="/id/archetype/shaper"' not in page.split("<main", 1)[1].split("Capabilities for this role")[0]


# -- capabilities ----------------------------------------------------------------------------------
def test_capability_page_shows_statement_level_archetypes_and_the_curricula_that_teach_it(client) -> None:  # type: ignore[no-untyped-def]
    taught = example_alignments()
    notation = max(taught, key=lambda n: len(taught[n]))
    row = next(r for r in capabilities_csv() if r["notation"] == notation)
    page = html(client, f"/id/capability/{notation}")
    words = text_of(page)
    assert row["statement"] in words
    assert f'href="/id/level/{row["level"]}"' in page
    for badge in row["archetypes"].split(";"):
        assert f'href="/id/archetype/{ARCHETYPES[badge]}"' in page
    section = row["domain"]
    assert f'href="/id/domain/{section}"' in page
    for title in taught[notation]:
        assert title in words
    assert f"{len(taught[notation])} stored curricul" in words
    assert words.count("deprecated") == 0


def test_deprecated_capability_says_so_and_links_its_replacement(client) -> None:  # type: ignore[no-untyped-def]
    page = html(client, f"/id/capability/{DEPRECATED}")
    notice = page.split('class="notice deprecated-notice"', 1)[1].split("</div>", 1)[0]
    assert "deprecated" in notice
    assert f'href="/id/capability/{REPLACEMENT}"' in notice
    current = html(client, f"/id/capability/{REPLACEMENT}")
    assert "deprecated-notice" not in current


def test_mappings_to_other_frameworks_are_a_table(client) -> None:  # type: ignore[no-untyped-def]
    page = html(client, f"/id/capability/{MAPPED}")
    assert "Mappings to other frameworks" in page
    after = page.split("Mappings to other frameworks", 1)[1]
    assert f'href="{OTHER}"' in after and "Machine learning basics" in after and "exact match" in after
    assert "close match" in after and f"{OTHER}-advanced" in after
    assert "Mappings to other frameworks" not in html(client, f"/id/capability/{REPLACEMENT}")


# -- curricula -------------------------------------------------------------------------------------
def _check_list_and_count(store: Store) -> dict[str, tuple[str | None, str | None]]:
    """The list of curricula (/curricula) names each stored curriculum once, with the title and provider
    the curricula listing (a query of its own) reads; the home page counts as many, by a count alone."""
    from aiskills import curricula

    expected = {r.curriculum: (r.title, r.provider) for r in curricula.records(store)}
    shown = data.curricula_list(store, LINKER)
    assert len(shown) == len(expected) == len(stored_iris(store)) > 1
    assert {c["ref"].iri: (c["ref"].label, c["provider"]) for c in shown} == expected
    assert data.home(store, LINKER)["totals"]["curricula"] == len(expected)
    page = create_app(Settings(), store=store).test_client().get("/", headers={"Accept": "text/html"})
    assert f"{len(expected)} stored curricula" in text_of(page.get_data(as_text=True))
    return expected


def test_the_list_and_the_home_page_show_each_stored_example_once(full_store: Store) -> None:
    _check_list_and_count(full_store)


def test_a_provider_shared_by_curricula_is_listed_once_with_each_on_every_backend(store: Store) -> None:
    """Two curricula of one provider each state its name: read across every graph, it would come back
    once per curriculum of that provider."""
    from support import alignment_data

    alignment_data.load_all(store)
    expected = _check_list_and_count(store)
    assert Counter(provider for _, provider in expected.values()).most_common(1)[0][1] == 2


def stored_iris(store: Store) -> list[str]:
    """The stored curricula's IRIs, straight from the store's graphs."""
    query = "SELECT DISTINCT ?c WHERE { GRAPH ?g { ?g <http://purl.org/dc/terms/subject> ?c } }"
    return [c for (c,) in store.select(query).values() if c]


def test_curriculum_page_shows_modules_outcomes_alignments_and_coverage(client, full_store) -> None:  # type: ignore[no-untyped-def]
    path = EXAMPLES / "shaper-board-ai-strategy.json"
    submission = read_submission(path)
    iri = submission.curriculum_id or ""
    listing = html(client, "/curricula")
    digest = hashlib.sha256(iri.encode()).hexdigest()
    assert f'href="/curricula/{digest}"' in listing
    page = html(client, f"/curricula/{digest}")
    words = text_of(page)
    triples = submission.stored_triples()
    for t in triples:
        if t.predicate.value in (ns.AIS + "statement", ns.DCT + "title"):
            assert t.object.value in words
        if t.predicate.value == ns.AIS + "alignedTo":
            assert f'href="/id/capability/{t.object.value.rsplit("/", 1)[-1]}"' in page
    answer = alignment.ask(full_store, "curriculum-coverage", {"curriculum": iri, "archetype": "Shaper"})
    covered = sum(int(r["covered"]) for r in answer.records())  # type: ignore[call-overload]
    required = sum(int(r["required"]) for r in answer.records())  # type: ignore[call-overload]
    assert re.search(rf"Shaper ?: {covered} of {required} capabilities", words)
    assert required > 0


def test_unknown_curriculum_is_a_404_page(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/curricula/" + "0" * 64, headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "Nothing here by that name" in response.get_data(as_text=True)
    assert client.get("/curricula/not-a-hash", headers={"Accept": "text/turtle"}).status_code == 404


# -- search ----------------------------------------------------------------------------------------
def test_search_finds_a_notation_first_and_words_in_statements(client) -> None:  # type: ignore[no-untyped-def]
    page = html(client, "/search?q=6.1-03")
    first = re.search(r'<ol class="results">\s*<li>.*?href="([^"]+)"', page, re.DOTALL)
    assert first and first.group(1) == "/id/capability/6.1-03"
    page = html(client, "/search?q=Bias")
    expected = {r["notation"] for r in capabilities_csv()
                if "bias" in (r["statement"] + " " + r["description"]).lower()}
    results = page.split('class="results"', 1)[1].split("</ol>", 1)[0]
    found = set(re.findall(r'href="/id/capability/([^"]+)"', results))
    assert expected and expected <= found
    shown = len(set(re.findall(r'href="(/id/[^"]+)"', results)))  # capabilities and any section that matches
    assert f"{shown} results" in text_of(page)


def test_search_escapes_what_was_typed_and_handles_nothing(client) -> None:  # type: ignore[no-untyped-def]
    page = html(client, "/search?q=%3Cq%3Equxzzy%3C/q%3E")
    assert "<q>quxzzy" not in page and "&lt;q&gt;quxzzy" in page
    assert "0 results" in text_of(page)
    empty = html(client, "/search")
    assert 'id="q"' in empty and "results for" not in empty
    az = set(re.findall(r'href="/id/capability/([^"]+)"', empty.split('id="a-z"', 1)[1]))
    assert az == {r["notation"] for r in capabilities_csv()}  # nothing asked: everything, A to Z


# -- every page ------------------------------------------------------------------------------------
PAGES = ["/", "/id/archetype/user", "/id/domain/6", "/id/domain/4.1.2", "/id/capability/6.1-03",
         f"/id/capability/{DEPRECATED}", "/id/role/clinical-safety-officer", "/id/level/2", "/id/bloom/apply",
         "/id/framework", "/id/scheme/levels", "/ontology", "/ontology/Capability", "/ontology/alignedTo",
         "/curricula", "/search?q=data"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_have_no_inline_script_or_style_and_headings_in_order(client, path: str) -> None:  # type: ignore[no-untyped-def]
    page = html(client, path)
    assert 'lang="en"' in page
    assert " style=" not in page and "<style" not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    levels = [int(h) for h in re.findall(r"<h([1-6])\b", page)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
    for field in re.findall(r'<input[^>]*\bid="([^"]+)"', page):
        assert f'for="{field}"' in page


def test_a_level_page_lists_the_capabilities_at_that_level(client) -> None:  # type: ignore[no-untyped-def]
    page = html(client, "/id/level/3")
    at = {r["notation"] for r in current(capabilities_csv()) if r["level"] == "3"}
    assert set(re.findall(r'href="/id/capability/([^"]+)"', page)) == at


# -- efficiency ------------------------------------------------------------------------------------
def thousand_curricula(store: Store, capability: str, n: int = 1000) -> int:
    """Store ``n`` small curricula in one write; every tenth teaches ``capability``. Returns how many do."""
    a = ox.NamedNode(ns.RDF + "type")
    rows = capabilities_csv()
    contents, entries, teaching = [], [], 0
    for i in range(n):
        iri = f"https://provider{i % 37}.example/curricula/{i}"
        c, g = ox.NamedNode(iri), ox.NamedNode(LINKER.curriculum_graph(hashlib.sha256(iri.encode()).hexdigest()))
        triples = [ox.Triple(c, a, ox.NamedNode(ns.AIS + "Curriculum")),
                   ox.Triple(c, ox.NamedNode(ns.DCT + "title"), ox.Literal(f"Curriculum {i}")),
                   ox.Triple(g, a, ox.NamedNode(ns.PROV + "Entity")),
                   ox.Triple(g, ox.NamedNode(ns.DCT + "subject"), c)]
        for m in range(3):
            module = ox.NamedNode(f"{iri}/module/{m}")
            triples.append(ox.Triple(c, ox.NamedNode(ns.AIS + "hasModule"), module))
            for o in range(4):
                outcome = ox.NamedNode(f"{iri}/module/{m}/outcome/{o}")
                target = capability if (i % 10 == 0 and m == 0 and o == 0) else rows[(i * 12 + m * 4 + o) % len(rows)]["notation"]
                if target == capability and not (i % 10 == 0 and m == 0 and o == 0):
                    target = rows[0]["notation"]
                triples += [ox.Triple(module, ox.NamedNode(ns.AIS + "hasLearningOutcome"), outcome),
                            ox.Triple(outcome, ox.NamedNode(ns.AIS + "statement"), ox.Literal(f"Outcome {i}.{m}.{o}")),
                            ox.Triple(outcome, ox.NamedNode(ns.AIS + "alignedTo"), ox.NamedNode(ns.capability_iri(target)))]
        teaching += i % 10 == 0
        contents.append(GraphData(g.value, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"",
                                  ox.RdfFormat.N_TRIPLES))
        entries.append(CatalogEntry(g.value, "curriculum", "2026.1", extra=((ns.DCT + "subject", c),)))
    store.replace_graphs(contents, entries)
    return teaching


@pytest.mark.slow
def test_pages_stay_right_with_1000_stored_curricula(tmp_path: Path) -> None:
    """With 1,000 curricula stored, a capability page counts exactly the curricula teaching it and the
    pages that read every capability still render (their speed: benchmarks/bench_pages.py)."""
    store = EmbeddedStore(tmp_path / "store")
    loading.load_bundled(store)
    teaching = thousand_curricula(store, "6.2-01")
    client = create_app(Settings(), store=store).test_client()
    assert "6.2-01" in text_of(html(client, "/id/archetype/embedder"))  # 6.2-01 is badged Embedder
    assert "6.2-01" in text_of(html(client, "/id/domain/6"))
    for path in ("/", "/id/role/nurse", "/search?q=bias"):
        assert "<h1" in html(client, path)
    page = html(client, "/id/capability/6.2-01")
    assert f"{teaching} stored curricula have learning outcomes aligned" in text_of(page)
    store.close()


def test_an_unknown_path_gets_the_helpful_not_found_page_not_the_servers_default(client) -> None:  # type: ignore[no-untyped-def]
    """Any path nobody serves: the site's 404 page (search form, way home) for a browser, a line of text
    for a script; /api paths keep their JSON error."""
    page = client.get("/no-such-page", headers={"Accept": "text/html"})
    html = page.get_data(as_text=True)
    assert page.status_code == 404 and 'action="/search"' in html and "/no-such-page" in html
    text = client.get("/no-such-page", headers={"Accept": "*/*"})
    assert text.status_code == 404 and text.mimetype == "text/plain" and "/search?q=" in text.get_data(as_text=True)
    api = client.get("/api/no-such-route")
    assert api.status_code == 404 and "openapi.json" in api.get_json()["fix"]


def test_each_heat_map_cell_links_to_the_capabilities_it_counts(client) -> None:  # type: ignore[no-untyped-def]
    """Following a cell's link lands on the archetype's page at the domain's group, whose tables list
    exactly as many capabilities as the cell counts."""
    page = html(client, "/")
    cells = re.findall(r'<td class="num heat-\d" data-label="[^"]+"><a href="([^"#]+)#(g-[^"]+)"[^>]*>(\d+)</a>', page)
    assert len(cells) >= 25
    for path, anchor, count in cells:
        target = html(client, path)
        group = target.split(f'id="{anchor}"', 1)[1].split('<section class="group"', 1)[0]
        assert len(re.findall(r'<tr[^>]*data-filter-text=', group)) == int(count), (path, anchor)


def test_long_pages_have_contents_and_a_filter(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/id/archetype/user", "/id/role/clinical-safety-officer", "/id/domain/6"):
        page = html(client, path)
        nav = page.split('<nav class="contents"', 1)[1].split("</nav>", 1)[0]
        anchors = re.findall(r'href="#([^"]+)"', nav)
        assert anchors and all(f'id="{a}"' in page for a in anchors), path
        assert 'data-filter="#capability-groups"' in page and "filter.js" in page, path


def test_stored_curricula_are_found_by_their_title_and_description_on_every_backend(store: Store) -> None:
    """A curriculum is a search document of its title and description (read without the framework's
    look-ups), linked to its page; the framework's resources are found beside it."""
    from support import alignment_data

    alignment_data.load_all(store)
    found = data.search(store, LINKER, "embedding practice")["results"]
    assert found[0]["kind"] == "Curriculum" and found[0]["ref"].iri == alignment_data.EMBEDDING
    assert found[0]["ref"].label == "Embedding AI in practice"
    assert found[0]["ref"].path.startswith("/curricula/")
    assert data.search(store, LINKER, "second course")["results"][0]["ref"].iri == alignment_data.SECOND
    assert any(r["kind"] != "Curriculum" for r in data.search(store, LINKER, "digital systems")["results"])
