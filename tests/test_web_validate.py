"""``POST /api/validate`` and the ``/validate`` page: every way a curriculum can arrive (upload, paste, raw
body), the report with its places and coverage, and the refusals (400 with the place, 413 before
reading, 415), on an embedded store holding the bundled framework."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from flask import Flask
from flask.testing import FlaskClient
from support.curricula import base, to_csv, to_json, to_turtle, to_xlsx
from support.html import outline

from aiskills import loading
from aiskills import namespaces as ns
from aiskills.config import Settings
from aiskills.store.embedded import EmbeddedStore
from aiskills.submission.readers import read_bytes
from aiskills.validation import render
from aiskills.validation.engine import validator_for
from aiskills.web import create_app

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CURRICULUM = "https://provider.example/curricula/ai-foundations"


@pytest.fixture(scope="module")
def store() -> Iterator[EmbeddedStore]:
    s = EmbeddedStore(None)
    loading.load_bundled(s)
    yield s
    s.close()


@pytest.fixture(scope="module")
def app(store: EmbeddedStore) -> Flask:
    return create_app(Settings.from_env({}), store=store)


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def small_app(store: EmbeddedStore, limit: int) -> FlaskClient:
    return create_app(Settings.from_env({}, upload_max_bytes=limit), store=store).test_client()


def mistaken() -> dict:  # type: ignore[type-arg]
    """base() with an unknown capability code in the first outcome and a bad Bloom level in the third."""
    doc = base()
    doc["modules"][0]["learningOutcomes"][0]["alignedTo"] = ["9-99"]
    doc["modules"][1]["learningOutcomes"][0]["bloomLevel"] = "memorise"
    return doc


def required_and_covered(store: EmbeddedStore, archetype: str, codes: list[str]) -> tuple[int, int]:
    """Counted with SPARQL over the store (not the code under test): capabilities badged ``archetype``,
    and how many of ``codes`` are among them."""
    arch = ox.NamedNode(ns.ID + "archetype/" + archetype)
    q = ("PREFIX ais: <https://w3id.org/aiskills/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
         "SELECT ?n WHERE { ?c a ais:Capability ; ais:archetype ?a ; skos:notation ?n }")
    badged = {n for (n,) in store.select(q, {"a": arch}).values()}
    return len(badged), len(badged & set(codes))


# -- the JSON API ----------------------------------------------------------------------------------

def test_a_raw_json_body_gets_the_report_with_coverage(client: FlaskClient, store: EmbeddedStore) -> None:
    response = client.post("/api/validate", data=to_json(base()), content_type="application/json")
    assert response.status_code == 200
    body = response.get_json()
    expected = json.loads(render.as_json(validator_for(store).validate(read_bytes(to_json(base()), "body.json"))))
    assert set(body) == set(expected) | {"coverage"}  # the report's keys, kept, plus coverage
    assert body["conforms"] is True and body["curriculum"] == CURRICULUM and body["source"] == "body.json"
    assert body["summary"] == expected["summary"]
    total, covered = required_and_covered(store, "user", ["6-01", "6-02", "6-03"])
    assert body["coverage"] == [{"archetype": "User", "iri": ns.ID + "archetype/user", "covered": covered,
                                 "total": total, "percent": round(100 * covered / total, 1)}]
    assert covered > 0


def test_coverage_names_every_target_archetype(client: FlaskClient, store: EmbeddedStore) -> None:
    doc = base()
    doc["targetArchetypes"] = ["Embedder", "User"]
    body = client.post("/api/validate", data=to_json(doc), content_type="application/json").get_json()
    assert [c["archetype"] for c in body["coverage"]] == ["Embedder", "User"]
    total, covered = required_and_covered(store, "embedder", ["6-01", "6-02", "6-03"])
    assert (body["coverage"][0]["total"], body["coverage"][0]["covered"]) == (total, covered)


def test_coverage_leaves_out_a_target_the_framework_does_not_know(client: FlaskClient) -> None:
    """An unknown archetype is a violation in the report, not a bar of 0 of 0 in the chart."""
    doc = base()
    doc["targetArchetypes"] = ["Wizard", "User"]
    body = client.post("/api/validate", data=to_json(doc), content_type="application/json").get_json()
    assert [c["archetype"] for c in body["coverage"]] == ["User"]
    assert any("Wizard" in (r.get("value") or "") for r in body["results"])


@pytest.mark.parametrize(("content_type", "fmt"), [
    ("application/json", "json"), ("application/ld+json", "json"), ("text/csv", "csv"), (XLSX, "xlsx"),
    ("text/turtle", "turtle"), ("application/n-triples", "ntriples"), ("application/rdf+xml", "rdfxml")])
def test_every_content_type_is_read_as_its_format(client: FlaskClient, content_type: str, fmt: str) -> None:
    doc = mistaken()
    data = {"json": to_json, "csv": to_csv, "xlsx": to_xlsx, "turtle": to_turtle}.get(fmt, to_turtle)(doc)
    if fmt in ("ntriples", "rdfxml"):
        triples = list(ox.parse(data, format=ox.RdfFormat.TURTLE))
        data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES if fmt == "ntriples" else ox.RdfFormat.RDF_XML)
    response = client.post("/api/validate?name=course", data=data, content_type=content_type)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["format"] == fmt and body["source"].startswith("course.")
    assert body["curriculum"] == CURRICULUM and body["conforms"] is False
    unknown = [r for r in body["results"] if r["rule"] == "unknown-capability"]
    assert [r["value"] for r in unknown] == ["9-99"]


@pytest.mark.parametrize(("fmt", "place"), [
    ("json", {"jsonPath": "$.modules[0].learningOutcomes[0].alignedTo[0]"}),
    ("csv", {"row": 2, "column": "aligned_capabilities"}),
    ("xlsx", {"row": 2, "column": "aligned_capabilities"})])
def test_an_upload_names_the_place_of_each_mistake(client: FlaskClient, fmt: str, place: dict) -> None:  # type: ignore[type-arg]
    data = {"json": to_json, "csv": to_csv, "xlsx": to_xlsx}[fmt](mistaken())
    response = client.post("/api/validate", data={"file": (io.BytesIO(data), f"course.{fmt}")},
                           content_type="multipart/form-data")
    body = response.get_json()
    assert response.status_code == 200 and body["source"] == f"course.{fmt}"
    unknown = next(r for r in body["results"] if r["rule"] == "unknown-capability")
    assert unknown["location"] == place
    assert "9-99" in unknown["message"] and unknown["hint"]


def test_a_turtle_mistake_is_placed_by_line(client: FlaskClient) -> None:
    """Turtle results point at the line where the item (here the outcome) is described."""
    data = to_turtle(mistaken())
    response = client.post("/api/validate", data={"file": (io.BytesIO(data), "course.ttl")},
                           content_type="multipart/form-data")
    unknown = next(r for r in response.get_json()["results"] if r["rule"] == "unknown-capability")
    line = unknown["location"]["line"]
    assert unknown["item"]["id"] == CURRICULUM + "/module/1/outcome/1"
    assert data.decode().splitlines()[line - 1].startswith(f"<{unknown['item']['id']}>")


def test_pasted_text_with_its_format(client: FlaskClient) -> None:
    response = client.post("/api/validate", data={"text": to_csv(mistaken()).decode(), "format": "csv"})
    body = response.get_json()
    assert response.status_code == 200 and body["format"] == "csv" and body["source"] == "pasted.csv"
    assert body["summary"]["violations"] >= 2
    assert {"unknown-capability"} <= {r["rule"] for r in body["results"]}


@pytest.mark.parametrize(("data", "content_type", "name", "place"), [
    (b'{"id": "x",\n  "title": }', "application/json", "body.json", "line 2, column 12"),
    (b"curriculum_id,title\nx,y\n", "text/csv", "body.csv", "row 1"),
    (b"@prefix ais: <https://w3id.org/aiskills/ontology#> .\n<a> ais:b <c> <d> .\n", "text/turtle", "body.ttl", "line 2"),
])
def test_an_unreadable_body_is_400_with_the_place(client: FlaskClient, data: bytes, content_type: str,
                                                  name: str, place: str) -> None:
    response = client.post("/api/validate", data=data, content_type=content_type)
    assert response.status_code == 400
    body = response.get_json()
    assert set(body) == {"error", "source", "place", "fix"}
    assert body["source"] == name and body["place"].startswith(place) and body["fix"] and body["error"]


def test_a_broken_spreadsheet_is_400_not_500(client: FlaskClient) -> None:
    response = client.post("/api/validate", data=b"PK\x03\x04 not really a zip", content_type=XLSX)
    assert response.status_code == 400
    assert response.get_json()["source"] == "body.xlsx"


def test_nothing_sent_is_400(client: FlaskClient) -> None:
    response = client.post("/api/validate", data={"text": "  ", "format": "json"})
    assert response.status_code == 400 and "no curriculum" in response.get_json()["error"]
    empty = client.post("/api/validate", data=b"", content_type="application/json")
    assert empty.status_code == 400 and "empty" in empty.get_json()["error"]


@pytest.mark.parametrize(("kwargs", "says", "fix"), [
    ({"data": b"id,title", "content_type": "text/plain"}, "text/plain", "text/turtle"),
    ({"data": {"file": (io.BytesIO(b"{}"), "course.pdf")}, "content_type": "multipart/form-data"}, "course.pdf",
     "put it in the curriculum template"),
    ({"data": {"file": (io.BytesIO(b"PK"), "course.ods")}, "content_type": "multipart/form-data"}, "course.ods",
     "save it from LibreOffice"),
    ({"data": {"file": (io.BytesIO(b"{}"), "course.yaml")}, "content_type": "multipart/form-data"}, "course.yaml",
     "text/turtle"),
    ({"data": {"text": "{}", "format": "yaml"}}, "yaml", "text/turtle"),
])
def test_an_unknown_type_is_415(client: FlaskClient, kwargs: dict, says: str, fix: str) -> None:  # type: ignore[type-arg]
    """A file of a kind with a known export gets that export as its fix; anything else the list."""
    response = client.post("/api/validate", **kwargs)
    assert response.status_code == 415
    body = response.get_json()
    assert says in body["error"] and fix in body["fix"]


class CountingStream(io.BytesIO):
    """A request body that records how much of it the server read."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.taken = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.taken += len(chunk)
        return chunk


def test_a_body_over_the_limit_is_refused_from_its_length_unread(store: EmbeddedStore) -> None:
    client = small_app(store, 2000)
    body = CountingStream(b"{" + b" " * 5000 + b"}")
    response = client.post("/api/validate", input_stream=body, content_type="application/json",
                           headers={"Content-Length": "5002"})
    assert response.status_code == 413
    assert "larger than the limit" in response.get_json()["error"]
    assert body.taken == 0


def test_an_upload_over_the_limit_is_refused_from_its_length(store: EmbeddedStore) -> None:
    client = small_app(store, 2000)
    big = to_json(base()) + b" " * 100_000
    response = client.post("/api/validate", data={"file": (io.BytesIO(big), "big.json")},
                           content_type="multipart/form-data")
    assert response.status_code == 413 and response.get_json()["fix"]


def test_a_body_without_length_is_cut_at_the_limit(store: EmbeddedStore) -> None:
    """Chunked (no Content-Length): the server reads at most the limit plus one chunk, then 413."""
    client = small_app(store, 2000)
    body = CountingStream(b"[" + b"0," * 500_000 + b"0]")
    response = client.post("/api/validate", input_stream=body, content_type="application/json",
                           headers={"Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 413 and "larger than the limit" in response.get_json()["error"]
    assert body.taken <= 2000 + 64 * 1024


def test_a_file_exactly_at_the_limit_is_read(store: EmbeddedStore) -> None:
    data = to_json(base())
    client = small_app(store, len(data))
    response = client.post("/api/validate", data=data, content_type="application/json")
    assert response.status_code == 200 and response.get_json()["conforms"] is True


# -- the page --------------------------------------------------------------------------------------

def test_the_form_has_a_labelled_upload_and_paste(client: FlaskClient) -> None:
    response = client.get("/validate")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert 'enctype="multipart/form-data"' in html and 'type="file"' in html and "<textarea" in html
    o = outline(html)
    assert o.inputs - {"site-q"} == {"file", "text", "format"}  # site-q: the header search on every page
    assert o.inputs <= o.labels
    assert o.styled == 0 and o.scripts == 0
    assert all(b - a <= 1 for a, b in zip(o.headings, o.headings[1:]))
    assert "forms.css" in html


def test_the_report_page_summary_first_then_results_with_places(client: FlaskClient, store: EmbeddedStore) -> None:
    response = client.post("/validate", data={"file": (io.BytesIO(to_xlsx(mistaken())), "course.xlsx")},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.index("Summary") < html.index("Coverage of each target archetype") < html.index("Results")
    assert "does not conform" in html
    report = validator_for(store).validate(read_bytes(to_xlsx(mistaken()), "course.xlsx"))
    assert f"<strong>{report.summary()['violations']}</strong> violations" in html
    assert "row 2, column aligned_capabilities" in html and "unknown-capability" in html and "9-99" in html
    assert "row 4, column bloom_level" in html and "memorise" in html
    o = outline(html)
    assert o.styled == 0 and o.scripts == 0
    assert all(b - a <= 1 for a, b in zip(o.headings, o.headings[1:]))


def test_the_report_page_groups_outcomes_inside_their_module(client: FlaskClient) -> None:
    html = client.post("/validate", data={"text": to_json(mistaken()).decode(), "format": "json"}).get_data(as_text=True)
    module = html.index("Module &#39;What AI is&#39;")
    outcome = html.index("Outcome &#39;Explain how machine learning")
    other_module = html.index("Module &#39;Using AI safely&#39;")
    assert module < outcome < other_module
    assert html.index("$.modules[0].learningOutcomes[0].alignedTo[0]") > outcome


def test_the_coverage_chart_is_meters_with_numbers_as_text(client: FlaskClient, store: EmbeddedStore) -> None:
    doc = base()
    doc["targetArchetypes"] = ["Embedder", "User"]
    html = client.post("/validate", data={"text": to_json(doc).decode(), "format": "json"}).get_data(as_text=True)
    for archetype, name in (("embedder", "Embedder"), ("user", "User")):
        total, covered = required_and_covered(store, archetype, ["6-01", "6-02", "6-03"])
        assert f'<meter min="0" max="{total}" value="{covered}"' in html
        assert f"{covered} of {total} ({round(100 * covered / total, 1)}%)" in html
        assert f">{name}</span>" in html


def test_targets_that_cannot_be_read_are_said_to_be_unread_not_absent(client: FlaskClient) -> None:
    """``Users, Embedders`` (a comma for ';') names no archetype the framework has: the coverage
    section says the targets could not be read and where, not that the curriculum names none."""
    doc = base()
    doc["targetArchetypes"] = ["Users, Embedders"]
    html = client.post("/validate", data={"text": to_json(doc).decode(), "format": "json"}).get_data(as_text=True)
    assert "The target archetypes could not be read ($.targetArchetypes[0]: Users, Embedders)" in html
    assert "names no target archetype" not in html


def test_text_from_the_file_is_escaped(client: FlaskClient) -> None:
    doc = mistaken()
    doc["modules"][0]["title"] = "<script>alert('x')</script>"
    doc["title"] = '<img src=x onerror="alert(1)">'
    html = client.post("/validate", data={"file": (io.BytesIO(to_csv(doc)), "course.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html


def test_pasted_text_comes_back_in_the_form_with_the_error(client: FlaskClient) -> None:
    response = client.post("/validate", data={"text": '{"id": "x",\n "title": }', "format": "json"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "could not be read" in html and "line 2, column 11" in html and "correct the JSON there" in html
    assert "&#34;title&#34;: }</textarea>" in html
    assert '<option value="json" selected>' in html


def test_the_page_refuses_unknown_types_and_large_files(store: EmbeddedStore) -> None:
    client = small_app(store, 2000)
    unknown = client.post("/validate", data={"file": (io.BytesIO(b"x"), "notes.docx")},
                          content_type="multipart/form-data")
    assert unknown.status_code == 415 and "notes.docx" in unknown.get_data(as_text=True)
    large = client.post("/validate", data={"file": (io.BytesIO(b" " * 200_000), "big.json")},
                        content_type="multipart/form-data")
    assert large.status_code == 413 and "larger than the limit" in large.get_data(as_text=True)


def test_validators_are_built_once_per_framework_state_and_rebuilt_when_it_changes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Building a validator parses the shapes and indexes the framework, so the app keeps one per
    framework state; a newly loaded framework version gets its own."""
    from aiskills import loading
    from aiskills.framework import bundle
    from aiskills.validation.engine import Validators

    s = EmbeddedStore(tmp_path / "store")
    loading.load_bundled(s)
    validators = Validators(recheck=0.0)
    first = validators.for_store(s)
    assert validators.for_store(s) is first
    from aiskills.framework.model import Framework

    loading.load_framework(s, Framework(bundle.framework().triples, "2027.1"), "test")
    second = validators.for_store(s)
    assert second is not first and second.framework_version == "2027.1"
    assert validators.for_store(s) is second
    s.close()


def test_a_200_mb_upload_is_refused_at_the_default_limit_before_a_byte_is_read(store: EmbeddedStore) -> None:
    """The default limit (10 MB): a body announcing 200 MB gets 413 with the limit named, unread."""
    client = create_app(Settings(), store=store).test_client()
    body = CountingStream(b"x" * 1024)
    response = client.post("/api/validate", input_stream=body, content_type="text/csv",
                           environ_overrides={"CONTENT_LENGTH": str(200 * 1024 * 1024)})
    assert response.status_code == 413 and "10 MB" in response.get_json()["error"]
    assert body.taken == 0
