"""Stateless front ends: two ``aiskills serve`` processes on different ports over one SPARQL server
(as if on two hosts). What one of them writes, the other answers with at its very next request:
questions, pages and ``/sparql`` alike, so nothing is cached in a process that could go stale.
Run over both servers the tests start (Oxigraph's and Virtuoso)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
import requests
from support.served import aiskills_serve

from aiskills import loading
from aiskills.store.remote import RemoteStore

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "creator-clinical-ml-msc.json"
CURRICULUM = "https://university.example/pg/msc-clinical-ml"
TITLE = "MSc Clinical Machine Learning: core modules"
TOKEN = "front-end-test-token-0123456789"


@contextmanager
def front_end(env: dict[str, str], log: Path) -> Iterator[str]:
    """``aiskills serve`` on a free loopback port with ``env``; its base URL while it runs."""
    with aiskills_serve(None, env, ("--threads", "2"), log=log) as (base, _):
        yield base


def sees(base: str) -> dict[str, bool]:
    """Whether the front end at ``base`` shows the curriculum in a question, a page and /sparql."""
    ask = requests.get(f"{base}/api/ask/curricula-for-archetype", params={"archetype": "Creator"}, timeout=60)
    page = requests.get(f"{base}/curricula", headers={"Accept": "text/html"}, timeout=60)
    sparql = requests.get(f"{base}/sparql", timeout=60, headers={"Accept": "application/sparql-results+json"},
                          params={"query": f"ASK {{ <{CURRICULUM}> a <https://w3id.org/aiskills/ontology#Curriculum> }}"})
    for r in (ask, page, sparql):
        assert r.status_code == 200, r.text[:300]
    return {
        "question": any(row["curriculum"] == CURRICULUM for row in ask.json()["rows"]),
        "page": TITLE in page.text,
        "sparql": sparql.json()["boolean"] is True,
    }


@pytest.mark.parametrize("server_name", ["oxigraph_server", "virtuoso"])
def test_a_curriculum_written_through_one_front_end_is_in_the_others_next_answers(
        request: pytest.FixtureRequest, tmp_path: Path, server_name: str) -> None:
    server = request.getfixturevalue(server_name)
    settings = server.settings()
    with RemoteStore.from_settings(settings) as store:
        store.replace_graphs([], [], drop=[e.graph for e in store.catalog()] + store.graph_names())
        loading.load_bundled(store)
    env = {"AISKILLS_BACKEND": "sparql", "AISKILLS_ENDPOINT": settings.endpoint or "",
           "AISKILLS_WRITE_TOKEN": TOKEN, "AISKILLS_TIMEOUT": "60"}
    for key, value in (("UPDATE_ENDPOINT", settings.update_endpoint), ("GRAPH_STORE", settings.graph_store),
                       ("USER", settings.user), ("PASSWORD", settings.password)):
        if value:
            env["AISKILLS_" + key] = value
    with ExitStack() as stack:
        one = stack.enter_context(front_end(env, tmp_path / "one.log"))
        two = stack.enter_context(front_end(env, tmp_path / "two.log"))
        assert sees(one) == sees(two) == {"question": False, "page": False, "sparql": False}
        posted = requests.post(f"{one}/api/curricula", data=EXAMPLE.read_bytes(), timeout=120,
                               headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
        assert posted.status_code == 201, posted.text[:500]
        assert sees(two) == {"question": True, "page": True, "sparql": True}  # the very next requests
        removed = requests.delete(f"{two}{posted.headers['Location']}", timeout=120,
                                  headers={"Authorization": f"Bearer {TOKEN}"})
        assert removed.status_code == 204, removed.text[:500]
        assert sees(one) == {"question": False, "page": False, "sparql": False}
