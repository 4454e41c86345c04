"""Whole answers kept per generation of the store (``aiskills.web.answers``): a question asked again is
given the answer sent before, without reading the store, while the store names the same generation; a
write through any front end names a new one, and the next answer is read again.

On both SPARQL servers the tests start (two front ends over one server, as if on two hosts) and on a
served embedded store (a real engine and query processes)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support.served import PRELOAD, engine

from aiskills import loading
from aiskills.config import Settings, Token
from aiskills.store.answers import AnswerCache
from aiskills.store.remote import RemoteStore
from aiskills.web import create_app

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "creator-clinical-ml-msc.json"
CURRICULUM = "https://university.example/pg/msc-clinical-ml"
TITLE = "MSc Clinical Machine Learning: core modules"
ASK = "/api/ask/curricula-for-archetype?archetype=Creator"
TOKEN = "whole-answers-token-0123456789"
WRITE = {"Authorization": f"Bearer {TOKEN}"}


def listed(client: FlaskClient, accept: str = "application/json") -> tuple[bytes, bool]:
    """The answer's bytes, and whether the example curriculum is in its rows."""
    res = client.get(ASK, headers={"Accept": accept})
    assert res.status_code == 200, res.get_data(as_text=True)[:300]
    return res.data, CURRICULUM.encode() in res.data


def kept(app: Flask) -> AnswerCache:
    answers = app.extensions["aiskills"]["answers"]
    assert isinstance(answers, AnswerCache), "the app keeps no answers with the default settings"
    return answers


def submit(client: FlaskClient) -> str:
    posted = client.post("/api/curricula", data=EXAMPLE.read_bytes(),
                         headers={**WRITE, "Content-Type": "application/json"})
    assert posted.status_code == 201, posted.get_data(as_text=True)[:500]
    return posted.headers["Location"]


@pytest.mark.parametrize("server_name", ["oxigraph_server", "virtuoso"])
def test_a_question_asked_again_is_given_the_kept_answer_until_a_write_through_any_front_end(
        request: pytest.FixtureRequest, server_name: str) -> None:
    server = request.getfixturevalue(server_name)
    settings: Settings = server.settings(tokens=(Token.from_secret("editor", TOKEN),))
    with RemoteStore.from_settings(settings) as one_store, RemoteStore.from_settings(settings) as two_store:
        one_store.replace_graphs([], [], drop=[e.graph for e in one_store.catalog()] + one_store.graph_names())
        loading.load_bundled(one_store)
        one, two = create_app(settings, one_store).test_client(), create_app(settings, two_store)
        client = two.test_client()

        first, present = listed(client)
        again, _ = listed(client)
        assert not present and again == first
        assert (kept(two).stats().hits, kept(two).stats().misses) == (1, 1), "the second ask read the store again"

        where = submit(one)  # through the other front end
        _, present = listed(client)
        assert present, "a front end gave an answer it kept from before another front end's write"
        assert kept(two).stats().misses == 2

        removed = client.delete(where, headers=WRITE)  # through the front end that keeps answers
        assert removed.status_code == 204, removed.get_data(as_text=True)[:500]
        assert listed(client) == (first, False)
        assert listed(one) == (first, False)


def test_while_a_write_holds_the_lease_nothing_kept_is_given_and_its_release_names_a_new_generation(
        oxigraph_server: object) -> None:
    """A writer on another host between its requests: the store names no generation, so a front end
    neither gives nor keeps answers; letting the lease go names a new one, and the next answer is
    read from the store."""
    settings: Settings = oxigraph_server.settings()  # type: ignore[attr-defined]
    with RemoteStore.from_settings(settings) as store, RemoteStore.from_settings(settings) as writer:
        if not store.catalog():
            loading.load_bundled(store)
        app = create_app(settings, store)
        client = app.test_client()
        listed(client)
        listed(client)
        before = kept(app).stats()
        assert before.hits >= 1
        generation = store.generation()
        assert generation is not None

        lease = writer._lease()
        lease.take()
        try:
            assert store.generation() is None
            listed(client)
            listed(client)
            assert kept(app).stats() == before, "an answer was given or kept while a write held the lease"
        finally:
            lease.release()
        assert store.generation() not in (None, generation)
        listed(client)
        assert kept(app).stats().misses == before.misses + 1


def test_a_served_embedded_store_keeps_each_format_and_the_page_apart_and_a_write_is_in_the_next_answer(tmp_path: Path) -> None:
    """The generation of a served store is its current snapshot: JSON and CSV of one question are kept
    apart (each given again as it was sent), the /alignment page that asks it is kept too, and a
    curriculum written through the engine is in the very next answer of each."""
    from aiskills.store.engine import EngineStore

    path = tmp_path / "store"
    settings = Settings(store_path=path, tokens=(Token.from_secret("editor", TOKEN),))
    with engine(path):
        store = EngineStore.connect(path, pool_size=2, timeout=60.0, preload=PRELOAD,
                                    answer_bytes=settings.answer_cache_bytes)
        assert store is not None and store.wait_started()
        try:
            app = create_app(settings, store)
            client = app.test_client()
            as_json, as_csv = listed(client), listed(client, "text/csv")
            assert as_json != as_csv and not as_json[1] and not as_csv[1]
            assert listed(client) == as_json and listed(client, "text/csv") == as_csv
            assert (kept(app).stats().hits, kept(app).stats().misses) == (2, 2)

            page = client.get("/alignment?archetype=Creator")
            assert page.status_code == 200 and client.get("/alignment?archetype=Creator").data == page.data
            assert (kept(app).stats().hits, kept(app).stats().misses) == (3, 3), "the page was made again"
            assert TITLE not in page.get_data(as_text=True)

            submit(client)
            assert listed(client)[1] and listed(client, "text/csv")[1], "an answer kept from before the write"
            assert TITLE in client.get("/alignment?archetype=Creator").get_data(as_text=True)
            assert kept(app).stats().misses == 6
        finally:
            store.close()
