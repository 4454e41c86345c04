"""``/api/ask``: the questions listed, answered as JSON and CSV, errors as 400/404 with the reason."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from support import alignment_data

from aiskills import alignment, loading
from aiskills.config import Settings
from aiskills.queries import MAX_OFFSET, Page
from aiskills.store.embedded import EmbeddedStore
from aiskills.web import create_app


@pytest.fixture(scope="module")
def client() -> Iterator[FlaskClient]:
    store = EmbeddedStore(None)
    loading.load_bundled(store)
    app = create_app(Settings(), store=store)
    app.testing = True
    with app.test_client() as c:
        yield c
    store.close()


def test_lists_every_question_with_parameters_and_columns(client: FlaskClient) -> None:
    data = client.get("/api/ask").get_json()
    names = [q["name"] for q in data["questions"]]
    assert names == sorted(["archetype-capabilities", "role-capabilities", "curriculum-coverage", "coverage-gaps",
                            "capability-provision", "curricula-for-archetype", "outcome-level-fit",
                            "framework-summary"])
    gaps = next(q for q in data["questions"] if q["name"] == "coverage-gaps")
    assert [(p["name"], p["optional"]) for p in gaps["parameters"]] == [
        ("curriculum", False), ("archetype", False), ("level", True)]
    assert gaps["columns"] == ["capability", "notation", "label", "level", "domain"]


def test_json_answer_has_the_contract_keys(client: FlaskClient) -> None:
    res = client.get("/api/ask/archetype-capabilities?archetype=embedders&level=4")
    assert res.status_code == 200 and res.mimetype == "application/json"
    data = res.get_json()
    assert set(data) == {"question", "parameters", "columns", "rows"}
    assert data["parameters"] == {"archetype": "https://w3id.org/aiskills/id/archetype/embedder", "level": "4"}
    assert data["rows"] and {r["level"] for r in data["rows"]} == {"4"}


@pytest.mark.parametrize("how", [{"query_string": {"format": "csv"}}, {"headers": {"Accept": "text/csv"}}])
def test_csv_by_format_or_accept(client: FlaskClient, how: dict) -> None:  # type: ignore[type-arg]
    res = client.get("/api/ask/framework-summary", **how)
    assert res.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(res.get_data(as_text=True))))
    assert rows[0] == ["domain", "level", "archetype", "capabilities"] and len(rows) == 121


def test_unknown_question_is_404_with_the_list(client: FlaskClient) -> None:
    res = client.get("/api/ask/what-nobody-asked")
    assert res.status_code == 404 and "framework-summary" in res.get_json()["questions"]


@pytest.mark.parametrize(("url", "says"), [
    ("/api/ask/archetype-capabilities?archetype=Embeder", "did you mean Embedder"),
    ("/api/ask/archetype-capabilities", "needs archetype"),
    ("/api/ask/archetype-capabilities?archetype=User&colour=red", "has no parameter 'colour'"),
    ("/api/ask/archetype-capabilities?archetype=User%22%20%7D%20UNION%20%7B%20%3Fs%20%3Fp%20%3Fo",
     "there is no archetype"),
    ("/api/ask/curriculum-coverage?curriculum=x&archetype=User", "no curricula are stored"),
])
def test_bad_parameters_are_400_with_the_reason(client: FlaskClient, url: str, says: str) -> None:
    res = client.get(url)
    assert res.status_code == 400 and says in res.get_json()["error"]


def test_aiskills_serve_answers_over_http(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`aiskills serve` on an empty store loads the bundled framework and answers /api/ask."""
    import json
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "AISKILLS_STORE": str(tmp_path / "store")}
    env.pop("AISKILLS_ENDPOINT", None)
    cmd = [sys.executable, "-m", "aiskills.cli", "serve", "--port", str(port)]
    with subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as proc:
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/ask/framework-summary", timeout=5) as r:
                        data = json.load(r)
                    break
                except OSError:
                    assert proc.poll() is None and time.monotonic() < deadline, "the server did not start"
                    time.sleep(0.3)
            assert len(data["rows"]) == 120
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            assert proc.stderr is not None
            proc.stderr.close()


@pytest.mark.parametrize("url", ["/api/ask", "/api/ask/nothing", "/sparql", "/sparql?query=ASK%7B%7D"])
def test_security_headers_on_every_response(client: FlaskClient, url: str) -> None:
    res = client.get(url, headers={"Accept": "text/html"})
    csp = res.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert res.headers["X-Content-Type-Options"] == "nosniff" and res.headers["X-Frame-Options"] == "DENY"


def test_limit_and_offset_answer_a_page_of_the_rows_in_order(client: FlaskClient) -> None:
    """``limit``/``offset`` give that slice of the whole answer, say which page it is and whether
    rows may follow; CSV pages the same way."""
    whole = client.get("/api/ask/framework-summary").get_json()
    assert "page" not in whole and len(whole["rows"]) == 120
    page = client.get("/api/ask/framework-summary?limit=50&offset=100").get_json()
    assert page["rows"] == whole["rows"][100:] and page["page"] == {"limit": 50, "offset": 100, "more": False}
    full = client.get("/api/ask/framework-summary?limit=7&offset=3").get_json()
    assert full["rows"] == whole["rows"][3:10] and full["page"] == {"limit": 7, "offset": 3, "more": True}
    rows = list(csv.reader(io.StringIO(client.get("/api/ask/framework-summary?limit=2&format=csv").get_data(as_text=True))))
    assert rows[1:] == [[str(r[c]) for c in whole["columns"]] for r in whole["rows"][:2]]


@pytest.mark.parametrize(("query", "says"), [
    ("limit=0", "limit: must be a whole number from 1 to 10000, not '0'"),
    ("limit=ten", "limit: must be a whole number from 1 to 10000, not 'ten'"),
    ("limit=10001", "not '10001'"),
    ("offset=-1", "offset: must be a whole number from 0 to 9223372036854775807, not '-1'"),
    ("limit=5&offset=1.5", "offset: must be a whole number"),
    # past the largest offset a store reads: named as a bad offset, not the store's syntax error
    ("offset=99999999999999999999999", "offset: must be a whole number from 0 to 9223372036854775807"),
    ("offset=%C2%B2", "offset: must be a whole number from 0"),  # "²", a digit to str.isdigit()
    # given without a value (a client's empty field): refused, not taken as the whole answer
    ("offset=", "offset: must be a whole number from 0 to 9223372036854775807, not ''"),
    ("limit=&offset=2", "limit: must be a whole number from 1 to 10000, not ''"),
])
def test_a_limit_or_offset_that_is_no_whole_number_is_400_naming_it(client: FlaskClient, query: str,
                                                                    says: str) -> None:
    for question in ("framework-summary", "curricula-for-archetype?archetype=User"):
        res = client.get(f"/api/ask/{question}{'&' if '?' in question else '?'}{query}")
        assert res.status_code == 400 and says in res.get_json()["error"], res.get_json()


def test_the_largest_offset_is_an_empty_page(client: FlaskClient) -> None:
    """The largest offset allowed reaches past every row: an empty page, not a store's error."""
    res = client.get("/api/ask/framework-summary?limit=10000&offset=9223372036854775807")
    assert res.status_code == 200, res.get_json()
    assert res.get_json()["rows"] == [] and res.get_json()["page"]["more"] is False


def test_the_largest_offsets_of_a_ranking_are_empty_pages() -> None:
    """A ranking works out its page's bounds from the offset: at the largest offsets, with curricula
    stored, the page is empty (the first page is not)."""
    store = EmbeddedStore(None)
    alignment_data.load_all(store)
    first = alignment.ask(store, "curricula-for-archetype", {"archetype": "S"}, page=Page(2, 0))
    assert len(first.records()) == 2 and first.more
    for offset in (MAX_OFFSET, MAX_OFFSET - 2):
        far = alignment.ask(store, "curricula-for-archetype", {"archetype": "S"}, page=Page(10_000, offset))
        assert far.records() == [] and not far.more
    store.close()


@pytest.mark.parametrize("query", ["archetype=User&archetype=Driver", "archetype=User&limit=1&limit=2"])
def test_a_parameter_given_twice_is_400_naming_it(client: FlaskClient, query: str) -> None:
    """The first value was taken and the others dropped without a word."""
    res = client.get(f"/api/ask/archetype-capabilities?{query}")
    name = "archetype" if query.count("archetype") == 2 else "limit"
    assert res.status_code == 400 and res.get_json()["error"].startswith(f"{name}: {name} is given 2 times")


@pytest.mark.parametrize(("path", "accept"), [("/api/ask/framework-summary", "text/csv"), ("/api/curricula", "text/csv"),
                                            ("/id/capability/6.1-03", "text/turtle"), ("/api/ask", "application/json")])
def test_reads_are_open_to_any_origin_and_vary_by_accept(client: FlaskClient, path: str, accept: str) -> None:
    """A notebook in a browser (another origin) can read the API and the IRIs, as /sparql and CASE;
    an answer that is JSON or CSV (or HTML or RDF) by ``Accept`` says so to caches."""
    res = client.get(path, headers={"Origin": "http://notebook.example", "Accept": accept})
    assert res.status_code == 200 and res.headers["Access-Control-Allow-Origin"] == "*"
    assert "Accept" in res.headers.get("Vary", "")
    write = client.post("/api/curricula", headers={"Origin": "http://notebook.example"})
    assert "Access-Control-Allow-Origin" not in write.headers  # writes stay closed to other origins
