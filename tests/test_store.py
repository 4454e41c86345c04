"""The store test-suite: every test runs on the embedded backend and on a real Virtuoso server."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from aiskills import loading
from aiskills import namespaces as ns
from aiskills.errors import StoreError
from aiskills.framework.model import Framework, capability_rows
from aiskills.queries import load_query
from aiskills.store.base import CatalogEntry, GraphData, Store

PREFIX = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nPREFIX ais: <https://w3id.org/aiskills/ontology#>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"


def _count(store: Store, body: str) -> int:
    table = store.select(PREFIX + f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {body} }}")
    return int(table.values()[0][0])


def test_bundled_framework_has_the_published_shape(store: Store) -> None:
    """The counts the framework brief gives, measured by SPARQL over the loaded store."""
    loading.load_bundled(store)
    counts = dict(store.select(load_query("summary", "counts").text).values())
    assert counts["domains"] == "6"
    assert counts["sub-domains"] == "11"
    assert counts["third-level groups"] == "7"
    assert counts["knowledge levels"] == "4"
    assert counts["archetypes"] == "5"
    assert int(counts["roles"]) >= 25
    assert int(counts["capabilities"]) >= 150


def test_every_section_has_statements_and_every_domain_all_levels(store: Store) -> None:
    loading.load_bundled(store)
    empty = store.select(PREFIX + """SELECT ?code WHERE { ?s a/rdfs:subClassOf* ais:FrameworkSection ; skos:notation ?code .
        FILTER NOT EXISTS { ?c a ais:Capability ; ais:section/skos:broader* ?s } }""")
    assert empty.rows == []
    for domain in range(1, 7):
        levels = store.select(PREFIX + """SELECT DISTINCT ?n WHERE { ?d a ais:Domain ; skos:notation ?code .
            ?c ais:section/skos:broader* ?d ; ais:level/skos:notation ?n } ORDER BY ?n""",
                              {"code": ox.Literal(str(domain))})
        assert [v[0] for v in levels.values()] == ["1", "2", "3", "4"], f"domain {domain}"


def test_every_archetype_badges_at_least_30_capabilities(store: Store) -> None:
    loading.load_bundled(store)
    for slug in ("shaper", "driver", "creator", "embedder", "user"):
        badged = store.select(PREFIX + "SELECT (COUNT(?x) AS ?n) WHERE { ?x a ais:Capability ; ais:archetype ?a }",
                              {"a": ox.NamedNode(ns.archetype_iri(slug))})
        assert int(badged.values()[0][0]) >= 30, slug


def test_loading_twice_leaves_one_copy(store: Store) -> None:
    loading.load_bundled(store)
    first = store.count()
    caps = _count(store, "?x a ais:Capability")
    loading.load_bundled(store)
    assert store.count() == first
    assert _count(store, "?x a ais:Capability") == caps
    assert sorted(e.graph for e in store.catalog()) == sorted([ns.ONTOLOGY_GRAPH, ns.framework_graph("2026.1")])


def test_failed_load_leaves_previous_contents(store: Store, bundled_framework: Framework) -> None:
    loading.load_bundled(store)
    before = sorted(map(str, store.triples(bundled_framework.graph)))
    catalog = store.catalog()
    broken = GraphData(ns.ONTOLOGY_GRAPH, b"<http://a> <http://b> ", ox.RdfFormat.N_TRIPLES)
    good = GraphData(bundled_framework.graph, b"<http://x> <http://y> <http://z> .", ox.RdfFormat.N_TRIPLES)
    with pytest.raises(StoreError):
        store.replace_graphs([good, broken], [CatalogEntry(ns.ONTOLOGY_GRAPH, "ontology", "broken")])
    assert sorted(map(str, store.triples(bundled_framework.graph))) == before
    assert store.catalog() == catalog
    assert not any(g.startswith(ns.STAGING_GRAPH_PREFIX) for g in store.graph_names())


def test_new_version_becomes_current_and_old_is_kept(store: Store, bundled_framework: Framework) -> None:
    loading.load_bundled(store)
    version = ox.NamedNode(ns.DCT + "hasVersion")
    triples = [t for t in bundled_framework.triples
               if not (t.subject == ox.NamedNode(ns.FRAMEWORK_IRI) and t.predicate == version)]
    triples.append(ox.Triple(ox.NamedNode(ns.FRAMEWORK_IRI), version, ox.Literal("2027.1")))
    cap = ox.NamedNode(ns.capability_iri("new-01"))
    triples.append(ox.Triple(cap, ox.NamedNode(ns.RDF + "type"), ox.NamedNode(ns.AIS + "Capability")))
    loading.load_framework(store, Framework(triples, "2027.1"), "test")
    entries = {e.graph: e for e in store.catalog()}
    assert entries[ns.framework_graph("2026.1")].active is False
    assert entries[ns.framework_graph("2027.1")].active is True
    total = _count(store, "?x a ais:Capability")
    assert total == len(capability_rows(bundled_framework.triples)) + 1
    versions = store.select(PREFIX + "SELECT ?v WHERE { ?f a ais:CapabilityFramework ; <http://purl.org/dc/terms/hasVersion> ?v }")
    assert versions.values() == [("2027.1",)]
    both = store.select(PREFIX + "SELECT DISTINCT ?v WHERE { ?f <http://purl.org/dc/terms/hasVersion> ?v } ORDER BY ?v",
                        union=True)
    assert ("2026.1",) in both.values() and ("2027.1",) in both.values()
    # the kept version stays readable by its graph IRI (Graph Store GET), though outside the dataset
    assert set(store.graph_read(ns.framework_graph("2026.1")) or []) == set(bundled_framework.triples)


def test_graph_round_trips_exactly(store: Store, bundled_framework: Framework) -> None:
    loading.load_bundled(store)
    assert set(store.triples(bundled_framework.graph)) == set(bundled_framework.triples)
    assert store.count(bundled_framework.graph) == len(set(bundled_framework.triples))


@pytest.mark.parametrize("value", ['He said "hi" }', "x } UNION { ?s ?p ?o", "line\nbreak # not a comment", "\\"])
def test_bound_values_are_data_not_query_text(store: Store, value: str) -> None:
    """A bound literal with quotes, braces and newlines matches only itself."""
    data = f"<http://ex/a> <http://ex/p> {ox.Literal(value)} .\n<http://ex/b> <http://ex/p> \"other\" .\n"
    store.replace_graphs([GraphData(ns.GRAPH + "test", data.encode(), ox.RdfFormat.N_TRIPLES)],
                         [CatalogEntry(ns.GRAPH + "test", "test")])
    table = store.select("SELECT ?s WHERE { ?s <http://ex/p> ?v }", {"v": ox.Literal(value)})
    assert table.values() == [("http://ex/a",)]


def test_ask_and_construct(store: Store) -> None:
    loading.load_bundled(store)
    assert store.ask(PREFIX + "ASK { ?c a ais:Capability ; ais:archetype ?a }",
                     {"a": ox.NamedNode(ns.archetype_iri("embedder"))})
    triples = store.construct(PREFIX + "CONSTRUCT { ?a skos:notation ?n } WHERE { ?a a ais:Archetype ; skos:notation ?n }")
    assert sorted(t.object.value for t in triples) == ["C", "D", "E", "S", "U"]


def test_the_catalogue_of_some_kinds_is_the_whole_catalogue_filtered(store: Store) -> None:
    """``catalog(kinds)`` (what the CASE API, validation and downloads ask, reading only the framework
    and ontology graphs) gives exactly the whole catalogue's entries of those kinds, with curricula
    stored."""
    from support import alignment_data

    loading.load_bundled(store)
    alignment_data.load_all(store)  # four curricula (and the constructed framework over the bundled one)
    whole = store.catalog()
    kinds_held = {e.kind for e in whole}
    assert {"ontology", "framework", "curriculum"} <= kinds_held
    for kinds in ({"framework"}, {"framework", "ontology"}, {"curriculum"}, set(), kinds_held):
        assert store.catalog(kinds) == [e for e in whole if e.kind in kinds], kinds


NOTES = "http://example.org/notes"


def _without_one_capability(bundled_framework: Framework) -> tuple[Framework, str]:
    """Version 2027.1 of the bundled framework without its first capability (which 2026.1, kept, holds)."""
    gone = ox.NamedNode(ns.capability_iri(capability_rows(bundled_framework.triples)[0].notation))
    version = ox.NamedNode(ns.DCT + "hasVersion")
    triples = [t for t in bundled_framework.triples if gone not in (t.subject, t.object)
               and not (t.subject == ox.NamedNode(ns.FRAMEWORK_IRI) and t.predicate == version)]
    triples.append(ox.Triple(ox.NamedNode(ns.FRAMEWORK_IRI), version, ox.Literal("2027.1")))
    return Framework(triples, "2027.1"), gone.value


def test_an_update_s_where_reads_the_active_dataset_as_every_query_does(
    store: Store, bundled_framework: Framework
) -> None:
    """On Oxigraph's server the WHERE read its own empty default graph: INSERT … WHERE wrote nothing
    and said 204."""
    loading.load_bundled(store)
    current, gone = _without_one_capability(bundled_framework)
    loading.load_framework(store, current, "test")
    store.protocol_update(PREFIX + f"INSERT {{ GRAPH <{NOTES}> {{ ?x <{NOTES}#seen> true }} }} "
                          "WHERE { ?x a ais:Capability }")
    try:
        seen = {t.subject.value for t in store.graph_read(NOTES) or []}
    finally:  # a graph outside the catalogue: the shared server's clearing does not see it
        store.protocol_update(f"DROP SILENT GRAPH <{NOTES}>")
    assert len(seen) == len(capability_rows(current.triples)) and gone not in seen  # not the kept version's


@pytest.mark.parametrize("update", [
    'INSERT DATA { <http://example.org/a> <http://example.org/p> "z" }',
    "INSERT { ?x <http://example.org/p> 1 } WHERE { ?x a <https://w3id.org/aiskills/ontology#Archetype> }",
    f"COPY <{ns.ONTOLOGY_GRAPH}> TO DEFAULT",
])
def test_an_update_that_writes_the_default_graph_is_refused_and_changes_nothing(store: Store, update: str) -> None:
    """This store keeps data only in named graphs; on Oxigraph's server the triple had gone into its
    default graph (204), where every front end's /sparql then found it."""
    from aiskills.errors import QueryError

    loading.load_bundled(store)
    before = {e.graph: store.count(e.graph) for e in store.catalog()}
    with pytest.raises(QueryError, match="only in named graphs"):
        store.protocol_update(f"INSERT DATA {{ GRAPH <{NOTES}> {{ <{NOTES}> <{NOTES}> 1 }} }} ;\n{update}")
    assert {e.graph: store.count(e.graph) for e in store.catalog()} == before
    assert store.graph_read(NOTES) is None
    assert _count(store, "?x <http://example.org/p> ?o") == 0


def test_clear_default_is_refused_where_the_default_graph_holds_the_catalogue(oxigraph_server) -> None:  # type: ignore[no-untyped-def]
    """On Oxigraph's server the catalogue and kept versions live in its own default graph: a user's
    CLEAR DEFAULT through the endpoint would have made every stored graph vanish from the store."""
    from support.clearing import clear_all

    from aiskills.errors import QueryError
    from aiskills.store.remote import RemoteStore

    store = RemoteStore.from_settings(oxigraph_server.settings())
    clear_all(store)
    try:
        loading.load_bundled(store)
        before = store.catalog()
        for update in ("CLEAR DEFAULT", "DROP SILENT DEFAULT"):
            with pytest.raises(QueryError, match="where this server keeps the store's catalogue"):
                store.protocol_update(update)
        assert store.catalog() == before
    finally:
        clear_all(store)
        store.close()


@pytest.mark.parametrize(("wrote", "reads"), [("oxigraph", "generic"), ("generic", "oxigraph")])
def test_a_store_written_with_another_dialect_is_refused_not_taken_for_empty(
    oxigraph_server, wrote: str, reads: str  # type: ignore[no-untyped-def]
) -> None:
    """Behind a proxy that named itself nginx, the generic dialect found no catalogue graph on a store
    the oxigraph dialect wrote, said it was empty, and a server started on it loaded a second framework
    beside the first (374 capabilities, 187 distinct)."""
    from support.clearing import clear_all

    from aiskills.errors import ConfigError
    from aiskills.store.remote import RemoteStore

    base = oxigraph_server.endpoint.removesuffix("/query")  # the generic dialect is told where to write
    writer = RemoteStore.from_settings(oxigraph_server.settings(
        dialect=wrote, update_endpoint=base + "/update", graph_store=base + "/store"))
    clear_all(writer)
    try:
        loading.load_bundled(writer)
        reader = RemoteStore.from_settings(oxigraph_server.settings(dialect=reads))
        with pytest.raises(ConfigError, match=f"AISKILLS_SPARQL_DIALECT={wrote}"):
            reader.catalog()
        reader.close()
        assert [e.version for e in writer.catalog({"framework"})] == ["2026.1"]  # nothing written by the reader
    finally:
        clear_all(writer)
        writer.close()


def test_a_graph_a_user_writes_is_the_store_s_and_in_its_dump(store: Store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """On a SPARQL server a graph written through an update, or under an IRI of the user's own, was
    queryable but missing from the catalogue, `info` and the dump: a restore lost it."""
    from aiskills import backup

    loading.load_bundled(store)
    notes, more = "http://example.org/notes", "http://example.org/more-notes"
    triple = ox.Triple(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/p"), ox.Literal("z"))
    try:
        store.protocol_update(f'INSERT DATA {{ GRAPH <{notes}> {{ <http://example.org/a> <http://example.org/p> "z" }} }}')
        store.graph_write(more, [triple], replace=True)
        assert {notes, more} <= {e.graph for e in store.catalog()} and {notes, more} <= set(store.graph_names())
        backup.dump(store, tmp_path / "dump")
        dumped = (tmp_path / "dump" / "store.nq").read_text()
        assert f"<{notes}> ." in dumped and f"<{more}> ." in dumped
        store.protocol_update(f"DROP SILENT GRAPH <{notes}>")  # gone from the catalogue too, as its graph is
        assert notes not in {e.graph for e in store.catalog()} and more in {e.graph for e in store.catalog()}
    finally:
        store.protocol_update(f"DROP SILENT GRAPH <{notes}> ; DROP SILENT GRAPH <{more}>")
