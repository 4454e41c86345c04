"""Answers kept up to date at write time, so that questions over many curricula stay cheap:

- each curriculum's graph holds its coverage of each archetype, overall and per top-level domain
  (``aisv:coverage`` nodes: ``aisv:ArchetypeCoverage`` and ``aisv:DomainCoverage`` with
  ``aisv:archetype``, ``aisv:domain`` and ``aisv:covered``), worked out against the current framework
  as the alignment questions define coverage; a framework load works them out again for every
  stored curriculum (``refresh``);
- the provision graph (``PROVISION_GRAPH``) holds, for each capability some curriculum teaches, how
  many curricula teach it and how many distinct providers (``aisv:taughtBy``, ``aisv:providers``),
  with the count per provider it is made from. The store changes them in the same transaction as
  the curricula graphs they count, working them out from those graphs as that transaction sees them
  (the updates ``queries/kept/provision-*.ru``, run through ``Store.replace_graphs``' ``before`` and
  ``after``): nothing read before the write is written back, so writers at the same time (threads,
  web workers, front ends sharing a SPARQL server) cannot undo each other's counts;
- each curriculum's graph lists its entry of each archetype's ranking as one row, in one of 256 parts
  of the archetype's ranking node (``ranking_part``), and the provision graph holds each part's rows
  gathered into one text (``aisv:rows``), gathered again by every write for the parts it touches, in
  its transaction (``queries/kept/ranking-mark.ru`` before, ``ranking-settle.ru`` after), so that the
  whole ranking is read off a few hundred values (``whole_ranking``).
"""

from __future__ import annotations

import functools
import hashlib
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeGuard

import pyoxigraph as ox

from aiskills import namespaces as ns
from aiskills.errors import ConfigError
from aiskills.queries import load_query, load_update
from aiskills.rdf import RDF_TYPE, integer
from aiskills.store.base import CatalogEntry, GraphData, Store, Term
from aiskills.submission.model import AISV

TEACHES = ox.NamedNode("https://schema.org/teaches")
PROVISION_GRAPH = ns.GRAPH + "provision"
_COVERAGE = ox.NamedNode(AISV + "coverage")
_ARCHETYPE_COVERAGE = ox.NamedNode(AISV + "ArchetypeCoverage")
_DOMAIN_COVERAGE = ox.NamedNode(AISV + "DomainCoverage")
_FOR_ARCHETYPE = ox.NamedNode(AISV + "archetype")
_FOR_DOMAIN = ox.NamedNode(AISV + "domain")
_COVERED = ox.NamedNode(AISV + "covered")
_TAUGHT_BY = ox.NamedNode(AISV + "taughtBy")
_PROVIDERS = ox.NamedNode(AISV + "providers")
_CAPABILITY = ox.NamedNode(AISV + "capability")
_PROVIDER = ox.NamedNode(AISV + "provider")
_CURRICULA = ox.NamedNode(AISV + "curricula")
_PROVIDER_TEACHING = ox.NamedNode(AISV + "ProviderTeaching")
_LISTED_FOR = ox.NamedNode(AISV + "listedFor")
_OF_CURRICULUM = ox.NamedNode(AISV + "curriculum")
_LISTED_TITLE = ox.NamedNode(AISV + "title")
_LISTED_PROVIDER = ox.NamedNode(AISV + "providerName")
_LIST_RANK = ox.NamedNode(AISV + "listRank")
_HOLDS = ox.NamedNode(AISV + "holds")
_LISTS = ox.NamedNode(AISV + "lists")
_PART = ox.NamedNode(AISV + "part")
_ROWS = ox.NamedNode(AISV + "rows")
_DECIMAL = ox.NamedNode(ns.XSD + "decimal")
#: The most covered capabilities a rank tells apart (more rank as this many). With the title's
#: bytes a rank stays below 2**50, so that a server whose FLOOR goes through a double (Virtuoso)
#: still gets a list rank's whole part exactly.
_RANK_COVERED = (1 << 10) - 1
#: How many leading bytes of the title a rank holds.
_RANK_TITLE_BYTES = 5
#: Decimal places of a list rank: they tell apart the entries of one rank, nothing more.
_RANK_PLACES = 18
#: An archetype's ranking node: this and the archetype's IRI as ``ENCODE_FOR_URI`` writes it.
RANKING_PREFIX = AISV + "ranking-"
#: Hex digits of a curriculum graph's SHA-256 that name the ranking part its entries are listed in:
#: 256 parts per archetype, so that the whole ranking is a few hundred values however many curricula
#: are stored, and a write gathers again the rows of the few parts its graphs are in.
_PART_DIGITS = 2
_TITLE = ox.NamedNode(ns.DCT + "title")
_HAS_PROVIDER = ox.NamedNode(ns.AIS + "provider")
_LABEL = ox.NamedNode(ns.RDFS + "label")


_Q = """PREFIX ais: <https://w3id.org/aiskills/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <https://schema.org/>
"""


@dataclass(frozen=True)
class Taught:
    """What one stored curriculum teaches (``schema:teaches``) and who provides it."""

    capabilities: frozenset[str]
    providers: frozenset[str]

    @classmethod
    def of(cls, triples: Iterable[ox.Triple]) -> Taught:
        caps, providers = set(), set()
        for t in triples:
            if t.predicate == TEACHES:
                caps.add(_text(t.object))
            elif t.predicate.value == ns.AIS + "provider":
                providers.add(_text(t.object))
        return cls(frozenset(caps), frozenset(providers))


@dataclass(frozen=True)
class FrameworkIndex:
    """The current framework as the coverage questions read it: each capability's archetypes and
    top-level domain (its section, or a section above it, that is an ``ais:Domain``)."""

    archetypes: dict[str, frozenset[str]]
    domains: dict[str, frozenset[str]]
    every_archetype: frozenset[str] = frozenset()

    @classmethod
    def read(cls, store: Store) -> FrameworkIndex:
        table = store.select(
            _Q
            + """SELECT ?capability ?archetype ?domain WHERE {
              { ?capability a ais:Capability ; ais:archetype ?archetype }
              UNION { ?capability a ais:Capability ; ais:section/skos:broader* ?domain . ?domain a ais:Domain }
              UNION { ?archetype a ais:Archetype } }"""
        )
        archetypes: dict[str, set[str]] = {}
        domains: dict[str, set[str]] = {}
        every: set[str] = set()
        for cap, archetype, domain in table.values():
            if cap is None:
                if archetype:
                    every.add(archetype)
                continue
            if archetype:
                archetypes.setdefault(cap, set()).add(archetype)
            if domain:
                domains.setdefault(cap, set()).add(domain)
        return cls(
            {c: frozenset(a) for c, a in archetypes.items()},
            {c: frozenset(d) for c, d in domains.items()},
            frozenset(every),
        )

    def coverage(
        self, graph: str, curriculum: str, taught: Taught, triples: Sequence[ox.Triple] = ()
    ) -> list[ox.Triple]:
        """The coverage facts of the curriculum stored in ``graph`` (its ``triples``): for every
        archetype, how many of its capabilities the curriculum teaches, with the curriculum's title
        and provider name as the ranking lists them (the least of each); and per top-level domain
        (none for 0)."""
        overall: Counter[str] = Counter()
        per_domain: Counter[tuple[str, str]] = Counter()
        for cap in taught.capabilities:
            for archetype in self.archetypes.get(cap, ()):
                overall[archetype] += 1
                for domain in self.domains.get(cap, ()):
                    per_domain[(archetype, domain)] += 1
        subjects = [ox.NamedNode(curriculum)]
        listing = _listing(curriculum, triples)
        title = next((_text(o) for p, o in listing if p == _LISTED_TITLE), None)
        out: list[ox.Triple] = []
        for archetype in sorted(self.every_archetype | set(overall)):
            node = _coverage_node(graph, subjects, _ARCHETYPE_COVERAGE, archetype, None, overall[archetype])
            at = node[1].subject
            out += node + [ox.Triple(at, _LISTED_FOR, ox.NamedNode(archetype))]
            out += [ox.Triple(at, p, o) for p, o in listing]
            rank = ox.Literal(list_rank(overall[archetype], title, graph, archetype), datatype=_DECIMAL)
            ranking = ranking_node(archetype)
            out += [ox.Triple(at, _LIST_RANK, rank), ox.Triple(ranking, _HOLDS, rank)]
            row = ranking_row(rank.value, overall[archetype], listing)
            if row is not None:
                part = ranking_part(ranking, graph)
                out += [ox.Triple(ranking, _PART, part), ox.Triple(part, _LISTS, ox.Literal(row))]
        for (archetype, domain), n in sorted(per_domain.items()):
            out += _coverage_node(graph, subjects, _DOMAIN_COVERAGE, archetype, domain, n)
        return out


def _listing(curriculum: str, triples: Sequence[ox.Triple]) -> list[tuple[ox.NamedNode, Term]]:
    """The curriculum and its least title and least provider name (as ``MIN`` picks them)."""
    node = ox.NamedNode(curriculum)
    titles = [o for t in triples if t.subject == node and t.predicate == _TITLE and _is_term(o := t.object)]
    providers = {t.object for t in triples if t.subject == node and t.predicate == _HAS_PROVIDER}
    names = [
        o for t in triples if t.subject in providers and t.predicate == _LABEL and _is_term(o := t.object)
    ]
    out: list[tuple[ox.NamedNode, Term]] = [(_OF_CURRICULUM, node)]
    if titles:
        out.append((_LISTED_TITLE, min(titles, key=_order)))
    if names:
        out.append((_LISTED_PROVIDER, min(names, key=_order)))
    return out


def ranking_row(rank: str, covered: int, listing: Sequence[tuple[ox.NamedNode, Term]]) -> str | None:
    """An entry as its archetype's ranking node lists it (``aisv:lists``), so that the whole ranking
    is read off one node: its list rank, coverage, curriculum, title and provider name, each term in
    N-Triples syntax (tabs, line breaks and quotes escaped), separated by tabs, an empty field where
    there is none. ``None`` for an entry that names a blank node: such a term cannot be written again
    as the same node, so that ranking is read from its entries."""
    values = dict(listing)
    fields = [values.get(p) for p in (_OF_CURRICULUM, _LISTED_TITLE, _LISTED_PROVIDER)]
    if any(isinstance(term, ox.BlankNode) for term in fields):
        return None
    return "\t".join([rank, str(covered), *("" if term is None else str(term) for term in fields)])


def whole_ranking(store: Store, bindings: Mapping[str, Term]) -> list[tuple[Term | None, ...]] | None:
    """The whole answer of curricula-for-archetype (every row, in its order and columns), read off the
    parts of the archetype's ranking node, each holding the rows (``ranking_row``) of its entries as
    one text (``aisv:rows``, kept by ``queries/kept/ranking-settle.ru``): a few hundred values, where
    the question's own query reads four values of each entry, one look-up each. ``None`` when the parts
    do not hold every entry (a store written before they were kept, until a framework load writes
    them): then ask the question."""
    archetype = bindings.get("archetype")
    if not isinstance(archetype, ox.NamedNode):
        return None
    table = store.select(_rows_query(), {"archetype": archetype, "ranking": ranking_node(archetype.value)})
    listed: int | None = None
    required: int | None = None
    texts: list[str] = []
    for count, need, text in table.rows:
        if count is not None:
            listed = int(count.value)
        elif need is not None:
            required = int(need.value)
        elif text is not None:
            texts.append(text.value)
    if required is None:  # not an archetype of the current framework: the question has no rows
        return []
    if listed != sum(text.count("\n") + 1 for text in texts):
        return None
    return _ranked("\n".join(texts), required)


@functools.cache
def _rows_query() -> str:
    """``queries/kept/ranking-rows.rq``, read once."""
    return load_query("kept", "ranking-rows").text


def _ranked(rows: str, required: int) -> list[tuple[Term | None, ...]]:
    """Rows of ``ranking_row``, a row a line, as the question answers them: curriculum, title, provider, covered,
    required, percent; ordered as its ``ORDER BY DESC(?covered) ASC(STR(?title)) ?curriculum`` orders
    them (no title first, then strings by code point), its percent worked out as its expression does.

    Built column by column, each distinct term once, and sorted three times, stably, each on one plain
    key (the curriculum, then the title, then the coverage): at 10,000 rows that is several times
    faster than one sort on tuples. Its fields hold no tab or line break (``ranking_row`` writes
    N-Triples terms), so the rows are split as one text: one list, where a list per row and a tuple per
    entry set Python's cycle collector going over the whole heap, about a third of the time at 10,000
    rows."""
    fields = rows.replace("\n", "\t").split("\t")
    iris = [curriculum[1:-1] for curriculum in fields[2::5]]
    titles, providers, covered = fields[3::5], fields[4::5], fields[1::5]
    counts = {c: int(c) for c in set(covered)}
    count_terms = {c: integer(n) for c, n in counts.items()}
    percents = {c: _percent(n, required) for c, n in counts.items()}
    # each title's term, and its key for ASC(STR(?title)): no title ("") before every title ("\x01"…)
    title_terms = {t: _term(t) for t in set(titles)}
    title_keys = {t: "" if term is None else "\x01" + term.value for t, term in title_terms.items()}
    provider_terms = {p: _term(p) for p in set(providers)}
    order = list(range(len(iris)))
    order.sort(key=iris.__getitem__)
    order.sort(key=[title_keys[t] for t in titles].__getitem__)
    order.sort(key=[-counts[c] for c in covered].__getitem__)
    required_term = integer(required)
    return [
        (
            ox.NamedNode(iris[i]),
            title_terms[titles[i]],
            provider_terms[providers[i]],
            count_terms[covered[i]],
            required_term,
            percents[covered[i]],
        )
        for i in order
    ]


def _percent(covered: int, required: int) -> ox.Literal:
    """``ROUND(1000.0 * covered / IF(required = 0, 1, required)) / 10.0``, as an ``xsd:decimal`` in
    the form SPARQL engines write it (no trailing zeros, no point for a whole number). Coverage is
    never negative, so rounding half up is SPARQL's ``ROUND``."""
    whole = max(required, 1)
    tenths = (2000 * covered + whole) // (2 * whole)
    text = str(tenths // 10) if tenths % 10 == 0 else f"{tenths // 10}.{tenths % 10}"
    return ox.Literal(text, datatype=_DECIMAL)


def _term(text: str) -> Term | None:
    """A term written in N-Triples syntax by ``ranking_row`` (``None`` for an empty field): the plain
    forms built here, anything with an escape or a datatype parsed by pyoxigraph."""
    if not text:
        return None
    if text[0] == "<":
        return ox.NamedNode(text[1:-1])
    if "\\" not in text:
        if text[-1] == '"':
            return ox.Literal(text[1:-1])
        at = text.rfind('"@')
        if at > 0 and "^" not in text[at:]:
            return ox.Literal(text[1:at], language=text[at + 2 :])
    triple = next(iter(ox.parse(f"<urn:x> <urn:x> {text} .\n", format=ox.RdfFormat.N_TRIPLES)))
    return triple.object  # type: ignore[no-any-return]


#: Questions whose whole answer (no page asked) is read from what is kept, when all of it is.
WHOLE_ANSWERS: dict[str, Callable[[Store, Mapping[str, Term]], list[tuple[Term | None, ...]] | None]] = {
    "curricula-for-archetype": whole_ranking,
}


def listing_rank(covered: int, title: str | None) -> int:
    """The rank of a ranking entry: it never decreases down the ranking of curricula-for-archetype
    (most covered first, then by title). Fewer covered capabilities rank higher; equal coverage ranks
    by the first bytes of the title's UTF-8 text, which order as the text does (no title: none), so
    entries that differ there never rank against the list's order."""
    prefix = (title or "").encode("utf-8")[:_RANK_TITLE_BYTES].ljust(_RANK_TITLE_BYTES, b"\0")
    behind = _RANK_COVERED - min(covered, _RANK_COVERED)
    return (behind << (8 * _RANK_TITLE_BYTES)) | int.from_bytes(prefix, "big")


def list_rank(covered: int, title: str | None, graph: str, archetype: str) -> str:
    """An entry's list rank (``aisv:listRank``, an ``xsd:decimal``): its ``listing_rank`` as the whole
    part, and as the decimal places the SHA-256 of its graph and archetype taken below one half, which
    only tell the entries of one rank apart (so the ranking node holds one value per entry); below one
    half, a double near the rank still has the same whole part. Ranks of
    entries that differ in their whole part order as the ranking does; entries of the same whole part
    are sorted by the question itself."""
    digest = int.from_bytes(hashlib.sha256(f"{graph} {archetype}".encode()).digest()[:16], "big")
    return f"{listing_rank(covered, title)}.{digest % (10**_RANK_PLACES // 2):0{_RANK_PLACES}d}"


def ranking_part(ranking: ox.NamedNode, graph: str) -> ox.NamedNode:
    """The part of an archetype's ranking node (``aisv:part``) that lists the entry of the curriculum
    stored in ``graph``: the node's IRI, ``-part-`` and the first ``_PART_DIGITS`` hex digits of the
    SHA-256 of the graph's IRI."""
    digest = hashlib.sha256(graph.encode("utf-8")).hexdigest()[:_PART_DIGITS]
    return ox.NamedNode(f"{ranking.value}-part-{digest}")


def ranking_node(archetype: str) -> ox.NamedNode:
    """The node that holds (``aisv:holds``) the list ranks of an archetype's entries, one per stored
    curriculum, so that a page of the ranking reads them off one node in order: ``RANKING_PREFIX`` and
    the archetype's IRI as SPARQL's ``ENCODE_FOR_URI`` writes it (UTF-8, every byte but ``A-Z a-z 0-9
    - . _ ~`` as ``%XX``)."""
    return ox.NamedNode(RANKING_PREFIX + urllib.parse.quote(archetype, safe="-._~"))


#: The kept nodes a window's bounds query may take besides the question's parameters, each named from
#: one of them: its binding's name, the parameter, and how the node is named from that parameter's IRI.
WINDOW_NODES: dict[str, tuple[str, Callable[[str], ox.NamedNode]]] = {
    "ranking": ("archetype", ranking_node),
}


def window_nodes(names: Iterable[str], bindings: Mapping[str, Term]) -> dict[str, Term]:
    """The ``WINDOW_NODES`` among ``names``, named from the bound parameters they are named from (bound
    as constants, a store finds a node's values by index, where one worked out in the query is matched
    against every node's)."""
    out: dict[str, Term] = {}
    for name in names:
        if name in WINDOW_NODES:
            parameter, node = WINDOW_NODES[name]
            value = bindings.get(parameter)
            if isinstance(value, ox.NamedNode):
                out[name] = node(value.value)
    return out


def _is_term(term: object) -> TypeGuard[Term]:
    return isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal)


def _order(term: object) -> tuple[str, str]:
    return (_text(term), str(term))


def _coverage_node(
    graph: str,
    subjects: list[ox.NamedNode],
    kind: ox.NamedNode,
    archetype: str,
    domain: str | None,
    covered: int,
) -> list[ox.Triple]:
    key = hashlib.sha256(f"{archetype} {domain or ''}".encode()).hexdigest()[:16]
    node = ox.NamedNode(f"{graph}#coverage-{key}")
    out = [ox.Triple(s, _COVERAGE, node) for s in subjects]
    out += [
        ox.Triple(node, RDF_TYPE, kind),
        ox.Triple(node, _FOR_ARCHETYPE, ox.NamedNode(archetype)),
        ox.Triple(node, _COVERED, integer(covered)),
    ]
    if domain is not None:
        out.append(ox.Triple(node, _FOR_DOMAIN, ox.NamedNode(domain)))
    return out


def provision_row(capability: str, provider: str | None) -> str:
    """The IRI of the provision row of a capability and provider (or none), as the kept updates name
    it: ``PROVISION_GRAPH#`` and the first 24 hex digits of the SHA-256 of ``"capability provider"``,
    where an IRI with characters outside printable ASCII is written as its own SHA-256 (Virtuoso's
    ``CONCAT`` changes such text). Virtuoso also hashes such an IRI read from stored data as other
    than its UTF-8 text, so there the store names those rows otherwise: it is consistent with itself,
    and ``refresh`` lets the store name every row."""

    def text(iri: str) -> str:
        return iri if all(" " <= c <= "~" for c in iri) else hashlib.sha256(iri.encode()).hexdigest()

    key = hashlib.sha256(f"{text(capability)} {text(provider or '')}".encode()).hexdigest()[:24]
    return f"{PROVISION_GRAPH}#{key}"


class Provision:
    """The provision graph worked out here, for a whole dump written without a store (benchmarks):
    curricula per (capability, provider), ``None`` for none given, rows named by ``provision_row``,
    as the store names them (but for IRIs outside printable ASCII on Virtuoso: see there); and the
    rows each ranking part lists, gathered as ``queries/kept/ranking-settle.ru`` gathers them."""

    def __init__(self, counts: Counter[tuple[str, str | None]]) -> None:
        self.counts = counts
        self.parts: dict[str, list[str]] = {}

    def gather(self, coverage: Iterable[ox.Triple]) -> None:
        """Gather the ranking rows of one curriculum's coverage (``FrameworkIndex.coverage``)."""
        for t in coverage:
            if t.predicate == _LISTS:
                self.parts.setdefault(_text(t.subject), []).append(_text(t.object))

    def add(self, taught: Taught, sign: int) -> None:
        """Count (``sign`` +1) or uncount (-1) one curriculum: once per capability it teaches (the
        row without a provider) and once per capability and provider."""
        for cap in taught.capabilities:
            self.counts[(cap, None)] += sign
            for provider in taught.providers:
                self.counts[(cap, provider)] += sign

    def triples(self) -> list[ox.Triple]:
        out: list[ox.Triple] = []
        providers: Counter[str] = Counter()
        for (cap, provider), n in sorted(self.counts.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
            if n <= 0:
                continue
            row = ox.NamedNode(provision_row(cap, provider))
            out += [
                ox.Triple(row, RDF_TYPE, _PROVIDER_TEACHING),
                ox.Triple(row, _CAPABILITY, ox.NamedNode(cap)),
                ox.Triple(row, _CURRICULA, integer(n)),
            ]
            if provider is None:
                out.append(ox.Triple(ox.NamedNode(cap), _TAUGHT_BY, integer(n)))
            else:
                out.append(ox.Triple(row, _PROVIDER, ox.NamedNode(provider)))
                providers[cap] += 1
        for (cap, provider), n in sorted(self.counts.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
            if provider is None and n > 0:
                count = integer(providers[cap])
                out.append(ox.Triple(ox.NamedNode(cap), _PROVIDERS, count))
        for part, rows in sorted(self.parts.items()):
            out.append(ox.Triple(ox.NamedNode(part), _ROWS, ox.Literal("\n".join(rows))))
        return out


@functools.cache
def provision_updates(*names: str) -> tuple[str, ...]:
    """The kept updates that change the provision graph (``queries/kept/{name}.ru``: the counts and the
    ranking parts' rows), read once."""
    texts = tuple(load_update("kept", name).text for name in names)
    for text in texts:
        if f"<{PROVISION_GRAPH}>" not in text:
            raise ConfigError(f"queries/kept/{names}: the updates do not name the provision graph")
    return texts


#: Run before a write's curricula graphs are replaced or dropped (``before``): they uncount the
#: curricula about to go and mark the ranking parts their entries are listed in.
UNCOUNT = ("provision-uncount", "provision-settle", "ranking-mark")
#: Run once a write's curricula graphs are in place (``after``): they count them, mark the ranking
#: parts they list their entries in, and gather again the rows of every part marked.
COUNT = ("provision-count", "provision-settle", "ranking-mark", "ranking-settle")
#: Run once a write's curricula graphs are dropped (``after``).
SETTLE = ("ranking-settle",)


def refresh(store: Store, batch: int = 500) -> int:
    """Work out every stored curriculum's coverage again against the current framework, and the
    provision counts and the ranking parts' rows from scratch (after a framework load); the number of
    curricula.

    The counts are dropped first and counted again by the store, ``batch`` curricula per write, as
    each write counts (so rows are named by the store, as the updates name them on that backend):
    until the last batch is written, questions read the curricula counted so far."""
    graphs = [
        g
        for (g,) in store.select(
            _Q
            + "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?g <"
            + ns.DCT_SUBJECT
            + "> ?c . ?c a ais:Curriculum } }"
        ).values()
        if g is not None and g.startswith(ns.CURRICULUM_GRAPH_PREFIX)
    ]
    if graphs or store.count(PROVISION_GRAPH):
        store.replace_graphs([], drop=[PROVISION_GRAPH])
    framework = FrameworkIndex.read(store) if graphs else None
    for i in range(0, len(graphs), batch):
        part = graphs[i : i + batch]
        contents = []
        for graph in part:
            kept = [t for t in store.triples(graph) if not _is_coverage(t)]
            taught = Taught.of(kept)
            curriculum = next((str(_text(t.object)) for t in kept if t.predicate.value == ns.DCT_SUBJECT), "")
            assert framework is not None
            triples = kept + framework.coverage(graph, curriculum, taught, kept)
            data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
            contents.append(GraphData(graph, data, ox.RdfFormat.N_TRIPLES))
        entries = [CatalogEntry(PROVISION_GRAPH, "provision")]
        store.replace_graphs(
            contents, entries, before=provision_updates("ranking-mark"), after=provision_updates(*COUNT)
        )
    return len(graphs)


def _text(term: object) -> str:
    """An IRI's or literal's text."""
    return term.value if isinstance(term, ox.NamedNode | ox.Literal | ox.BlankNode) else str(term)


def _is_coverage(t: ox.Triple) -> bool:
    """A kept triple: the coverage nodes and links, and the list ranks an archetype's ranking holds."""
    return t.predicate == _COVERAGE or (
        isinstance(t.subject, ox.NamedNode)
        and ("#coverage-" in t.subject.value or t.subject.value.startswith(RANKING_PREFIX))
    )
