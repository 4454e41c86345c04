"""Writes on a SPARQL server: what the write lease costs (``aiskills.store.lease``).

Starts the two servers the tests start (a private Virtuoso 7 and ``oxigraph serve``), and on each
writes one curriculum-sized graph (``--triples``, default 400) through ``RemoteStore.replace_graphs``
``--writes`` times (default 30), then removes it: once with the lease (as aiskills writes), once
with the lease taken away (a store whose ``_lease`` holds nothing), interleaved write by write so a
busy moment of the machine falls on both. Prints p50 and p95 of each, and the ratio.

Usage: python benchmarks/bench_writes.py [--writes 30] [--triples 400] [--server virtuoso|oxigraph|both]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from aiskills.config import Settings
from aiskills.store.base import GraphData
from aiskills.store.catalog import serialize_triples
from aiskills.store.remote import RemoteStore

GRAPH = "https://w3id.org/aiskills/graph/other/bench-writes"


class Unleased(RemoteStore):
    """The same store writing without the lease: what a write costs with none."""

    def _lease(self) -> contextlib.AbstractContextManager[object]:  # type: ignore[override]
        return contextlib.nullcontext(_NoLease())


class _NoLease:
    def renew(self) -> None:
        pass


def content(triples: int, round_: int) -> GraphData:
    s = ox.NamedNode(f"urn:x-bench:{round_}")
    made = [ox.Triple(s, ox.NamedNode(f"urn:x-bench:p{i}"), ox.Literal(f"value {i} of {round_}"))
            for i in range(triples)]
    return GraphData(GRAPH, serialize_triples(made), ox.RdfFormat.N_TRIPLES)


def timed(write: Callable[[], None]) -> float:
    began = time.perf_counter()
    write()
    return time.perf_counter() - began


def servers(which: str, root: Path) -> Iterator[tuple[str, Settings]]:
    if which in ("oxigraph", "both"):
        from support.oxigraph import OxigraphServer

        with OxigraphServer(root / "oxigraph") as server:
            yield "Oxigraph server", server.settings()
    if which in ("virtuoso", "both"):
        from support.virtuoso import VirtuosoServer

        with VirtuosoServer(root / "virtuoso") as virtuoso:
            yield "Virtuoso 7", virtuoso.settings()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--writes", type=int, default=30)
    parser.add_argument("--triples", type=int, default=400)
    parser.add_argument("--server", choices=["virtuoso", "oxigraph", "both"], default="both")
    a = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-writes-") as tmp:
        for name, settings in servers(a.server, Path(tmp)):
            leased = RemoteStore.from_settings(settings)
            bare = Unleased.from_settings(settings)
            times: dict[str, list[float]] = {"with": [], "without": []}
            for i in range(a.writes + 2):  # the first two warm the connection and the server
                for label, store in (("with", leased), ("without", bare)):
                    took = timed(lambda s=store, i=i: s.replace_graphs([content(a.triples, i)]))  # type: ignore[misc]
                    if i >= 2:
                        times[label].append(took)
            leased.replace_graphs([], drop=[GRAPH])
            leased.close()
            bare.close()
            w, wo = times["with"], times["without"]
            rows.append(f"| {name} | {pct(wo, .5):.0f} ms / {pct(wo, .95):.0f} ms | {pct(w, .5):.0f} ms / "
                        f"{pct(w, .95):.0f} ms | {statistics.median(w) / statistics.median(wo):.2f}x |")
    print(f"One write of {a.triples} triples, {a.writes} times each way (p50 / p95):\n")
    print("| server | without the lease | with the lease | p50 ratio |")
    print("|---|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
