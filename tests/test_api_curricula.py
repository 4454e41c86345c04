"""``/api/curricula``: storing needs a write token and a conformant curriculum (201 with its location,
422 with the report, nothing stored otherwise); listing as JSON and CSV; one curriculum with its
modules and outcomes by key or IRI; removal."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from support.curricula import base, to_csv, to_json, to_xlsx

from aiskills import curricula, formats, loading
from aiskills import namespaces as ns
from aiskills.config import Settings, Token
from aiskills.store.base import Store
from aiskills.store.embedded import EmbeddedStore
from aiskills.web import create_app

WRITE = "curricula-write-token"
READ = "curricula-read-token"
WRITER = {"Authorization": f"Bearer {WRITE}"}
CURRICULUM = "https://provider.example/curricula/ai-foundations"
#: The CSV list's columns, a public contract.
COLUMNS = ["id", "curriculum", "title", "provider", "modules", "outcomes", "submitted", "source", "sha256",
           "frameworkVersion", "graph"]


def make_client(store: Store, **overrides: object) -> FlaskClient:
    settings = Settings.from_env({}, tokens=(Token.from_secret("writer", WRITE, "write"),
                                             Token.from_secret("reader", READ, "read")), **overrides)
    return create_app(settings, store=store).test_client()


@pytest.fixture()
def mem() -> Iterator[EmbeddedStore]:
    s = EmbeddedStore(None)
    loading.load_bundled(s)
    yield s
    s.close()


@pytest.fixture()
def client(mem: EmbeddedStore) -> FlaskClient:
    return make_client(mem)


def post(client: FlaskClient, data: bytes, content_type: str = "application/json",
         headers: dict[str, str] | None = None) -> object:
    return client.post("/api/curricula", data=data, content_type=content_type,
                       headers=WRITER if headers is None else headers)


@pytest.mark.parametrize(("headers", "status", "says"), [
    ({}, 401, "needs a write token"),
    ({"Authorization": "Bearer not-the-token"}, 401, "needs a write token"),
    ({"Authorization": f"Bearer {READ}"}, 403, "may read but not write"),
])
def test_storing_needs_a_write_token(client: FlaskClient, mem: EmbeddedStore, headers: dict[str, str],
                                     status: int, says: str) -> None:
    response = post(client, to_json(base()), headers=headers)
    assert response.status_code == status and says in response.get_data(as_text=True)  # type: ignore[attr-defined]
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")  # type: ignore[attr-defined]
    assert curricula.records(mem) == []


def test_a_server_without_a_write_token_refuses_writes(mem: EmbeddedStore) -> None:
    client = create_app(Settings.from_env({}), store=mem).test_client()
    response = post(client, to_json(base()))
    assert response.status_code == 403 and "writes are disabled" in response.get_data(as_text=True)  # type: ignore[attr-defined]


def test_a_conformant_curriculum_is_stored_with_its_location(client: FlaskClient, mem: EmbeddedStore) -> None:
    response = post(client, to_json(base()))
    assert response.status_code == 201  # type: ignore[attr-defined]
    body = response.get_json()  # type: ignore[attr-defined]
    graph = curricula.curriculum_graph(CURRICULUM)
    assert body == {"id": graph.rsplit("/", 1)[-1], "curriculum": CURRICULUM, "graph": graph,
                    "triples": mem.count(graph), "replaced": False}
    assert response.headers["Location"] == f"/api/curricula/{body['id']}"  # type: ignore[attr-defined]
    assert [r.curriculum for r in curricula.records(mem)] == [CURRICULUM]


def test_resubmitting_replaces_the_stored_version(client: FlaskClient, mem: EmbeddedStore) -> None:
    post(client, to_json(base()))
    doc = base()
    doc["title"] = "AI foundations, second edition"
    doc["modules"] = doc["modules"][:1]
    response = post(client, to_xlsx(doc), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert response.status_code == 201 and response.get_json()["replaced"] is True  # type: ignore[attr-defined]
    records = curricula.records(mem)
    assert [(r.title, r.modules, r.outcomes) for r in records] == [("AI foundations, second edition", 1, 2)]


def test_a_curriculum_with_violations_is_422_with_the_report_and_not_stored(client: FlaskClient, mem: EmbeddedStore) -> None:
    doc = base()
    doc["modules"][0]["learningOutcomes"][0]["alignedTo"] = ["9-99"]
    response = post(client, to_csv(doc), content_type="text/csv")
    assert response.status_code == 422  # type: ignore[attr-defined]
    body = response.get_json()  # type: ignore[attr-defined]
    assert body["conforms"] is False and body["summary"]["violations"] == 1
    assert [r["location"] for r in body["results"] if r["rule"] == "unknown-capability"] == [
        {"row": 2, "column": "aligned_capabilities"}]
    assert body["coverage"][0]["archetype"] == "User"
    assert curricula.records(mem) == [] and not any(g.startswith(ns.CURRICULUM_GRAPH_PREFIX) for g in mem.graph_names())


def test_refusals_on_submit_are_400_413_415(mem: EmbeddedStore) -> None:
    client = make_client(mem, upload_max_bytes=3000)
    bad = post(client, b'{"id": ', "application/json")
    assert bad.status_code == 400 and bad.get_json()["place"] == "line 1, column 8"  # type: ignore[attr-defined]
    big = post(client, to_json(base()) + b" " * 5000)
    assert big.status_code == 413 and "limit" in big.get_json()["error"]  # type: ignore[attr-defined]
    odd = post(client, b"<html/>", "text/html")
    assert odd.status_code == 415 and "text/html" in odd.get_json()["error"]  # type: ignore[attr-defined]
    upload = client.post("/api/curricula", data={"file": (io.BytesIO(to_json(base())), "c.json")},
                         content_type="multipart/form-data", headers=WRITER)
    assert upload.status_code == 201 and upload.get_json()["curriculum"] == CURRICULUM
    assert [r.source for r in curricula.records(mem)] == ["c.json"]


def test_the_list_as_json_and_csv(client: FlaskClient) -> None:
    assert client.get("/api/curricula").get_json() == []
    doc = base()
    doc["title"] = "=HYPERLINK(\"http://evil.example\", \"click\")"
    key = post(client, to_json(doc)).get_json()["id"]  # type: ignore[attr-defined]
    listed = client.get("/api/curricula").get_json()
    assert [(r["id"], r["curriculum"], r["modules"], r["outcomes"], r["provider"], r["href"]) for r in listed] == [
        (key, CURRICULUM, 2, 3, "Example University", f"/api/curricula/{key}")]
    assert listed[0]["frameworkVersion"] and listed[0]["sha256"] and listed[0]["submitted"]
    for response in (client.get("/api/curricula?format=csv"), client.get("/api/curricula", headers={"Accept": "text/csv"})):
        assert response.mimetype == "text/csv"
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
        assert [(r["id"], r["curriculum"], r["modules"]) for r in rows] == [(key, CURRICULUM, "2")]
        assert rows[0]["title"] == "'" + doc["title"]  # a spreadsheet shows it as text, never runs it
    wrong = client.get("/api/curricula?format=xml")
    assert wrong.status_code == 400 and "format" in wrong.get_json()["error"]


@pytest.mark.parametrize("fmt", formats.offered("api"), ids=lambda f: f.name)
def test_the_list_is_given_in_each_format_the_registry_offers_the_api_by_any_case_of_its_names_or_its_type(
        client: FlaskClient, fmt: formats.Format) -> None:
    key = post(client, to_json(base())).get_json()["id"]  # type: ignore[attr-defined]
    asked = [{"query_string": {"format": spelled}} for n in (fmt.name, *fmt.names)
             for spelled in (n, n.upper(), n.capitalize())] + [{"headers": {"Accept": fmt.media_type}}]
    for how in asked:
        response = client.get("/api/curricula", **how)  # type: ignore[arg-type]
        assert (response.status_code, response.mimetype) == (200, fmt.media_type), how
        text = response.get_data(as_text=True)
        if fmt is formats.CSV:
            rows = list(csv.reader(io.StringIO(text)))
            assert rows[0] == COLUMNS and [r[0] for r in rows[1:]] == [key]
        else:
            assert [r["id"] for r in response.get_json()] == [key]


def test_an_unknown_format_is_a_400_from_the_error_table_naming_the_formats_the_registry_offers(
        client: FlaskClient) -> None:
    names = formats.names("api")
    assert set(names) == {"json", "csv"}
    for accept, kind in (("application/json", "application/json"), ("text/plain", "text/plain")):
        response = client.get("/api/curricula?format=xml", headers={"Accept": accept})
        assert (response.status_code, response.mimetype) == (400, kind)  # as the error table answers
        text = response.get_data(as_text=True)
        assert "unknown format 'xml'" in text and all(f"format={n}" in text for n in names)


def test_one_curriculum_by_key_or_iri_with_modules_and_outcomes(client: FlaskClient) -> None:
    key = post(client, to_json(base())).get_json()["id"]  # type: ignore[attr-defined]
    by_key = client.get(f"/api/curricula/{key}").get_json()
    by_iri = client.get(f"/api/curricula/{quote(CURRICULUM, safe='')}").get_json()
    assert by_key == by_iri
    assert by_key["id"] == key and by_key["title"] == "AI foundations for clinical staff"
    expected = [(m["title"], [(o["statement"], o["bloomLevel"], [ns.ID + "capability/" + c for c in o["alignedTo"]])
                              for o in m["learningOutcomes"]]) for m in base()["modules"]]
    got = [(m["title"], [(o["statement"], o["bloomLevel"].rsplit("/", 1)[-1], o["alignedTo"])
                         for o in m["learningOutcomes"]]) for m in by_key["modules"]]
    assert got == expected
    assert by_key["moduleCount"] == 2 and by_key["modules"][0]["notionalHours"] == "10"
    assert client.get(f"/api/curricula/{key}?format=json").get_json() == by_key
    # one curriculum is JSON only: a format of the API's other than JSON is said to be refused, one
    # the API does not know is refused by the error table as anywhere in /api (before, both got JSON)
    for name, says in (("csv", "answered as JSON"), ("CSV", "answered as JSON"), ("xlsx", "unknown format")):
        other = client.get(f"/api/curricula/{key}?format={name}")
        assert other.status_code == 400 and says in other.get_json()["error"], name


def test_an_unknown_curriculum_is_404(client: FlaskClient) -> None:
    for key in ("0" * 64, quote("https://nowhere.example/c", safe="")):
        response = client.get(f"/api/curricula/{key}")
        assert response.status_code == 404 and "no stored curriculum" in response.get_json()["error"]


def test_removal_needs_the_token_and_then_the_curriculum_is_gone(client: FlaskClient, mem: EmbeddedStore) -> None:
    key = post(client, to_json(base())).get_json()["id"]  # type: ignore[attr-defined]
    assert client.delete(f"/api/curricula/{key}").status_code == 401
    assert client.delete(f"/api/curricula/{key}", headers={"Authorization": f"Bearer {READ}"}).status_code == 403
    assert len(curricula.records(mem)) == 1
    gone = client.delete(f"/api/curricula/{key}", headers=WRITER)
    assert gone.status_code == 204 and gone.get_data() == b""
    assert curricula.records(mem) == [] and client.get(f"/api/curricula/{key}").status_code == 404
    again = client.delete(f"/api/curricula/{key}", headers=WRITER)
    assert again.status_code == 404 and "no stored curriculum" in again.get_json()["error"]


def test_the_round_trip_on_both_stores(store: Store) -> None:
    """Submit, list, show and remove through HTTP on the embedded store and on Virtuoso."""
    loading.load_bundled(store)
    client = make_client(store)
    created = post(client, to_json(base()))
    assert created.status_code == 201  # type: ignore[attr-defined]
    key = created.get_json()["id"]  # type: ignore[attr-defined]
    assert [r["id"] for r in client.get("/api/curricula").get_json()] == [key]
    shown = client.get(f"/api/curricula/{key}").get_json()
    assert [len(m["learningOutcomes"]) for m in shown["modules"]] == [2, 1]
    assert client.delete(f"/api/curricula/{key}", headers=WRITER).status_code == 204
    assert client.get("/api/curricula").get_json() == []


def test_an_unknown_api_path_is_a_json_404_and_a_page_path_is_not(client: FlaskClient) -> None:
    api = client.get("/api/no-such-thing")
    assert api.status_code == 404 and api.mimetype == "application/json"
    assert "/api/no-such-thing" in api.get_json()["error"] and "openapi.json" in api.get_json()["fix"]
    page = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.mimetype == "text/html" and "/no-such-page" in page.get_data(as_text=True)
    odd = client.delete("/api/curricula/with\nnewline", headers=WRITER)  # no route matches a line break
    assert odd.status_code == 404 and odd.get_json()["error"]
