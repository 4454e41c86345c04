"""The alignment questions (``queries/alignment/*.rq`` through ``aiskills.alignment.ask``), answered on
constructed data whose answers are known by construction (``support/alignment_data.py``), on both
backends (the ``store`` fixture: embedded pyoxigraph and a real Virtuoso server).

Sections: helpers; the column contract; one section per question; parameter handling.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from support import alignment_data as data
from support.alignment_data import CREATORS, EMBEDDING, EMPTY, SECOND

from aiskills import alignment, loading
from aiskills.errors import InputError
from aiskills.framework import bundle
from aiskills.framework.model import capability_rows
from aiskills.framework.template import ARCHETYPES
from aiskills.queries import load_query
from aiskills.store.base import Store

ID = data.ID
EMBEDDER = ID + "archetype/embedder"
UNI_ONE_ID = data.UNI_ONE["id"]

# -- helpers ---------------------------------------------------------------------------------------


@pytest.fixture
def aligned(store: Store) -> Iterator[Store]:
    """``store`` (both backends) with the constructed framework and the four curricula."""
    data.load_all(store)
    yield store


def ask(store: Store, name: str, **params: str) -> list[dict[str, object]]:
    return alignment.ask(store, name, params).records()


def code(iri: object) -> str:
    """The last path segment of an IRI: a capability's notation, a role's slug."""
    assert isinstance(iri, str)
    return iri.rsplit("/", 1)[-1]


def codes(records: list[dict[str, object]], column: str = "capability") -> list[str]:
    return [code(r[column]) for r in records]


def percent(covered: int, required: int) -> float:
    """The percentage the questions report: one decimal, halves rounded up, 0.0 for 0 of 0."""
    if required == 0:
        return 0.0
    return float((Decimal(1000 * covered) / required).quantize(Decimal(1), ROUND_HALF_UP) / 10)


DOMAIN_LABELS = {"1": "Digital implementation", "2": "Digital health for patients and the public",
                 "3": "Ethical, legal and regulatory considerations", "4": "Human factors",
                 "5": "Health data management", "6": "Artificial intelligence"}


def coverage_table(required: list[int], covered: list[int]) -> list[tuple[object, ...]]:
    """The expected curriculum-coverage rows for the six domains, in order."""
    return [(d, DOMAIN_LABELS[d], r, c, percent(c, r)) for d, r, c in zip(data.DOMAINS, required, covered)]


def number(value: object) -> int:
    """A count as the answer gives it: an int, never text."""
    assert isinstance(value, int), value
    return value


def rows_of(records: list[dict[str, object]], *columns: str) -> list[tuple[object, ...]]:
    return [tuple(r[c] for c in columns) for r in records]


# Required capabilities per domain (1..6) for each archetype, from the construction.
EMBEDDER_REQUIRED = [10, 8, 0, 7, 9, 6]
CREATOR_REQUIRED = [3, 2, 1, 2, 5, 2]
USER_REQUIRED = [4, 2, 2, 1, 2, 3]


def test_the_constructed_framework_is_as_documented() -> None:
    """The premises every expectation below rests on."""
    assert len(data.CAPABILITIES) == 54
    assert [len(data.notations(b)) for b in "SDCEU"] == [3, 4, 15, 40, 14]
    for badge, required in (("E", EMBEDDER_REQUIRED), ("C", CREATOR_REQUIRED), ("U", USER_REQUIRED)):
        per_domain = [sum(1 for c in data.badged(badge) if data.top_domain(c[1]) == d) for d in data.DOMAINS]
        assert per_domain == required
    assert set(data.EMBEDDING_COVERS) <= set(data.notations("E")) and len(data.EMBEDDING_COVERS) == 7
    assert data.aligned(data.EMBEDDING_DOC) & set(data.notations("E")) == set(data.EMBEDDING_COVERS)


# -- the column contract ---------------------------------------------------------------------------

CONTRACT = {
    "archetype-capabilities": ("capability", "notation", "label", "level", "domain"),
    "role-capabilities": ("capability", "notation", "label", "level", "archetype"),
    "curriculum-coverage": ("domain", "domain_label", "required", "covered", "percent"),
    "coverage-gaps": ("capability", "notation", "label", "level", "domain"),
    "capability-provision": ("capability", "notation", "label", "curricula", "providers"),
    "curricula-for-archetype": ("curriculum", "title", "provider", "covered", "required", "percent"),
    "outcome-level-fit": ("outcome", "statement", "capability", "capability_level", "bloom_level", "fit"),
    "framework-summary": ("domain", "level", "archetype", "capabilities"),
}

ONE_RUN = {
    "archetype-capabilities": {"archetype": "Embedder"},
    "role-capabilities": {"role": "clinical-scientist"},
    "curriculum-coverage": {"curriculum": EMBEDDING, "archetype": "Embedder"},
    "coverage-gaps": {"curriculum": EMBEDDING, "archetype": "Embedder"},
    "capability-provision": {},
    "curricula-for-archetype": {"archetype": "Embedder"},
    "outcome-level-fit": {"curriculum": EMBEDDING},
    "framework-summary": {},
}


def test_the_eight_questions_are_there() -> None:
    assert [q.name for q in alignment.questions()] == sorted(CONTRACT)


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_each_header_declares_the_published_columns(name: str) -> None:
    assert load_query("alignment", name).columns == CONTRACT[name]


def test_every_answer_has_exactly_the_declared_columns(aligned: Store) -> None:
    resolver = alignment.Resolver(aligned)
    for query in alignment.questions():
        params = ONE_RUN[query.name]
        answer = alignment.ask(aligned, query.name, params)
        assert answer.question == query.name
        assert answer.columns == query.columns, query.name
        assert answer.table.rows, f"{query.name} answered nothing on the constructed data"
        assert all(len(row) == len(query.columns) for row in answer.table.rows)
        # the query itself projects those columns and no others
        raw = aligned.select(query.text, {k: resolver.resolve(k, v) for k, v in params.items()})
        assert sorted(raw.columns) == sorted(query.columns), query.name


# -- archetype-capabilities ------------------------------------------------------------------------


def test_archetype_capabilities_are_exactly_the_40_badged_ones(aligned: Store) -> None:
    records = ask(aligned, "archetype-capabilities", archetype="Embedder")
    assert len(records) == 40
    assert [r["notation"] for r in records] == data.by_domain_level(data.notations("E"))
    assert codes(records) == [r["notation"] for r in records]
    for r in records:
        n = str(r["notation"])
        assert r["label"] == f"Capability {n}"
        assert r["level"] == str(data.level_of(n))
        assert r["domain"] == data.top_domain(data.section_of(n))


def test_archetype_capabilities_at_one_level(aligned: Store) -> None:
    records = ask(aligned, "archetype-capabilities", archetype="Embedder", level="4")
    assert [r["notation"] for r in records] == ["1-08", "1-09", "1-10", "2.2-03", "4.1.1-02", "4.1.2-02",
                                                "5.1.3-01", "5.2.1-01", "5.2.1-02", "6.4-01", "6.4-02"]
    assert {r["level"] for r in records} == {"4"}


def test_sub_domain_and_group_capabilities_roll_up_to_their_top_level_domain(aligned: Store) -> None:
    records = ask(aligned, "archetype-capabilities", archetype="Embedder")
    domain = {r["notation"]: r["domain"] for r in records}
    assert domain["2.1-02"] == "2"  # sub-domain
    assert domain["4.1.1-01"] == "4" and domain["4.1.2-02"] == "4"  # group under sub-domain 4.1
    assert domain["5.2.1-01"] == "5" and domain["5.1.3-01"] == "5"
    assert domain["6.4-03"] == "6"
    assert set(domain.values()) == {"1", "2", "4", "5", "6"}  # domain 3 has no Embedder capability


def test_archetype_with_few_capabilities(aligned: Store) -> None:
    records = ask(aligned, "archetype-capabilities", archetype="Shaper")
    assert rows_of(records, "notation", "level", "domain") == [("3-01", "1", "3"), ("3.1-02", "3", "3"),
                                                               ("6.2-02", "4", "6")]


# -- role-capabilities -----------------------------------------------------------------------------


def test_role_with_two_archetypes_gets_the_union_naming_both_where_both_apply(aligned: Store) -> None:
    """The clinical scientist maps to Creator and Embedder."""
    records = ask(aligned, "role-capabilities", role="clinical-scientist")
    union = set(data.notations("C")) | set(data.notations("E"))
    assert len(records) == len(union) == 44
    assert [r["notation"] for r in records] == sorted(union)
    assert codes(records) == [r["notation"] for r in records]
    for r in records:
        n = str(r["notation"])
        expected = {label for badge, label in (("C", "Creator"), ("E", "Embedder"))
                    if badge in next(c[3] for c in data.CAPABILITIES if c[0] == n)}
        # several archetypes are separated by '; ' (in no promised order)
        assert set(str(r["archetype"]).split("; ")) == expected, n
        assert r["level"] == str(data.level_of(n)) and r["label"] == f"Capability {n}"
    both = [r["notation"] for r in records if set(str(r["archetype"]).split("; ")) == {"Creator", "Embedder"}]
    assert both == ["1-08", "1-09", "1-10", "2.2-03", "4.1.1-02", "4.1.2-02", "5.1.3-01", "5.2.1-01",
                    "5.2.1-02", "6.4-01", "6.4-02"]


def test_role_with_one_archetype(aligned: Store) -> None:
    records = ask(aligned, "role-capabilities", role="regulator")  # Shaper only
    assert rows_of(records, "notation", "archetype") == [("3-01", "Shaper"), ("3.1-02", "Shaper"),
                                                         ("6.2-02", "Shaper")]


def test_role_capabilities_ignore_archetypes_the_role_does_not_map_to(aligned: Store) -> None:
    records = ask(aligned, "role-capabilities", role="clinical-director")  # Driver and User
    assert {r["notation"] for r in records} == set(data.notations("D")) | set(data.notations("U"))
    assert {a for r in records for a in str(r["archetype"]).split("; ")} == {"Driver", "User"}


# -- curriculum-coverage ---------------------------------------------------------------------------

COVERAGE_COLUMNS = ("domain", "domain_label", "required", "covered", "percent")


def test_coverage_per_domain_is_exact_with_all_six_domains(aligned: Store) -> None:
    records = ask(aligned, "curriculum-coverage", curriculum=EMBEDDING, archetype="Embedder")
    assert rows_of(records, *COVERAGE_COLUMNS) == [
        ("1", DOMAIN_LABELS["1"], 10, 3, 30.0),
        ("2", DOMAIN_LABELS["2"], 8, 1, 12.5),  # the one in sub-domain 2.1
        ("3", DOMAIN_LABELS["3"], 0, 0, 0.0),  # no Embedder capability: 0 of 0
        ("4", DOMAIN_LABELS["4"], 7, 2, 28.6),  # groups 4.1.1 and 4.1.2; 2/7 = 28.57…
        ("5", DOMAIN_LABELS["5"], 9, 0, 0.0),
        ("6", DOMAIN_LABELS["6"], 6, 1, 16.7),  # 1/6 = 16.66…
    ]


def test_coverage_overall_is_7_of_40(aligned: Store) -> None:
    records = ask(aligned, "curriculum-coverage", curriculum=EMBEDDING, archetype="Embedder")
    required = sum(number(r["required"]) for r in records)
    covered = sum(number(r["covered"]) for r in records)
    assert (required, covered) == (40, 7)
    assert 100 * covered / required == 17.5


def test_empty_curriculum_covers_nothing(aligned: Store) -> None:
    records = ask(aligned, "curriculum-coverage", curriculum=EMPTY, archetype="Embedder")
    assert rows_of(records, *COVERAGE_COLUMNS) == coverage_table(EMBEDDER_REQUIRED, [0] * 6)


def test_outcomes_aligned_to_the_same_capability_twice_count_once(aligned: Store) -> None:
    doc = {"id": "https://example.org/curricula/repeats", "title": "Repeats", "modules": [
        {"title": "One", "learningOutcomes": [
            {"statement": "First", "alignedTo": ["4.1.1-01", "4.1.1-01"]},
            {"statement": "Second", "alignedTo": ["4.1.1-01"]}]},
        {"title": "Two", "learningOutcomes": [{"statement": "Third", "alignedTo": ["4.1.1-01"]}]}]}
    data.store_curriculum(aligned, doc)
    records = ask(aligned, "curriculum-coverage", curriculum=doc["id"], archetype="Embedder")
    assert rows_of(records, *COVERAGE_COLUMNS) == coverage_table(EMBEDDER_REQUIRED, [0, 0, 0, 1, 0, 0])


@pytest.mark.parametrize(("archetype", "required", "covered"), [
    ("Creator", CREATOR_REQUIRED, [1, 1, 0, 0, 0, 1]),  # 1-08, 2.2-04, 6.4-01
    ("User", USER_REQUIRED, [1, 0, 1, 0, 0, 0]),  # 1-01, 3.2-02
    ("Embedder", EMBEDDER_REQUIRED, [2, 0, 0, 0, 0, 1]),  # 1-08, 1-01, 6.4-01: not a target, still measured
])
def test_curriculum_targeting_several_archetypes_is_measured_against_each(
        aligned: Store, archetype: str, required: list[int], covered: list[int]) -> None:
    records = ask(aligned, "curriculum-coverage", curriculum=CREATORS, archetype=archetype)
    assert rows_of(records, *COVERAGE_COLUMNS) == coverage_table(required, covered)


def test_capability_badged_for_several_archetypes_counts_for_each(aligned: Store) -> None:
    """1-08 and 6.4-01 are Creator and Embedder; 1-01 is Embedder and User."""
    def covered(archetype: str) -> dict[object, object]:
        return {r["domain"]: r["covered"]
                for r in ask(aligned, "curriculum-coverage", curriculum=CREATORS, archetype=archetype)}

    assert covered("Creator")["1"] == 1 and covered("Creator")["6"] == 1  # 1-08, 6.4-01
    assert covered("Embedder")["1"] == 2 and covered("Embedder")["6"] == 1  # 1-08 and 1-01, 6.4-01
    assert covered("User")["1"] == 1  # 1-01


def test_coverage_counts_only_the_asked_curriculum(aligned: Store) -> None:
    """SECOND shares 1-01 and 1-09 with EMBEDDING, which covers more: none of that leaks across."""
    records = ask(aligned, "curriculum-coverage", curriculum=SECOND, archetype="Embedder")
    assert rows_of(records, *COVERAGE_COLUMNS) == coverage_table(EMBEDDER_REQUIRED, [2, 0, 0, 0, 0, 0])


def test_full_coverage_is_100_percent(aligned: Store) -> None:
    doc = {"id": "https://example.org/curricula/shapers", "title": "Shapers", "modules": [
        {"title": "All", "learningOutcomes": [
            {"statement": "All", "alignedTo": ["3-01", "3.1-02", "6.2-02"]}]}]}
    data.store_curriculum(aligned, doc)
    records = ask(aligned, "curriculum-coverage", curriculum=doc["id"], archetype="Shaper")
    assert rows_of(records, *COVERAGE_COLUMNS) == coverage_table([0, 0, 2, 0, 0, 1], [0, 0, 2, 0, 0, 1])
    assert [r["percent"] for r in records] == [0.0, 0.0, 100.0, 0.0, 0.0, 100.0]
    assert ask(aligned, "coverage-gaps", curriculum=doc["id"], archetype="Shaper") == []


# -- coverage-gaps ---------------------------------------------------------------------------------

GAP_COLUMNS = ("notation", "level", "domain")


def expected_gaps(covered: set[str], level: int | None = None) -> list[tuple[str, str, str]]:
    missing = [n for n in data.notations("E", level) if n not in covered]
    return [(n, str(data.level_of(n)), data.top_domain(data.section_of(n)))
            for n in data.by_domain_level(missing)]


def test_gaps_are_exactly_the_33_uncovered_capabilities(aligned: Store) -> None:
    records = ask(aligned, "coverage-gaps", curriculum=EMBEDDING, archetype="Embedder")
    assert len(records) == 33
    assert rows_of(records, *GAP_COLUMNS) == expected_gaps(set(data.EMBEDDING_COVERS))
    assert not set(codes(records)) & set(data.EMBEDDING_COVERS)
    assert all(r["label"] == f"Capability {r['notation']}" for r in records)


def test_gaps_at_one_level(aligned: Store) -> None:
    records = ask(aligned, "coverage-gaps", curriculum=EMBEDDING, archetype="Embedder", level="2")
    assert [r["notation"] for r in records] == ["1-04", "2-02", "2.2-01", "4.1-01", "5.1-01", "5.2-01",
                                                "6.1-02"]
    assert rows_of(records, *GAP_COLUMNS) == expected_gaps(set(data.EMBEDDING_COVERS), 2)


def test_empty_curriculum_has_every_required_capability_as_a_gap(aligned: Store) -> None:
    records = ask(aligned, "coverage-gaps", curriculum=EMPTY, archetype="Embedder")
    assert rows_of(records, *GAP_COLUMNS) == expected_gaps(set())
    assert len(records) == 40


def test_gaps_count_only_the_asked_curriculum(aligned: Store) -> None:
    records = ask(aligned, "coverage-gaps", curriculum=SECOND, archetype="Embedder")
    assert rows_of(records, *GAP_COLUMNS) == expected_gaps({"1-01", "1-09"})
    assert len(records) == 38


def test_gaps_for_another_archetype(aligned: Store) -> None:
    records = ask(aligned, "coverage-gaps", curriculum=CREATORS, archetype="Creator")
    assert [r["notation"] for r in records] == data.by_domain_level(
        [n for n in data.notations("C") if n not in {"1-08", "2.2-04", "6.4-01"}])
    assert len(records) == 12


# -- capability-provision --------------------------------------------------------------------------


def test_provision_counts_curricula_and_distinct_providers(aligned: Store) -> None:
    records = ask(aligned, "capability-provision")
    assert len(records) == 54
    counts = {r["notation"]: (r["curricula"], r["providers"]) for r in records}
    assert counts == data.provision()
    assert counts["1-01"] == (3, 2)  # EMBEDDING and SECOND (University One), CREATORS (College Two)
    assert counts["1-09"] == (2, 1)  # EMBEDDING and SECOND: one provider
    assert counts["1-05"] == (1, 1)  # two outcomes of one curriculum
    assert counts["4.1.1-01"] == (1, 1)  # twice in one outcome
    assert counts["3.2-02"] == (1, 1) and counts["1-02"] == (0, 0)
    assert all(r["label"] == f"Capability {r['notation']}" and code(r["capability"]) == r["notation"]
               for r in records)


def test_untaught_capabilities_come_first_with_zero(aligned: Store) -> None:
    records = ask(aligned, "capability-provision")
    taught = {"1-01", "1-05", "1-08", "1-09", "1-11", "2.1-02", "2.2-04", "3.2-02", "4.1.1-01", "4.1.2-01",
              "6.4-01", "6.4-02"}
    untaught = sorted(c[0] for c in data.CAPABILITIES if c[0] not in taught)
    assert len(untaught) == 42
    assert [r["notation"] for r in records[:42]] == untaught
    assert all(r["curricula"] == 0 and r["providers"] == 0 for r in records[:42])
    assert all(number(r["curricula"]) > 0 for r in records[42:])
    curricula_counts = [number(r["curricula"]) for r in records]
    assert curricula_counts == sorted(curricula_counts)


def test_provision_for_one_archetype_lists_only_its_capabilities(aligned: Store) -> None:
    records = ask(aligned, "capability-provision", archetype="Embedder")
    assert sorted(str(r["notation"]) for r in records) == sorted(data.notations("E"))
    expected = data.provision()
    assert {r["notation"]: (r["curricula"], r["providers"]) for r in records} == {
        n: expected[n] for n in data.notations("E")}
    # 1-01 is also User: badged for two archetypes, still one row
    assert [r["notation"] for r in records].count("1-01") == 1
    assert records[-1]["notation"] == "1-01"  # the most taught, last


def test_provision_with_no_curricula_stored_is_all_zero(store: Store) -> None:
    data.load_framework(store)
    records = ask(store, "capability-provision", archetype="Shaper")
    assert rows_of(records, "notation", "curricula", "providers") == [("3-01", 0, 0), ("3.1-02", 0, 0),
                                                                      ("6.2-02", 0, 0)]


# -- curricula-for-archetype -----------------------------------------------------------------------

RANKING_COLUMNS = ("curriculum", "title", "provider", "covered", "required", "percent")


def test_curricula_best_first_with_exact_coverage(aligned: Store) -> None:
    records = ask(aligned, "curricula-for-archetype", archetype="Embedder")
    assert rows_of(records, *RANKING_COLUMNS) == [
        (EMBEDDING, "Embedding AI in practice", "University One", 7, 40, 17.5),
        (CREATORS, "Creators and users", "College Two", 3, 40, 7.5),
        (SECOND, "Second course", "University One", 2, 40, 5.0),
        (EMPTY, "Empty course", None, 0, 40, 0.0),  # no provider
    ]


def test_each_curriculum_is_listed_once_when_curricula_share_a_provider(aligned: Store) -> None:
    """EMBEDDING and SECOND both name University One; a third names the same provider differently."""
    doc = {"id": "https://example.org/curricula/third", "title": "Third course",
           "provider": {"id": UNI_ONE_ID, "name": "Univ. One"}, "modules": []}
    data.store_curriculum(aligned, doc)
    records = ask(aligned, "curricula-for-archetype", archetype="Embedder")
    listed = [r["curriculum"] for r in records]
    assert sorted(map(str, listed)) == sorted([EMBEDDING, CREATORS, SECOND, EMPTY, str(doc["id"])])
    assert all(r["provider"] in ("University One", "Univ. One") for r in records if r["curriculum"] != EMPTY
               and r["curriculum"] != CREATORS)


def test_curricula_for_another_archetype(aligned: Store) -> None:
    records = ask(aligned, "curricula-for-archetype", archetype="Creator")
    assert rows_of(records, "curriculum", "covered", "required", "percent") == [
        (CREATORS, 3, 15, 20.0), (EMBEDDING, 2, 15, 13.3), (SECOND, 1, 15, 6.7), (EMPTY, 0, 15, 0.0)]


def test_curricula_with_equal_coverage_are_ordered_by_title(aligned: Store) -> None:
    records = ask(aligned, "curricula-for-archetype", archetype="User")
    assert rows_of(records, "title", "covered", "required", "percent") == [
        ("Creators and users", 2, 14, 14.3), ("Embedding AI in practice", 2, 14, 14.3),
        ("Second course", 1, 14, 7.1), ("Empty course", 0, 14, 0.0)]


# -- outcome-level-fit -----------------------------------------------------------------------------

FIT = "https://example.org/curricula/level-fit"
FIT_DOC: dict[str, Any] = {
    "id": FIT, "title": "Level fit", "modules": [
        {"title": "M1", "learningOutcomes": [
            {"statement": "understands", "bloomLevel": "understand", "alignedTo": ["1-01", "1-04"]},
            {"statement": "remembers", "bloomLevel": "remember", "alignedTo": ["1-02"]},
        ]},
        {"title": "M2", "learningOutcomes": [
            {"statement": "applies", "bloomLevel": "apply", "alignedTo": ["1-05", "1-06"]},
            {"statement": "analyses", "bloomLevel": "analyse", "alignedTo": ["1-07", "1-08"]},
        ]},
        {"title": "M3", "learningOutcomes": [
            {"statement": "evaluates", "bloomLevel": "evaluate", "alignedTo": ["1-09"]},
            {"statement": "creates", "bloomLevel": "create", "alignedTo": ["1-03", "1-10"]},
            {"statement": "no level", "alignedTo": ["1-11"]},
            {"statement": "not aligned", "bloomLevel": "apply"},
        ]},
    ],
}


def test_fit_meets_below_and_no_bloom_level(aligned: Store) -> None:
    """ais:minimumBloomRank: level 1 → understand (2), 2 → apply (3), 3 → analyse (4),
    4 → evaluate (5)."""
    data.store_curriculum(aligned, FIT_DOC)
    records = ask(aligned, "outcome-level-fit", curriculum=FIT)
    got = [(r["outcome"], r["statement"], code(r["capability"]), r["capability_level"], r["bloom_level"],
            r["fit"]) for r in records]
    o = FIT + "/module/{}/outcome/{}"
    assert got == [
        (o.format(1, 1), "understands", "1-01", "1", "understand", "meets"),  # 2 >= 2
        (o.format(1, 1), "understands", "1-04", "2", "understand", "below"),  # 2 < 3
        (o.format(1, 2), "remembers", "1-02", "1", "remember", "below"),  # 1 < 2
        (o.format(2, 1), "applies", "1-05", "2", "apply", "meets"),  # 3 >= 3
        (o.format(2, 1), "applies", "1-06", "3", "apply", "below"),  # 3 < 4
        (o.format(2, 2), "analyses", "1-07", "3", "analyse", "meets"),  # 4 >= 4
        (o.format(2, 2), "analyses", "1-08", "4", "analyse", "below"),  # 4 < 5
        (o.format(3, 1), "evaluates", "1-09", "4", "evaluate", "meets"),  # 5 >= 5
        (o.format(3, 2), "creates", "1-03", "1", "create", "meets"),
        (o.format(3, 2), "creates", "1-10", "4", "create", "meets"),  # 6 >= 5
        (o.format(3, 3), "no level", "1-11", "1", None, "no Bloom level"),
    ]  # the outcome aligned to nothing is not listed


def test_fit_lists_only_the_asked_curriculum(aligned: Store) -> None:
    records = ask(aligned, "outcome-level-fit", curriculum=EMBEDDING)
    assert {str(r["outcome"]).split("/module/")[0] for r in records} == {EMBEDDING}
    assert len(records) == 9  # 2 + 1 + 2 + 2 (4.1.1-01 twice: one row) + 2 outcome/capability pairs
    assert ask(aligned, "outcome-level-fit", curriculum=EMPTY) == []


# -- framework-summary -----------------------------------------------------------------------------


#: Each archetype's capabilities per top-level domain, counted from each capability up to its domain (the
#: summary counts from each domain down): said beside a wrong summary, to tell the data from the query.
UPWARD = """PREFIX ais: <https://w3id.org/aiskills/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?archetype (COUNT(DISTINCT ?capability) AS ?n) WHERE {
  ?capability a ais:Capability ; ais:archetype/skos:prefLabel ?archetype ; ais:section/skos:broader* ?domain .
  ?domain a ais:Domain .
} GROUP BY ?archetype"""


def archetype_totals(records: list[dict[str, object]]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for r in records:
        totals[str(r["archetype"])] = totals.get(str(r["archetype"]), 0) + number(r["capabilities"])
    return dict(sorted(totals.items()))


def summary_diagnosis(store: Store, first: list[dict[str, object]]) -> str:
    """Said when a summary count is wrong (seen once in a while on Virtuoso): the totals of the wrong
    answer, of the same question asked again, and counted the other way round, from each capability."""
    again = ask(store, "framework-summary")
    upward = dict(sorted((str(a), int(str(n))) for a, n in store.select(UPWARD).values()))
    return (f"summary per archetype {archetype_totals(first)}; asked again {archetype_totals(again)} "
            f"(the same rows: {again == first}); counted from each capability up {upward}")


def test_summary_has_every_combination_with_exact_counts(aligned: Store) -> None:
    records = ask(aligned, "framework-summary")
    assert len(records) == 6 * 4 * 5 == 120
    got = [(r["domain"], r["level"], r["archetype"], r["capabilities"]) for r in records]
    keys = [tuple(str(v) for v in g[:3]) for g in got]
    assert keys == sorted(keys)
    assert {g[:3]: g[3] for g in got} == data.summary_counts(), summary_diagnosis(aligned, records)
    counts = {g[:3]: g[3] for g in got}
    assert counts[("1", "1", "Embedder")] == 3 and counts[("1", "4", "Creator")] == 3
    assert counts[("5", "4", "Creator")] == 3  # 5.1.3-01, 5.2.1-01, 5.2.1-02: groups roll up
    assert all(counts[("3", lv, "Embedder")] == 0 for lv in data.LEVELS)
    totals = {a: sum(number(n) for (_, _, arch), n in counts.items() if arch == a)
              for a in data.ARCHETYPE_LABELS.values()}
    assert totals == {"Shaper": 3, "Driver": 4, "Creator": 15, "Embedder": 40, "User": 14}


def test_summary_totals_match_the_bundled_framework(store: Store) -> None:
    loading.load_bundled(store)
    records = ask(store, "framework-summary")
    assert len(records) == 120
    rows = capability_rows(bundle.framework().triples)
    labels = {slug: slug.capitalize() for slug in ARCHETYPES.values()}
    for slug, label in labels.items():
        badged = sum(1 for r in rows if slug in r.archetypes)
        assert badged > 0
        counted = sum(number(r["capabilities"]) for r in records if r["archetype"] == label)
        assert counted == badged, f"{label}: {summary_diagnosis(store, records)}"


# -- parameters ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Embedder", "embedder", "EMBEDDER", "Embedders", "embedders", "E", "e",
                                  " Embedder ", EMBEDDER])
def test_archetype_by_name_plural_badge_any_case_or_iri(aligned: Store, name: str) -> None:
    answer = alignment.ask(aligned, "archetype-capabilities", {"archetype": name})
    assert answer.parameters == {"archetype": EMBEDDER}
    assert len(answer.records()) == 40


@pytest.mark.parametrize("role", ["clinical-scientist", "Clinical scientist", "CLINICAL SCIENTIST",
                                  ID + "role/clinical-scientist"])
def test_role_by_slug_label_or_iri(aligned: Store, role: str) -> None:
    answer = alignment.ask(aligned, "role-capabilities", {"role": role})
    assert answer.parameters == {"role": ID + "role/clinical-scientist"}
    assert len(answer.records()) == 44


@pytest.mark.parametrize("curriculum", [EMBEDDING, "Embedding AI in practice", "embedding ai in practice"])
def test_curriculum_by_iri_or_title(aligned: Store, curriculum: str) -> None:
    answer = alignment.ask(aligned, "coverage-gaps", {"curriculum": curriculum, "archetype": "E"})
    assert answer.parameters == {"curriculum": EMBEDDING, "archetype": EMBEDDER}
    assert len(answer.records()) == 33


def test_a_title_two_curricula_share_is_an_error_naming_both(aligned: Store) -> None:
    """Answering for either one would be a guess: the user must choose by IRI."""
    other = "https://example.org/curricula/another-second-course"
    data.store_curriculum(aligned, dict(data.SECOND_DOC, id=other))
    with pytest.raises(InputError) as raised:
        alignment.ask(aligned, "coverage-gaps", {"curriculum": "Second course", "archetype": "E"})
    assert SECOND in str(raised.value) and other in str(raised.value)
    answer = alignment.ask(aligned, "coverage-gaps", {"curriculum": other, "archetype": "E"})
    assert answer.parameters["curriculum"] == other


@pytest.mark.parametrize("level", ["2", "Level 2", "level 2", "LEVEL 2", " 2 "])
def test_level_as_number_or_level_n(aligned: Store, level: str) -> None:
    answer = alignment.ask(aligned, "archetype-capabilities", {"archetype": "Embedder", "level": level})
    assert answer.parameters["level"] == "2"
    assert len(answer.records()) == len(data.notations("E", 2)) == 10


def test_an_empty_optional_parameter_is_left_out(aligned: Store) -> None:
    answer = alignment.ask(aligned, "archetype-capabilities", {"archetype": "Embedder", "level": ""})
    assert answer.parameters == {"archetype": EMBEDDER}
    assert len(answer.records()) == 40


@pytest.mark.parametrize(("question", "params", "says"), [
    ("archetype-capabilities", {"archetype": "Embeder"}, "did you mean Embedder"),
    ("archetype-capabilities", {"archetype": "Creater"}, "did you mean Creator"),
    ("role-capabilities", {"role": "clinical-scientst"}, "clinical-scientist"),
    ("coverage-gaps", {"curriculum": "Embeding AI in practise", "archetype": "E"}, EMBEDDING),
    ("archetype-capabilities", {"archetype": "Embedder", "level": "5"}, "1, 2, 3, 4"),
])
def test_unknown_value_is_an_error_naming_the_nearest_valid_ones(
        aligned: Store, question: str, params: dict[str, str], says: str) -> None:
    with pytest.raises(InputError) as raised:
        alignment.ask(aligned, question, params)
    assert "there is no" in str(raised.value) and says in str(raised.value)


def test_missing_required_parameter_is_an_error(aligned: Store) -> None:
    with pytest.raises(InputError, match="needs curriculum"):
        alignment.ask(aligned, "coverage-gaps", {"archetype": "Embedder"})
    with pytest.raises(InputError, match="needs curriculum, archetype"):
        alignment.ask(aligned, "curriculum-coverage", {})
    with pytest.raises(InputError, match="needs archetype"):
        alignment.ask(aligned, "archetype-capabilities", {"archetype": ""})


def test_unknown_parameter_name_is_an_error(aligned: Store) -> None:
    with pytest.raises(InputError, match="has no parameter 'colour'") as raised:
        alignment.ask(aligned, "archetype-capabilities", {"archetype": "User", "colour": "red"})
    assert "archetype, level" in str(raised.value)  # names the parameters it has
    with pytest.raises(InputError, match="has no parameter 'archetype'"):
        alignment.ask(aligned, "framework-summary", {"archetype": "User"})


def test_unknown_question_is_an_error(aligned: Store) -> None:
    with pytest.raises(InputError, match="no query named 'what-nobody-asked'"):
        alignment.ask(aligned, "what-nobody-asked", {})


def test_no_curricula_stored_is_an_error(store: Store) -> None:
    data.load_framework(store)
    with pytest.raises(InputError, match="no curricula are stored"):
        alignment.ask(store, "curriculum-coverage", {"curriculum": EMBEDDING, "archetype": "User"})


INJECTION = 'Embedder" } UNION { ?s ?p ?o'


@pytest.mark.parametrize(("question", "params", "says"), [
    ("archetype-capabilities", {"archetype": INJECTION}, "there is no archetype"),
    ("archetype-capabilities", {"archetype": "Embedder", "level": '2" } UNION { ?s ?p ?o'},
     "there is no knowledge level"),
    ("role-capabilities", {"role": 'regulator> } UNION { ?s ?p ?o'}, "there is no role"),
    ("coverage-gaps", {"curriculum": EMBEDDING + '> } UNION { ?s ?p ?o }', "archetype": "E"},
     "there is no stored curriculum"),
    ("coverage-gaps", {"curriculum": 'Embedding AI in practice" } #', "archetype": "E"},
     "there is no stored curriculum"),
])
def test_quotes_and_braces_are_an_unknown_value_never_a_changed_query(
        aligned: Store, question: str, params: dict[str, str], says: str) -> None:
    with pytest.raises(InputError, match=says):
        alignment.ask(aligned, question, params)


def test_a_title_with_quotes_and_braces_is_found_and_bound_as_a_value(aligned: Store) -> None:
    doc = {"id": "https://example.org/curricula/odd", "title": INJECTION + " } #", "modules": [
        {"title": "M", "learningOutcomes": [{"statement": "S", "alignedTo": ["1-01"]}]}]}
    data.store_curriculum(aligned, doc)
    answer = alignment.ask(aligned, "curriculum-coverage", {"curriculum": doc["title"], "archetype": "E"})
    assert answer.parameters["curriculum"] == doc["id"]
    assert rows_of(answer.records(), *COVERAGE_COLUMNS) == coverage_table(EMBEDDER_REQUIRED,
                                                                          [1, 0, 0, 0, 0, 0])


def test_a_question_whose_parameter_nothing_resolves_fails_at_start_up(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from aiskills.errors import ConfigError
    from aiskills.queries import parse_query_file

    path = tmp_path / "colour-capabilities.rq"
    path.write_text("# title: By colour\n# description: Capabilities of a colour.\n# param colour: a colour\n"
                    "# columns: capability\nSELECT ?capability WHERE { ?capability ?p ?colour }\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        alignment.check_parameter_kinds([parse_query_file(path, "colour-capabilities")])
    assert str(path) in str(err.value) and "'colour'" in str(err.value)
    assert all(kind in str(err.value) for kind in alignment.Resolver.KINDS)


@pytest.mark.parametrize(("line", "says"), [
    ("# window needs: kept/no-such-check", "'kept/no-such-check', which is not a query under queries/"),
    ("# window needs: alignment/framework-summary", "answer whole and before"),  # answers neither
    ("# window when: kept/ranking-bounds", "bad window line"),
])
def test_a_window_that_needs_what_cannot_tell_fails_at_start_up(tmp_path, line: str, says: str) -> None:  # type: ignore[no-untyped-def]
    """A question's ``# window needs:`` must name a shipped bounds query that answers ``whole`` and
    ``before`` for a page; anything else is a ConfigError naming the question's file when it is read."""
    from aiskills.errors import ConfigError
    from aiskills.queries import parse_query_file

    path = tmp_path / "levels.rq"
    path.write_text(f"# title: Levels\n# description: Every level.\n{line}\n# columns: level\n"
                    "SELECT ?level WHERE { ?level a ?kind }\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        parse_query_file(path, "levels")
    assert str(path) in str(err.value) and says in str(err.value)


def test_a_window_whose_bounds_take_what_the_question_does_not_give_fails_at_start_up(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The ranking's bounds take an archetype and the ranking node named from it: a question without
    an archetype cannot use them, and says so at start-up; with one, it can."""
    from aiskills.errors import ConfigError
    from aiskills.queries import parse_query_file

    header = "# title: Levels\n# description: Every level.\n# window needs: kept/ranking-bounds\n"
    body = "# columns: level\nSELECT ?level WHERE { ?level a ?kind }\n"
    path = tmp_path / "levels.rq"
    path.write_text(header + "# param level: a level\n" + body, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        alignment.check_parameter_kinds([parse_query_file(path, "levels")])
    assert str(path) in str(err.value) and "takes 'archetype'" in str(err.value)
    path.write_text(header + "# param archetype: an archetype\n" + body, encoding="utf-8")
    alignment.check_parameter_kinds([parse_query_file(path, "levels")])  # archetype, and ranking from it


def test_every_parameter_of_the_shipped_questions_is_a_kind_the_resolver_knows() -> None:
    kinds = {p.name for q in alignment.questions() for p in q.parameters}
    assert kinds and kinds <= set(alignment.Resolver.KINDS)
    assert all(callable(getattr(alignment.Resolver, f"_{k}")) for k in alignment.Resolver.KINDS)


def test_the_readme_table_of_questions_matches_the_query_headers() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z-]+)` \| ([^|]*) \|[^|]*\| ([^|]*) \|$", readme, re.MULTILINE)
    table = {name: (params, columns) for name, params, columns in rows}
    questions = alignment.questions()
    assert set(table) == {q.name for q in questions}
    for q in questions:
        params, columns = table[q.name]
        said = [p.name + (" (optional)" if p.optional else "") for p in q.parameters]
        assert params.strip() == (", ".join(f"`{p}`".replace(" (optional)`", "` (optional)") for p in said) or "none")
        assert columns.split("`")[1] == ", ".join(q.columns), q.name
