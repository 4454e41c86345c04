"""The query engine of a served embedded store, through the real ``aiskills serve`` (granian, its engine
process, query processes) and the clients researchers use: SPARQLWrapper, rdflib's SPARQLStore and
SPARQLUpdateStore, curl, and the aiskills command line on the same store while the server runs.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import rdflib
import requests
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import (
    CSV,
    GET,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDF,
    RDFXML,
    TSV,
    TURTLE,
    XML,
    SPARQLWrapper,
)
from support import w3c_protocol as w3c
from support.ports import free_port
from support.served import aiskills_serve, cpu_seconds, descendants, fresh, query_processes

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "query-engine-token"
TIMEOUT = 3.0  # AISKILLS_QUERY_TIMEOUT of the servers here
CAPABILITIES = """PREFIX ais: <https://w3id.org/aiskills/ontology#>
SELECT ?c WHERE { ?c a ais:Capability }"""
IS_CAPABILITY = "ASK { <https://w3id.org/aiskills/id/capability/6.1-03> a <https://w3id.org/aiskills/ontology#Capability> }"
ARCHETYPES = """CONSTRUCT { ?a a <urn:archetype> } WHERE {
  ?a ?p ?o FILTER (STRSTARTS(STR(?a), "https://w3id.org/aiskills/id/archetype/")) }"""
DESCRIBE = "DESCRIBE <https://w3id.org/aiskills/id/archetype/user>"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
ENV = {"AISKILLS_WRITE_TOKEN": TOKEN, "AISKILLS_QUERY_TIMEOUT": str(TIMEOUT)}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    path = tmp_path_factory.mktemp("query-engine") / "store"
    with aiskills_serve(path, ENV) as (url, proc):  # as a user runs it: two web workers, two threads each
        yield url, proc, path


@pytest.fixture
def base(server: tuple[str, subprocess.Popen[bytes], Path]) -> str:
    return server[0]


# -- the deadline ------------------------------------------------------------------------------------
def test_a_runaway_query_gets_503_at_the_deadline_and_its_cpu_work_stops_within_a_second(
    server: tuple[str, subprocess.Popen[bytes], Path],
) -> None:
    """The query runs in a query process; at the deadline that process is killed (SIGKILL) and replaced.
    Within a second of the 503 the killed process is gone and every process the server had before
    the query is idle again; the replacement's own start-up is not the query's work and is left out."""
    url, proc, _ = server
    before = set(descendants(proc.pid))
    query_processes_before = query_processes(proc.pid)
    busy: dict[int, float] = {}

    def watch(stop: threading.Event) -> None:  # which process burns CPU while the query runs
        first = {p: cpu_seconds([p]) for p in before}
        while not stop.wait(0.2):
            for p in before:  # the most each used; a killed process reads as none, so it keeps its last
                busy[p] = max(busy.get(p, 0.0), cpu_seconds([p]) - first[p])

    stop = threading.Event()
    watcher = threading.Thread(target=watch, args=(stop,))
    watcher.start()
    started = time.monotonic()
    res = requests.get(f"{url}/sparql", params={"query": SLOW}, timeout=TIMEOUT + 30)
    answered = time.monotonic()
    stop.set()
    watcher.join()
    assert res.status_code == 503 and res.headers["Retry-After"].isdigit()
    assert f"more than {TIMEOUT:g} s" in res.text and "was stopped" in res.text
    assert answered - started >= TIMEOUT
    worker = max(busy, key=lambda p: busy[p])  # the query process that ran it: the busiest
    assert busy[worker] > 0 and worker in query_processes_before
    time.sleep(max(0.0, answered + 1.0 - time.monotonic()))  # one second after the deadline's answer
    still = set(descendants(proc.pid))
    assert worker not in still, "the process that ran the query is still alive"
    assert set(query_processes_before) - still == {worker}, "another query process was stopped too"
    old = sorted(before & still)
    used = cpu_seconds(old)
    time.sleep(1.0)
    assert cpu_seconds(old) - used < 0.2, "the server's processes still work after the deadline"
    assert requests.get(f"{url}/sparql", params={"query": fresh(IS_CAPABILITY)}, timeout=30).json()["boolean"] is True


def test_one_runaway_query_costs_the_others_one_core_at_most(
    server: tuple[str, subprocess.Popen[bytes], Path],
) -> None:
    """While a runaway query runs, the server's processes together use about one core (its query
    process), and other queries are answered meanwhile."""
    url, proc, _ = server
    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(requests.get, f"{url}/sparql", params={"query": SLOW}, timeout=TIMEOUT + 30)
        time.sleep(0.5)
        pids = descendants(proc.pid) + [proc.pid]
        used, began = cpu_seconds(pids), time.monotonic()
        time.sleep(1.5)
        cores = (cpu_seconds(pids) - used) / (time.monotonic() - began)
        fast = requests.get(f"{url}/sparql", params={"query": fresh(IS_CAPABILITY)}, timeout=30)
        assert not slow.done(), "the runaway query ended before the measurement did"
        assert slow.result().status_code == 503
    assert fast.status_code == 200 and fast.json()["boolean"] is True
    assert cores < 1.3, f"the server used {cores:.2f} cores while one query ran away"


def test_a_query_process_started_from_a_request_thread_outlives_that_thread(tmp_path: Path) -> None:
    """A request thread that meets the deadline has the stopped query process replaced; the web
    server may retire that thread soon after (granian does when it idles). Linux sends a process's
    parent-death signal when the thread that started it exits, so the replacement must be started
    by the pool's own thread: after the request thread ends, every query process still answers."""
    from support.served import PRELOAD, engine

    from aiskills.store.engine import EngineStore
    from aiskills.store.isolated import QueryTimeout

    path = tmp_path / "store"
    with engine(path):
        store = EngineStore.connect(path, pool_size=2, timeout=60.0, preload=PRELOAD)
        assert store is not None and store.wait_started()
        try:
            before = set(store.query_pids())
            store.timeout = 1.0
            stopped: list[BaseException] = []

            def request_thread() -> None:  # what a web server's request thread does, then it ends
                try:
                    store.select(SLOW)
                except QueryTimeout as exc:
                    stopped.append(exc)
                    assert store.wait_started(60.0)  # the replacement runs before the thread ends

            thread = threading.Thread(target=request_thread)
            thread.start()
            thread.join()
            assert stopped, "the slow query was not stopped at its deadline"
            store.timeout = 60.0
            assert store.wait_started()
            replaced = set(store.query_pids()) - before
            assert len(replaced) == 1, "the stopped query process was not replaced"
            for _ in range(4):  # every process of the pool, the replacement included, answers
                assert store.count() > 0
            assert set(store.query_pids()) >= replaced
            (pid,) = replaced
            assert Path(f"/proc/{pid}").exists() and "Z" not in _state(pid)
        finally:
            store.close()


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].split()[0]


def test_api_ask_and_pages_stop_at_the_deadline_too(tmp_path: Path) -> None:
    """The same deadline bounds the queries behind /api/ask and the pages: with a deadline no query can
    meet (a microsecond), each answers 503 with Retry-After, and nothing is left running."""
    env = {**ENV, "AISKILLS_QUERY_TIMEOUT": "0.000001"}
    with aiskills_serve(tmp_path / "store", env) as (url, proc):
        for path in ("/api/ask/framework-summary", "/id/capability/6.1-03", "/sparql?query=ASK%7B%7D"):
            res = requests.get(url + path, timeout=30)
            assert res.status_code == 503 and res.headers["Retry-After"].isdigit(), (path, res.status_code)
            assert "was stopped" in res.text
        time.sleep(0.5)
        assert len(query_processes(proc.pid)) <= 4
    # a client's query out of time is no fault of ours: one warning line each, no traceback
    (log,) = tmp_path.glob("serve-*.log")
    lines = [line for line in log.read_text().splitlines() if "answered 503" in line]
    assert len(lines) >= 3 and all("WARNING" in line and "more than 1e-06 s" in line for line in lines), lines
    assert "Traceback" not in log.read_text()


# -- real clients --------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", [GET, POST, POSTDIRECTLY])
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_select_and_ask_in_every_results_format(base: str, method: str, fmt: str) -> None:
    client = SPARQLWrapper(f"{base}/sparql", returnFormat=fmt)
    client.setMethod(POST if method == POSTDIRECTLY else method)
    if method == POSTDIRECTLY:
        client.setRequestMethod(POSTDIRECTLY)
    client.setQuery(CAPABILITIES)
    result = client.query().convert()
    if fmt == JSON:
        assert len(result["results"]["bindings"]) == 187  # type: ignore[index]
    elif fmt == XML:
        assert len(result.getElementsByTagName("result")) == 187  # type: ignore[union-attr]
    else:
        lines = result.decode().strip().splitlines()  # type: ignore[union-attr]
        assert len(lines) == 188 and lines[0].lstrip("?") == "c"
    client.setQuery(IS_CAPABILITY)
    answer = client.query().convert()
    if fmt == JSON:
        assert answer["boolean"] is True  # type: ignore[index]
    elif fmt == XML:
        assert answer.getElementsByTagName("boolean")[0].firstChild.data == "true"  # type: ignore[union-attr]
    else:
        assert answer.decode().strip().splitlines()[-1] == "true"  # type: ignore[union-attr]


@pytest.mark.parametrize("method", [GET, POST])
@pytest.mark.parametrize("fmt", [TURTLE, N3, XML, RDFXML, RDF, JSONLD, JSON])
@pytest.mark.parametrize("query", [ARCHETYPES, DESCRIBE], ids=["construct", "describe"])
def test_sparqlwrapper_construct_and_describe_in_every_graph_format(
    base: str, method: str, fmt: str, query: str
) -> None:
    client = SPARQLWrapper(f"{base}/sparql", returnFormat=fmt)
    client.setMethod(method)
    client.setQuery(query)
    with warnings.catch_warnings():  # SPARQLWrapper notes that it sends Accept */* with format=rdf or json
        warnings.simplefilter("ignore", RuntimeWarning)
        result = client.query()
    converted = result.convert()
    if isinstance(converted, bytes):  # Turtle and N3 come back as text
        graph = rdflib.Graph().parse(data=converted, format="turtle")
    else:
        graph = converted
    assert isinstance(graph, rdflib.Graph)
    if query == ARCHETYPES:
        assert len(set(graph.subjects(rdflib.RDF.type, rdflib.URIRef("urn:archetype")))) == 5
    else:
        user = rdflib.URIRef("https://w3id.org/aiskills/id/archetype/user")
        assert len(list(graph.predicate_objects(user))) >= 3


def test_sparqlwrapper_updates_with_a_bearer_token_and_reads_them_back(base: str) -> None:
    graph = "urn:x-test:sparqlwrapper"
    writer = SPARQLWrapper(f"{base}/sparql")
    writer.setMethod(POST)
    writer.addCustomHttpHeader("Authorization", f"Bearer {TOKEN}")
    writer.setQuery(f'INSERT DATA {{ GRAPH <{graph}> {{ <urn:x-test:s> <urn:x-test:p> "written" }} }}')
    assert writer.query().response.status == 204
    reader = SPARQLWrapper(f"{base}/sparql", returnFormat=JSON)
    reader.setQuery(f"SELECT ?o WHERE {{ GRAPH <{graph}> {{ <urn:x-test:s> <urn:x-test:p> ?o }} }}")
    rows = reader.query().convert()["results"]["bindings"]  # type: ignore[index]
    assert [r["o"]["value"] for r in rows] == ["written"]
    anonymous = SPARQLWrapper(f"{base}/sparql")
    anonymous.setMethod(POST)
    anonymous.setQuery(f"DROP GRAPH <{graph}>")
    with pytest.raises(Exception, match="Unauthorized"):
        anonymous.query()
    writer.setQuery(f"DROP GRAPH <{graph}>")
    writer.query()
    assert reader.query().convert()["results"]["bindings"] == []  # type: ignore[index]


def test_rdflib_sparqlstore_reads_the_endpoint(base: str) -> None:
    store = SPARQLStore(f"{base}/sparql")
    graph = rdflib.Graph(store)
    rows = list(graph.query(CAPABILITIES))
    assert len(rows) == 187
    assert graph.query(IS_CAPABILITY).askAnswer is True


def test_rdflib_sparqlupdatestore_writes_then_reads_back_at_once(base: str) -> None:
    """The case that once got a 503 after 30 s: a write followed at once by reads of it, many times."""
    store = SPARQLUpdateStore(f"{base}/sparql", f"{base}/sparql", headers={"Authorization": f"Bearer {TOKEN}"})
    graph = rdflib.Graph(store, identifier=rdflib.URIRef("urn:x-test:rdflib"))
    subject, predicate = rdflib.URIRef("urn:x-test:s"), rdflib.URIRef("urn:x-test:n")
    for n in range(25):
        graph.add((subject, predicate, rdflib.Literal(n)))
        assert (subject, predicate, rdflib.Literal(n)) in graph
        assert len(list(graph.objects(subject, predicate))) == n + 1
    graph.remove((subject, predicate, None))
    assert len(list(graph.objects(subject, predicate))) == 0


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_queries_and_updates(base: str) -> None:
    def curl(*args: str) -> str:
        return subprocess.run(["curl", "-sS", "--fail-with-body", *args], capture_output=True, text=True,
                              check=True, timeout=60).stdout

    data = json.loads(curl("-G", f"{base}/sparql", "--data-urlencode", f"query={CAPABILITIES}"))
    assert len(data["results"]["bindings"]) == 187
    turtle = curl("-H", "Accept: text/turtle", "--data-urlencode", f"query={ARCHETYPES}", f"{base}/sparql")
    assert len(set(rdflib.Graph().parse(data=turtle, format="turtle").subjects())) == 5
    curl("-H", f"Authorization: Bearer {TOKEN}", "-H", "Content-Type: application/sparql-update",
         "--data-binary", "INSERT DATA { GRAPH <urn:x-test:curl> { <urn:x-test:s> <urn:x-test:p> 1 } }",
         f"{base}/sparql")
    asked = curl("-G", f"{base}/sparql", "--data-urlencode",
                 "query=ASK { GRAPH <urn:x-test:curl> { <urn:x-test:s> <urn:x-test:p> 1 } }", "-d", "format=csv")
    assert asked.strip().splitlines()[-1] == "true"
    curl("-H", f"Authorization: Bearer {TOKEN}", "--data-urlencode", "update=DROP GRAPH <urn:x-test:curl>",
         f"{base}/sparql")


# -- never unanswered, always consistent -------------------------------------------------------------------
def test_readers_and_writers_at_once_see_every_write_and_get_no_error(base: str) -> None:
    """Clients each write to their own graph and read the write back at once, all at the same time
    (the benchmark runs 20 for 60 s): no error, no read that misses a write."""
    clients, rounds = 8, 15
    failures: list[str] = []

    def client(i: int) -> None:
        session = requests.Session()
        graph = f"urn:x-test:rw-{i}"
        for n in range(rounds):
            update = f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:x-test:s> <urn:x-test:n> {n} }} }}"
            res = session.post(f"{base}/sparql", data={"update": update}, timeout=60,
                               headers={"Authorization": f"Bearer {TOKEN}"})
            if res.status_code != 204:
                failures.append(f"client {i} write {n}: {res.status_code} {res.text[:200]}")
                return
            res = session.get(f"{base}/sparql", timeout=60, params={
                "query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"})
            seen = int(res.json()["results"]["bindings"][0]["n"]["value"]) if res.status_code == 200 else -1
            if seen != n + 1:
                failures.append(f"client {i} read {n}: saw {seen} triples, expected {n + 1}")
        session.post(f"{base}/sparql", data={"update": f"DROP GRAPH <{graph}>"}, timeout=60,
                     headers={"Authorization": f"Bearer {TOKEN}"})

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    assert failures == []


def test_the_w3c_protocol_suite_replayed_back_to_back_leaves_no_request_unanswered(tmp_path: Path) -> None:
    """A short soak (the benchmark replays it 200 times): the 34 exchanges of the W3C protocol suite,
    updates included, each case on its graphs loaded through the Graph Store Protocol; every request is
    answered, as the suite expects, within the query timeout plus the client's own margin. On a server
    of its own: the suite's updates drop graphs, which the module's other tests read (tests run in
    any order, on any worker)."""
    folder = w3c.conformance_dir()
    if folder is None:
        pytest.fail(w3c.missing_dir_message(), pytrace=False)
    cases = w3c.collect(folder / w3c.MANIFEST)
    with aiskills_serve(tmp_path / "store", ENV) as (url, _):
        problems = replay_suite(url, cases, rounds=3, token=TOKEN)
    assert problems == []


def replay_suite(base: str, cases: list[w3c.Case], rounds: int, token: str) -> list[str]:
    """Replay the suite ``rounds`` times; every problem (unanswered, or not as the suite expects)."""
    auth = {"Authorization": f"Bearer {token}"}
    session = requests.Session()
    problems: list[str] = []
    for _ in range(rounds):
        for case in cases:
            try:
                session.post(f"{base}/sparql", data={"update": "DROP ALL"}, headers=auth, timeout=TIMEOUT + 30)
                for iri, path in case.graphs:
                    session.put(f"{base}/graph-store", params={"graph": iri}, data=path.read_bytes(),
                                headers={**auth, "Content-Type": "application/n-triples"}, timeout=TIMEOUT + 30)
                for request in case.requests:
                    headers = dict(request.headers)
                    if _is_update(request):
                        headers.update(auth)
                    res = session.request(request.method, base + request.path, data=request.body,
                                          headers=headers, timeout=TIMEOUT + 30)
                    problems += [f"{case.id}: {p}" for p in w3c.check(
                        request, res.status_code, res.headers.get("Content-Type", ""), res.content)]
            except requests.RequestException as exc:
                problems.append(f"{case.id}: no answer ({exc})")
    return problems


def _is_update(request: w3c.Request) -> bool:
    """A request that carries an update (by form or directly): it is sent with the write token."""
    types = {v.split(";")[0].strip().lower() for k, v in request.headers if k.lower() == "content-type"}
    return request.method == "POST" and ("application/sparql-update" in types or (
        "application/x-www-form-urlencoded" in types and b"update=" in (request.body or b"")))


# -- the command line while the server runs ------------------------------------------------------------
def aiskills(*args: str, store: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "aiskills.cli", *args, "--store", str(store)],
                          check=False, capture_output=True, text=True, timeout=300)


def test_the_command_line_reads_and_writes_a_served_store_and_the_server_answers_at_once(tmp_path: Path) -> None:
    store = tmp_path / "store"
    with aiskills_serve(store, ENV) as (url, _proc):
        info = aiskills("info", store=store)
        assert info.returncode == 0, info.stderr
        assert "187 capabilities" in info.stdout and "0 curricula" in info.stdout
        asked = aiskills("query", IS_CAPABILITY, store=store)
        assert asked.returncode == 0 and "true" in asked.stdout.lower(), asked.stderr

        example = ROOT / "examples" / "creator-clinical-ml-msc.json"
        submitted = aiskills("submit", str(example), store=store)
        assert submitted.returncode == 0, submitted.stderr
        listed = requests.get(f"{url}/api/curricula", timeout=30).json()
        assert "https://university.example/pg/msc-clinical-ml" in json.dumps(listed)

        structure = ROOT / "ontology" / "framework" / "capabilities.csv"
        imported = aiskills("framework", "import", str(structure), "--version", "2026.9", store=store)
        assert imported.returncode == 0, imported.stderr
        versions = requests.get(f"{url}/sparql", timeout=30, params={
            "query": "SELECT ?g WHERE { GRAPH ?g { } FILTER CONTAINS(STR(?g), '/graph/framework/') }",
            "format": "json"}).json()
        assert [b["g"]["value"].rsplit("/", 1)[1] for b in versions["results"]["bindings"]] == ["2026.9"]

        loaded = aiskills("load", store=store)
        assert loaded.returncode == 0, loaded.stderr
        after = aiskills("info", store=store)
        assert "2026.1" in after.stdout and "current" in after.stdout
        answer = requests.get(f"{url}/sparql", timeout=30, params={"query": IS_CAPABILITY}).json()
        assert answer["boolean"] is True
    alone = aiskills("info", store=store)  # the server has stopped: the command opens the store itself
    assert alone.returncode == 0 and "1 curricula" in alone.stdout, alone.stderr


def test_a_second_server_on_a_served_store_is_refused_clearly(tmp_path: Path) -> None:
    store = tmp_path / "store"
    with aiskills_serve(store, ENV):
        second = subprocess.run([sys.executable, "-m", "aiskills.cli", "serve", "--store", str(store),
                                 "--port", str(free_port())], check=False, capture_output=True, text=True,
                                timeout=120)
    assert second.returncode == 2 and "already being served" in second.stderr


def test_nothing_in_the_package_forks() -> None:
    """No process forks while it holds a store open, and the simplest way to keep to that: nothing in
    the package calls fork (query and engine processes are new interpreters)."""
    import re

    calls = re.compile(r"\bos\.fork\b|\bforkpty\b|get_context\([\"']fork")
    found = [f"{p}: {line.strip()}" for p in (ROOT / "src").rglob("*.py")
             for line in p.read_text(encoding="utf-8").splitlines() if calls.search(line)]
    assert found == []
