"""What running each /sparql query in a forked child costs: per-query latency of the same queries
answered in-process and forked (``aiskills.store.isolated``), on the embedded store holding the
bundled framework and N synthetic curricula (1,000 by default, as ``bench_alignment`` stores them).

Measured below the HTTP layer, so the figures are the isolation's cost alone: the render step is
the endpoint's own (SPARQL JSON with the row cap). Median and p95 of --repeat runs.
Usage: python benchmarks/bench_query_isolation.py [--curricula 1000] [--repeat 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_alignment import populate  # noqa: E402

from aiskills import loading  # noqa: E402
from aiskills.store.embedded import EmbeddedStore  # noqa: E402
from aiskills.store.isolated import run_forked  # noqa: E402
from aiskills.web.sparql import JSON, solutions_bytes  # noqa: E402

QUERIES = {
    "trivial (ASK {})": "SELECT (1 AS ?one) WHERE {}",
    "187 capabilities": "PREFIX ais: <https://w3id.org/aiskills/ontology#>\n"
                        "SELECT ?c WHERE { ?c a ais:Capability }",
    "count all triples": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
}


def timed(work: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(median, p95) in milliseconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def _bare_fork() -> None:
    """A fork whose child exits at once: the floor under any forked query (page tables, process exit)."""
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--curricula", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = EmbeddedStore(Path(tmp) / "store")
        loading.load_bundled(store)
        started = time.perf_counter()
        populate(store, args.curricula)
        print(f"stored {args.curricula} curricula in {time.perf_counter() - started:.1f} s; "
              f"{store.count()} triples")
        print(f"{'query':<20} {'in-process ms (p50/p95)':>24} {'forked ms (p50/p95)':>22} {'overhead p50':>13}")
        bare = timed(_bare_fork, args.repeat)
        print(f"{'bare fork+exit':<20} {'':>24} {bare[0]:>9.2f} / {bare[1]:<10.2f}")
        for name, query in QUERIES.items():
            def work(q: str = query) -> bytes:
                return solutions_bytes(store.protocol_query(q), JSON, 100_000)  # type: ignore[arg-type]

            work()  # warm the caches once
            inproc = timed(work, args.repeat)
            forked = timed(lambda: run_forked(work, 30.0), args.repeat)
            print(f"{name:<20} {inproc[0]:>11.2f} / {inproc[1]:<10.2f} {forked[0]:>9.2f} / {forked[1]:<10.2f} "
                  f"{forked[0] - inproc[0]:>+10.2f}")
        store.close()


if __name__ == "__main__":
    main()
