"""Conditional GET: every answer read in full carries an ETag (a digest of its bytes) and
``Cache-Control: no-cache``, and a client or cache that sends the tag back gets 304 with no body while
the answer is unchanged, and the new answer once a write changed it. Through the real ``aiskills
serve`` and ``requests``, as a harvester or a browser revalidates."""

from __future__ import annotations

import uuid
from pathlib import Path

import requests
from support.served import aiskills_serve

TOKEN = "conditional-token"
JSON = "application/sparql-results+json"


def test_an_unchanged_answer_is_304_and_a_changed_one_is_sent_again_with_a_new_tag(tmp_path: Path) -> None:
    graph = f"urn:x-test:{uuid.uuid4()}"
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    with aiskills_serve(tmp_path / "store", {"AISKILLS_WRITE_TOKEN": TOKEN}) as (base, _):

        def get(path: str, tag: str | None = None, accept: str = JSON, **params: str) -> requests.Response:
            headers = {"Accept": accept} | ({"If-None-Match": tag} if tag else {})
            return requests.get(base + path, params=params, headers=headers, timeout=60)

        first = get("/sparql", query=query)
        tag = first.headers["ETag"]
        assert first.status_code == 200 and first.headers["Cache-Control"] == "no-cache"
        assert get("/sparql", query=query).headers["ETag"] == tag, "the same answer got another tag"
        again = get("/sparql", tag, query=query)
        assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == tag

        written = requests.post(f"{base}/sparql", timeout=60, headers={"Authorization": f"Bearer {TOKEN}"},
                                data={"update": f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:x-test:s> <urn:x-test:p> 1 }} }}"})
        assert written.status_code == 204
        changed = get("/sparql", tag, query=query)
        assert changed.status_code == 200 and changed.headers["ETag"] != tag
        assert changed.json()["results"]["bindings"][0]["n"]["value"] == "1"

        page = get("/id/capability/6.1-03", accept="text/html")
        turtle = get("/id/capability/6.1-03", accept="text/turtle")
        assert page.status_code == turtle.status_code == 200 and "6.1-03" in page.text
        assert page.headers["ETag"] != turtle.headers["ETag"], "two formats of one IRI share a tag"
        assert get("/id/capability/6.1-03", page.headers["ETag"], accept="text/html").status_code == 304
        assert get("/id/capability/6.1-03", page.headers["ETag"], accept="text/turtle").status_code == 200

        posted = requests.post(f"{base}/sparql", data={"query": query}, headers={"Accept": JSON}, timeout=60)
        assert posted.status_code == 200 and "ETag" not in posted.headers, "a POST answer was tagged"


def test_a_long_answer_is_compressed_for_a_client_that_accepts_gzip(tmp_path: Path) -> None:
    """A CASE package (1.5 MB) or a large SPARQL result had always come back uncompressed. Through
    the real server and `requests` (which asks for gzip and unpacks it): the same bytes, a few times
    fewer on the wire, a tag of their own, and a short answer left as it is."""
    import gzip

    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 2000"
    with aiskills_serve(tmp_path / "store") as (base, _):
        def get(path: str, encoding: str, tag: str | None = None, **params: str) -> requests.Response:
            headers = {"Accept": JSON, "Accept-Encoding": encoding} | ({"If-None-Match": tag} if tag else {})
            return requests.get(base + path, params=params, headers=headers, timeout=60, stream=True)

        plain = get("/sparql", "identity", query=query)
        packed = get("/sparql", "gzip", query=query)
        raw_plain, raw_packed = plain.raw.read(), packed.raw.read()  # the bytes as sent
        assert plain.headers.get("Content-Encoding") is None and packed.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(raw_packed) == raw_plain and len(raw_packed) * 4 < len(raw_plain)
        assert "Accept-Encoding" in packed.headers["Vary"] and packed.headers["ETag"] != plain.headers["ETag"]
        assert get("/sparql", "gzip", packed.headers["ETag"], query=query).status_code == 304
        short = get("/sparql", "gzip", query="ASK { ?s ?p ?o }")
        assert short.headers.get("Content-Encoding") is None and short.json()["boolean"] is True
