"""Scale: 10,000 curricula (about 3.5 M triples) in one dump, restored and queried on disk.

1. Writes the framework, the ontology and N synthetic curricula (``datagen``) as one dump, exactly as
   ``aiskills dump`` writes it (``store.nq`` + ``manifest.json``, through ``backup.write_dump``).
2. Loads it into a fresh on-disk embedded store with ``backup.restore`` (what ``aiskills restore``
   runs: every checksum verified, one atomic write), and the same file into a fresh pyoxigraph store
   with its own ``Store.bulk_load`` (no checks, not atomic: the limit), in the same run.
3. Times each alignment question over the N curricula: cold (the first run in a fresh process that
   just opened the store; the OS file cache stays warm) and warm (the runs after it), medians.

Each step runs in its own process, so its peak memory (``ru_maxrss``) is its own.
Usage: python benchmarks/bench_scale.py [--curricula 10000] [--repeat 3] [--data DIR] [--keep]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_alignment import PARAMS
from datagen import curricula

from aiskills import alignment, backup, loading
from aiskills.curricula import choices, curriculum_graph, find, graph_triples, records
from aiskills.kept import PROVISION_GRAPH, FrameworkIndex, Provision, Taught
from aiskills.pages.data import rows as page_rows
from aiskills.queries import Page
from aiskills.store.base import CatalogEntry
from aiskills.store.embedded import EmbeddedStore
from aiskills.submission.readers import read_bytes
from aiskills.validation.report import Report

SEED = 9
SUBJECT = "http://purl.org/dc/terms/subject"


def peak_mb() -> float:
    """This process's peak resident set size in MB (Linux reports ru_maxrss in kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- steps, each run in a child process --------------------------------------------------------------
def _graphs(n: int) -> Iterator[tuple[CatalogEntry, list[ox.Triple]]]:
    """The ontology and framework graphs, then ``n`` curricula graphs, as ``aiskills submit`` stores them."""
    base = EmbeddedStore(None)
    loading.load_bundled(base)
    for entry in base.catalog():
        yield entry, base.triples(entry.graph)
    framework = FrameworkIndex.read(base)
    base.close()
    provision = Provision(Counter())
    for i, doc in enumerate(curricula(n, defect_share=0.0, seed=SEED)):
        sub = read_bytes(json.dumps(doc).encode(), f"c{i}.json")
        report = Report(sub.source, sub.format, sub.curriculum_id, [], "2026.1")
        graph = curriculum_graph(doc["id"])
        triples = graph_triples(sub, report)
        taught = Taught.of(triples)
        provision.add(taught, +1)
        coverage = framework.coverage(graph, doc["id"], taught, triples)
        provision.gather(coverage)
        yield (CatalogEntry(graph, "curriculum", "2026.1", extra=((SUBJECT, ox.NamedNode(doc["id"])),)),
               triples + coverage)
    yield CatalogEntry(PROVISION_GRAPH, "provision"), provision.triples()


def step_generate(data: Path, n: int) -> dict[str, Any]:
    t = time.perf_counter()
    summary = backup.write_dump(_graphs(n), data / "dump")
    return {"seconds": time.perf_counter() - t, "graphs": summary.graphs, "triples": summary.triples,
            "bytes": (data / "dump" / backup.DUMP).stat().st_size, "peak_mb": peak_mb()}


def step_restore(data: Path) -> dict[str, Any]:
    target = data / "ours"
    shutil.rmtree(target, ignore_errors=True)
    t = time.perf_counter()
    store = EmbeddedStore(target)
    summary = backup.restore(store, data / "dump")
    store.close()
    seconds = time.perf_counter() - t
    check = EmbeddedStore(target)
    stored = check.count()
    check.close()
    return {"seconds": seconds, "triples": summary.triples, "stored": stored, "peak_mb": peak_mb()}


def step_bulk(data: Path) -> dict[str, Any]:
    target = data / "bulk"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir()
    t = time.perf_counter()
    store = ox.Store(str(target))
    store.bulk_load(path=str(data / "dump" / backup.DUMP), format=ox.RdfFormat.N_QUADS)
    store.flush()
    seconds = time.perf_counter() - t
    stored = sum(1 for _ in store)
    del store
    return {"seconds": seconds, "stored": stored, "peak_mb": peak_mb()}


def step_question(data: Path, name: str, repeat: int, page: Page | None) -> dict[str, Any]:
    """Open the restored store, ask ``name`` once (cold), then ``repeat`` times (warm)."""
    store = EmbeddedStore(data / "ours")
    first = curricula(1, seed=SEED)[0]["id"]
    params = {k: v.format(first=first) for k, v in PARAMS.get(name, {}).items()}
    times = []
    rows = 0
    for _ in range(repeat + 1):
        t = time.perf_counter()
        if name in LISTINGS:
            rows = LISTINGS[name](store, first)
        else:
            rows = len(alignment.ask(store, name, params, page=page).table.rows)
        times.append(time.perf_counter() - t)
    store.close()
    return {"cold": times[0], "warm": statistics.median(times[1:]), "rows": rows, "peak_mb": peak_mb()}


STEPS = {"generate", "restore", "bulk", "question"}
#: The stored curricula read beside the questions: the whole list (``aiskills curricula list``,
#: /api/curricula, the /alignment forms) and one curriculum by its IRI (its page, /api/curricula/KEY).
LISTINGS = {
    "curricula list": lambda store, first: len(records(store)),
    "one curriculum": lambda store, first: len([find(store, first)]),
    # What /alignment's form reads: the curricula to list, or none past AISKILLS_DROPDOWN_MAX (500).
    "alignment form": lambda store, first: len(choices(store, 500) or []),
    # The home page's count of stored curricula, and the rows of the /curricula page.
    "home page count": lambda store, first: int(page_rows(store, "curricula-count")[0]["curricula"] or 0),
    "curricula page": lambda store, first: len(page_rows(store, "curricula")),
    # The whole ranking by the question's own query, as a store without the ranking node's rows
    # (aisv:lists) answers it: beside curricula-for-archetype above, which reads those rows.
    "curricula-for-archetype, by its query": lambda store, first: len(_ranking_by_query(store)),
}


def _ranking_by_query(store: EmbeddedStore) -> list[Any]:
    query = alignment.load_query(alignment.GROUP, "curricula-for-archetype")
    bound = {k: alignment.Resolver(store).resolve(k, v) for k, v in PARAMS["curricula-for-archetype"].items()}
    return store.select(query.paged(None), bound).rows
#: Pages asked beside the whole answers: the ranking's first page as /alignment shows it, and one deep in.
PAGES = [("curricula-for-archetype", 50, 0), ("curricula-for-archetype", 50, 5000)]


def child(step: str, data: Path, *extra: str) -> dict[str, Any]:
    """Run one step in a fresh interpreter; its JSON result."""
    out = subprocess.run([sys.executable, __file__, "--step", step, "--data", str(data), *extra],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# -- the run -------------------------------------------------------------------------------------------
def run(data: Path, n: int, repeat: int, fresh: bool) -> None:
    manifest = data / "dump" / backup.MANIFEST
    if fresh or not manifest.exists() or json.loads(manifest.read_text())["graphs"].__len__() != n + 3:
        gen = child("generate", data, "--curricula", str(n))
        print(f"dump: {gen['graphs']:,} graphs, {gen['triples']:,} triples, {gen['bytes'] / 1e6:.0f} MB "
              f"N-Quads, written in {gen['seconds']:.0f} s (peak {gen['peak_mb']:.0f} MB)", flush=True)
    else:
        print(f"dump: reusing {data / 'dump'}", flush=True)
    ours = child("restore", data)
    bulk = child("bulk", data)
    if ours["stored"] != bulk["stored"] or ours["stored"] != ours["triples"]:
        raise SystemExit(f"stores differ: restore {ours['stored']} vs bulk_load {bulk['stored']} "
                         f"vs manifest {ours['triples']}")
    ratio = ours["seconds"] / bulk["seconds"]
    triples = ours["triples"]
    print(f"\n## Loading {triples:,} triples ({n:,} curricula)\n")
    print("| loader | seconds | triples/s | peak RSS (MB) |\n|---|---:|---:|---:|")
    print(f"| `aiskills restore` (backup.restore, checked, atomic) | {ours['seconds']:.1f} | "
          f"{triples / ours['seconds']:,.0f} | {ours['peak_mb']:.0f} |")
    print(f"| pyoxigraph `Store.bulk_load` (unchecked) | {bulk['seconds']:.1f} | "
          f"{triples / bulk['seconds']:,.0f} | {bulk['peak_mb']:.0f} |")
    print(f"\nrestore / bulk_load: {ratio:.2f}x (goal: within 1.5x)", flush=True)

    print(f"\n## Alignment questions over {n:,} curricula (median of {repeat} processes)\n")
    print("| question | rows | cold (ms) | warm (ms) | peak RSS (MB) |\n|---|---:|---:|---:|---:|")
    worst = {"question": 0.0, "listing": 0.0}
    asked = [(name, "", []) for name in [*PARAMS, *LISTINGS]]
    asked += [(name, f", rows {offset + 1:,}-{offset + limit:,}", ["--limit", str(limit), "--offset", str(offset)])
              for name, limit, offset in PAGES]
    for name, label, paging in asked:
        results = [child("question", data, "--question", name, "--repeat", str(repeat), *paging)
                   for _ in range(repeat)]
        cold = statistics.median(r["cold"] for r in results)
        warm = statistics.median(r["warm"] for r in results)
        kind = "listing" if name in LISTINGS else "question"
        worst[kind] = max(worst[kind], cold, warm)
        print(f"| {name}{label} | {results[0]['rows']} | {cold * 1000:.1f} | {warm * 1000:.1f} | "
              f"{max(r['peak_mb'] for r in results):.0f} |", flush=True)
    print(f"\nslowest alignment question, whole or a page: {worst['question'] * 1000:.0f} ms (goal: under 200 ms); "
          f"slowest other line (a listing, or the ranking by its own query): {worst['listing'] * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--curricula", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, help="working folder (kept; the dump is reused when it matches)")
    parser.add_argument("--fresh", action="store_true", help="write the dump again even when one is there")
    parser.add_argument("--step", choices=sorted(STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--question", help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--offset", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        result = {"generate": lambda: step_generate(args.data, args.curricula),
                  "restore": lambda: step_restore(args.data),
                  "bulk": lambda: step_bulk(args.data),
                  "question": lambda: step_question(args.data, args.question, args.repeat,
                                                 Page.of(args.limit, args.offset))}[args.step]()
        print(json.dumps(result))
        return
    if args.data:
        args.data.mkdir(parents=True, exist_ok=True)
        run(args.data, args.curricula, args.repeat, args.fresh)
        return
    with tempfile.TemporaryDirectory() as tmp:
        run(Path(tmp), args.curricula, args.repeat, True)


if __name__ == "__main__":
    main()
