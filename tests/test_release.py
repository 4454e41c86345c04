"""`aiskills release`: two releases of two framework versions; the change log finds exactly the edits
(Markdown, RDF, HTML), every RDF file parses, the DCAT checksums and sizes match the files, a rebuild
is byte-identical, and bad input is refused with the fix."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import re
from datetime import date
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from aiskills import changes
from aiskills import namespaces as ns
from aiskills.cli import main
from aiskills.crosswalk import read_sssom, write_sssom
from aiskills.errors import InputError
from aiskills.framework import bundle
from aiskills.framework.model import Framework, build_framework, capability_rows, structure_only
from aiskills.framework.template import CapabilityRow, read_template
from aiskills.rdf import read_triples
from aiskills.release import DCAT, SPDX, VOID, ReleaseInputs, write_release

EXAMPLE = Path(__file__).resolve().parent.parent / "crosswalks" / "demo.sssom.tsv"
EXPECTED = {("reworded", "2.1-01"), ("moved", "2.1-02"), ("re-levelled", "2.1-03"), ("re-badged", "3.1-01"),
            ("deprecated", "6-02"), ("deprecated", "6-04"), ("added", "6.1-99")}
RDF_SUFFIXES = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES, ".jsonld": ox.RdfFormat.JSON_LD,
                ".rdf": ox.RdfFormat.RDF_XML, ".nq": ox.RdfFormat.N_QUADS}


def edited(framework: Framework) -> list[ox.Triple]:
    """Version 2: 2.1-01 reworded, 2.1-02 moved to 2.2, 2.1-03 to level 4, 3.1-01 loses its User badge,
    6-02 deprecated for 6-03, 6-04 deprecated with no replacement, 6.1-99 added."""
    rows = {r.notation: r for r in capability_rows(framework.triples)}
    assert rows["2.1-03"].level != 4 and "user" in rows["3.1-01"].archetypes and rows["2.1-02"].domain == "2.1"
    r = dataclasses.replace
    rows["2.1-01"] = r(rows["2.1-01"], statement="A new wording of the first direct-care statement.")
    rows["2.1-02"] = r(rows["2.1-02"], domain="2.2")
    rows["2.1-03"] = r(rows["2.1-03"], level=4)
    rows["3.1-01"] = r(rows["3.1-01"], archetypes=tuple(a for a in rows["3.1-01"].archetypes if a != "user"))
    rows["6-02"] = r(rows["6-02"], deprecated=True, replaced_by="6-03")
    rows["6-04"] = r(rows["6-04"], deprecated=True, replaced_by="none")
    rows["6.1-99"] = CapabilityRow("6.1-99", "Explain what a foundation model is.", 1, "6.1", ("user",), "understand",
                                   ctid="ce-0c5f3a5e-2f7b-4c1d-9e8a-6b4d2c1a0f99")
    return build_framework(structure_only(framework.triples), list(rows.values()), "edited").triples


def build(out: Path, version: str, framework: list[ox.Triple], previous: Path | None = None,
          crosswalk: bool = True) -> None:
    ontology, _ = bundle.ontology()
    sets = [(read_sssom(EXAMPLE), EXAMPLE.name)] if crosswalk else []
    write_release(ReleaseInputs(version, date(2026, 3, 1), ontology, framework, previous, sets,
                                sparql_endpoint="https://example.org/sparql"), out)


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Release 2026.1 of the bundled framework and release 2026.2 of the edited one, against it."""
    base = tmp_path_factory.mktemp("releases")
    fw = bundle.framework()
    build(base / "2026.1", "2026.1", fw.triples)
    build(base / "2026.2", "2026.2", edited(fw), previous=base / "2026.1")
    return base / "2026.1", base / "2026.2"


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_change_log_finds_exactly_the_edits_in_every_form(releases: tuple[Path, Path]) -> None:
    _, new = releases
    log = changes.from_rdf(read_triples(new / "changes.ttl"))
    assert (log.old_version, log.new_version) == ("2026.1", "2026.2")
    assert {(c.kind, c.notation) for c in log.changes} == EXPECTED
    moved = next(c for c in log.changes if c.kind == "moved")
    assert (moved.old, moved.new) == ("2.1", "2.2")
    replaced = {c.notation: c.new for c in log.changes if c.kind == "deprecated"}
    assert replaced == {"6-02": "6-03", "6-04": None}
    markdown = (new / "changes.md").read_text(encoding="utf-8")
    bullets = re.findall(r"^- \*\*([^*]+)\*\*", markdown, re.MULTILINE)
    assert sorted(bullets) == sorted(n for _, n in EXPECTED)
    assert "replaced by 6-03" in markdown and "6-04**" in markdown and "(no replacement)" in markdown
    page = (new / "changes.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr class="change ([a-z-]+)"><th scope="row">([^<]+)</th>', page)
    assert set(rows) == EXPECTED and len(rows) == len(EXPECTED)
    assert '<html lang="en-GB">' in page and "style=" not in page and "<script" not in page


def test_first_release_has_no_change_log_and_the_second_names_its_predecessor(releases: tuple[Path, Path]) -> None:
    old, new = releases
    assert not (old / "changes.md").exists()
    onto = set(read_triples(new / "ontology.nt"))
    o = ox.NamedNode(ns.ONTOLOGY_IRI)
    assert ox.Triple(o, ox.NamedNode(ns.OWL + "versionIRI"), ox.NamedNode(ns.ONTOLOGY_IRI + "/2026.2")) in onto
    assert ox.Triple(o, ox.NamedNode(ns.OWL + "priorVersion"), ox.NamedNode(ns.ONTOLOGY_IRI + "/2026.1")) in onto
    assert ox.Triple(ox.NamedNode(ns.ONTOLOGY_IRI + "/2026.2"), ox.NamedNode(ns.DCT + "isVersionOf"), o) in onto
    assert ox.Triple(o, ox.NamedNode(ns.DCT + "issued"), ox.Literal("2026-03-01", datatype=ox.NamedNode(ns.XSD + "date"))) in onto
    fw = set(read_triples(new / "framework.nt"))
    v = ox.NamedNode(ns.ID + "framework/2026.2")
    assert ox.Triple(v, ox.NamedNode(ns.DCT + "isVersionOf"), ox.NamedNode(ns.FRAMEWORK_IRI)) in fw
    assert ox.Triple(v, ox.NamedNode(ns.OWL + "priorVersion"), ox.NamedNode(ns.ID + "framework/2026.1")) in fw
    assert ox.Triple(ox.NamedNode(ns.FRAMEWORK_IRI), ox.NamedNode(ns.DCT + "hasVersion"), ox.Literal("2026.2")) in fw


def test_deprecated_capabilities_stay_in_the_framework_with_their_replacement(releases: tuple[Path, Path]) -> None:
    _, new = releases
    fw = set(read_triples(new / "framework.nt"))
    cap = lambda n: ox.NamedNode(ns.capability_iri(n))
    true = ox.Literal("true", datatype=ox.NamedNode(ns.XSD + "boolean"))
    assert ox.Triple(cap("6-02"), ox.NamedNode(ns.RDF + "type"), ox.NamedNode(ns.AIS + "Capability")) in fw
    assert ox.Triple(cap("6-02"), ox.NamedNode(ns.DCT + "isReplacedBy"), cap("6-03")) in fw
    assert ox.Triple(cap("6-04"), ox.NamedNode(ns.AIS + "noReplacement"), true) in fw
    rows = {r.notation: r for r in read_template(new / "framework.xlsx", ["2.1", "2.2", "6", "6.1", "3.1"] +
                                                 [r.domain for r in capability_rows(bundle.framework().triples)])}
    assert (rows["6-02"].deprecated, rows["6-02"].replaced_by) == (True, "6-03")
    assert (rows["6-04"].deprecated, rows["6-04"].replaced_by) == (True, "none")
    assert not rows["6-03"].deprecated


def test_every_rdf_file_parses_and_the_syntaxes_agree(releases: tuple[Path, Path]) -> None:
    _, new = releases
    parsed = {}
    for path in _files(new):
        if path.suffix in RDF_SUFFIXES:
            parsed[path.relative_to(new).as_posix()] = set(ox.parse(path=str(path), format=RDF_SUFFIXES[path.suffix]))
    plain = {name: {q.triple for q in quads} for name, quads in parsed.items()}
    assert {"ontology.ttl", "framework.jsonld", "framework.rdf", "all.nq", "catalog.ttl", "void.ttl",
            "changes.ttl", "crosswalks/demo.ttl"} <= set(parsed)
    for stem in ("ontology", "framework"):
        nt = plain[f"{stem}.nt"]
        assert plain[f"{stem}.ttl"] == nt and plain[f"{stem}.rdf"] == nt and plain[f"{stem}.jsonld"] == nt
        assert len(nt) > 300
    assert '"@context"' in (new / "framework.jsonld").read_text(encoding="utf-8")[:200]
    graphs = {q.graph_name.value for q in parsed["all.nq"]}
    assert graphs == {ns.ONTOLOGY_GRAPH, ns.framework_graph("2026.2"), ns.GRAPH + "changes/2026.2",
                      read_sssom(EXAMPLE).graph}


def test_dcat_sizes_and_checksums_match_the_files(releases: tuple[Path, Path]) -> None:
    _, new = releases
    catalog = read_triples(new / "catalog.ttl")
    def value(s: ox.NamedNode | ox.BlankNode, p: str) -> ox.NamedNode | ox.Literal:
        (v,) = [t.object for t in catalog if t.subject == s and t.predicate.value == p]
        return v  # type: ignore[return-value]
    dists = [t.object for t in catalog if t.predicate.value == DCAT + "distribution"]
    described = {}
    for d in dists:
        name = value(d, ns.DCT + "title").value  # type: ignore[arg-type]
        path = new / name
        assert value(d, DCAT + "byteSize").value == str(path.stat().st_size), name  # type: ignore[arg-type]
        checksum = value(d, SPDX + "checksum")
        assert value(checksum, SPDX + "checksumValue").value == hashlib.sha256(path.read_bytes()).hexdigest(), name  # type: ignore[arg-type]
        assert value(d, DCAT + "mediaType").value.startswith("https://www.iana.org/assignments/media-types/")  # type: ignore[arg-type]
        assert value(d, ns.DCT + "license").value == "https://creativecommons.org/licenses/by/4.0/"  # type: ignore[arg-type]
        described[name] = value(d, DCAT + "mediaType").value.rsplit("/", 2)[-2:]  # type: ignore[arg-type]
    on_disk = {p.relative_to(new).as_posix() for p in _files(new)} - {"catalog.ttl", "void.ttl", "SHA256SUMS"}
    # the VoID description is a distribution of its own (it was left out)
    assert set(described) == {n for n in on_disk if not n.startswith("docs/")} | {"void.ttl"}
    assert described["framework.ttl"] == ["text", "turtle"] and described["all.nq"] == ["application", "n-quads"]
    assert described["ctdl-asn.json"] == ["application", "ld+json"]  # JSON-LD, as its content is (was json)
    assert described["void.ttl"] == ["text", "turtle"]
    sums = dict(reversed(line.split("  ")) for line in (new / "SHA256SUMS").read_text().splitlines())
    assert set(sums) == on_disk | {"catalog.ttl", "void.ttl"}
    assert all(hashlib.sha256((new / n).read_bytes()).hexdigest() == h for n, h in sums.items())


def test_void_counts_match_the_dump(releases: tuple[Path, Path]) -> None:
    _, new = releases
    void = read_triples(new / "void.ttl")
    dataset = ox.NamedNode(ns.ID + "release/2026.2")
    one = lambda s, p: next(t.object.value for t in void if t.subject == s and t.predicate.value == p)
    quads = list(ox.parse(path=str(new / "all.nq"), format=ox.RdfFormat.N_QUADS))
    assert int(one(dataset, VOID + "triples")) == len(quads)
    assert one(dataset, VOID + "sparqlEndpoint") == "https://example.org/sparql"
    parts = [t.object for t in void if t.subject == dataset and t.predicate.value == VOID + "classPartition"]
    entities = {one(p, VOID + "class"): int(one(p, VOID + "entities")) for p in parts}
    assert entities[ns.AIS + "Capability"] == len(capability_rows(bundle.framework().triples)) + 1
    examples = {t.object.value for t in void if t.predicate.value == VOID + "exampleResource"}
    assert ns.capability_iri("1-01") in examples
    (linkset,) = [t.subject for t in void if t.object == ox.NamedNode(VOID + "Linkset")]
    predicates = {t.object.value.rsplit("#", 1)[1] for t in void if t.subject == linkset and t.predicate.value == VOID + "linkPredicate"}
    assert predicates == {"exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch"}


def test_rebuild_is_byte_identical(tmp_path: Path, releases: tuple[Path, Path]) -> None:
    old, new = releases
    again = tmp_path / "again"
    build(again, "2026.2", edited(bundle.framework()), previous=old)
    first = {p.relative_to(new): p.read_bytes() for p in _files(new)}
    second = {p.relative_to(again): p.read_bytes() for p in _files(again)}
    assert first.keys() == second.keys() and len(first) >= 18
    assert [k for k in first if first[k] != second[k]] == []


def test_crosswalk_in_the_release_is_the_canonical_sssom(releases: tuple[Path, Path]) -> None:
    _, new = releases
    shipped = (new / "crosswalks" / "demo.sssom.tsv").read_text(encoding="utf-8")
    assert shipped == write_sssom(read_sssom(EXAMPLE))
    dump = set(read_triples(new / "all.nq"))
    assert ox.Triple(ox.NamedNode(ns.capability_iri("6.1-03")), ox.NamedNode(ns.SKOS + "exactMatch"),
                     ox.NamedNode("https://example.org/demo-digital-skills/ml-types")) in dump


def test_silent_removal_is_refused_naming_the_capability(tmp_path: Path, releases: tuple[Path, Path]) -> None:
    old, _ = releases
    gone = [t for t in bundle.framework().triples if t.subject.value != ns.capability_iri("6-01")]
    with pytest.raises(InputError) as info:
        build(tmp_path / "bad", "2026.3", gone, previous=old, crosswalk=False)
    assert "capability 6-01 was in the previous version and is missing now" in str(info.value)
    assert "owl:deprecated" in str(info.value) and not any((tmp_path / "bad").glob("*.ttl"))


def test_deprecation_without_a_replacement_decision_is_refused(tmp_path: Path) -> None:
    fw = bundle.framework().triples + [ox.Triple(ox.NamedNode(ns.capability_iri("6-02")), ox.NamedNode(ns.OWL + "deprecated"),
                                                 ox.Literal("true", datatype=ox.NamedNode(ns.XSD + "boolean")))]
    with pytest.raises(InputError, match="capability 6-02 is deprecated but names no replacement"):
        build(tmp_path / "bad", "2026.1", fw, crosswalk=False)


@pytest.mark.parametrize("args, message", [
    (["--version", "../2026"], "is not a usable release version"),
    (["--version", "2026.1", "--previous", "nowhere"], "no such release folder"),
    (["--version", "2026.1"], "the framework has no dct:issued"),
    (["--version", "2026.1", "--date", "1st March"], "is not a date"),
])
def test_cli_refuses_bad_input_with_the_fix(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["release", "--out", str(tmp_path / "out"), *args])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_cli_refuses_a_non_empty_folder_unless_forced(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    args = ["release", "--version", "2026.1", "--date", "2026-03-01", "--out", str(out)]
    refused = CliRunner().invoke(main, args)
    assert refused.exit_code == 2 and "is not empty" in refused.output and "--force" in refused.output
    assert (out / "keep.txt").exists()
    forced = CliRunner().invoke(main, [*args, "--force", "--crosswalk", str(EXAMPLE)])
    assert forced.exit_code == 0, forced.output
    assert not (out / "keep.txt").exists() and (out / "framework.xlsx").is_file()
    assert "release 2026.1 written" in forced.output


def test_cli_diff_of_two_release_folders_prints_the_release_change_log(releases: tuple[Path, Path]) -> None:
    old, new = releases
    result = CliRunner().invoke(main, ["diff", str(old), str(new)])
    assert result.exit_code == 0, result.output
    assert result.output == (new / "changes.md").read_text(encoding="utf-8")
    turtle = CliRunner().invoke(main, ["diff", str(old), str(new), "--format", "turtle"])
    log = changes.from_rdf(q.triple for q in ox.parse(turtle.output.encode(), format=ox.RdfFormat.TURTLE))
    assert {(c.kind, c.notation) for c in log.changes} == EXPECTED


def test_previous_must_be_a_release_folder_and_not_the_output(tmp_path: Path, releases: tuple[Path, Path]) -> None:
    old, _ = releases
    base = ["release", "--version", "2026.3", "--date", "2026-03-01"]
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(main, [*base, "--out", str(tmp_path / "out"), "--previous", str(empty)])
    assert result.exit_code == 2 and "is not a release folder: it has no framework.nt" in result.output
    same = CliRunner().invoke(main, [*base, "--out", str(old), "--previous", str(old), "--force"])
    assert same.exit_code == 2 and "is the --previous release" in same.output
    assert (old / "framework.nt").is_file()
    catalog = (releases[1] / "catalog.ttl").read_text(encoding="utf-8")
    assert "dcat:previousVersion <https://w3id.org/aiskills/id/release/2026.1>" in catalog


@pytest.mark.parametrize(("args", "says"), [
    (["--version", "2026.1", "--date", "2026-09-01"], "--version: version 2026.1 is the version of the --previous release"),
    (["--version", "2026.3", "--date", "2026-01-01"],
     "--date: the release date 2026-01-01 is before the --previous release's (2026-03-01)"),
])
def test_a_release_follows_its_previous_one(tmp_path: Path, releases: tuple[Path, Path], args: list[str],
                                            says: str) -> None:
    """A release naming itself as its own prior version, or dated before the release it follows, is
    refused (it was written: a second, different 2026.1; a 2026.3 dated before 2026.1)."""
    old, _ = releases
    result = CliRunner().invoke(main, ["release", *args, "--previous", str(old), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and says in result.output, result.output
    assert not (tmp_path / "out").exists()


def test_release_from_the_store_carries_its_imported_framework(tmp_path: Path) -> None:
    from aiskills.framework.template import write_csv

    rows = capability_rows(edited(bundle.framework()))
    template = tmp_path / "edited.csv"
    template.write_bytes(write_csv(rows))
    store = tmp_path / "store"
    runner = CliRunner()
    loaded = runner.invoke(main, ["framework", "import", str(template), "--version", "2026.5", "--store", str(store)])
    assert loaded.exit_code == 0, loaded.output
    out = tmp_path / "out"
    result = runner.invoke(main, ["release", "--version", "2026.5", "--date", "2026-05-01", "--out", str(out),
                                  "--from-store", "--store", str(store)])
    assert result.exit_code == 0, result.output
    released = {r.notation: r for r in read_template(out / "framework.csv", [r.domain for r in rows])}
    assert released["6-04"].replaced_by == "none" and released["6.1-99"].statement == "Explain what a foundation model is."
    both = runner.invoke(main, ["release", "--version", "2026.5", "--date", "2026-05-01", "--out", str(tmp_path / "x"),
                                "--from-store", "--framework", str(template)])
    assert both.exit_code == 2 and "not both" in both.output


def test_the_release_documents_itself_as_static_pages_covered_by_its_checksums(releases: tuple[Path, Path]) -> None:
    """docs/ holds the server's pages for this release's resources, with relative links: the new
    capability, the deprecated one with its notice and successor, and the ontology's terms; every page is
    in SHA256SUMS and the DCAT catalogue names the documentation as the landing page."""
    _, new = releases
    docs = new / "docs"
    added = (docs / "id" / "capability" / "6.1-99.html").read_text(encoding="utf-8")
    assert "Explain what a foundation model is." in added
    deprecated = (docs / "id" / "capability" / "6-02.html").read_text(encoding="utf-8")
    assert "deprecated" in deprecated.lower() and 'href="6-03.html"' in deprecated
    assert (docs / "ontology" / "Capability.html").is_file() and (docs / "index.html").is_file()
    assert 'href="/' not in added  # relative links only: the folder works on any static host
    sums = (new / "SHA256SUMS").read_text(encoding="utf-8")
    assert "  docs/id/capability/6.1-99.html\n" in sums
    catalog = (new / "catalog.ttl").read_text(encoding="utf-8")
    assert "dcat:landingPage <https://w3id.org/aiskills/release/2026.2/docs/index.html>" in catalog


def test_every_link_in_the_release_folder_resolves_inside_it(releases: tuple[Path, Path]) -> None:
    """The change log and the documentation link only to files of the release: the folder can be put
    on any static host as it is."""
    from support.crawl import broken_links

    _, new = releases
    assert (new / "changes.html").is_file() and len(list((new / "docs").rglob("*.html"))) > 250
    broken = broken_links(new)
    assert not broken, broken[:20]


def test_a_release_from_a_template_without_ctids_keeps_the_previous_ones_and_is_reproducible(
    tmp_path: Path, releases: tuple[Path, Path]
) -> None:
    """Every capability of a template without the ctid column keeps the CTID of the release named by
    --previous (it was given a new random one each run, and the change log saw nothing), and two runs
    write the same bytes. A template whose file name is no version label is diffed all the same."""
    old, _ = releases
    with (old / "framework.csv").open(encoding="utf-8", newline="") as f:
        table = list(csv.reader(f))
    at = table[0].index("ctid")
    template = tmp_path / "Framework v2 (final).csv"
    with template.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([c for i, c in enumerate(row) if i != at] for row in table)
    outs = []
    for name in ("a", "b"):
        args = ["release", "--version", "2026.6", "--date", "2026-10-01", "--framework", str(template),
                "--previous", str(old), "--out", str(tmp_path / name)]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        outs.append(tmp_path / name)
    with (outs[0] / "framework.csv").open(encoding="utf-8", newline="") as f:
        assert {r["notation"]: r["ctid"] for r in csv.DictReader(f)} == {r[0]: r[at] for r in table[1:]}
    assert (outs[0] / "SHA256SUMS").read_bytes() == (outs[1] / "SHA256SUMS").read_bytes()
    diff = CliRunner().invoke(main, ["diff", str(old / "framework.csv"), str(template)])
    assert diff.exit_code == 0 and "No changes to capabilities" in diff.output, diff.output


def test_a_release_is_modified_as_of_its_date_in_rdf_case_and_ctdl(releases: tuple[Path, Path]) -> None:
    """The framework's dct:modified is the release date (it was the bundled file's), and CASE's
    lastChangeDateTime and CTDL-ASN's dateModified follow it."""
    _, new = releases
    framework = read_triples(new / "framework.nt")
    modified = {t.object.value for t in framework
                if t.subject.value == ns.FRAMEWORK_IRI and t.predicate.value == ns.DCT + "modified"}
    assert modified == {"2026-03-01"}
    package = json.loads((new / "case" / "CFPackage.json").read_text(encoding="utf-8"))
    assert package["CFDocument"]["lastChangeDateTime"].startswith("2026-03-01")
    ctdl = (new / "ctdl-asn.json").read_text(encoding="utf-8")
    assert set(re.findall(r'"ceasn:dateModified": "([^"]+)"', ctdl)) == {"2026-03-01"}
