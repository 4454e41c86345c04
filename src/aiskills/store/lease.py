"""A write lease kept in the SPARQL server itself, so that writers on several hosts take turns.

Neither Virtuoso 7 nor Oxigraph's server runs concurrent update requests one after the other: an
update that reads what it writes (the provision counts) can lose another's change. Writers of one
host already wait for each other on a lock file (``remote._write_lock``); this lease makes writers
on *different* hosts over one server wait too.

The lease is a *claim*: one triple in the catalogue (its graph, or the server's default graph for a
dialect without one), ``<urn:x-aiskills:write-claim:ID> <…catalog#claimed> NOW()``, stamped with
the server's clock, so that hosts whose clocks differ agree on a claim's age. A writer takes the
lease by adding its claim and then reading every claim: if its own is the only live one, it holds
the lease; otherwise it withdraws its claim, pauses a random while and tries again. Of two writers
that claim at once, the one that reads second sees both claims (each read follows its own claim's
commit), so two writers never both hold it; both may withdraw, and their random pauses part them.

A holder renews its claim as it goes (``renew``, between the requests of a write); a claim not
renewed for ``ttl`` seconds is a crashed writer's and is cleared by the next writer. A holder that
stalls longer than ``ttl`` can lose the lease to another writer: then both write at once, which
keeps every graph and catalogue entry (each write changes only its own) but can leave provision
counts off until a framework load recounts them.

The lease also names the store's **generation**: one triple beside the claims,
``<urn:x-aiskills:generation> <…catalog#generation> "…"``, which a holder sets to a new value in the
same update that withdraws its claim, after everything it wrote. A front end that keeps answers
(``aiskills.web.answers``) reads it (``generation_query``, ``generation_of``) before each read it may
answer from what it kept: it names the store's contents, and every write through the lease changes it.
While a claim stands (a write under way, or a crashed writer's until the next writer clears it away)
the store names none, so nothing kept is given. A catalogue graph that holds nothing else (an emptied
store's) is left empty, as the write left it: the store then names no value, and an empty store is one
state.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Self

import pyoxigraph as ox

from aiskills.errors import AiskillsError, StoreError
from aiskills.namespaces import CATALOG_GRAPH

#: The claim's predicate; its subject is ``CLAIM_PREFIX`` + the writer's id.
CLAIMED = ox.NamedNode(CATALOG_GRAPH + "#claimed")
CLAIM_PREFIX = "urn:x-aiskills:write-claim:"
#: The store's generation: ``GENERATION_OF GENERATION "…"``, a new value with each write's release.
GENERATION = ox.NamedNode(CATALOG_GRAPH + "#generation")
GENERATION_OF = ox.NamedNode("urn:x-aiskills:generation")
#: The first pause after a lost claim; pauses double, drawn between half and all of that, to ``MOST_PAUSE``.
FIRST_PAUSE = 0.02
MOST_PAUSE = 1.0

Rows = Sequence[tuple[str | None, ...]]


@dataclass
class Lease:
    """One writer's lease on the store (use it once: ``with lease:``).

    ``update`` runs a SPARQL update; ``select`` a SELECT on the server's own default graph (no
    dataset of ours) and gives each row's values as text; ``graph`` is the catalogue's graph (None:
    the default graph); ``ttl`` the seconds a claim lives unrenewed; ``wait`` the seconds a writer
    waits for the lease before giving up with ``StoreError``."""

    update: Callable[[str], None]
    select: Callable[[str], Rows]
    graph: str | None
    ttl: float
    wait: float
    claim: str = field(default_factory=lambda: CLAIM_PREFIX + uuid.uuid4().hex)
    _stamped: float = 0.0

    def __enter__(self) -> Self:
        self.take()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def take(self) -> None:
        """Hold the lease, waiting while another writer does; ``StoreError`` after ``wait`` s."""
        began = time.monotonic()
        pause = FIRST_PAUSE
        while True:
            self._stamp()
            holders = self._live_claims()
            if holders == [self.claim]:
                return
            self._withdraw([self.claim])
            if time.monotonic() - began + pause > self.wait:
                raise StoreError(
                    f"another writer ({_named(holders, self.claim)}) held the store's write "
                    f"lease for all of {self.wait:.0f} s: nothing was written; try again (a claim "
                    f"left by a crashed writer runs out {self.ttl:.0f} s after its last renewal)"
                )
            time.sleep(pause * random.uniform(0.5, 1.0))
            pause = min(pause * 2, MOST_PAUSE)

    def renew(self) -> None:
        """Stamp the claim again when a third of its life has passed (call between requests)."""
        if time.monotonic() - self._stamped > self.ttl / 3:
            self._stamp()

    def release(self) -> None:
        """Withdraw the claim and name a new generation of the store, in one update; if the server
        cannot be told, the claim runs out by itself (and, standing, keeps answers from being given
        again until the next writer clears it away and names a new generation)."""
        mark = f"{GENERATION_OF} {GENERATION}"
        named = self._in_catalogue(f"{mark} {ox.Literal(uuid.uuid4().hex)}")
        if self.graph is None:
            name = f"INSERT DATA {{ {named} }}"
        else:  # a catalogue graph that holds nothing else (an emptied store) is left empty
            held = self._in_catalogue(f"?s ?p ?o FILTER (?p NOT IN ({CLAIMED}, {GENERATION}))")
            name = f"INSERT {{ {named} }} WHERE {{ {{ SELECT ?s WHERE {{ {held} }} LIMIT 1 }} }}"
        try:
            self.update(
                f"{self._withdrawal([self.claim])} ;\nDELETE WHERE {{ {self._in_catalogue(f'{mark} ?g')} }} ;\n{name}"
            )
        except AiskillsError:
            pass

    # -- steps -------------------------------------------------------------------------------------
    def _in_catalogue(self, pattern: str) -> str:
        return f"GRAPH {ox.NamedNode(self.graph)} {{ {pattern} }}" if self.graph else pattern

    def _stamp(self) -> None:
        me = ox.NamedNode(self.claim)
        self.update(
            f"DELETE WHERE {{ {self._in_catalogue(f'{me} {CLAIMED} ?t')} }} ;\n"
            f"INSERT {{ {self._in_catalogue(f'{me} {CLAIMED} ?now')} }} WHERE {{ BIND (NOW() AS ?now) }}"
        )
        self._stamped = time.monotonic()

    def _live_claims(self) -> list[str]:
        """Every claim not run out (by the server's clock), clearing away those that have."""
        rows = self.select(
            f"SELECT ?c ?t (NOW() AS ?now) WHERE {{ {self._in_catalogue(f'?c {CLAIMED} ?t')} "
            f"FILTER (STRSTARTS(STR(?c), {ox.Literal(CLAIM_PREFIX)})) }}"
        )
        live: list[str] = []
        dead: list[str] = []
        for claim, stamped, now in rows:
            if claim is None:
                continue
            age = _seconds(now) - _seconds(stamped)
            (dead if claim != self.claim and age > self.ttl else live).append(claim)
        if dead:
            self._withdraw(dead)
        return sorted(set(live))

    def _withdraw(self, claims: Sequence[str]) -> None:
        self.update(self._withdrawal(claims))

    def _withdrawal(self, claims: Sequence[str]) -> str:
        return " ;\n".join(
            f"DELETE WHERE {{ {self._in_catalogue(f'{ox.NamedNode(c)} {CLAIMED} ?t')} }}" for c in claims
        )


def generation_query(graph: str | None) -> str:
    """The SELECT that reads the store's generation and whether any claim stands, on the server's own
    default graph; ``graph``: the catalogue's graph (None: the default graph)."""
    pattern = f"{{ {GENERATION_OF} {GENERATION} ?generation }} UNION {{ ?claim {CLAIMED} ?t }}"
    return f"SELECT ?generation ?claim WHERE {{ {f'GRAPH {ox.NamedNode(graph)} {{ {pattern} }}' if graph else pattern} }}"


def generation_of(rows: Rows) -> bytes | None:
    """The generation ``generation_query``'s rows name: ``None`` while a claim stands (a write may be
    under way), else the value the last release named (empty before any)."""
    names = []
    for generation, claim in rows:
        if claim is not None:
            return None
        if generation is not None:
            names.append(generation)
    return "\n".join(sorted(names)).encode()


def _named(holders: Sequence[str], mine: str, most: int = 3) -> str:
    """The other writers' claims, the first ``most`` by name: "claim ab12…" or "claims …, and 4 more"."""
    others = [c.removeprefix(CLAIM_PREFIX) for c in holders if c != mine]
    if not others:
        return "claim unknown"
    named = ", ".join(others[:most]) + (f", and {len(others) - most} more" if len(others) > most else "")
    return f"claim{'s' if len(others) > 1 else ''} {named}"


def _seconds(stamp: str | None) -> float:
    """An ``xsd:dateTime`` as seconds; one without a time zone is read as UTC (the server's clock
    is compared only with itself). An unreadable stamp is a claim of long ago."""
    if not stamp:
        return 0.0
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return 0.0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
