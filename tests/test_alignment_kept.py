"""Answers kept up to date at write time (each curriculum's coverage per archetype and domain, the
provision counts, what it teaches) give exactly what the questions' direct queries give, on every backend (the
``store`` fixture), after submissions, replacements, removals and a framework load.

The direct queries are the questions as they read before the counts were kept
(``support/direct/*.rq``): they work everything out from the curricula's alignments at each question.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pyoxigraph as ox
import pytest
from support import alignment_data as data

from aiskills import alignment, curricula, loading
from aiskills import kept as kept_module
from aiskills.framework import bundle
from aiskills.queries import Page
from aiskills.store.base import GraphData, Store, Term

DIRECT = Path(__file__).parent / "support" / "direct"
KEPT = sorted(p.stem for p in DIRECT.glob("*.rq"))
ARCHETYPES = ("Shaper", "Driver", "Creator", "Embedder", "User")
AISV = "https://w3id.org/aiskills/validation#"
STALE = AISV + "stale"


def direct(store: Store, name: str, params: dict[str, str]) -> list[tuple[str | None, ...]]:
    """The question's direct query, bound as ``alignment.ask`` binds it, rows in its column order."""
    columns = alignment.load_query(alignment.GROUP, name).columns
    resolver = alignment.Resolver(store)
    table = store.select((DIRECT / f"{name}.rq").read_text(encoding="utf-8"),
                         {k: resolver.resolve(k, v) for k, v in params.items()})
    index = [table.columns.index(c) for c in columns]
    return [tuple(row[i] for i in index) for row in table.values()]


def asked(store: Store, name: str, params: dict[str, str]) -> list[tuple[str | None, ...]]:
    return alignment.ask(store, name, params).table.values()


def every_question(store: Store) -> list[tuple[str, dict[str, str]]]:
    stored = [r.curriculum for r in curricula.records(store)]
    runs: list[tuple[str, dict[str, str]]] = [("capability-provision", {})]
    runs += [("capability-provision", {"archetype": a}) for a in ARCHETYPES]
    runs += [("curricula-for-archetype", {"archetype": a}) for a in ARCHETYPES]
    runs += [("curriculum-coverage", {"curriculum": c, "archetype": a}) for c in stored for a in ARCHETYPES]
    runs += [("coverage-gaps", {"curriculum": c, "archetype": a}) for c in stored for a in ARCHETYPES]
    runs += [("coverage-gaps", {"curriculum": c, "archetype": "User", "level": lv}) for c in stored for lv in "14"]
    return runs


def assert_same_as_direct(store: Store) -> int:
    """Every kept question answers as its direct query, each whole ranking read off its ranking
    node's parts (not by the question's query), and no write left a part marked; the number of
    answers compared."""
    runs = every_question(store)
    for name, params in runs:
        assert asked(store, name, params) == direct(store, name, params), (name, params)
    assert_rankings_are_read_off_their_parts(store)
    return len(runs)


def assert_rankings_are_read_off_their_parts(store: Store) -> None:
    """Each archetype's whole ranking is read off its ranking node's parts (not by the question's
    query) and equals the direct query; no write left a part marked."""
    resolver = alignment.Resolver(store)
    for archetype in ARCHETYPES:
        read = kept_module.whole_ranking(store, {"archetype": resolver.resolve("archetype", archetype)})
        assert read is not None, archetype
        assert [tuple(None if t is None else t.value for t in row) for row in read] == direct(
            store, "curricula-for-archetype", {"archetype": archetype})
    marked = store.select(f"SELECT ?part WHERE {{ GRAPH <{kept_module.PROVISION_GRAPH}> {{ ?part <{STALE}> ?m }} }}")
    assert not marked.rows


def test_the_direct_queries_are_the_kept_questions() -> None:
    assert KEPT == ["capability-provision", "coverage-gaps", "curricula-for-archetype", "curriculum-coverage"]


def test_kept_answers_equal_the_direct_queries_after_submissions(store: Store) -> None:
    data.load_all(store)
    compared = assert_same_as_direct(store)
    assert compared == 1 + 5 + 5 + 4 * 5 + 4 * 5 + 4 * 2  # 4 curricula: coverage and gaps per archetype, gaps at two levels
    provision = {r["capability"].rsplit("/", 1)[-1]: (r["curricula"], r["providers"])  # type: ignore[union-attr]
                 for r in alignment.ask(store, "capability-provision", {}).records()}
    assert provision == {n: v for n, v in data.provision().items()}  # and both are the constructed counts


def test_kept_answers_follow_a_replacement_and_a_removal(store: Store) -> None:
    data.load_all(store)
    changed = copy.deepcopy(data.EMBEDDING_DOC)
    changed["provider"] = data.COLLEGE_TWO
    changed["modules"][0]["learningOutcomes"][0]["alignedTo"] = ["2-01", "5-01", "6.4-03"]
    data.store_curriculum(store, changed)
    assert_same_as_direct(store)
    curricula.remove(store, data.SECOND)
    assert_same_as_direct(store)
    before = asked(store, "capability-provision", {})
    curricula.remove(store, data.CREATORS)
    data.store_curriculum(store, data.CREATORS_DOC)
    assert asked(store, "capability-provision", {}) == before
    assert_same_as_direct(store)


def test_kept_coverage_follows_a_new_framework(store: Store) -> None:
    """Loading another framework (the bundled one, where the constructed capabilities' badges and
    domains differ) works every stored curriculum's coverage out again."""
    data.load_all(store)
    kept = asked(store, "curricula-for-archetype", {"archetype": "User"})
    loading.load_ontology_and_framework(store, bundle.ontology(), bundle.framework(), "bundled")
    assert_same_as_direct(store)
    assert asked(store, "curricula-for-archetype", {"archetype": "User"}) != kept


@pytest.mark.parametrize(("name", "params"), [("capability-provision", {}),
                                              ("curricula-for-archetype", {"archetype": "Embedder"})])
def test_with_every_curriculum_removed_kept_answers_equal_the_direct_query(
        store: Store, name: str, params: dict[str, str]) -> None:
    data.load_all(store)
    for doc in data.CURRICULA:
        curricula.remove(store, doc["id"])
    assert asked(store, name, params) == direct(store, name, params)
    if name == "capability-provision":
        assert {row[3] for row in asked(store, name, params)} == {"0"}


#: Titles that tie on coverage in every way the rank can meet: the same first five bytes and different
#: after them, equal titles (the IRI decides), a title that is another's first five bytes, no title,
#: and titles outside ASCII (UTF-8 bytes order as code points do).
RANKED_TITLES = ("Medic", "Medical AI", "Medical AI", "Medicine and AI", "Émergence", "Zeta", "Ärzte",
                 "medic", None, "A", "", "Medical AIs")


def _ranked_docs() -> list[dict[str, object]]:
    """Twelve curricula over two coverages (so every title case ties with another), from the
    constructed ones."""
    docs = []
    for i, title in enumerate(RANKED_TITLES):
        doc = copy.deepcopy(data.SECOND_DOC if i % 2 else data.EMBEDDING_DOC)
        doc["id"] = f"https://example.org/curricula/ranked-{i:02d}-{'b' if i % 3 else 'a'}"
        if title is None:
            del doc["title"]
        else:
            doc["title"] = title
        docs.append(doc)
    return docs


def _whole_ranking_kept(store: Store, archetype: str) -> bool:
    """What the ranking's window needs: the archetype's ranking node holds a rank for every entry."""
    query = alignment.load_query(alignment.GROUP, "curricula-for-archetype")
    assert query.window_needs is not None
    bindings: dict[str, Term] = {"archetype": alignment.Resolver(store).resolve("archetype", archetype)}
    bindings.update(kept_module.window_nodes(["ranking"], bindings))
    bounds = store.select(query.window_needs.bounds(Page(1)), bindings)
    assert len(bounds.rows) == 1
    # Virtuoso writes a boolean as 1 or 0 (an xsd:integer)
    return bounds.values()[0][bounds.columns.index("whole")] in ("true", "1")


def test_pages_of_the_ranking_are_slices_of_the_whole_ranking(store: Store) -> None:
    """Every page (any size, from any row, past the end too) of curricula-for-archetype is the same
    slice of the direct query's whole ranking, on every backend: the kept list ranks narrow a page to
    the entries of the ranks it spans, which the question sorts. Stores written before list ranks were
    kept (entries without one) page right too, cut from the whole ranking, until a framework load
    ranks them again."""
    data.load_all(store)
    for doc in _ranked_docs():
        data.store_curriculum(store, doc)

    def check(archetype: str, sizes: tuple[int, ...] = (1, 2, 3, 5, 16, 17)) -> int:
        whole = direct(store, "curricula-for-archetype", {"archetype": archetype})
        assert asked(store, "curricula-for-archetype", {"archetype": archetype}) == whole
        pages = 0
        for limit in sizes:
            for offset in range(len(whole) + 2):
                page = alignment.ask(store, "curricula-for-archetype", {"archetype": archetype},
                                     page=Page(limit, offset))
                assert page.table.values() == whole[offset:offset + limit], (archetype, limit, offset)
                assert page.more == (offset + limit < len(whole))
                pages += 1
        return len(whole)

    assert _whole_ranking_kept(store, "Embedder") and _whole_ranking_kept(store, "User")
    assert check("Embedder") == 16 and check("User") == 16
    # An older store: some entries carry no list rank, and the ranking nodes hold none for them.
    keyed = ("https://w3id.org/aiskills/validation#listRank", "https://w3id.org/aiskills/validation#holds")
    unkeyed = [r.graph for r in curricula.records(store)][::3]
    for graph in unkeyed:
        kept = [t for t in store.triples(graph) if t.predicate.value not in keyed]
        assert len(kept) < len(store.triples(graph))
        store.replace_graphs([GraphData(graph, ox.serialize(kept, format=ox.RdfFormat.N_TRIPLES),
                                        ox.RdfFormat.N_TRIPLES)])
    # Every size was checked above, on the same entries; here the way a page is found changes (no
    # window, then windows again), so a size of one, one inside and one past the ranking's ties do.
    assert not _whole_ranking_kept(store, "Embedder")
    assert check("Embedder", (1, 5, 17)) == 16
    # A framework load works every entry's key out again.
    kept_module.refresh(store)
    assert _whole_ranking_kept(store, "Embedder") and _whole_ranking_kept(store, "User")
    assert check("Embedder", (1, 5, 17)) == 16 and check("User", (1, 5, 17)) == 16


#: Titles the ranking node's rows must write and read back exactly: escapes of every kind N-Triples
#: has, a tab (the rows' separator), a line break, quotes, a backslash and text outside the BMP.
ESCAPED_TITLES = ("Tab\tin the title", 'Quoted "AI" course', "Line\nbreak", "Back\\slash", "\U0001f600 AI",
                  "Zeta\r", "@en")


def test_the_whole_ranking_is_read_off_the_ranking_node_as_the_question_ranks(store: Store) -> None:
    """Asked whole, curricula-for-archetype is read off the parts of the archetype's ranking node (each
    holding its entries' rows as one text, ``aisv:rows``) and is exactly what the direct query answers,
    on every backend: ties on coverage, titles that tie on their first bytes, no title, titles with
    escapes. A store written before the parts were kept (some parts without their rows) is answered
    by the question's query, and a framework load gathers the rows again."""
    data.load_all(store)
    docs = _ranked_docs()
    for doc, title in zip(docs, ESCAPED_TITLES, strict=False):
        doc["title"] = title
    for doc in docs:
        data.store_curriculum(store, doc)
    archetypes = {a: alignment.Resolver(store).resolve("archetype", a) for a in ARCHETYPES}

    def read_off_the_node(archetype: str) -> list[tuple[str | None, ...]] | None:
        rows = kept_module.whole_ranking(store, {"archetype": archetypes[archetype]})
        return None if rows is None else [tuple(None if t is None else t.value for t in r) for r in rows]

    for archetype in ARCHETYPES:
        whole = direct(store, "curricula-for-archetype", {"archetype": archetype})
        assert len(whole) == 16
        assert read_off_the_node(archetype) == whole, archetype
        assert asked(store, "curricula-for-archetype", {"archetype": archetype}) == whole
    provision = store.triples(kept_module.PROVISION_GRAPH)
    ranking = kept_module.ranking_node(archetypes["User"].value).value
    parts = sorted({t.subject.value for t in provision
                    if t.predicate.value == AISV + "rows" and t.subject.value.startswith(ranking + "-part-")})
    assert len(parts) > 8  # 16 curricula over 256 parts: most in a part of their own
    kept = [t for t in provision if t.subject.value not in parts[::4]]
    store.replace_graphs([GraphData(kept_module.PROVISION_GRAPH, ox.serialize(kept, format=ox.RdfFormat.N_TRIPLES),
                                    ox.RdfFormat.N_TRIPLES)])
    assert read_off_the_node("User") is None
    assert asked(store, "curricula-for-archetype", {"archetype": "User"}) == direct(
        store, "curricula-for-archetype", {"archetype": "User"})
    kept_module.refresh(store)
    assert_same_as_direct(store)


def _sharing_a_part(n: int) -> list[dict[str, object]]:
    """``n`` curricula (from the constructed ones) whose graphs' entries are listed in the same ranking
    part: their graph IRIs' SHA-256 begin with the same two hex digits."""
    import hashlib

    def part(i: int) -> str:
        graph = curricula.curriculum_graph(f"https://example.org/curricula/shared-{i}")
        return hashlib.sha256(graph.encode()).hexdigest()[:2]

    ids = [i for i in range(2000) if part(i) == part(0)][:n]
    assert len(ids) == n
    docs = []
    for k, i in enumerate(ids):
        doc = copy.deepcopy(data.SECOND_DOC if k % 2 else data.EMBEDDING_DOC)
        doc["id"], doc["title"] = f"https://example.org/curricula/shared-{i}", f"Shared part {k}"
        docs.append(doc)
    return docs


def test_a_ranking_part_lists_its_curricula_as_each_write_leaves_them(store: Store) -> None:
    """Three curricula listed in the same part of every ranking: after each is stored, one is
    replaced with another title and coverage, and one is removed, every whole ranking is read off the
    parts and equals the direct query (a part whose rows were not gathered again would still list the
    old title, or the removed curriculum); the part holds one line per curriculum left."""
    data.load_all(store)
    docs = _sharing_a_part(3)
    for doc in docs:
        data.store_curriculum(store, doc)
    assert_rankings_are_read_off_their_parts(store)
    changed = copy.deepcopy(docs[0])
    changed["title"] = "Renamed"
    changed["modules"] = copy.deepcopy(data.SECOND_DOC["modules"])
    data.store_curriculum(store, changed)
    assert_rankings_are_read_off_their_parts(store)
    curricula.remove(store, str(docs[1]["id"]))
    assert_rankings_are_read_off_their_parts(store)
    user = kept_module.ranking_node(alignment.Resolver(store).resolve("archetype", "User").value).value
    (text,) = [t.object.value for t in store.triples(kept_module.PROVISION_GRAPH)
               if t.predicate.value == AISV + "rows" and t.subject.value.startswith(user)
               and "shared-" in t.object.value]
    assert sorted(line.split("\t")[2] for line in text.split("\n")) == [
        f"<{docs[0]['id']}>", f"<{docs[2]['id']}>"]


def test_a_ranking_row_gives_back_the_terms_it_was_written_with() -> None:
    """Each field of a ranking node's row reads back as the term written: IRIs, plain, language-tagged
    and typed literals, escapes of every kind; and percentages are written as the question's
    expression writes them (rounded half up to a tenth, no trailing zero)."""
    rows = [
        ox.Literal("Plain"), ox.Literal("Santé numérique", language="fr"), ox.Literal("x", language="en-GB"),
        ox.Literal("12", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        ox.NamedNode("https://example.org/title"), ox.Literal('Say "\\n"\t', language="en"),
        *(ox.Literal(t) for t in ESCAPED_TITLES),
    ]
    for term in rows:
        assert kept_module._term(str(term)) == term, term
    assert kept_module._term("") is None
    expression = ox.Store()
    for covered, required in [(0, 0), (0, 7), (1, 3), (2, 3), (1, 8), (3, 8), (7, 0), (5, 160), (1, 16),
                              (14, 14), (13, 14), (1, 2000), (1, 1999)]:
        (answer,) = expression.query(f"SELECT ((ROUND(1000.0 * {covered} / IF({required} = 0, 1, {required})))"
                                     " / 10.0 AS ?p) WHERE {}")
        assert kept_module._percent(covered, required) == answer[0], (covered, required)


def test_list_ranks_never_decrease_down_the_ranking_and_tell_entries_apart() -> None:
    """``kept.list_rank``'s whole part never decreases in the ranking's order (covered, most first;
    then the title by code points, no title first, a title before the titles it begins; then the
    IRI), over a set of hard cases; and every (graph, archetype) gets its own rank."""
    from decimal import Decimal

    titles = [None, "", "A", "Medic", "Medical", "Medical AI", "Medical\tAI", "Medical AIs", "medic",
              "Émergence", "Ärzte", "\U0001f600 AI", "Zeta"]
    rows = [(covered, title, f"https://e.org/g{i}") for covered in (0, 1, 9, 10, 195)
            for i, title in enumerate(titles)]

    def ranking_order(row: tuple[int, str | None, str]) -> tuple[int, int, str, str]:
        covered, title, graph = row
        return (-covered, title is not None, title or "", graph)

    whole = [int(Decimal(kept_module.list_rank(*row, "https://e.org/a"))) for row in sorted(rows, key=ranking_order)]
    assert whole == sorted(whole) and len(set(whole)) > len(whole) // 2
    ranks = {kept_module.list_rank(c, t, g, a) for c, t, g in rows for a in ("https://e.org/a", "https://e.org/b")}
    assert len(ranks) == 2 * len(rows)


def test_one_curriculum_is_read_as_the_list_of_every_curriculum_reads_it(store: Store) -> None:
    """``curricula.record`` (one curriculum, read off its own graph alone) gives exactly the entry
    ``curricula.records`` (every curriculum) gives for it, on every backend: title, provider, module
    and outcome counts and provenance; and nothing for a curriculum not stored."""
    data.load_all(store)
    listed = curricula.records(store)
    assert len(listed) == len(data.CURRICULA) and all(r.modules for r in listed if r.curriculum != data.EMPTY)
    for entry in listed:
        assert curricula.record(store, entry.graph) == entry
        assert curricula.find(store, entry.curriculum) == entry
    assert curricula.record(store, curricula.curriculum_graph("https://example.org/curricula/never")) is None
