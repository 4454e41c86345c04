"""The CASE provider and the CTDL-ASN node route, on the embedded store, against the peer in the same run:
the framework's own JSON-LD download (``/downloads/framework.jsonld``), which serialises the same graph.

Times each path through the Flask app (median of --repeat runs, after one warm-up) with the bundled
framework as one version, then with --versions earlier versions kept beside it (each CASE answer is built
from every version the store keeps), and prints the ratio to the peer.
Usage: python benchmarks/bench_case.py [--versions 4] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import replace

import pyoxigraph as ox

from aiskills import loading
from aiskills import namespaces as ns
from aiskills.config import Settings
from aiskills.framework import bundle
from aiskills.framework.model import Framework
from aiskills.publishing.case import case_uuid
from aiskills.store.embedded import EmbeddedStore
from aiskills.web import create_app

PEER = "/downloads/framework.jsonld"


def timed(client, path: str, repeat: int) -> float:  # type: ignore[no-untyped-def]
    client.get(path)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - t)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(times)


def versioned(framework: Framework, version: str) -> Framework:
    """The framework relabelled as ``version``."""
    p = ox.NamedNode(ns.DCT + "hasVersion")
    fw = ox.NamedNode(ns.FRAMEWORK_IRI)
    triples = [t for t in framework.triples if not (t.subject == fw and t.predicate == p)]
    return replace(framework, triples=[*triples, ox.Triple(fw, p, ox.Literal(version))], version=version)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--versions", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    framework = bundle.framework()
    document = case_uuid(ns.ID + "framework/" + framework.version)
    ctid = next(t.object.value for t in framework.triples if t.predicate.value == ns.CETERMS + "ctid")
    paths = [
        "/ims/case/v1p1/CFDocuments",
        f"/ims/case/v1p1/CFPackages/{document}",
        f"/ims/case/v1p1/CFItems/{case_uuid(ns.capability_iri('6.1-03'))}",
        f"/ctdl/{ctid}",
    ]
    store = EmbeddedStore(None)
    loading.load_bundled(store)
    client = create_app(Settings(), store=store).test_client()
    rows = [(p, timed(client, p, args.repeat)) for p in paths]
    peer = timed(client, PEER, args.repeat)
    for n in range(args.versions):
        loading.load_framework(store, versioned(framework, f"2025.{n + 1}"), "bench")
    loading.load_framework(store, framework, "bench")  # the bundled version current again
    many = [timed(client, p, args.repeat) for p in paths]
    peer_many = timed(client, PEER, args.repeat)
    print(f"| path | 1 version | {args.versions + 1} versions | ratio to `{PEER}` (1 / {args.versions + 1}) |")
    print("|---|---:|---:|---:|")
    for (path, one), more in zip(rows, many, strict=True):
        print(f"| `{path[:60]}` | {one * 1000:.0f} ms | {more * 1000:.0f} ms | {one / peer:.1f}x / {more / peer_many:.1f}x |")
    print(f"| `{PEER}` (peer) | {peer * 1000:.0f} ms | {peer_many * 1000:.0f} ms | 1x |")
    store.close()


if __name__ == "__main__":
    main()
