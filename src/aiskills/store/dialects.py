"""What one SPARQL server does differently, kept out of the SPARQL 1.1 client (``remote``).

The client speaks the SPARQL 1.1 Protocol and the Graph Store Protocol; a ``Dialect`` says how a
server is asked for the store's *active dataset* (the default graph every question reads: the
ontology, the current framework, the stored curricula, never earlier framework versions, the
catalogue or half-written graphs), where the catalogue lives, whether one update request is one
transaction, how many graphs one update may name, its row cap and its authentication. Adding a
server means adding a dialect here and naming it in ``DIALECTS``.

- ``generic``: any SPARQL 1.1 server. The active dataset is named graph by graph (``FROM`` and
  ``FROM NAMED`` clauses read off the catalogue at each question): correct everywhere, slow past a
  few hundred curricula. Writes go to staging graphs first and are moved into place by one update.
- ``virtuoso``: every graph is in Virtuoso's default graph, system graphs included; the dataset is
  all of them but the few that are not active (its system graphs, the catalogue, earlier framework
  versions, staging graphs), left out with ``DEFINE input:default-graph-exclude``. The graphs to
  leave out are one small read of the catalogue per question. Results stop at ``ResultSetMaxRows``
  (read again in pages), Digest authentication, at most ``graphs_per_update`` graphs in one update
  (``SQ156 … Query too large`` past it), updates not transactional (staging graphs, as generic),
  now and then a query refused for its estimated cost (asked again, and if refused on every
  try, a store error: the server's limit, never the user's fault), and now and then an update
  rolled back whole as deadlocked with another host's (sent again).
- ``oxigraph``: ``oxigraph serve``. Its default graph can be the union of its named graphs
  (``union-default-graph``) and one update request is one transaction: the catalogue and earlier
  framework versions (as one N-Triples literal each) live in its own default graph, which that
  union leaves out, and a write is one update, with no staging graphs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pyoxigraph as ox
import requests
from requests.auth import AuthBase, HTTPBasicAuth, HTTPDigestAuth

from aiskills.errors import ConfigError
from aiskills.namespaces import CATALOG_GRAPH
from aiskills.store.binding import mask

#: Virtuoso's own graphs (a fresh Virtuoso 7.2 database holds these); they are never part of the dataset.
VIRTUOSO_SYSTEM_GRAPHS: tuple[str, ...] = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/ns/ldp#",
    "http://localuriqaserver/sparql",
    "http://www.w3.org/2002/07/owl#",
    "http://localuriqaserver/DAV/",
    "urn:activitystreams-owl:map",
    "urn:core:services:sparql",
)
#: In Oxigraph's default graph: an earlier framework version's N-Triples, on the graph's IRI.
ARCHIVED = CATALOG_GRAPH + "#archived"


@dataclass(frozen=True)
class Dialect:
    """The generic SPARQL 1.1 server; subclasses override what their server does differently."""

    name: str = "generic"
    #: One update request is applied as one transaction (then a write is one update, no staging).
    atomic_updates: bool = False
    #: The catalogue's named graph; None: the server's own default graph.
    catalog_graph: str | None = CATALOG_GRAPH
    #: Most graphs one update may move or drop (None: no limit).
    graphs_per_update: int | None = None
    #: Whether a result may stop silently at a row cap the server announces in ``X-SPARQL-MaxRows``.
    row_cap: bool = False
    #: Whether the WHERE of an update sent through the endpoint is given the active dataset as
    #: ``USING`` clauses (the server's own default graph for updates is not that dataset).
    update_using: bool = True

    def auth(self, user: str, password: str) -> AuthBase:
        """How credentials are sent (HTTP Basic unless the server wants otherwise)."""
        return HTTPBasicAuth(user, password)

    def refused_for_cost(self, message: str) -> bool:
        """Whether an error answer (its text, as ``remote.server_message`` gives it) says the server
        would not run the query now because it judged it too costly: the server's limit, not the
        query's fault, and an answer that may differ when asked again."""
        return False

    def rolled_back(self, message: str) -> bool:
        """Whether an error answer to an update (its text) says the server rolled the whole request
        back because it clashed with another writer's transaction: nothing of it was applied, and
        the same request may be sent again."""
        return False

    def urls(self, endpoint: str) -> tuple[str, str | None]:
        """The update and Graph Store endpoints when none is given: the query endpoint, none."""
        return endpoint, None

    def dataset_text(self, hidden: Sequence[str], query: str) -> str:
        """Text put before ``query`` so that its default graph is the active dataset, given the
        graphs to leave out (only dialects that read ``hidden`` use it)."""
        return ""

    def dataset_params(self) -> list[tuple[str, str]]:
        """Protocol parameters that make the default graph the active dataset (generic: none; the
        client names the graphs instead)."""
        return []

    def update_text(self, hidden: Sequence[str]) -> str:
        """Text put before a user's update so that the WHERE of its operations reads the active
        dataset, given the graphs to leave out (for dialects without ``update_using``)."""
        return ""

    @property
    def names_graphs(self) -> bool:
        """Whether the active dataset is named graph by graph (the generic way)."""
        return True

    @property
    def reads_hidden(self) -> bool:
        """Whether each question first reads which graphs to leave out."""
        return False


@dataclass(frozen=True)
class Virtuoso(Dialect):
    name: str = "virtuoso"
    graphs_per_update: int | None = 200
    row_cap: bool = True
    update_using: bool = False  # its default graph holds every graph; USING past 200 graphs is SQ156

    def auth(self, user: str, password: str) -> AuthBase:
        return HTTPDigestAuth(user, password)

    def refused_for_cost(self, message: str) -> bool:
        """Virtuoso estimates a query's cost before running it and refuses one whose estimate passes
        its limit (``42000 … The estimated execution time N (sec) exceeds the limit of M (sec)``).
        The estimate comes from sampled statistics and can be wildly off now and then: a question
        answered in 0.3 s hundreds of times was once refused at an estimate of 13 million seconds."""
        return "estimated execution time" in message and "exceeds the limit" in message

    def rolled_back(self, message: str) -> bool:
        """Virtuoso locks rows, not graphs: two updates from different hosts touching the catalogue
        at once can deadlock, and it rolls one back whole (``40001 Error SR172: Transaction
        deadlocked``)."""
        return "SR172" in message or "40001 Error" in message

    def urls(self, endpoint: str) -> tuple[str, str | None]:
        """Updates go to ``/sparql-auth`` (the anonymous ``/sparql`` may not write)."""
        if endpoint.rstrip("/").endswith("/sparql"):
            return endpoint.rstrip("/") + "-auth", None
        return endpoint, None

    def dataset_text(self, hidden: Sequence[str], query: str) -> str:
        """``input:default-graph-exclude`` for each graph to leave out, and for named graphs
        ``input:named-graph-exclude`` likewise; but with those, Virtuoso finds nothing in a
        ``GRAPH <iri>`` pattern, so a query naming graphs that way names them as its named graphs
        (``input:named-graph-uri``) instead."""
        graphs = list(dict.fromkeys([*VIRTUOSO_SYSTEM_GRAPHS, CATALOG_GRAPH, *hidden]))
        text = "".join(f"DEFINE input:default-graph-exclude {ox.NamedNode(g)}\n" for g in graphs)
        constants = graph_constants(query)
        if constants:
            return text + "".join(f"DEFINE input:named-graph-uri {ox.NamedNode(g)}\n" for g in constants)
        return text + "".join(f"DEFINE input:named-graph-exclude {ox.NamedNode(g)}\n" for g in graphs)

    def update_text(self, hidden: Sequence[str]) -> str:
        """``input:default-graph-exclude`` works in an update's WHERE as in a query."""
        graphs = list(dict.fromkeys([*VIRTUOSO_SYSTEM_GRAPHS, CATALOG_GRAPH, *hidden]))
        return "".join(f"DEFINE input:default-graph-exclude {ox.NamedNode(g)}\n" for g in graphs)

    @property
    def names_graphs(self) -> bool:
        return False

    @property
    def reads_hidden(self) -> bool:
        return True


@dataclass(frozen=True)
class Oxigraph(Dialect):
    name: str = "oxigraph"
    atomic_updates: bool = True
    catalog_graph: str | None = None

    def urls(self, endpoint: str) -> tuple[str, str | None]:
        base = endpoint.rstrip("/").removesuffix("/query")
        return base + "/update", base + "/store"

    def dataset_params(self) -> list[tuple[str, str]]:
        return [("union-default-graph", "true")]

    @property
    def names_graphs(self) -> bool:
        return False


_GRAPH_KEYWORD = re.compile(r"(?<![\w:?$])GRAPH(?![\w:\-])", re.IGNORECASE)


def graph_constants(query: str) -> list[str]:
    """The IRIs written in the query's ``GRAPH <iri>`` patterns (comments and strings skipped)."""
    masked = mask(query)
    found = []
    for m in _GRAPH_KEYWORD.finditer(masked):
        start = m.end()
        while start < len(query) and query[start].isspace():
            start += 1
        end = query.find(">", start)
        if start < len(query) and query[start] == "<" and end > start:
            found.append(query[start + 1 : end])
    return list(dict.fromkeys(found))


DIALECTS: dict[str, Dialect] = {d.name: d for d in (Dialect(), Virtuoso(), Oxigraph())}


def named(name: str) -> Dialect:
    """The dialect called ``name`` (``AISKILLS_SPARQL_DIALECT``)."""
    try:
        return DIALECTS[name]
    except KeyError:
        raise ConfigError(
            f"unknown SPARQL dialect {name!r}: use one of {', '.join(DIALECTS)} (AISKILLS_SPARQL_DIALECT)"
        ) from None


def detect(response: requests.Response) -> Dialect:
    """The dialect of the server that sent ``response`` (its ``Server`` header), generic when unknown."""
    server = response.headers.get("Server", "").lower()
    if "virtuoso" in server:
        return DIALECTS["virtuoso"]
    if "oxigraph" in server:
        return DIALECTS["oxigraph"]
    return DIALECTS["generic"]
