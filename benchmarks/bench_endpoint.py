"""The SPARQL endpoint beside Oxigraph's own server, on the same data, in one run.

Prepares a store with the framework and ``--curricula`` curricula (default 100, as bench_load builds
it), copies its active graphs for Oxigraph, then starts both:

- aiskills: ``python -m aiskills.cli serve --store DIR`` (the engine process, granian web workers,
  query processes), with ``--workers`` and ``--threads`` when they are given here (by default, the
  server's own defaults: as a user runs it);
- Oxigraph: ``oxigraph serve-read-only --location COPY --union-default-graph`` (the ``oxigraph`` package
  on PyPI, the same engine aiskills embeds), so both answer over the union of the named graphs.

Each query is sent by ``wrk`` (Debian's package; ``scripts/install-system.sh`` installs it) with
``--connections`` connections for ``--seconds`` s, GET ``/sparql?query=…`` (Oxigraph: ``/query``),
``Accept: application/sparql-results+json``, first to one server then to the other. Printed per query:
requests/s, p50 and p99 latency, non-2xx answers and socket errors, and aiskills' figures as ratios of
Oxigraph's. The goals the endpoint is held to are printed beside them.

aiskills runs twice, each on its own copy of the store: as ``aiskills serve`` runs by default, keeping
answers per snapshot (``AISKILLS_ANSWER_CACHE_MB``, 64), so that a query asked again before the next
write is answered without being evaluated; and with ``AISKILLS_ANSWER_CACHE_MB=0``, every query
evaluated, as Oxigraph's server evaluates every one. ``wrk`` sends one query again and again, so the
first is the figure for a query asked again (pages, notebooks re-run) and the second for queries that
each differ. A third run sends every request a query of its own (the same query with a comment of
its own, made by a ``wrk`` script) to the server as it runs by default and to Oxigraph's server: no
answer is ever asked again, so this is the default server against Oxigraph's on queries that never
repeat (the kept answers' cost when they never help).

Beside them, the direct peer: the same query run straight on the same copy with pyoxigraph, back to
back, in one process per core, no server and no HTTP: the most any design that evaluates queries in
pyoxigraph (as the embedded store does) can reach here.

Queries: ``ASK { ?s ?p ?o }``; outcomes per capability (GROUP BY / COUNT over every stored outcome);
the capability-provision question's text (queries/alignment/capability-provision.rq, no parameter).

Two endurance runs against aiskills alone (with a write token), after the side-by-side one:

- ``--soak N``: the W3C SPARQL 1.1 Protocol suite (34 exchanges, updates included; the folder named by
  AISKILLS_CONFORMANCE_DIR) replayed N times back to back, each case on its own graphs: counts the
  requests without an answer and the answers not as the suite expects;
- ``--readwrite SECONDS``: ``--rw-clients`` clients (default 20) for SECONDS, each writing a triple
  to its own graph and reading its graph back at once: counts errors and reads that miss a write.

Usage: python benchmarks/bench_endpoint.py [--curricula 100] [--seconds 20] [--connections 20]
       [--workers W] [--threads T] [--data DIR] [--soak 200] [--readwrite 60 [--rw-clients 20]]
       [--skip-compare]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests"))
from bench_load import free_port, prepare_embedded

from aiskills.queries import load_query

GROUP_COUNT = """PREFIX ais: <https://w3id.org/aiskills/ontology#>
SELECT ?capability (COUNT(?outcome) AS ?outcomes) WHERE { ?outcome ais:alignedTo ?capability }
GROUP BY ?capability ORDER BY DESC(?outcomes) ?capability"""
QUERIES = {
    "ASK { ?s ?p ?o }": "ASK { ?s ?p ?o }",
    "outcomes per capability (GROUP BY / COUNT)": GROUP_COUNT,
    "capability-provision question": load_query("alignment", "capability-provision").text,
}
#: (minimum throughput ratio, maximum p99 ratio, minimum req/s) the endpoint is held to, per query.
GOALS = {
    "ASK { ?s ?p ?o }": (None, None, 2000.0),
    "outcomes per capability (GROUP BY / COUNT)": (0.8, 1.5, None),
    "capability-provision question": (0.9, None, None),
}
JSON = "application/sparql-results+json"


def wait_for(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited ({proc.returncode}): see {log}")
        try:
            if requests.get(url, params={"query": "ASK {}"}, headers={"Accept": JSON}, timeout=5).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit(f"no answer from {url} within 120 s: see {log}")


@contextlib.contextmanager
def started(cmd: list[str], url: str, log: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    try:
        wait_for(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


#: A ``wrk`` script that gives every request a query of its own: the URL's query with a comment line
#: of its own appended (a counter and a random number), so that no answer is ever asked for again.
EACH_NEW = """
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, wrk.path .. "%0A%23%20" .. counter .. "-" .. math.random(1, 1000000000))
end
"""


def wrk(url: str, query: str, connections: int, seconds: float, *, each_new: bool = False) -> dict[str, float]:
    """``wrk`` on one GET URL: requests/s, p50 and p99 (ms), non-2xx answers and socket errors;
    ``each_new``: every request a query of its own (``EACH_NEW``)."""
    target = f"{url}?query={quote(query, safe='')}"
    threads = min(2, connections)
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s", "--latency",
               "-H", f"Accept: {JSON}", target]
    with tempfile.TemporaryDirectory() as folder:
        if each_new:
            script = Path(folder) / "each-new.lua"
            script.write_text(EACH_NEW)
            command[1:1] = ["-s", str(script)]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float:
        found = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        if not found:
            return float("nan")
        value, unit = float(found.group(1)), found.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": float(rate.group(1)) if rate else 0.0,
        "p50": ms("50"),
        "p99": ms("99"),
        "non2xx": float(non2xx.group(1)) if non2xx else 0.0,
        "errors": float(sum(int(g) for g in errors.groups())) if errors else 0.0,
    }


#: One process of the direct peer: the query on the store in pyoxigraph, back to back, no server.
DIRECT = """
import sys, time, pyoxigraph as ox
store = ox.Store.read_only(sys.argv[1])
query, seconds = sys.stdin.read(), float(sys.argv[2])
end, n = time.monotonic() + seconds, 0
while time.monotonic() < end:
    store.query(query, use_default_graph_as_union=True).serialize(format=ox.QueryResultsFormat.JSON)
    n += 1
print(n)
"""


def direct(location: Path, query: str, seconds: float) -> float:
    """Queries per second of the query run straight on the store (pyoxigraph, as ``aiskills`` embeds
    it) in one process per core, each back to back: what any design that evaluates in pyoxigraph can
    reach at most on this machine."""
    cores = os.cpu_count() or 1
    procs = [subprocess.Popen([sys.executable, "-c", DIRECT, str(location), str(seconds)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True) for _ in range(cores)]
    done = [int(p.communicate(query)[0]) for p in procs]
    return sum(done) / seconds


TOKEN = "bench-endpoint-token"


def soak(base: str, rounds: int) -> None:
    """The W3C protocol suite replayed ``rounds`` times against ``base``."""
    from support import w3c_protocol as w3c
    from test_query_engine import replay_suite

    folder = w3c.conformance_dir()
    if folder is None:
        raise SystemExit(w3c.missing_dir_message())
    cases = w3c.collect(folder / w3c.MANIFEST)
    began = time.monotonic()
    problems: list[str] = []
    for done in range(1, rounds + 1):
        problems += replay_suite(base, cases, rounds=1, token=TOKEN)
        if done % 10 == 0:
            print(f"  {done} replays, {time.monotonic() - began:.0f} s, problems so far: {len(problems)}", flush=True)
    took = time.monotonic() - began
    requests_sent = rounds * sum(len(c.requests) + 1 + len(c.graphs) for c in cases)
    unanswered = [p for p in problems if "no answer" in p]
    print(f"\n## soak: the W3C protocol suite {rounds} times back to back ({requests_sent:,} requests, "
          f"{took:.0f} s)\n\nunanswered: {len(unanswered)}; answers not as the suite expects: "
          f"{len(problems) - len(unanswered)}")
    for problem in problems[:10]:
        print("  " + problem.splitlines()[0][:200])


def readwrite(base: str, clients: int, seconds: float) -> None:
    """``clients`` clients writing and reading back for ``seconds``."""
    import threading

    stop = time.monotonic() + seconds
    counts = {"writes": 0, "reads": 0, "errors": 0, "stale": 0}
    lock = threading.Lock()
    auth = {"Authorization": f"Bearer {TOKEN}"}

    def client(i: int) -> None:
        session = requests.Session()
        graph = f"urn:x-bench:rw-{i}"
        session.post(f"{base}/sparql", data={"update": f"DROP SILENT GRAPH <{graph}>"}, headers=auth, timeout=120)
        n = 0
        while time.monotonic() < stop:
            update = f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:x-bench:s> <urn:x-bench:n> {n} }} }}"
            query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
            try:
                w = session.post(f"{base}/sparql", data={"update": update}, headers=auth, timeout=120)
                r = session.get(f"{base}/sparql", params={"query": query}, headers={"Accept": JSON}, timeout=120)
                seen = int(r.json()["results"]["bindings"][0]["n"]["value"]) if r.status_code == 200 else -1
                with lock:
                    counts["writes"] += 1
                    counts["reads"] += 1
                    counts["errors"] += (w.status_code != 204) + (r.status_code != 200)
                    counts["stale"] += 0 <= seen != n + 1
            except requests.RequestException:
                with lock:
                    counts["errors"] += 1
            n += 1
        session.post(f"{base}/sparql", data={"update": f"DROP SILENT GRAPH <{graph}>"}, headers=auth, timeout=120)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"\n## readers and writers: {clients} clients x {seconds:g} s\n\n{counts['writes']:,} writes and "
          f"{counts['reads']:,} reads ({(counts['writes'] + counts['reads']) / seconds:,.0f} req/s); "
          f"errors: {counts['errors']}; reads that missed a write: {counts['stale']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--curricula", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--workers", type=int, help="aiskills serve --workers (default: its own default)")
    parser.add_argument("--threads", type=int, help="aiskills serve --threads (default: its own default)")
    parser.add_argument("--data", type=Path, default=Path("/tmp/aiskills-bench-endpoint"))
    parser.add_argument("--soak", type=int, default=0, metavar="N")
    parser.add_argument("--readwrite", type=float, default=0, metavar="SECONDS")
    parser.add_argument("--rw-clients", type=int, default=20)
    parser.add_argument("--skip-compare", action="store_true")
    a = parser.parse_args()
    if a.soak or a.readwrite:
        endurance(a)
    if a.skip_compare:
        return
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: run scripts/install-system.sh (Debian's wrk)")
    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    a.data.mkdir(parents=True, exist_ok=True)
    store = prepare_embedded(a.data, a.curricula)
    copy = a.data / f"oxigraph-{a.curricula}"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(store / "active", copy)  # its own copy: no two processes on one RocksDB directory
    evaluating = a.data / f"store-{a.curricula}-evaluating"
    shutil.rmtree(evaluating, ignore_errors=True)
    shutil.copytree(store, evaluating)  # a second server needs a store of its own
    ours_port, evaluating_port, theirs_port = free_port(), free_port(), free_port()

    def serve(where: Path, port: int) -> list[str]:
        return [sys.executable, "-m", "aiskills.cli", "serve", "--store", str(where), "--port", str(port),
                *sizing(a)]

    theirs_cmd = [oxigraph, "serve-read-only", "--location", str(copy), "--union-default-graph",
                  "--bind", f"127.0.0.1:{theirs_port}"]
    env_note = f"{os.cpu_count()} cores; {a.connections} connections x {a.seconds:g} s per query"
    print(f"# the endpoint beside Oxigraph's server ({a.curricula} curricula; {env_note})\n")
    print(f"aiskills: {' '.join(serve(store, ours_port)[1:])}\n"
          f"  (answers kept: AISKILLS_ANSWER_CACHE_MB 64; every query evaluated: 0)\n"
          f"oxigraph: {' '.join(theirs_cmd)}\n")
    rows = []
    with (
        started(serve(store, ours_port), f"http://127.0.0.1:{ours_port}/sparql", a.data / "aiskills.log",
                {"AISKILLS_ANSWER_CACHE_MB": "64"}) as ours,
        started(serve(evaluating, evaluating_port), f"http://127.0.0.1:{evaluating_port}/sparql",
                a.data / "aiskills-evaluating.log", {"AISKILLS_ANSWER_CACHE_MB": "0"}) as evaluated,
        started(theirs_cmd, f"http://127.0.0.1:{theirs_port}/query", a.data / "oxigraph.log") as theirs,
    ):
        for label, query in QUERIES.items():
            for url in (ours, evaluated, theirs):  # a warm-up of each, not counted
                wrk(url, query, a.connections, 2)
            o = wrk(ours, query, a.connections, a.seconds)
            e = wrk(evaluated, query, a.connections, a.seconds)
            t = wrk(theirs, query, a.connections, a.seconds)
            on = wrk(ours, query, a.connections, a.seconds, each_new=True)
            tn = wrk(theirs, query, a.connections, a.seconds, each_new=True)
            d = direct(copy, query, a.seconds)
            rows.append((label, o, e, t, on, tn, d))
    print("| query | server | req/s | p50 ms | p99 ms | errors | throughput ratio | p99 ratio | goal |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for label, o, e, t, on, tn, d in rows:
        for name, figures in (("aiskills, answers kept", o), ("aiskills, every query evaluated", e)):
            print(f"| {label} | {name} | " + _against(label, figures, t))
        print(f"| {label} | Oxigraph's server | {t['rps']:,.0f} | {t['p50']:.1f} | {t['p99']:.1f} "
              f"| {int(t['non2xx'] + t['errors'])} | 1 | 1 | |")
        print(f"| {label} | aiskills as served, every query new | " + _against(label, on, tn))
        print(f"| {label} | Oxigraph's server, every query new | {tn['rps']:,.0f} | {tn['p50']:.1f} "
              f"| {tn['p99']:.1f} | {int(tn['non2xx'] + tn['errors'])} | 1 | 1 | |")
        print(f"| {label} | pyoxigraph direct, one process per core | {d:,.0f} q/s | | | | "
              f"{d / t['rps'] if t['rps'] else float('nan'):.2f} | | |")


def _against(label: str, o: dict[str, float], t: dict[str, float]) -> str:
    """The rest of a table row: aiskills' figures ``o``, their ratios to Oxigraph's ``t``, the goals."""
    ratio = o["rps"] / t["rps"] if t["rps"] else float("nan")
    p99 = o["p99"] / t["p99"] if t["p99"] else float("nan")
    least, most_p99, floor = GOALS[label]
    goal = []
    if least is not None:
        goal.append(f">= {least}x: {'met' if ratio >= least else 'NOT met'}")
    if most_p99 is not None:
        goal.append(f"p99 <= {most_p99}x: {'met' if p99 <= most_p99 else 'NOT met'}")
    if floor is not None:
        goal.append(f">= {floor:,.0f} req/s: {'met' if o['rps'] >= floor else 'NOT met'}")
    errors = int(o["non2xx"] + o["errors"])
    return (f"{o['rps']:,.0f} | {o['p50']:.1f} | {o['p99']:.1f} | {errors} | {ratio:.2f} | {p99:.2f} "
            f"| {'; '.join(goal)} |")


def sizing(a: argparse.Namespace) -> list[str]:
    """The ``--workers`` and ``--threads`` given to this script, for ``aiskills serve`` (none: its defaults)."""
    return [*(["--workers", str(a.workers)] if a.workers else []), *(["--threads", str(a.threads)] if a.threads else [])]


def endurance(a: argparse.Namespace) -> None:
    """The soak and the readers-and-writers run, on a store of their own."""
    a.data.mkdir(parents=True, exist_ok=True)
    store = a.data / "endurance-store"
    shutil.rmtree(store, ignore_errors=True)
    port = free_port()
    cmd = [sys.executable, "-m", "aiskills.cli", "serve", "--store", str(store), "--port", str(port), *sizing(a)]
    os.environ["AISKILLS_WRITE_TOKEN"] = TOKEN
    try:
        with started(cmd, f"http://127.0.0.1:{port}/sparql", a.data / "aiskills-endurance.log"):
            base = f"http://127.0.0.1:{port}"
            if a.soak:
                soak(base, a.soak)
            if a.readwrite:
                readwrite(base, a.rw_clients, a.readwrite)
    finally:
        del os.environ["AISKILLS_WRITE_TOKEN"]


if __name__ == "__main__":
    main()
