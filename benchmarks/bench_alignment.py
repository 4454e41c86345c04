"""Alignment questions over many stored curricula, on the embedded store.

Stores N synthetic curricula (each in its own graph, with provenance, as `aiskills submit` would) and
times every question, median of --repeat runs, against a baseline in the same run: the same question
over the framework alone (no curricula), so the ratio shows what the curricula cost.
Usage: python benchmarks/bench_alignment.py [--curricula 1000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from datagen import curricula

from aiskills import alignment, loading
from aiskills.curricula import store_many
from aiskills.store.base import Store
from aiskills.store.embedded import EmbeddedStore
from aiskills.submission.readers import read_bytes
from aiskills.validation.report import Report

PARAMS = {
    "archetype-capabilities": {"archetype": "Embedder"},
    "role-capabilities": {"role": "clinical-safety-officer"},
    "curriculum-coverage": {"curriculum": "{first}", "archetype": "User"},
    "coverage-gaps": {"curriculum": "{first}", "archetype": "User"},
    "capability-provision": {},
    "curricula-for-archetype": {"archetype": "Embedder"},
    "outcome-level-fit": {"curriculum": "{first}"},
    "framework-summary": {},
}


SEED = 9


def populate(store: Store, n: int, batch: int | None = None) -> str:
    """Store ``n`` synthetic curricula as ``aiskills submit`` would (with their coverage and the
    provision counts: ``curricula.store_many``), ``batch`` curricula per write (all in one by default;
    Virtuoso refuses one update moving a thousand staging graphs into place); the first curriculum's IRI."""
    items = []
    for i, doc in enumerate(curricula(n, defect_share=0.0, seed=SEED)):
        sub = read_bytes(json.dumps(doc).encode(), f"c{i}.json")
        items.append((sub, Report(sub.source, sub.format, sub.curriculum_id, [], "2026.1")))
        if len(items) == (batch or n) or i == n - 1:
            store_many(store, items)
            items = []
    return curricula(1, seed=SEED)[0]["id"]


def timed(store: EmbeddedStore, name: str, params: dict[str, str], repeat: int) -> tuple[float, int]:
    times, rows = [], 0
    for _ in range(repeat):
        t = time.perf_counter()
        rows = len(alignment.ask(store, name, params).table.rows)
        times.append(time.perf_counter() - t)
    return statistics.median(times), rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--curricula", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = EmbeddedStore(Path(tmp) / "framework-only")
        loading.load_bundled(base)
        store = EmbeddedStore(Path(tmp) / "store")
        loading.load_bundled(store)
        t = time.perf_counter()
        first = populate(store, args.curricula)
        print(f"stored {args.curricula} curricula ({store.count():,} triples) in {time.perf_counter() - t:.1f} s")
        base_first = populate(base, 1)
        worst = 0.0
        for name, template in PARAMS.items():
            params = {k: v.format(first=first) for k, v in template.items()}
            base_params = {k: v.format(first=base_first) for k, v in template.items()}
            t_base, _ = timed(base, name, base_params, args.repeat)
            t_many, rows = timed(store, name, params, args.repeat)
            worst = max(worst, t_many)
            print(f"{name:<24} {t_many * 1000:7.1f} ms over {args.curricula} curricula ({rows:>4} rows) | "
                  f"{t_base * 1000:6.1f} ms over 1 | {t_many / t_base:5.1f}x")
        print(f"slowest question: {worst * 1000:.0f} ms (goal: under 1,000 ms)")
        store.close()
        base.close()


if __name__ == "__main__":
    main()
