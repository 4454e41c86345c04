"""Load: the real server (granian, ``aiskills serve``) under N concurrent HTTP clients on loopback.

Prepares a store holding the framework and N curricula (``--curricula``, default 1,000; kept in
``--data`` and reused), starts ``python -m aiskills.cli serve --store DIR --port P --threads N``
(or ``--endpoint URL`` with ``--backend remote``), and runs ``--clients`` threads, each with its own
``requests.Session``, for ``--seconds``; reports requests/s, p50/p95/p99 latency and errors (any
answer that is not 200 with the expected content counts as one).

Mixes:
  alignment  GET /api/ask/<name>?… over the eight questions with real parameters. Run twice: alone,
             then with one more client sending a deliberately slow SPARQL query to /sparql over and
             over, to show what a heavy query costs the others (embedded backend only: the remote
             backend serves no /sparql of its own).
  full       60 % alignment questions, 30 % SPARQL queries (GET /sparql?query=…, Accept
             application/sparql-results+json; the shipped summary and QC queries), 10 % validations
             (POST /api/validate, the curriculum as the multipart field ``file``).

Baseline in the same run, after the server stops: the same questions asked in-process from the same
number of threads, straight to pyoxigraph (embedded; the queries bound once beforehand) or through
``RemoteStore`` (remote): the limit without HTTP, Flask or the parameter look-ups.

Baseline threads: as many as the server's (``--threads``). The private Virtuoso accepts 10 HTTP
connections: give the remote run ``--threads 8`` or fewer (the clients then queue in the server).

Remote: ``--backend remote`` starts a private Virtuoso (tests/support/virtuoso.py) or, with
``--server oxigraph``, ``oxigraph serve`` (tests/support/oxigraph.py) unless ``--endpoint`` names one (with AISKILLS_UPDATE_ENDPOINT, AISKILLS_GRAPH_STORE, AISKILLS_USER and
AISKILLS_PASSWORD to load it), loads the same data there, and starts the server with ``--endpoint``:
once as it runs by default (whole answers kept per generation of the store, ``aiskills.web.answers``)
and once with ``AISKILLS_ANSWER_CACHE_MB=0`` (every question answered again), then sends the same
bound queries straight to the server; all three side by side.

Usage: python benchmarks/bench_load.py [--mix alignment|full] [--clients 20] [--seconds 30]
       [--threads N] [--workers N] [--backend embedded|remote] [--server virtuoso|oxigraph] [--endpoint URL]
       [--data DIR] [--ranking-page N]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests"))
from bench_alignment import PARAMS, SEED, populate
from datagen import curricula

from aiskills import alignment, loading
from aiskills.config import Settings
from aiskills.queries import Page, load_query
from aiskills.store.base import Store
from aiskills.store.binding import bind

EXAMPLE = ROOT / "examples" / "creator-clinical-ml-msc.json"
SPARQL_QUERIES = [("summary", "counts"), ("qc", "section-codes"), ("qc", "empty-sections"),
                  ("qc", "level-ranks")]
#: Every triple joined to the triples about its object: about 3 M matches over 1,000 curricula,
#: some 4.5 s of pyoxigraph's time on its own.
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o . ?o ?q ?x }"
JSON_RESULTS = "application/sparql-results+json"


# -- requests ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Call:
    """One kind of request and how to check its answer."""

    kind: str
    send: Callable[[requests.Session, str], requests.Response]
    check: Callable[[requests.Response], bool]


#: The question asked a page at a time with ``--ranking-page N`` (as /alignment shows it: its first N rows).
RANKING = "curricula-for-archetype"


def ask_calls(first: str, page: int | None = None) -> list[Call]:
    calls = []
    for name, template in PARAMS.items():
        params = {k: v.format(first=first) for k, v in template.items()}
        if page and name == RANKING:
            params["limit"] = str(page)
        calls.append(Call(f"ask {name}",
                          lambda s, base, n=name, p=params: s.get(f"{base}/api/ask/{n}", params=p, timeout=120),
                          lambda r: r.status_code == 200 and isinstance(r.json().get("rows"), list)))
    return calls


def sparql_calls() -> list[Call]:
    calls = []
    for group, name in SPARQL_QUERIES:
        text = load_query(group, name).text
        calls.append(Call(f"sparql {name}",
                          lambda s, base, q=text: s.get(f"{base}/sparql", params={"query": q},
                                                        headers={"Accept": JSON_RESULTS}, timeout=120),
                          lambda r: r.status_code == 200 and "bindings" in r.json().get("results", {})))
    return calls


def validate_call() -> Call:
    body = EXAMPLE.read_bytes()

    def send(s: requests.Session, base: str) -> requests.Response:
        return s.post(f"{base}/api/validate", files={"file": (EXAMPLE.name, body, "application/json")},
                      headers={"Accept": "application/json"}, timeout=120)

    def check(r: requests.Response) -> bool:
        return r.status_code == 200 and isinstance(r.json(), dict) and "error" not in r.json()

    return Call("validate", send, check)


def mix(name: str, first: str, page: int | None = None) -> list[Call]:
    """The requests of a mix, repeated to their weights (60/30/10 for full)."""
    asks = ask_calls(first, page)
    if name == "alignment":
        return asks
    sparql = sparql_calls()
    return asks * 3 + sparql * 3 + [validate_call()] * 4  # 24 + 12 + 4 = 40: 60 %, 30 %, 10 %


# -- measuring -----------------------------------------------------------------------------------
@dataclass
class Tally:
    """Latencies (s) of the answers that passed, and the failures with a few samples."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    samples: list[str] = field(default_factory=list)
    seconds: float = 0.0
    by_kind: dict[str, list[float]] = field(default_factory=dict)

    def add(self, other: Tally) -> None:
        self.latencies += other.latencies
        for kind, lat in other.by_kind.items():
            self.by_kind.setdefault(kind, []).extend(lat)
        self.errors += other.errors
        self.samples += other.samples[: max(0, 5 - len(self.samples))]

    def row(self, label: str) -> str:
        lat = sorted(self.latencies)
        def pct(p: float) -> str:
            return f"{lat[min(len(lat) - 1, int(p * len(lat)))] * 1000:.0f}" if lat else "-"
        rate = (len(lat) + self.errors) / self.seconds if self.seconds else 0.0
        return (f"| {label} | {len(lat) + self.errors:,} | {rate:,.1f} | {pct(0.50)} | {pct(0.95)} | "
                f"{pct(0.99)} | {self.errors} |")


HEADER = "| run | requests | req/s | p50 (ms) | p95 (ms) | p99 (ms) | errors |\n|---|---:|---:|---:|---:|---:|---:|"


def client(calls: list[Call], base: str, offset: int, stop: float, out: Tally) -> None:
    """Send ``calls`` round-robin from ``offset`` until the clock passes ``stop``."""
    i = offset
    with requests.Session() as session:
        while time.monotonic() < stop:
            call = calls[i % len(calls)]
            i += 1
            began = time.perf_counter()
            try:
                response = call.send(session, base)
                ok = call.check(response)
                detail = f"{call.kind}: HTTP {response.status_code} {response.text[:200]!r}"
            except (requests.RequestException, ValueError) as exc:
                ok, detail = False, f"{call.kind}: {type(exc).__name__}: {exc}"
            took = time.perf_counter() - began
            if ok:
                out.latencies.append(took)
                out.by_kind.setdefault(call.kind, []).append(took)
            else:
                out.errors += 1
                if len(out.samples) < 5:
                    out.samples.append(detail)


def hammer(calls: list[Call], base: str, clients: int, seconds: float,
           extra: Callable[[float], None] | None = None) -> Tally:
    """``clients`` threads for ``seconds``; ``extra(stop)`` runs beside them when given."""
    stop = time.monotonic() + seconds
    tallies = [Tally() for _ in range(clients)]
    threads = [threading.Thread(target=client, args=(calls, base, i, stop, t)) for i, t in enumerate(tallies)]
    if extra is not None:
        threads.append(threading.Thread(target=extra, args=(stop,)))
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads[:clients]:
        t.join()
    total = Tally(seconds=time.monotonic() - began)
    for t in tallies:
        total.add(t)
    for t in threads[clients:]:
        t.join()
    return total


def slow_sender(base: str, out: Tally) -> Callable[[float], None]:
    """A client sending SLOW_QUERY to /sparql again and again until ``stop``."""
    def run(stop: float) -> None:
        with requests.Session() as session:
            while time.monotonic() < stop:
                began = time.perf_counter()
                try:
                    r = session.get(f"{base}/sparql", params={"query": SLOW_QUERY},
                                    headers={"Accept": JSON_RESULTS}, timeout=600)
                    ok = r.status_code == 200
                    detail = f"HTTP {r.status_code} {r.text[:200]!r}"
                except requests.RequestException as exc:
                    ok, detail = False, f"{type(exc).__name__}: {exc}"
                if ok:
                    out.latencies.append(time.perf_counter() - began)
                else:
                    out.errors += 1
                    out.samples.append(detail)
    return run


def in_process(ask: Callable[[int], int], threads: int, seconds: float) -> Tally:
    """``ask(i)`` (the i-th question, returning its row count) from ``threads`` threads."""
    stop = time.monotonic() + seconds
    tallies = [Tally() for _ in range(threads)]

    def work(offset: int, out: Tally) -> None:
        i = offset
        while time.monotonic() < stop:
            began = time.perf_counter()
            try:
                ask(i)
                out.latencies.append(time.perf_counter() - began)
            except Exception as exc:  # noqa: BLE001 - counted and shown, the run goes on
                out.errors += 1
                out.samples.append(f"{type(exc).__name__}: {exc}"[:200])
            i += 1

    workers = [threading.Thread(target=work, args=(i, t)) for i, t in enumerate(tallies)]
    began = time.monotonic()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    total = Tally(seconds=time.monotonic() - began)
    for t in tallies:
        total.add(t)
    return total


# -- stores and server ---------------------------------------------------------------------------
def first_curriculum() -> str:
    return str(curricula(1, seed=SEED)[0]["id"])


def prepare_embedded(data: Path, n: int) -> Path:
    """An embedded store in ``data`` with the framework and ``n`` curricula (built once)."""
    from aiskills.store.embedded import EmbeddedStore

    path = data / f"store-{n}"
    done = path / "READY"
    if not done.exists():
        store = EmbeddedStore(path)
        loading.load_bundled(store)
        began = time.perf_counter()
        populate(store, n)  # type: ignore[arg-type]
        print(f"stored {n} curricula ({store.count():,} triples) in {time.perf_counter() - began:.0f} s", flush=True)
        store.close()
        done.write_text("ok\n")
    return path


def prepare_remote(settings: Settings, n: int, dump: Path | None = None) -> None:
    """Load the framework and ``n`` curricula into the remote store unless they are there: restored
    from ``dump`` (``bench_scale.py``'s, as ``aiskills restore --endpoint`` restores it), or stored
    100 at a time through the curricula's own write."""
    from aiskills import backup
    from aiskills.store.remote import RemoteStore

    with RemoteStore.from_settings(settings) as store:
        held = len(store.catalog({"curriculum"}))  # the catalogue: the list of every graph is a scan
        if held != n:
            print(f"the remote store holds {held} curricula, not {n}: loading them again", flush=True)
            began = time.perf_counter()
            if dump is not None:
                backup.restore(store, dump)
                held = len(store.catalog({"curriculum"}))
                if held != n:
                    raise SystemExit(f"{dump} holds {held} curricula, not {n}")
            else:
                names = [e.graph for e in store.catalog()] + store.graph_names()
                store.replace_graphs([], [], drop=names)
                loading.load_bundled(store)
                populate(store, n, batch=100)
            print(f"loaded {n} curricula into {settings.endpoint} in {time.perf_counter() - began:.0f} s", flush=True)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def server(args: list[str], threads: int, log: Path, env: dict[str, str]) -> Iterator[str]:
    """``aiskills serve`` with ``args`` on a free port; its base URL while it runs."""
    port = free_port()
    cmd = [sys.executable, "-m", "aiskills.cli", "serve", *args, "--port", str(port), "--threads", str(threads)]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **env})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"the server exited ({proc.returncode}): see {log}")
            try:
                if requests.get(f"{base}/api/ask", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"the server did not answer within 120 s: see {log}")
            time.sleep(0.2)
        print(f"server: {' '.join(cmd[1:])}", flush=True)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def bound_questions(store: Store, first: str, page: int | None = None) -> list[tuple[str, str]]:
    """Each question's query with its parameters bound, as the server would send it to the store."""
    out = []
    for name, template in PARAMS.items():
        query = load_query(alignment.GROUP, name)
        resolver = alignment.Resolver(store)
        params = {k: v.format(first=first) for k, v in template.items()}
        text = query.paged(Page(page, 0) if page and name == RANKING else None)
        out.append((name, bind(text, {k: resolver.resolve(k, v) for k, v in params.items() if v})))
    return out


# -- runs ----------------------------------------------------------------------------------------
def run_embedded(a: argparse.Namespace, first: str) -> None:
    from aiskills.store.embedded import EmbeddedStore

    path = prepare_embedded(a.data, a.curricula)
    calls = mix(a.mix, first, a.ranking_page)
    rows = []
    slow = Tally()
    with server(["--store", str(path), "--workers", str(a.workers)], a.threads, a.data / "server.log", {}) as base:
        hammer(calls, base, min(a.clients, 4), 2)  # warm-up, not counted
        alone = hammer(calls, base, a.clients, a.seconds)
        rows.append(alone.row(f"HTTP `{a.mix}`, {a.clients} clients, embedded"))
        if a.mix == "alignment" and not a.no_slow:
            busy = hammer(calls, base, a.clients, a.seconds, slow_sender(base, slow))
            rows.append(busy.row("the same, with one slow `/sparql` query running"))
    store = EmbeddedStore(path)
    questions = bound_questions(store, first, a.ranking_page)
    store.close()
    raw = ox.Store.read_only(str(path / "active"))

    def ask(i: int) -> int:
        _, text = questions[i % len(questions)]
        return sum(1 for _ in raw.query(text, use_default_graph_as_union=True))  # type: ignore[union-attr]

    base_tally = in_process(ask, a.threads, a.seconds)
    rows.append(base_tally.row(f"pyoxigraph in-process, {a.threads} threads (the limit)"))
    report(a, rows, [alone] + ([busy] if a.mix == "alignment" and not a.no_slow else []), slow, base_tally)


def run_remote(a: argparse.Namespace, first: str) -> None:
    """Over a SPARQL server (``--server virtuoso|oxigraph``, started here, or ``--endpoint``): our
    server under ``--clients`` clients, then the same bound queries sent straight to the SPARQL
    server from as many threads (what a client of that server alone would send: the active dataset
    named the dialect's way), side by side, and the ratio of their p95."""
    from aiskills.store.remote import RemoteStore

    with contextlib.ExitStack() as stack:
        if a.endpoint:
            settings = Settings.from_env(endpoint=a.endpoint, backend="sparql")
        elif a.server == "oxigraph":
            from support.oxigraph import OxigraphServer

            ox_server = stack.enter_context(OxigraphServer(a.data / f"oxigraph-{a.curricula}"))
            settings = ox_server.settings(timeout=600.0)
        else:
            from support.virtuoso import VirtuosoServer

            virtuoso = stack.enter_context(
                VirtuosoServer(a.data / f"virtuoso-{a.curricula}", query_seconds=600, buffers=a.virtuoso_buffers))
            settings = virtuoso.settings(timeout=600.0)
        prepare_remote(settings, a.curricula, a.dump)
        env = {"AISKILLS_TIMEOUT": str(settings.timeout), "AISKILLS_BACKEND": "sparql"}
        for key, value in (("UPDATE_ENDPOINT", settings.update_endpoint), ("GRAPH_STORE", settings.graph_store),
                           ("USER", settings.user), ("PASSWORD", settings.password)):
            if value:
                env["AISKILLS_" + key] = value
        calls = mix(a.mix, first, a.ranking_page)
        runs: list[tuple[str, Tally]] = []
        for label, kept in (("answers kept (the default)", None), ("every question answered again", "0")):
            with server(["--endpoint", str(settings.endpoint)], a.threads, a.data / "server-remote.log",
                        {**env, **({"AISKILLS_ANSWER_CACHE_MB": kept} if kept else {})}) as base:
                hammer(calls, base, min(a.clients, 4), 2)
                runs.append((label, hammer(calls, base, a.clients, a.seconds)))
        with RemoteStore.from_settings(settings) as store:
            dialect = store.dialect.name
            straight = []
            for name, text in bound_questions(store, first, a.ranking_page):
                scoped, params = store._scoped(text)
                straight.append((name, scoped, params))

        def send(s: requests.Session, endpoint: str, q: tuple[str, str, list[tuple[str, str]]]) -> requests.Response:
            return s.post(endpoint, data=[("query", q[1]), *q[2]], headers={"Accept": JSON_RESULTS}, timeout=600)

        direct = [Call(f"direct {q[0]}", lambda s, endpoint, q=q: send(s, endpoint, q),
                       lambda r: r.status_code == 200 and "results" in r.json()) for q in straight]
        raw = hammer(direct, str(settings.endpoint), a.clients, a.seconds)
        rows = [run.row(f"HTTP `{a.mix}` through aiskills serve, {label}, {a.clients} clients, {dialect}")
                for label, run in runs]
        rows.append(raw.row(f"the same queries straight to {dialect}, {a.clients} clients"))
        report(a, rows, [run for _, run in runs], None, raw)
        if not raw.latencies:
            return
        theirs = statistics.quantiles(raw.latencies, n=20)[-1]
        for label, run in runs:
            if run.latencies:
                ours = statistics.quantiles(run.latencies, n=20)[-1]
                print(f"\np95 through aiskills ({label}) / straight to {dialect}: {ours / theirs:.2f}x (goal: at most 1.5x)")

        def p95(lat: list[float]) -> str:
            lat = sorted(lat or [0.0])
            return f"{lat[int(0.95 * (len(lat) - 1))] * 1000:.0f}"

        print("\n| question | " + " | ".join(f"p95 (ms), {label}" for label, _ in runs)
              + " | p95 (ms), straight |\n|---|" + "---:|" * (len(runs) + 1))
        for name, _, _ in straight:
            ours_each = " | ".join(p95(run.by_kind.get(f"ask {name}", [])) for _, run in runs)
            print(f"| {name} | {ours_each} | {p95(raw.by_kind.get(f'direct {name}', []))} |")


def report(a: argparse.Namespace, rows: list[str], runs: list[Tally], slow: Tally | None,
           baseline: Tally) -> None:
    print(f"\n## {a.backend}: mix `{a.mix}`, {a.clients} clients x {a.seconds:g} s, server threads "
          f"{a.threads}, {a.curricula:,} curricula\n")
    print(HEADER)
    print("\n".join(rows))
    if slow is not None and (slow.latencies or slow.errors):
        done = ", ".join(f"{x:.1f} s" for x in slow.latencies[:5])
        print(f"\nslow query: {len(slow.latencies)} answered ({done or 'none'}), {slow.errors} failed")
    http = runs[0]
    if len(http.by_kind) > 1:
        print("\n| kind (first run) | answered | p50 (ms) | p95 (ms) |\n|---|---:|---:|---:|")
        for kind, lat in sorted(http.by_kind.items()):
            lat = sorted(lat)
            print(f"| {kind} | {len(lat):,} | {lat[len(lat) // 2] * 1000:.0f} | "
                  f"{lat[min(len(lat) - 1, int(0.95 * len(lat)))] * 1000:.0f} |")
    if baseline.latencies and http.latencies:
        rate = len(http.latencies) / http.seconds / (len(baseline.latencies) / baseline.seconds)
        print(f"\nHTTP throughput / in-process: {rate:.2f}x; p95 {statistics.quantiles(http.latencies, n=20)[-1] * 1000:.0f} ms")
    for tally in [*runs, baseline, *([slow] if slow else [])]:
        for sample in tally.samples:
            print(f"  error: {sample}")
    failed = sum(t.errors for t in runs)
    print(f"\n{'nothing failed' if not failed else f'{failed} requests failed'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mix", choices=["alignment", "full"], default="alignment")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--threads", type=int, help="server request threads (default: --clients)")
    parser.add_argument("--curricula", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1, help="embedded: server worker processes (--workers)")
    parser.add_argument("--backend", choices=["embedded", "remote"], default="embedded")
    parser.add_argument("--endpoint", help="remote: an existing SPARQL endpoint instead of a private server")
    parser.add_argument("--server", choices=["virtuoso", "oxigraph"], default="virtuoso",
                        help="remote: the SPARQL server to start (Virtuoso 7, or oxigraph serve)")
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "aiskills-bench-load",
                        help="working folder; the prepared store is kept and reused")
    parser.add_argument("--virtuoso-buffers", type=int, default=20000, metavar="PAGES",
                        help="remote, Virtuoso: NumberOfBuffers (8 KB pages; 340000 for 10,000 curricula)")
    parser.add_argument("--dump", type=Path, metavar="DIR",
                        help="remote: restore this dump (bench_scale.py --data DIR/dump) when the server "
                             "does not hold --curricula curricula")
    parser.add_argument("--no-slow", action="store_true", help="alignment: skip the run with the slow query")
    parser.add_argument("--ranking-page", type=int, metavar="N",
                        help=f"ask {RANKING} for its first N rows (limit=N), as /alignment does, not all of them")
    a = parser.parse_args()
    a.threads = a.threads or a.clients
    a.data.mkdir(parents=True, exist_ok=True)
    first = first_curriculum()
    (run_remote if a.backend == "remote" else run_embedded)(a, first)


if __name__ == "__main__":
    main()
