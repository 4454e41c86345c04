"""The CASE 1.1 provider under /ims/case/v1p1 and /ims/case/v1p0: its answers checked against the
official CASE 1.1 OpenAPI description and CFPackage JSON Schema (read from the folder named by
AISKILLS_CONFORMANCE_DIR, ``case/``; without it the guard test fails rather than the checks silently
passing), identifiers, versions, the mapping, errors, paging, and a harvest done the way CaSS does it.

The store holds the bundled framework as an earlier version (2026.1) and a later one (2026.2) in which one
capability is reworded and another deprecated in favour of a third, plus the demo crosswalk.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from jsonschema import Draft201909Validator
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource

from aiskills import loading
from aiskills import namespaces as ns
from aiskills.config import Settings
from aiskills.crosswalk import mapping_triples, read_sssom
from aiskills.framework import bundle
from aiskills.framework.model import build_framework, capability_rows, structure_only
from aiskills.publishing.case import ONLY_1P1, api_base, build_packages, case_uuid
from aiskills.store.embedded import EmbeddedStore
from aiskills.web import create_app

ROOT = Path(__file__).resolve().parents[1]
SETTING = "AISKILLS_CONFORMANCE_DIR"
_DIR = Settings.from_env().conformance_dir
CASE_DIR = _DIR / "case" if _DIR else None
OPENAPI_FILE = "imscasev1p1_openapi3_v1p0.json"
PACKAGE_FILE = "case-v1p1-cfpackage.json"
REWORDED = "6.1-03"
DEPRECATED, SUCCESSOR = "1-04", "1-03"
NEW_STATEMENT = "Compare supervised, unsupervised and reinforcement learning, with a health example of each."


def test_the_official_case_files_are_there() -> None:
    assert CASE_DIR is not None, f"set {SETTING} to the conformance folder (`make test` sets it)"
    for name in (OPENAPI_FILE, PACKAGE_FILE):
        assert (CASE_DIR / name).is_file(), f"{CASE_DIR / name} is missing"


needs_files = pytest.mark.skipif(
    CASE_DIR is None or not (CASE_DIR / OPENAPI_FILE).is_file(),
    reason=f"{SETTING} does not name the conformance folder (the guard test above fails)",
)


# -- fixtures --------------------------------------------------------------------------------------


def _later_version() -> Any:
    """2026.2: one capability reworded, one deprecated and replaced by another."""
    fw = bundle.framework()
    version_p = ns.DCT + "hasVersion"
    struct = [t for t in structure_only(fw.triples) if t.predicate.value != version_p]
    import pyoxigraph as ox

    struct.append(ox.Triple(ox.NamedNode(ns.FRAMEWORK_IRI), ox.NamedNode(version_p), ox.Literal("2026.2")))
    rows = []
    for r in capability_rows(fw.triples):
        if r.notation == REWORDED:
            r = replace(r, statement=NEW_STATEMENT)
        if r.notation == DEPRECATED:  # with a description, which its notes must not put first
            r = replace(r, deprecated=True, replaced_by=SUCCESSOR, description=r.description or "A longer text.")
        rows.append(r)
    return build_framework(struct, rows, "test")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    store = EmbeddedStore(None)
    loading.load_bundled(store)
    loading.load_framework(store, _later_version(), "test")
    crosswalk = read_sssom(ROOT / "crosswalks" / "demo.sssom.tsv")
    store.graph_write(crosswalk.graph, mapping_triples(crosswalk), replace=True)
    app = create_app(Settings.from_env({}), store=store)
    yield app.test_client()
    store.close()


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    assert CASE_DIR is not None
    return json.loads((CASE_DIR / OPENAPI_FILE).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def package_schema() -> Draft201909Validator:
    assert CASE_DIR is not None
    schema = json.loads((CASE_DIR / PACKAGE_FILE).read_text(encoding="utf-8"))
    return Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)


def _operation(spec: dict[str, Any], path: str) -> tuple[str, dict[str, Any]]:
    """The OpenAPI path template and GET operation that ``path`` (after /ims/case/v1pN) matches."""
    for template, item in spec["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            return template, item["get"]
    raise AssertionError(f"{path} matches no operation of the CASE 1.1 OpenAPI description")


def conforms(spec: dict[str, Any], url: str, response: Any) -> Any:
    """``response`` checked against the official description: its status is one the operation lists,
    its body validates against that status's schema (formats too), and a CASE 1.0 answer holds no
    1.1-only field. Returns the body."""
    m = re.match(r"^/ims/case/(v1p[01])(/.*?)(\?.*)?$", url)
    assert m, url
    api, path = m.group(1), m.group(2)
    _template, op = _operation(spec, path)
    status = str(response.status_code)
    declared = op["responses"].get(status) or op["responses"]["default"]
    schema = declared["content"]["application/json"]["schema"]
    assert response.mimetype == "application/json", (url, response.mimetype)
    body = response.get_json()
    validator = _validator(spec, schema["$ref"])
    problems = [f"{list(e.absolute_path)}: {e.message[:300]}" for e in validator.iter_errors(body)]
    assert not problems, f"GET {url} ({status}) does not validate against {schema['$ref']}:\n" + "\n".join(
        problems[:10]
    )
    for header in declared.get("headers", {}):
        assert header in response.headers, f"GET {url}: no {header} header"
    if api == "v1p0":
        assert not _keys(body) & ONLY_1P1, f"GET {url}: CASE 1.0 answer with 1.1-only fields"
    return body


_VALIDATORS: dict[str, OAS30Validator] = {}


def _validator(spec: dict[str, Any], ref: str) -> OAS30Validator:
    """A validator for one schema of the official description (its $refs resolved inside it)."""
    if ref not in _VALIDATORS:
        registry = Registry().with_resource("spec", Resource.opaque(spec))
        _VALIDATORS[ref] = OAS30Validator(
            {"$ref": "spec#" + ref[1:]}, registry=registry, format_checker=OAS30Validator.FORMAT_CHECKER
        )
    return _VALIDATORS[ref]


def _is_framework(document: dict[str, Any]) -> bool:
    """Whether a CFDocument is a framework version (not the levels, Bloom or archetypes document)."""
    return document["identifier"] == case_uuid(ns.ID + "framework/" + document.get("version", ""))


def _keys(obj: Any) -> set[str]:
    if isinstance(obj, dict):
        return set(obj) | {k for v in obj.values() for k in _keys(v)}
    if isinstance(obj, list):
        return {k for v in obj for k in _keys(v)}
    return set()


_SEEN: dict[str, Any] = {}


def _get(client: Any, spec: dict[str, Any], url: str) -> Any:
    """``GET url``, checked by ``conforms`` once (definitions repeat across packages)."""
    if url not in _SEEN:
        _SEEN[url] = conforms(spec, url, client.get(url))
    return _SEEN[url]


# -- conformance -----------------------------------------------------------------------------------


@needs_files
@pytest.mark.parametrize("api", ["v1p1", "v1p0"])
def test_every_operation_answers_as_the_official_openapi_and_package_schema_say(
    client: Any, spec: dict[str, Any], package_schema: Draft201909Validator, api: str
) -> None:
    base = f"/ims/case/{api}/"
    docs = _get(client, spec, base + "CFDocuments")["CFDocuments"]
    assert docs
    # every definition, every section, level, Bloom level and archetype item, the first capability of
    # each section (the package schema checks them all), and one association of each type
    kinds_seen: set[str] = set()
    for doc in docs:
        _get(client, spec, f"{base}CFDocuments/{doc['identifier']}")
        package = _get(client, spec, f"{base}CFPackages/{doc['identifier']}")
        problems = [f"{list(e.absolute_path)}: {e.message[:200]}" for e in package_schema.iter_errors(package)]
        assert not problems, f"the package of {doc['title']} breaks the CFPackage schema:\n" + "\n".join(problems[:10])
        sample = [i for i in package["CFItems"] if i["CFItemType"] != "Capability" or i["humanCodingScheme"].endswith("-01")]
        for item in sample:
            _get(client, spec, f"{base}CFItems/{item['identifier']}")
            _get(client, spec, f"{base}CFItemAssociations/{item['identifier']}")
        by_type: dict[str, dict[str, Any]] = {}
        for a in package["CFAssociations"]:
            by_type.setdefault(a["associationType"], a)
        for a in by_type.values():
            _get(client, spec, f"{base}CFAssociations/{a['identifier']}")
        kinds_seen |= set(by_type)
        definitions = package.get("CFDefinitions", {})
        for key in ("CFItemTypes", "CFConcepts", "CFSubjects", "CFLicenses", "CFAssociationGroupings"):
            for d in definitions.get(key, []):
                _get(client, spec, f"{base}{key}/{d['identifier']}")
        for r in package.get("CFRubrics", []):
            _get(client, spec, f"{base}CFRubrics/{r['identifier']}")
    assert {"isChildOf", "hasSkillLevel", "isRelatedTo", "exactMatchOf", "replacedBy"} <= kinds_seen


@needs_files
def test_errors_are_imsx_status_info_with_the_specs_codes(client: Any, spec: dict[str, Any]) -> None:
    cases = {
        "/ims/case/v1p1/CFItems/not-a-uuid": (400, "invalid_uuid"),
        f"/ims/case/v1p1/CFItems/{uuid.uuid4()}": (404, "unknownobject"),
        f"/ims/case/v1p0/CFPackages/{uuid.uuid4()}": (404, "unknownobject"),
        "/ims/case/v1p1/CFDocuments?limit=0": (400, "invalid_selection_field"),
        "/ims/case/v1p1/CFDocuments?offset=-1": (400, "invalid_selection_field"),
        "/ims/case/v1p1/CFDocuments?orderBy=sideways": (400, "invalid_selection_field"),
        "/ims/case/v1p1/CFDocuments?sort=colour": (400, "invalid_sort_field"),
        "/ims/case/v1p1/CFDocuments?filter=title%20LIKE%20x": (400, "invalid_selection_field"),
        "/ims/case/v1p1/CFDocuments?fields=colour": (400, "invalid_selection_field"),
    }
    for url, (status, minor) in cases.items():
        response = client.get(url)
        assert response.status_code == status, (url, response.status_code)
        body = conforms(spec, url, response)
        assert body["imsx_codeMajor"] == "failure"
        assert body["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == minor, url
        assert body["imsx_description"]
    for url in ("/ims/case/v1p1/CFNothing/abc", "/ims/case/v2p0/CFDocuments", "/ims/case/v1p1/CFItems"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.get_json()["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == "unknownobject"
    # a method the service does not offer: imsx_StatusInfo too (it was Flask's HTML 405 page)
    minors = spec["components"]["schemas"]["imsx_CodeMinorFieldDType"]["properties"]["imsx_codeMinorFieldValue"]["enum"]
    for method in ("POST", "PUT", "DELETE"):
        response = client.open("/ims/case/v1p1/CFDocuments", method=method)
        assert response.status_code == 405 and response.mimetype == "application/json", method
        body = response.get_json()
        assert body["imsx_codeMajor"] == "unsupported" and "use GET" in body["imsx_description"]
        assert body["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] in minors
        assert "GET" in response.headers["Allow"]


@needs_files
def test_the_document_list_pages_sorts_filters_and_counts(client: Any, spec: dict[str, Any]) -> None:
    every = _get(client, spec, "/ims/case/v1p1/CFDocuments?sort=title")["CFDocuments"]
    titles = [d["title"] for d in every]
    assert titles == sorted(titles)
    backwards = _get(client, spec, "/ims/case/v1p1/CFDocuments?sort=title&orderBy=desc")["CFDocuments"]
    assert [d["title"] for d in backwards] == titles[::-1]
    url = "/ims/case/v1p1/CFDocuments?sort=title&limit=2&offset=2"
    response = client.get(url)
    page = conforms(spec, url, response)["CFDocuments"]
    assert [d["title"] for d in page] == titles[2:4]
    assert response.headers["X-Total-Count"] == str(len(every))
    links = {
        rel: href for href, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers["Link"])
    }
    assert set(links) == {"first", "last", "next", "prev"} if len(every) > 4 else {"first", "last", "prev"}
    assert "offset=0" in links["first"] and "offset=4" in links.get("next", "offset=4")
    assert "sort=title" in links["prev"]
    found = _get(client, spec, "/ims/case/v1p1/CFDocuments?filter=version%3D%272026.1%27%20AND%20title~%27capability%27")
    assert [d["version"] for d in found["CFDocuments"]] == ["2026.1"]
    # AND and OR together: no parentheses to read them by, so refused as such (the error had blamed a
    # valid clause); a joiner inside a quoted value is part of the value
    mixed = client.get("/ims/case/v1p1/CFDocuments", query_string={
        "filter": "title~'x' AND title~'y' OR title~'capability'"})
    assert mixed.status_code == 400 and "both AND and OR" in mixed.get_json()["imsx_description"]
    quoted = _get(client, spec, "/ims/case/v1p1/CFDocuments?" + urlencode(
        {"filter": "title~'capability' OR title~'x OR y AND z'"}))
    alone = _get(client, spec, "/ims/case/v1p1/CFDocuments?" + urlencode({"filter": "title~'capability'"}))
    assert alone["CFDocuments"] and quoted["CFDocuments"] == alone["CFDocuments"]  # no title holds 'x OR y AND z'
    # a list field matches when one of its values does; an object field is a 400, not a silent nothing
    subjects = {s for d in every for s in d.get("subject", [])}
    assert subjects
    subject = min(subjects)
    by_subject = _get(client, spec, f"/ims/case/v1p1/CFDocuments?filter=subject%3D%27{quote(subject)}%27")
    assert sorted(d["identifier"] for d in by_subject["CFDocuments"]) == sorted(
        d["identifier"] for d in every if subject in d.get("subject", []))
    on_object = client.get("/ims/case/v1p1/CFDocuments?filter=CFPackageURI%3D%27x%27")
    assert on_object.status_code == 400
    assert on_object.get_json()["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == "invalid_selection_field"
    slim = _get(client, spec, "/ims/case/v1p1/CFDocuments?fields=identifier,title,version")
    required = {"identifier", "uri", "creator", "title", "lastChangeDateTime", "CFPackageURI"}
    assert all(set(d) == required | {"version"} for d in slim["CFDocuments"])
    # fields is an array of style form in the OpenAPI description: repeated, as a client library sends it
    repeated = "/ims/case/v1p1/CFDocuments?fields=identifier&fields=title&fields=version"
    assert _get(client, spec, repeated) == slim


def test_a_browser_may_send_its_bearer_token_to_the_case_api_across_origins(client) -> None:  # type: ignore[no-untyped-def]
    """The preflight of a cross-origin GET with an Authorization header is allowed (reads only),
    and the GET itself carries Access-Control-Allow-Origin."""
    pre = client.options("/ims/case/v1p1/CFDocuments", headers={
        "Origin": "https://harvester.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "Authorization"})
    assert pre.status_code == 200 and pre.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in pre.headers["Access-Control-Allow-Methods"] and "POST" not in pre.headers["Access-Control-Allow-Methods"]
    assert "authorization" in pre.headers["Access-Control-Allow-Headers"].lower()
    got = client.get("/ims/case/v1p1/CFDocuments", headers={"Origin": "https://harvester.example"})
    assert got.headers["Access-Control-Allow-Origin"] == "*" and got.get_json()["CFDocuments"]


# -- identifiers and versions ----------------------------------------------------------------------


def test_identifiers_are_uuid5_of_our_iris_and_the_same_on_every_rebuild() -> None:
    fw = bundle.framework()
    base = api_base("https://w3id.org/aiskills/")
    first = [p.as_json() for p in build_packages(fw.triples, fw.version, base)]
    again = [p.as_json() for p in build_packages(bundle.framework().triples, fw.version, base)]
    assert json.dumps(first) == json.dumps(again)
    package = first[0]
    for item in package["CFItems"]:
        assert item["identifier"] == str(uuid.uuid5(uuid.NAMESPACE_URL, item["uri"]))
        assert item["uri"].startswith(ns.ID)
        assert uuid.UUID(item["identifier"]).version == 5
    document = package["CFDocument"]
    assert document["identifier"] == case_uuid(ns.ID + "framework/" + fw.version)
    assert document["uri"] == f"{base}CFDocuments/{document['identifier']}", "its own CASE address"
    modified = [t.object.value for t in fw.triples if t.subject.value == ns.FRAMEWORK_IRI and t.predicate.value == ns.DCT + "modified"]
    assert modified, "the bundled framework says when it last changed (dct:modified)"
    stamps = {o["lastChangeDateTime"] for o in [package["CFDocument"], *package["CFItems"], *package["CFAssociations"]]}
    assert stamps == {f"{modified[0]}T00:00:00+00:00"}


def test_every_framework_version_is_a_cfdocument_and_earlier_ones_stay_available(client: Any) -> None:
    docs = client.get("/ims/case/v1p1/CFDocuments").get_json()["CFDocuments"]
    versions = {d["version"]: d for d in docs if _is_framework(d)}
    assert set(versions) == {"2026.1", "2026.2"}
    assert versions["2026.2"]["adoptionStatus"] == "Adopted"
    assert versions["2026.1"]["adoptionStatus"] == "Deprecated"
    statements = {}
    for version, doc in versions.items():
        package = client.get(f"/ims/case/v1p1/CFPackages/{doc['identifier']}").get_json()
        statements[version] = {i["humanCodingScheme"]: i["fullStatement"] for i in package["CFItems"]}
    assert statements["2026.2"][REWORDED] == NEW_STATEMENT
    assert statements["2026.1"][REWORDED] != NEW_STATEMENT
    item = client.get(f"/ims/case/v1p1/CFItems/{case_uuid(ns.capability_iri(REWORDED))}").get_json()
    assert item["fullStatement"] == NEW_STATEMENT, "an item answers with its newest version"
    assert item["CFDocumentURI"]["identifier"] == versions["2026.2"]["identifier"]


# -- the mapping -----------------------------------------------------------------------------------


def test_levels_bloom_archetypes_crosswalks_and_deprecation_are_associations_readers_show(client: Any) -> None:
    docs = client.get("/ims/case/v1p1/CFDocuments").get_json()["CFDocuments"]
    current = next(d for d in docs if d.get("version") == "2026.2" and _is_framework(d))
    package = client.get(f"/ims/case/v1p1/CFPackages/{current['identifier']}").get_json()
    fw = _later_version()
    rows = {r.notation: r for r in capability_rows(fw.triples)}
    cap = ns.capability_iri("6.1-03")
    out = [a for a in package["CFAssociations"] if a["originNodeURI"]["uri"] == cap]
    kinds = {(a["associationType"], a["destinationNodeURI"]["uri"]) for a in out}
    assert ("hasSkillLevel", ns.level_iri(rows["6.1-03"].level)) in kinds
    assert ("isRelatedTo", ns.bloom_iri(rows["6.1-03"].bloom_level)) in kinds
    assert {("isRelatedTo", ns.archetype_iri(a)) for a in rows["6.1-03"].archetypes} <= kinds
    assert ("exactMatchOf", "https://example.org/demo-digital-skills/ml-types") in kinds
    close = [a for a in package["CFAssociations"] if a["originNodeURI"]["uri"] == ns.capability_iri("1-01")]
    assert ("isRelatedTo", "https://example.org/demo-digital-skills/digital-systems-awareness") in {
        (a["associationType"], a["destinationNodeURI"]["uri"]) for a in close
    }
    crosswalked = [a["destinationNodeURI"] for a in package["CFAssociations"] if a["associationType"] == "exactMatchOf"]
    assert crosswalked and all(d["identifier"] == case_uuid(d["uri"]) for d in crosswalked)  # a UUID, not the URL
    (withdrawn,) = [i for i in package["CFItems"] if i["uri"] == ns.capability_iri(DEPRECATED)]
    assert withdrawn["notes"].startswith(f"Deprecated; replaced by {SUCCESSOR}.\n\n")
    replaced = [a for a in package["CFAssociations"] if a["associationType"] == "replacedBy"]
    assert [(a["originNodeURI"]["uri"], a["destinationNodeURI"]["uri"]) for a in replaced] == [
        (ns.capability_iri(DEPRECATED), ns.capability_iri(SUCCESSOR))
    ]
    item = next(i for i in package["CFItems"] if i["humanCodingScheme"] == "6.1-03")
    assert item["CFItemType"] == "Capability"
    assert f"Knowledge level {rows['6.1-03'].level}" in item["notes"]
    assert len(item["conceptKeywords"]) == len(rows["6.1-03"].archetypes)
    # the level the association points at is a CFItem of the knowledge-levels document
    level = client.get(f"/ims/case/v1p1/CFItems/{case_uuid(ns.level_iri(rows['6.1-03'].level))}").get_json()
    assert level["CFItemType"] == "Knowledge level"
    assert "extensions" not in _keys(package)


# -- a harvest done the way CaSS does it ------------------------------------------------------------


def test_a_cass_style_harvest_gets_every_capability_with_its_statement_and_place(client: Any) -> None:
    """CaSS reads CFDocuments, then each CFPackages/{identifier}, and rebuilds the tree from isChildOf."""
    fw = _later_version()
    codes = {t.subject.value: t.object.value for t in fw.triples if t.predicate.value == ns.SKOS + "notation"}
    expected = {r.notation: (r.statement, r.domain) for r in capability_rows(fw.triples)}
    docs = client.get("/ims/case/v1p0/CFDocuments").get_json()["CFDocuments"]
    harvested: dict[str, tuple[str, list[str]]] = {}
    for doc in docs:
        if doc.get("version") != "2026.2" or not _is_framework(doc):
            continue
        package = client.get(f"/ims/case/v1p0/CFPackages/{doc['identifier']}").get_json()
        items = {i["identifier"]: i for i in package["CFItems"]}
        parents = {
            a["originNodeURI"]["identifier"]: a["destinationNodeURI"]["identifier"]
            for a in package["CFAssociations"]
            if a["associationType"] == "isChildOf"
        }
        for ident, item in items.items():
            if item["CFItemType"] != "Capability":
                continue
            chain, up = [], parents[ident]
            while up in items:
                chain.append(items[up]["humanCodingScheme"])
                up = parents[up]
            assert up == doc["identifier"], f"{item['humanCodingScheme']} does not lead up to the document"
            harvested[item["humanCodingScheme"]] = (item["fullStatement"], chain)
    assert set(harvested) == set(expected)
    for notation, (statement, domain) in expected.items():
        got_statement, chain = harvested[notation]
        assert got_statement == statement
        assert chain[0] == domain, f"{notation} sits under {chain[0]}, not {domain}"
        assert chain[-1] == domain.split(".")[0], f"{notation}'s top item is not its domain"
    assert all(c in codes.values() for _, chain in harvested.values() for c in chain)


# -- discovery -------------------------------------------------------------------------------------


@needs_files
def test_the_discovery_document_names_the_twelve_official_operations(client: Any, spec: dict[str, Any]) -> None:
    response = client.get("/ims/case/v1p1/discovery")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.0")
    ours = {p: i["get"]["operationId"] for p, i in doc["paths"].items()}
    official = {p: i["get"]["operationId"] for p, i in spec["paths"].items()}
    assert ours == official and len(ours) == 12
    assert doc["servers"][0]["url"].endswith("/ims/case/v1p1")
    refs = re.findall(r'"\$ref": "[^"#]*#/components/schemas/(\w+)"', json.dumps(doc))
    assert refs and all(r in spec["components"]["schemas"] for r in refs)


# -- both backends ---------------------------------------------------------------------------------


def test_the_packages_are_the_same_from_either_store_backend(store: Any) -> None:
    """The provider reads the store through its port only: an embedded store and a remote SPARQL server
    (Virtuoso) holding the bundled framework give the very same CASE packages as the bundled files."""
    from aiskills.publishing.case import store_packages

    loading.load_bundled(store)
    base = api_base("https://w3id.org/aiskills/")
    fw = bundle.framework()
    expected = [p.as_json() for p in build_packages(fw.triples, fw.version, base)]
    assert [p.as_json() for p in store_packages(store, base)] == expected


def test_a_reloaded_version_answers_with_its_new_content_never_a_stale_one() -> None:
    store = EmbeddedStore(None)
    loading.load_bundled(store)
    client = create_app(Settings.from_env({}), store=store).test_client()
    url = f"/ims/case/v1p1/CFItems/{case_uuid(ns.capability_iri(REWORDED))}"
    before = client.get(url).get_json()["fullStatement"]
    fw = bundle.framework()
    rows = [replace(r, statement=NEW_STATEMENT) if r.notation == REWORDED else r for r in capability_rows(fw.triples)]
    loading.load_framework(store, build_framework(structure_only(fw.triples), rows, "test"), "test")
    assert before != NEW_STATEMENT
    assert client.get(url).get_json()["fullStatement"] == NEW_STATEMENT
    store.close()


def _objects_and_links(node: Any, objects: dict[str, str], links: list[dict[str, str]], key: str = "") -> None:
    """Every object with an identifier and a uri (by identifier), and every LinkURI (a value under a key
    ending in ``URI``, or a list of them), anywhere in ``node``."""
    if isinstance(node, list):
        for item in node:
            _objects_and_links(item, objects, links, key)
    elif isinstance(node, dict):
        if key.endswith("URI") and {"identifier", "uri", "title"} <= set(node):
            links.append(node)
        elif "identifier" in node and "uri" in node:
            objects[node["identifier"]] = node["uri"]
        for k, v in node.items():
            _objects_and_links(v, objects, links, k)


@needs_files
def test_a_link_names_the_uri_of_the_object_it_links_to(client: Any, spec: dict[str, Any]) -> None:
    """A consumer keys objects by uri (CaSS does): a subject's link said our CASE address where the
    CFSubject said its MeSH IRI, the licence and item types likewise, and a scale item's document link
    another uri than the document's, so each would have been stored twice."""
    for doc in _get(client, spec, "/ims/case/v1p1/CFDocuments")["CFDocuments"]:
        package = _get(client, spec, f"/ims/case/v1p1/CFPackages/{doc['identifier']}")
        objects: dict[str, str] = {}
        links: list[dict[str, str]] = []
        _objects_and_links(package, objects, links)
        checked = [link for link in links if link["identifier"] in objects]
        assert len(checked) > 10, doc["title"]
        wrong = [(link["identifier"], link["uri"], objects[link["identifier"]])
                 for link in checked if link["uri"] != objects[link["identifier"]]]
        assert not wrong, (doc["title"], wrong[:3])
