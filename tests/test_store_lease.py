"""The write lease a SPARQL-backed store holds in the server itself (``aiskills.store.lease``), on the
two real servers the tests start: writers take turns through it even when they share no lock file
(as on different hosts), a crashed writer's claim runs out by the server's clock, and a writer that
cannot get the lease in time says so and writes nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace

import pyoxigraph as ox
import pytest

from aiskills.config import Settings
from aiskills.errors import StoreError
from aiskills.store.base import GraphData
from aiskills.store.catalog import serialize_triples
from aiskills.store.lease import CLAIMED, Lease
from aiskills.store.remote import RemoteStore

GRAPH = "https://w3id.org/aiskills/graph/other/lease-test"


@pytest.fixture(params=["virtuoso", "oxigraph_server"])
def settings(request: pytest.FixtureRequest) -> Settings:
    return request.getfixturevalue(request.param).settings()  # type: ignore[no-any-return]


@pytest.fixture
def remote(settings: Settings) -> Iterator[RemoteStore]:
    with RemoteStore.from_settings(settings) as store:
        clear_claims(store)
        yield store  # type: ignore[misc]
        clear_claims(store)
        store.replace_graphs([], [], drop=[GRAPH])


def claims(store: RemoteStore) -> list[str]:
    """Every claim in the server, wherever the dialect keeps its catalogue."""
    table = store._select(
        f"SELECT ?c WHERE {{ {{ ?c {CLAIMED} ?t }} UNION {{ GRAPH ?g {{ ?c {CLAIMED} ?t }} }} }}", [])
    return sorted({c for (c,) in table.values() if c})


def clear_claims(store: RemoteStore) -> None:
    for claim in claims(store):
        Lease(store._update, lambda q: [], store.dialect.catalog_graph, ttl=1, wait=1, claim=claim).release()


def lease(store: RemoteStore, *, ttl: float = 60.0, wait: float = 60.0) -> Lease:
    return replace(store._lease(), ttl=ttl, wait=wait)


def test_a_second_writer_takes_the_lease_only_after_the_first_releases_it(remote: RemoteStore) -> None:
    """Two leases with no lock file in common: the second takes the lease only once the first has
    withdrawn its claim, and while both wait or hold, at most one claim is ever live."""
    first = lease(remote)
    first.take()
    taken = threading.Event()
    second = lease(remote)
    took_at: list[float] = []

    def take_second() -> None:
        second.take()
        took_at.append(time.monotonic())
        taken.set()

    thread = threading.Thread(target=take_second)
    thread.start()
    began = time.monotonic()
    claims(remote)
    round_trip = time.monotonic() - began
    time.sleep(20 * round_trip)  # room for the second writer to try a few times (each try: 3 round trips)
    assert not taken.is_set()
    released_at = time.monotonic()
    first.release()
    thread.join(60)
    assert taken.is_set() and took_at[0] >= released_at
    assert claims(remote) == [second.claim]
    second.release()
    assert claims(remote) == []


def test_a_crashed_writers_claim_runs_out_after_its_life_and_is_cleared(remote: RemoteStore) -> None:
    """A claim never withdrawn (its writer crashed) holds the lease for ``ttl`` seconds by the
    server's clock; then the next writer clears it away and takes the lease."""
    ttl = 1.5
    crashed = lease(remote, ttl=ttl)
    crashed.take()  # and never released
    began = time.monotonic()
    nextone = lease(remote, ttl=ttl, wait=30 * ttl)
    nextone.take()
    waited = time.monotonic() - began
    assert waited >= ttl * 0.9  # the server's clock, read to the millisecond, against ours
    assert claims(remote) == [nextone.claim]
    nextone.release()


def test_a_writer_that_cannot_get_the_lease_in_time_writes_nothing_and_says_why(
        remote: RemoteStore, settings: Settings) -> None:
    """While another writer holds the lease, a write whose store times out first is one
    ``StoreError`` naming the other claim and what to do; the graph it would have written is not
    there, and its own claim is withdrawn."""
    holder = lease(remote)
    holder.take()
    try:
        impatient = RemoteStore.from_settings(replace(settings, timeout=1.0))
        triple = ox.Triple(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.Literal("c"))
        with pytest.raises(StoreError) as caught:
            impatient.replace_graphs([GraphData(GRAPH, serialize_triples([triple]), ox.RdfFormat.N_TRIPLES)])
        impatient.close()
        message = str(caught.value)
        assert holder.claim.rsplit(":", 1)[1] in message
        assert "write lease" in message and "nothing was written" in message and "try again" in message
        assert GRAPH not in remote.graph_names()
        assert claims(remote) == [holder.claim]
    finally:
        holder.release()


def test_a_refusal_names_at_most_three_other_claims() -> None:
    """The message for a writer that waited in vain names the other writers' claims, but only the
    first three of many (claims left by many crashed writers would make it unreadable), never its own."""
    from aiskills.store.lease import CLAIM_PREFIX, _named

    mine = CLAIM_PREFIX + "mine"
    many = [CLAIM_PREFIX + name for name in ("a1", "b2", "c3", "d4", "e5")] + [mine]
    assert _named(many, mine) == "claims a1, b2, c3, and 2 more"
    assert _named([CLAIM_PREFIX + "a1", mine], mine) == "claim a1"
    assert _named([mine], mine) == "claim unknown"


def test_an_update_sent_through_our_endpoint_waits_for_the_lease_too(remote: RemoteStore) -> None:
    """A SPARQL Update a user sends through aiskills (``protocol_update``) takes its turn like the
    store's own writes: while another writer holds the lease it is not applied; once the lease is
    released it is, and leaves no claim behind."""
    holder = lease(remote)
    holder.take()
    done = threading.Event()
    failed: list[BaseException] = []

    def send() -> None:
        try:
            remote.protocol_update(f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <urn:a> <urn:b> "sent" }} }}')
        except BaseException as exc:  # noqa: BLE001 - reported below
            failed.append(exc)
        done.set()

    thread = threading.Thread(target=send)
    try:
        thread.start()
        began = time.monotonic()
        claims(remote)
        round_trip = time.monotonic() - began
        time.sleep(20 * round_trip)
        assert not done.is_set()
        assert GRAPH not in remote.graph_names()
    finally:
        holder.release()
    thread.join(60)
    assert done.is_set() and not failed
    assert GRAPH in remote.graph_names()
    assert claims(remote) == []
