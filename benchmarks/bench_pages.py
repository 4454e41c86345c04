"""HTML pages over many stored curricula, on the embedded store.

Stores N synthetic curricula and times each page through the Flask app (median of --repeat runs, after
one warm-up), against a baseline in the same run: the same page over a store holding one curriculum,
so the ratio shows what the curricula cost a page.
Usage: python benchmarks/bench_pages.py [--curricula 1000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_alignment import populate

from aiskills import loading
from aiskills.config import Settings
from aiskills.store.embedded import EmbeddedStore
from aiskills.web import create_app

PAGES = ["/", "/id/capability/6.2-01", "/id/archetype/embedder", "/id/role/nurse", "/id/domain/6",
         "/search?q=bias", "/curricula", "/id/capability/6.2-01?format=ttl"]


def timed(client, path: str, repeat: int) -> float:  # type: ignore[no-untyped-def]
    client.get(path, headers={"Accept": "text/html"})
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        response = client.get(path, headers={"Accept": "text/html"})
        times.append(time.perf_counter() - t)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--curricula", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        stores = {}
        for name, n in (("one", 1), ("many", args.curricula)):
            store = EmbeddedStore(Path(tmp) / name)
            loading.load_bundled(store)
            populate(store, n)
            stores[name] = store
        clients = {k: create_app(Settings(), store=s).test_client() for k, s in stores.items()}
        print(f"| page | {args.curricula} curricula | 1 curriculum | ratio |\n|---|---:|---:|---:|")
        for path in PAGES:
            many, one = timed(clients["many"], path, args.repeat), timed(clients["one"], path, args.repeat)
            print(f"| `{path}` | {many * 1000:.1f} ms | {one * 1000:.1f} ms | {many / one:.1f}x |")
        for s in stores.values():
            s.close()


if __name__ == "__main__":
    main()
