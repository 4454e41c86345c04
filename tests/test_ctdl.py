"""CTDL-ASN: the export meets the Credential Engine Registry's minimum data policy, CTIDs are minted once
and kept in the data, releases carry case/ and ctdl-asn.json, capability pages link their CASE item and
CTDL-ASN node, and another publisher's CFPackage comes in as a SKOS scheme for crosswalks."""

from __future__ import annotations

import csv
import http.server
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from aiskills import loading
from aiskills import namespaces as ns
from aiskills.cli import main
from aiskills.config import Settings
from aiskills.framework import bundle
from aiskills.framework.model import capability_rows
from aiskills.publishing.case import case_uuid
from aiskills.publishing.ctdl import CONTEXT
from aiskills.rdf import read_triples
from aiskills.store.embedded import EmbeddedStore
from aiskills.web import create_app

ROOT = Path(__file__).resolve().parents[1]
CAPABILITIES = ROOT / "ontology" / "framework" / "capabilities.csv"
CTID = re.compile(r"^ce-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
EXAMPLE = ROOT / "examples" / "creator-clinical-ml-msc.json"


def _ok(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    store = tmp_path_factory.mktemp("store")
    runner = CliRunner()
    _ok(runner.invoke(main, ["load", "--store", str(store)]))
    _ok(runner.invoke(main, ["submit", str(EXAMPLE), "--store", str(store)]))
    result = _ok(runner.invoke(main, ["export", "--format", "ctdl-asn", "--store", str(store)]))
    return json.loads(result.stdout)


def test_the_export_meets_the_registrys_minimum_data_policy(exported: dict[str, Any]) -> None:
    assert exported["@context"] == CONTEXT == "https://credreg.net/ctdlasn/schema/context/json"
    nodes = exported["@graph"]
    frameworks = [n for n in nodes if n["@type"] == "ceasn:CompetencyFramework"]
    competencies = {n["@id"]: n for n in nodes if n["@type"] == "ceasn:Competency"}
    assert len(frameworks) == 1
    fw = frameworks[0]
    assert CTID.match(fw["ceterms:ctid"])
    for key in ("ceasn:name", "ceasn:description", "ceasn:publisherName"):
        assert isinstance(fw[key], dict) and all(fw[key].values()), key
    assert fw["ceasn:inLanguage"] == ["en-GB"]
    framework = bundle.framework()
    rows = {r.notation: r for r in capability_rows(framework.triples)}
    sections = {t.subject.value for t in framework.triples if t.predicate.value == ns.RDF + "type"
                and t.object.value in {ns.AIS + c for c in ("Domain", "SubDomain", "DomainGroup")}}
    assert len(competencies) == len(rows) + len(sections)
    assert len(fw["ceasn:hasTopChild"]) == 6
    for top in fw["ceasn:hasTopChild"]:
        assert competencies[top]["ceasn:isTopChildOf"] == fw["@id"]
    by_notation = {c["ceasn:codedNotation"]: c for c in competencies.values()}
    for c in competencies.values():
        assert CTID.match(c["ceterms:ctid"]) and c["@id"].endswith(c["ceterms:ctid"])
        assert isinstance(c["ceasn:competencyText"], dict) and c["ceasn:competencyText"]["en-GB"]
        assert c["ceasn:isPartOf"] == fw["@id"]
        assert ("ceasn:isChildOf" in c) != ("ceasn:isTopChildOf" in c), c["ceasn:codedNotation"]
        if "ceasn:isChildOf" in c:
            assert c["@id"] in competencies[c["ceasn:isChildOf"]]["ceasn:hasChild"]
        assert re.match(r"^\d{4}-\d{2}-\d{2}$", c["ceasn:dateCreated"])
    for notation, r in rows.items():
        c = by_notation[notation]
        assert c["ceasn:competencyText"]["en-GB"] == r.statement
        assert c["ceasn:complexityLevel"] == [ns.level_iri(r.level)]
        assert sorted(c["ceasn:conceptTerm"]) == sorted(ns.archetype_iri(a) for a in r.archetypes)
        assert c["ceasn:isChildOf"] == by_notation[r.domain]["@id"]


def test_the_ctids_are_the_ones_kept_in_the_data(exported: dict[str, Any]) -> None:
    with CAPABILITIES.open(encoding="utf-8") as f:
        table = list(csv.reader(f))
    assert table[0][-1] == "ctid", "the ctid column is the template's last column"
    kept = {row[0]: row[-1] for row in table[1:]}
    assert all(CTID.match(v) for v in kept.values()) and len(set(kept.values())) == len(kept)
    exported_ctids = {n["ceasn:codedNotation"]: n["ceterms:ctid"] for n in exported["@graph"]
                      if n["@type"] == "ceasn:Competency"}
    assert {k: exported_ctids[k] for k in kept} == kept
    structure = (ROOT / "ontology" / "framework" / "framework.ttl").read_text(encoding="utf-8")
    for node in exported["@graph"]:
        if node["@type"] == "ceterms:LearningProgram":
            continue
        if node["@type"] == "ceasn:CompetencyFramework" or node["ceasn:codedNotation"] not in kept:
            assert f'ceterms:ctid "{node["ceterms:ctid"]}"' in structure


def test_stored_curricula_are_learning_programs_that_teach_competencies(exported: dict[str, Any]) -> None:
    programs = [n for n in exported["@graph"] if n["@type"] == "ceterms:LearningProgram"]
    competencies = {n["@id"]: n for n in exported["@graph"] if n["@type"] == "ceasn:Competency"}
    submission = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert len(programs) == 1
    program = programs[0]
    assert program["ceterms:name"]["en-GB"] == submission["title"]
    taught = {t["ceterms:codedNotation"] for t in program["ceterms:teaches"]}
    aligned = {a.rsplit("/", 1)[-1] for m in submission["modules"] for o in m["learningOutcomes"] for a in o["alignedTo"]}
    assert taught == aligned
    for t in program["ceterms:teaches"]:
        assert t["@type"] == "ceterms:CredentialAlignmentObject"
        assert competencies[t["ceterms:targetNode"]]["ceasn:codedNotation"] == t["ceterms:codedNotation"]


# -- CTIDs through the template round trip -----------------------------------------------------------


def _loaded(tmp_path: Path) -> tuple[CliRunner, str, list[list[str]], dict[str, str]]:
    """A store with the bundled framework, its template's rows and each notation's CTID."""
    runner = CliRunner()
    store = str(tmp_path / "store")
    _ok(runner.invoke(main, ["load", "--store", store]))
    with CAPABILITIES.open(encoding="utf-8") as f:
        table = list(csv.reader(f))
    return runner, store, table, {row[0]: row[-1] for row in table[1:]}


def test_ctids_are_minted_once_for_new_rows_and_kept_on_every_round_trip(tmp_path: Path) -> None:
    runner, store, table, bundled = _loaded(tmp_path)
    no_ctids = tmp_path / "no-ctids.csv"
    with no_ctids.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerows(row[:-1] for row in table)
        writer.writerow(["6.1-99", "Explain what a foundation model is.", "1", "6.1", "U", "understand", ""])
    _ok(runner.invoke(main, ["framework", "import", str(no_ctids), "--version", "2026.2", "--store", store]))
    first = tmp_path / "first.csv"
    _ok(runner.invoke(main, ["framework", "export", "--out", str(first), "--store", store]))
    with first.open(encoding="utf-8") as f:
        exported = {row["notation"]: row["ctid"] for row in csv.DictReader(f)}
    assert {k: exported[k] for k in bundled} == bundled, "the kept CTIDs stay"
    assert CTID.match(exported["6.1-99"]) and exported["6.1-99"] not in bundled.values(), "a new one is minted"
    _ok(runner.invoke(main, ["framework", "import", str(no_ctids), "--version", "2026.3", "--store", store]))
    second = tmp_path / "second.csv"
    _ok(runner.invoke(main, ["framework", "export", "--out", str(second), "--store", store]))
    assert second.read_bytes() == first.read_bytes(), "importing again mints nothing new"


def test_a_bad_or_repeated_ctid_is_refused_with_its_row_and_column(tmp_path: Path) -> None:
    runner = CliRunner()
    with CAPABILITIES.open(encoding="utf-8") as f:
        table = list(csv.reader(f))
    table[3][-1] = "ce-not-a-uuid"
    table[5][-1] = table[4][-1]
    bad = tmp_path / "bad.csv"
    with bad.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(table)
    result = runner.invoke(main, ["framework", "import", str(bad), "--out", str(tmp_path / "x.ttl")])
    assert result.exit_code == 2
    assert "row 4, column ctid: 'ce-not-a-uuid' is not a CTID" in result.output
    assert f"row 6, column ctid: '{table[4][-1]}' is already used on row 5" in result.output
    assert not (tmp_path / "x.ttl").exists()


def test_a_ctid_changed_or_swapped_in_the_template_is_refused_and_nothing_imported(tmp_path: Path) -> None:
    """A CTID never changes: a template row whose CTID is not the one the store keeps for its notation
    (one edited, two swapped) is refused at its row, and the store keeps its framework."""
    runner, store, table, kept = _loaded(tmp_path)
    table[1][-1], table[2][-1] = table[2][-1], table[1][-1]
    table[3][-1] = "ce-11111111-1111-4111-8111-111111111111"
    edited = tmp_path / "edited.csv"
    with edited.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(table)
    result = runner.invoke(main, ["framework", "import", str(edited), "--version", "2026.2", "--store", store])
    assert result.exit_code == 2
    for n in (2, 3, 4):
        row = table[n - 1]
        assert f"row {n}, column ctid: is {row[-1]}, but {row[0]} is {kept[row[0]]}" in result.output
    info = runner.invoke(main, ["info", "--store", store])
    assert "2026.2" not in info.output and "2026.1" in info.output


# -- releases ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("release") / "r"
    _ok(CliRunner().invoke(main, ["release", "--version", "2026.1", "--date", "2026-12-01", "--out", str(out),
                                  "--crosswalk", str(ROOT / "crosswalks" / "demo.sssom.tsv")]))
    return out


def test_every_release_holds_its_cfpackage_and_ctdl_asn_linked_from_the_docs(release: Path) -> None:
    package = json.loads((release / "case" / "CFPackage.json").read_text(encoding="utf-8"))
    assert package["CFDocument"]["version"] == "2026.1"
    assert package["CFDocument"]["lastChangeDateTime"] == "2026-12-01T00:00:00+00:00", "the release date"
    statements = {i["humanCodingScheme"]: i["fullStatement"] for i in package["CFItems"]}
    assert all(statements[r.notation] == r.statement for r in capability_rows(bundle.framework().triples))
    assert any(a["associationType"] == "exactMatchOf" for a in package["CFAssociations"]), "crosswalks come along"
    listed = json.loads((release / "case" / "CFDocuments.json").read_text(encoding="utf-8"))["CFDocuments"]
    assert package["CFDocument"]["identifier"] in {d["identifier"] for d in listed}
    ctdl = json.loads((release / "ctdl-asn.json").read_text(encoding="utf-8"))
    assert ctdl["@context"] == CONTEXT
    sums = (release / "SHA256SUMS").read_text(encoding="utf-8")
    assert "  case/CFPackage.json\n" in sums and "  ctdl-asn.json\n" in sums
    home = (release / "docs" / "index.html").read_text(encoding="utf-8")
    assert 'href="../case/CFPackage.json"' in home and 'href="../ctdl-asn.json"' in home
    page = (release / "docs" / "id" / "capability" / "6.1-03.html").read_text(encoding="utf-8")
    for link in re.findall(r'class="(?:case-item|ctdl-node)" href="([^"]+)"', page):
        target = json.loads((release / "docs" / "id" / "capability" / link).resolve().read_text(encoding="utf-8"))
        assert target.get("uri", ns.capability_iri("6.1-03")) == ns.capability_iri("6.1-03")
        assert target.get("ceasn:codedNotation", "6.1-03") == "6.1-03"


def test_a_release_without_every_ctid_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    framework = bundle.framework()
    drop = ox.NamedNode(ns.capability_iri("6.1-03"))
    ttl = tmp_path / "framework.nt"
    ttl.write_bytes(ox.serialize([t for t in framework.triples if not (t.subject == drop and
                                  t.predicate.value == ns.CETERMS + "ctid")], format=ox.RdfFormat.N_TRIPLES))
    out = tmp_path / "r"
    result = CliRunner().invoke(main, ["release", "--version", "2026.1", "--date", "2026-12-01",
                                       "--framework", str(ttl), "--out", str(out)])
    assert result.exit_code == 2
    assert "have no CTID" in result.output and "6.1-03" in result.output
    assert not out.exists() or not any(out.iterdir())


# -- capability pages ------------------------------------------------------------------------------


def test_capability_pages_link_their_case_item_and_ctdl_node_which_answer() -> None:
    store = EmbeddedStore(None)
    loading.load_bundled(store)
    client = create_app(Settings.from_env({}), store=store).test_client()
    page = client.get("/id/capability/6.1-03", headers={"Accept": "text/html"}).get_data(as_text=True)
    case_link = re.search(r'class="case-item" href="([^"]+)"', page)
    ctdl_link = re.search(r'class="ctdl-node" href="([^"]+)"', page)
    assert case_link and ctdl_link
    assert case_link.group(1) == f"/ims/case/v1p1/CFItems/{case_uuid(ns.capability_iri('6.1-03'))}"
    item = client.get(case_link.group(1)).get_json()
    assert item["uri"] == ns.capability_iri("6.1-03") and item["humanCodingScheme"] == "6.1-03"
    node = client.get(ctdl_link.group(1))
    assert node.mimetype == "application/ld+json"
    assert node.get_json()["ceasn:codedNotation"] == "6.1-03"
    assert client.get("/ctdl/ce-00000000-0000-4000-8000-000000000000").status_code == 404
    store.close()


# -- CASE in, for crosswalks -----------------------------------------------------------------------


def test_another_publishers_cfpackage_becomes_a_skos_scheme(release: Path, tmp_path: Path) -> None:
    package = json.loads((release / "case" / "levels.json").read_text(encoding="utf-8"))
    package["CFDocument"]["uri"] = "https://standards.example.org/levels"
    for item in package["CFItems"]:
        item["uri"] = "https://standards.example.org/levels/" + item["humanCodingScheme"]
    source = tmp_path / "other.json"
    source.write_text(json.dumps(package), encoding="utf-8")
    out = tmp_path / "scheme.ttl"
    _ok(CliRunner().invoke(main, ["crosswalk", "import-case", str(source), "--out", str(out)]))
    triples = read_triples(out)
    labels = {t.subject.value: t.object.value for t in triples if t.predicate.value == ns.SKOS + "prefLabel"}
    tops = {t.subject.value for t in triples if t.predicate.value == ns.SKOS + "topConceptOf"}
    assert labels["https://standards.example.org/levels"] == package["CFDocument"]["title"]
    assert tops == {i["uri"] for i in package["CFItems"]}
    for item in package["CFItems"]:
        assert labels[item["uri"]] == item["fullStatement"]


def test_an_imported_scheme_is_kept_in_the_store_and_its_labels_show_on_mappings(release: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    store = str(tmp_path / "store")
    _ok(runner.invoke(main, ["load", "--store", store]))
    result = _ok(runner.invoke(main, ["crosswalk", "import-case", str(release / "case" / "bloom.json"),
                                      "--store", store]))
    assert "6 concepts" in result.output
    query = ("SELECT ?l WHERE { <https://w3id.org/aiskills/id/bloom/apply> "
             "<http://www.w3.org/2004/02/skos/core#inScheme> ?s . ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }")
    answer = _ok(runner.invoke(main, ["query", query, "--format", "csv", "--store", store]))
    assert "Bloom" in answer.output


def test_a_broken_package_is_refused_naming_each_place(tmp_path: Path) -> None:
    runner = CliRunner()
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"CFDocument": {"uri": "urn:x", "title": "T", "identifier": "d"},
                                  "CFItems": [{"identifier": "i1", "uri": "https://x.example/1"}]}), encoding="utf-8")
    result = runner.invoke(main, ["crosswalk", "import-case", str(broken), "--out", str(tmp_path / "o.ttl")])
    assert result.exit_code == 2
    assert "CFDocument (d).uri: 'urn:x' is not an http(s) IRI" in result.output
    assert "CFItems[0] (i1).fullStatement: is missing or empty" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "o.ttl").exists()
    truncated = tmp_path / "truncated.json"
    truncated.write_text('{"CFDocument": {\n', encoding="utf-8")
    result = runner.invoke(main, ["crosswalk", "import-case", str(truncated)])
    assert result.exit_code == 2 and "line 2, column 1: is not JSON" in result.output
    assert runner.invoke(main, ["crosswalk", "import-case", str(tmp_path / "missing.json")]).exit_code == 2


@pytest.fixture
def served(release: Path) -> Iterator[str]:
    """The release's case/ folder on a local HTTP server (a real one, on a free port)."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(release / "case"), **kwargs)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_package_is_fetched_from_a_url_only_when_the_user_names_one(served: str, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "archetypes.ttl"
    _ok(runner.invoke(main, ["crosswalk", "import-case", f"{served}/archetypes.json", "--out", str(out)]))
    assert len([t for t in read_triples(out) if t.predicate.value == ns.SKOS + "inScheme"]) == 5
    missing = runner.invoke(main, ["crosswalk", "import-case", f"{served}/nothing.json"])
    assert missing.exit_code == 2 and "cannot fetch the package" in missing.output


def test_the_exported_curricula_are_read_once_each_with_their_own_facts_on_every_backend(store: Any) -> None:
    """``store_curricula`` gives each stored curriculum once, by IRI, with its title, its provider's
    name (two curricula share one provider, whose name each states) and the capabilities it teaches,
    sorted: on the embedded store and both SPARQL servers."""
    from support import alignment_data as d

    from aiskills.publishing.ctdl import store_curricula

    d.load_all(store)
    found = store_curricula(store)
    assert [c.iri for c in found] == sorted(doc["id"] for doc in d.CURRICULA)
    for c in found:
        doc = next(doc for doc in d.CURRICULA if doc["id"] == c.iri)
        assert c.title == doc["title"]
        assert c.provider == (doc["provider"]["name"] if "provider" in doc else None)
        aligned = {a for m in doc["modules"] for o in m["learningOutcomes"] for a in o["alignedTo"]}
        assert c.teaches == tuple(sorted(ns.ID + "capability/" + a for a in aligned))


def test_a_deprecated_capability_says_so_first_in_its_ctdl_comment() -> None:
    """CTDL-ASN has no deprecation property: the withdrawn capability's comment begins with it and its
    successor (it was a plain competency, as if in use)."""
    from dataclasses import replace

    from aiskills.framework.model import build_framework, structure_only
    from aiskills.publishing.ctdl import ctdl_document

    fw = bundle.framework()
    rows = [replace(r, deprecated=True, replaced_by="1-03", description="Longer.") if r.notation == "1-04" else r
            for r in capability_rows(fw.triples)]
    triples = build_framework(structure_only(fw.triples), rows, "test").triples
    document = ctdl_document(triples)
    (node,) = [n for n in document["@graph"] if n.get("ceasn:codedNotation") == "1-04"]
    assert next(iter(node["ceasn:comment"].values())) == "Deprecated; replaced by 1-03.\n\nLonger."
    (kept,) = [n for n in document["@graph"] if n.get("ceasn:codedNotation") == "1-03"]
    assert not next(iter(kept.get("ceasn:comment", {"": ""}).values())).startswith("Deprecated")
