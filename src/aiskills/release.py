"""``aiskills release``: a self-contained, reproducible release folder of the ontology and framework.

The folder holds the ontology and the framework in Turtle, N-Triples, JSON-LD (with the published
context) and RDF/XML; the framework's capabilities in the import template (CSV and XLSX); any
crosswalks (SSSOM TSV, and their mapping triples); the framework as a CASE 1.1 CFPackage under
``case/`` and as CTDL-ASN (``ctdl-asn.json``); one N-Quads dump of every graph; a change log
against the previous release (Markdown, HTML, RDF); a DCAT description (one distribution per file with
media type, byte size and SHA-256 checksum) and a VoID description; ``SHA256SUMS``; and the static
documentation under ``docs/``. The same inputs give the same bytes: every file is sorted, and the only
date is the release date given by the caller.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pyoxigraph as ox

from aiskills import changes
from aiskills import namespaces as ns
from aiskills.checks import removal_check
from aiskills.crosswalk import MappingSet, check_subjects, mapping_triples, write_sssom
from aiskills.errors import InputError
from aiskills.framework.model import VERSION, Framework, capability_rows, framework_version
from aiskills.framework.template import write_csv, write_xlsx
from aiskills.publishing.ctdl import check_ctids
from aiskills.rdf import RDF_TYPE as _A
from aiskills.rdf import canonical, format_named, integer, read_triples, serialize, term_value
from aiskills.resources import data_dir
from aiskills.store.base import Store

DCAT = "http://www.w3.org/ns/dcat#"
SPDX = "http://spdx.org/rdf/terms#"
VOID = "http://rdfs.org/ns/void#"
FOAF = "http://xmlns.com/foaf/0.1/"
SD = "http://www.w3.org/ns/sparql-service-description#"
RELEASE_PREFIXES = {
    **ns.PREFIXES,
    "dcat": DCAT,
    "spdx": SPDX,
    "void": VOID,
    "foaf": FOAF,
    "sd": SD,
    "sssom": "https://w3id.org/sssom/",
    "semapv": "https://w3id.org/semapv/vocab/",
}
#: For the catalogue files, whose IRIs read better written out than as escaped ``aisid:`` names.
CATALOG_PREFIXES = {k: v for k, v in RELEASE_PREFIXES.items() if k != "aisid"}
FRAMEWORK_VERSION_PREFIX = ns.ID + "framework/"
ONTOLOGY_VERSION_PREFIX = ns.ONTOLOGY_IRI + "/"
RELEASE_PREFIX = ns.ID + "release/"
DEFAULT_BASE = "https://w3id.org/aiskills/release/{version}/"
CHANGES_GRAPH_PREFIX = ns.GRAPH + "changes/"

RDF_EXTENSIONS = ("ttl", "nt", "jsonld", "rdf")  # each also a name rdf.format_named knows
MEDIA_TYPES = {
    ".ttl": "text/turtle",
    ".nt": "application/n-triples",
    ".jsonld": "application/ld+json",
    ".rdf": "application/rdf+xml",
    ".nq": "application/n-quads",
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".md": "text/markdown",
    ".html": "text/html",
    ".tsv": "text/tab-separated-values",
    ".json": "application/json",
}
#: Files whose media type is not their extension's.
NAMED_MEDIA_TYPES = {"ctdl-asn.json": "application/ld+json"}
CATALOG_FILES = ("catalog.ttl", "void.ttl", "SHA256SUMS")  # describe the others; not in the dump


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _date(value: date) -> ox.Literal:
    return ox.Literal(value.isoformat(), datatype=_n(ns.XSD + "date"))


@dataclass(frozen=True)
class ReleaseInputs:
    """What a release is built from. ``issued`` is the release date: never read from the clock here."""

    version: str
    issued: date
    ontology: list[ox.Triple]
    framework: list[ox.Triple]
    previous: Path | None = None
    crosswalks: Sequence[tuple[MappingSet, str]] = ()  # (mapping set, file name)
    base_url: str | None = None
    sparql_endpoint: str | None = None


@dataclass
class ReleaseSummary:
    """What was written: files (relative paths), triple counts per graph, and the change log."""

    out: Path
    version: str
    files: list[str] = field(default_factory=list)
    triples: dict[str, int] = field(default_factory=dict)
    changes: changes.ChangeLog | None = None


@dataclass(frozen=True)
class PreviousRelease:
    """An earlier release folder, as far as a new release needs it."""

    path: Path
    version: str
    framework: list[ox.Triple]


# -- inputs --------------------------------------------------------------------------------------


def check_version(version: str) -> str:
    """The version label, if it is safe in IRIs, graph names and file names."""
    if not VERSION.match(version) or ".." in version:
        raise InputError(
            f"version {version!r} is not a usable release version",
            source="--version",
            fix="use letters, digits, '.', '-' or '_' (at most 64, no '..'), e.g. 2026.1",
        )
    return version


def release_date(given: str | None, framework: Sequence[ox.Triple]) -> date:
    """The release date: ``given`` (YYYY-MM-DD, or ``today`` to read the clock), else the framework's
    own ``dct:issued``; never the clock unless asked, so a rebuild gives the same bytes."""
    if given == "today":
        return date.today()
    if given:
        try:
            return date.fromisoformat(given)
        except ValueError:
            raise InputError(
                f"{given!r} is not a date",
                source="--date",
                fix="write YYYY-MM-DD, e.g. 2026-03-01, or 'today'",
            ) from None
    issued = [
        term_value(t.object)
        for t in framework
        if t.subject == _n(ns.FRAMEWORK_IRI) and t.predicate == _n(ns.DCT + "issued")
    ]
    if issued:
        try:
            return date.fromisoformat(issued[0][:10])
        except ValueError:
            raise InputError(
                f"the framework's dct:issued {issued[0]!r} is not a date",
                fix="write it as YYYY-MM-DD, or give --date",
            ) from None
    raise InputError(
        "the release has no date: the framework has no dct:issued",
        source="--date",
        fix="give --date YYYY-MM-DD (or --date today to use the clock)",
    )


def read_release(path: Path) -> PreviousRelease:
    """An earlier release folder (the one ``write_release`` wrote)."""
    if not path.is_dir():
        raise InputError(
            "is not a folder", source=str(path), fix="give the folder of an earlier `aiskills release`"
        )
    nt = path / "framework.nt"
    if not nt.is_file():
        raise InputError(
            "is not a release folder: it has no framework.nt",
            source=str(path),
            fix="give the folder that `aiskills release --out` wrote",
        )
    triples = read_triples(nt)
    return PreviousRelease(path, framework_version(triples, str(nt)), triples)


# -- building ------------------------------------------------------------------------------------


def versioned_ontology(
    triples: Sequence[ox.Triple], version: str, issued: date, prior: str | None
) -> list[ox.Triple]:
    """The ontology with this release's version IRI and info, issue date and prior version."""
    onto = _n(ns.ONTOLOGY_IRI)
    replaced = {_n(ns.OWL + p) for p in ("versionIRI", "versionInfo", "priorVersion")} | {
        _n(ns.DCT + "issued")
    }
    out = [t for t in canonical(triples) if not (t.subject == onto and t.predicate in replaced)]
    vi = _n(ONTOLOGY_VERSION_PREFIX + version)
    out += [
        ox.Triple(onto, _n(ns.OWL + "versionIRI"), vi),
        ox.Triple(onto, _n(ns.OWL + "versionInfo"), ox.Literal(version)),
        ox.Triple(onto, _n(ns.DCT + "issued"), _date(issued)),
        ox.Triple(vi, _n(ns.DCT + "isVersionOf"), onto),
    ]
    if prior:
        out.append(ox.Triple(onto, _n(ns.OWL + "priorVersion"), _n(ONTOLOGY_VERSION_PREFIX + prior)))
    return sorted(set(out), key=str)


def versioned_framework(
    triples: Sequence[ox.Triple], version: str, issued: date, prior: str | None
) -> list[ox.Triple]:
    """The framework with this release's ``dct:hasVersion``, ``dct:issued`` and ``dct:modified`` (the
    release date: the data it carries is as of then, and CASE's ``lastChangeDateTime`` and CTDL-ASN's
    ``dateModified`` say so), and its version IRI ``…/id/framework/{version}`` (``dct:isVersionOf``
    the framework, ``owl:priorVersion`` the last)."""
    fw = _n(ns.FRAMEWORK_IRI)
    replaced = {_n(ns.DCT + "hasVersion"), _n(ns.DCT + "issued"), _n(ns.DCT + "modified")}
    out = [
        t
        for t in canonical(triples)
        if not (t.subject == fw and t.predicate in replaced)
        and not term_value(t.subject).startswith(FRAMEWORK_VERSION_PREFIX)
    ]
    vi = _n(FRAMEWORK_VERSION_PREFIX + version)
    out += [
        ox.Triple(fw, _n(ns.DCT + "hasVersion"), ox.Literal(version)),
        ox.Triple(fw, _n(ns.DCT + "issued"), _date(issued)),
        ox.Triple(fw, _n(ns.DCT + "modified"), _date(issued)),
        ox.Triple(vi, _n(ns.DCT + "isVersionOf"), fw),
        ox.Triple(vi, _n(ns.OWL + "versionInfo"), ox.Literal(version)),
        ox.Triple(vi, _n(ns.DCT + "issued"), _date(issued)),
    ]
    if prior:
        out.append(ox.Triple(vi, _n(ns.OWL + "priorVersion"), _n(FRAMEWORK_VERSION_PREFIX + prior)))
    return sorted(set(out), key=str)


def follows(previous: PreviousRelease | None, version: str, issued: date) -> None:
    """A release follows the one it names as previous: another version, dated no earlier."""
    if previous is None:
        return
    if version == previous.version:
        raise InputError(
            f"version {version} is the version of the --previous release",
            source="--version",
            fix="give the new release its own version, e.g. the next one after " + previous.version,
        )
    before = release_date(None, previous.framework)
    if issued < before:
        raise InputError(
            f"the release date {issued} is before the --previous release's ({before})",
            source="--date",
            fix=f"date the release {before} or later",
        )


def refuse_silent_removals(previous: PreviousRelease | None, framework: Sequence[ox.Triple]) -> None:
    """No capability of the previous release may disappear, and every deprecated capability names its
    replacement or says it has none; otherwise the release is refused."""
    problems = []
    if previous is not None:
        problems += [f.message for f in removal_check(previous.framework, framework).findings]
    undecided = [r.notation for r in capability_rows(framework) if r.deprecated and not r.replaced_by]
    problems += [
        f"capability {n} is deprecated but names no replacement: add "
        "dct:isReplacedBy <its successor> (template column replaced_by) or ais:noReplacement true "
        "(replaced_by = none)"
        for n in undecided
    ]
    if problems:
        raise InputError(
            "the framework cannot be released:\n  " + "\n  ".join(problems),
            fix="deprecate withdrawn capabilities instead of deleting them, then release again",
        )


def check_crosswalk_subjects(sets: Sequence[tuple[MappingSet, str]], framework: Sequence[ox.Triple]) -> None:
    """Every crosswalk maps capabilities the framework has (each that does not named by its line)."""
    caps = {
        term_value(t.subject)
        for t in framework
        if t.predicate == _A and t.object == _n(ns.AIS + "Capability")
    }
    for ms, name in sets:
        check_subjects(ms, caps, name)


def write_release(inputs: ReleaseInputs, out: Path, *, force: bool = False) -> ReleaseSummary:
    """Build the release folder ``out`` (see the module docstring)."""
    version = check_version(inputs.version)
    previous = read_release(inputs.previous) if inputs.previous is not None else None
    follows(previous, version, inputs.issued)
    refuse_silent_removals(previous, inputs.framework)
    check_crosswalk_subjects(inputs.crosswalks, inputs.framework)
    check_ctids(inputs.framework)  # the CTDL-ASN file needs every CTID: refused before anything is written
    _prepare(out, force, inputs.previous)
    prior = previous.version if previous else None
    ontology = versioned_ontology(inputs.ontology, version, inputs.issued, prior)
    framework = versioned_framework(inputs.framework, version, inputs.issued, prior)
    base = (inputs.base_url or DEFAULT_BASE.format(version=version)).rstrip("/") + "/"
    summary = ReleaseSummary(out, version)
    graphs: dict[str, list[ox.Triple]] = {ns.ONTOLOGY_GRAPH: ontology, ns.framework_graph(version): framework}
    _write_rdf(out, "ontology", ontology)
    _write_rdf(out, "framework", framework)
    rows = capability_rows(framework)
    _put(out, "framework.csv", write_csv(rows))
    _put(
        out,
        "framework.xlsx",
        write_xlsx(rows, datetime(inputs.issued.year, inputs.issued.month, inputs.issued.day)),
    )
    _put(out, "context.jsonld", (data_dir("ontology") / "context.jsonld").read_bytes())
    for ms, name in inputs.crosswalks:
        stem = _crosswalk_stem(name)
        triples = mapping_triples(ms, f"crosswalks/{stem}.sssom.tsv")
        _put(out, f"crosswalks/{stem}.sssom.tsv", write_sssom(ms).encode("utf-8"))
        _put(out, f"crosswalks/{stem}.ttl", serialize(triples, ox.RdfFormat.TURTLE, CATALOG_PREFIXES))
        graphs[ms.graph] = triples
    if previous is not None:
        log = changes.compare(previous.framework, framework, previous.version, version)
        summary.changes = log
        log_triples = changes.as_rdf(log)
        _put(out, "changes.md", changes.as_markdown(log).encode("utf-8"))
        _put(out, "changes.html", changes.as_html(log).encode("utf-8"))
        _put(out, "changes.ttl", serialize(log_triples, ox.RdfFormat.TURTLE, CATALOG_PREFIXES))
        graphs[CHANGES_GRAPH_PREFIX + version] = log_triples
    _write_case_and_ctdl(out, framework, version, inputs.crosswalks)
    _put(out, "all.nq", _nquads(graphs))
    summary.triples = {g: len(set(t)) for g, t in sorted(graphs.items())}
    _write_docs(_docs_store(graphs, framework, version), out / "docs", public_base=ns.ID.removesuffix("id/"))
    _put(
        out,
        "void.ttl",
        serialize(void_triples(graphs, inputs, base, framework), ox.RdfFormat.TURTLE, CATALOG_PREFIXES),
    )
    files = [*_files(out), "void.ttl"]  # the VoID description is a distribution too; the catalogue is not
    _put(
        out,
        "catalog.ttl",
        serialize(
            dcat_triples(out, files, inputs, framework, base, prior), ox.RdfFormat.TURTLE, CATALOG_PREFIXES
        ),
    )
    every = sorted([*_files(out), "catalog.ttl", "void.ttl"])
    _put(out, "SHA256SUMS", "".join(f"{_sha256(out / f)}  {f}\n" for f in every).encode())
    summary.files = sorted([*every, "SHA256SUMS"])
    return summary


def _write_case_and_ctdl(
    out: Path, framework: list[ox.Triple], version: str, crosswalks: Sequence[tuple[MappingSet, str]]
) -> None:
    """``case/``: the version's CASE 1.1 CFPackage (``CFPackage.json``), the packages of its knowledge
    levels, Bloom levels and archetypes, and the list of documents; ``ctdl-asn.json``: the framework as
    CTDL-ASN."""
    from aiskills.publishing import case, ctdl

    mappings = [
        case.CrosswalkMapping(m.subject_id, m.predicate_id, m.object_id, m.object_label)
        for ms, _ in crosswalks
        for m in ms.mappings
    ]
    base = case.api_base(ns.ID.removesuffix("id/"))
    packages = case.build_packages(framework, version, base, mappings=mappings)
    names = ("CFPackage.json", "levels.json", "bloom.json", "archetypes.json")
    for name, package in zip(names, packages, strict=True):
        _put(out, f"case/{name}", _json_bytes(package.as_json()))
    index = case.CaseIndex(packages, base)
    _put(out, "case/CFDocuments.json", _json_bytes({"CFDocuments": index.documents()}))
    _put(out, "ctdl-asn.json", ctdl.as_bytes(ctdl.ctdl_document(framework, mappings)))


def _json_bytes(body: object) -> bytes:
    return (json.dumps(body, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _prepare(out: Path, force: bool, previous: Path | None = None) -> None:
    """An empty ``out``: refused when it holds files, unless ``force`` (then it is emptied)."""
    if out.exists() and not out.is_dir():
        raise InputError("exists and is not a folder", source=str(out), fix="choose another --out")
    if out.is_dir() and any(out.iterdir()):
        if previous is not None and previous.resolve() == out.resolve():
            raise InputError(
                "is the --previous release", source=str(out), fix="write the new release to another folder"
            )
        if not force:
            raise InputError(
                "is not empty",
                source=str(out),
                fix="choose an empty or new folder, or add --force to replace its contents",
            )
        for child in out.iterdir():
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
    out.mkdir(parents=True, exist_ok=True)


def _put(out: Path, name: str, data: bytes) -> None:
    path = out / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _crosswalk_stem(name: str) -> str:
    stem = Path(name).name
    for suffix in (".sssom.tsv", ".tsv"):
        stem = stem.removesuffix(suffix)
    return re.sub(r"[^A-Za-z0-9._-]", "-", stem) or "crosswalk"


def _write_rdf(out: Path, stem: str, triples: Sequence[ox.Triple]) -> None:
    """``stem`` in Turtle, N-Triples, JSON-LD (with the published context) and RDF/XML."""
    for ext in RDF_EXTENSIONS:
        fmt = format_named(ext)
        data = jsonld(triples) if fmt == ox.RdfFormat.JSON_LD else serialize(triples, fmt, RELEASE_PREFIXES)
        _put(out, f"{stem}.{ext}", data)


def jsonld(triples: Sequence[ox.Triple]) -> bytes:
    """JSON-LD: the published context (``ontology/context.jsonld``) with the node objects in a
    ``@graph``, properties and types as full IRIs, sorted, so any JSON-LD 1.1 reader gets the triples
    without fetching anything."""
    nodes = json.loads(serialize(triples, ox.RdfFormat.JSON_LD) or b"[]")
    if isinstance(nodes, dict):
        nodes = nodes.get("@graph", [nodes])
    context = json.loads((data_dir("ontology") / "context.jsonld").read_text(encoding="utf-8"))["@context"]
    doc = {"@context": context, "@graph": sorted(nodes, key=lambda node: str(node.get("@id", "")))}
    return (json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def _nquads(graphs: dict[str, list[ox.Triple]]) -> bytes:
    quads = sorted(
        {ox.Quad(t.subject, t.predicate, t.object, _n(g)) for g, ts in graphs.items() for t in ts}, key=str
    )
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""


def _files(out: Path) -> list[str]:
    """Every file in the folder (relative, sorted), but the catalogue files that describe the rest."""
    return sorted(
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file() and p.relative_to(out).as_posix() not in CATALOG_FILES
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- documentation -------------------------------------------------------------------------------


def _docs_store(graphs: dict[str, list[ox.Triple]], framework: list[ox.Triple], version: str) -> Store:
    """An in-memory store holding the release's graphs, with the framework current, for the pages."""
    from aiskills.loading import load_ontology_and_framework
    from aiskills.store.base import GraphData
    from aiskills.store.embedded import EmbeddedStore

    store = EmbeddedStore(None)
    load_ontology_and_framework(store, (graphs[ns.ONTOLOGY_GRAPH], version), Framework(framework, version))
    extra = [
        GraphData(g, ox.serialize(ts, format=ox.RdfFormat.N_TRIPLES) or b"", ox.RdfFormat.N_TRIPLES)
        for g, ts in graphs.items()
        if g not in (ns.ONTOLOGY_GRAPH, ns.framework_graph(version))
    ]
    if extra:
        store.replace_graphs(extra)
    return store


def _write_docs(store: Store, out_dir: Path, public_base: str) -> None:
    """The static HTML documentation of the release under ``out_dir`` (``docs/``): one page per
    ontology class and property and per framework resource, the same templates the server renders,
    with relative links, a search box and each resource's RDF beside its page."""
    from aiskills.pages.site import write_site

    try:
        write_site(store, out_dir, public_base=public_base, in_release=True)
    finally:
        store.close()


# -- DCAT and VoID -------------------------------------------------------------------------------


def _publisher(framework: Sequence[ox.Triple], dataset: str) -> list[ox.Triple]:
    """The framework's ``dct:publisher``: an IRI as it is, a name as a ``foaf:Agent``."""
    values = sorted(
        t.object
        for t in framework
        if t.subject == _n(ns.FRAMEWORK_IRI) and t.predicate == _n(ns.DCT + "publisher")
    )
    out = []
    for value in values[:1]:
        if isinstance(value, ox.NamedNode):
            out.append(ox.Triple(_n(dataset), _n(ns.DCT + "publisher"), value))
        elif isinstance(value, ox.Literal):
            agent = _n(dataset + "#publisher")
            out += [
                ox.Triple(_n(dataset), _n(ns.DCT + "publisher"), agent),
                ox.Triple(agent, _A, _n(FOAF + "Agent")),
                ox.Triple(agent, _n(FOAF + "name"), ox.Literal(value.value)),
            ]
    return out


def _framework_facts(framework: Sequence[ox.Triple], predicate: str) -> list[ox.NamedNode | ox.Literal]:
    return sorted(
        (
            t.object
            for t in framework
            if t.subject == _n(ns.FRAMEWORK_IRI)
            and t.predicate == _n(predicate)
            and isinstance(t.object, ox.NamedNode | ox.Literal)
        ),
        key=str,
    )


def dcat_triples(
    out: Path,
    files: Sequence[str],
    inputs: ReleaseInputs,
    framework: Sequence[ox.Triple],
    base: str,
    prior: str | None = None,
) -> list[ox.Triple]:
    """The DCAT description: the release as a ``dcat:Dataset`` with one ``dcat:Distribution`` per
    file (media type, byte size, SHA-256 checksum, licence) outside ``docs/``."""
    dataset = RELEASE_PREFIX + inputs.version
    d = _n(dataset)
    licences = _framework_facts(framework, ns.DCT + "license")
    out_t = [
        ox.Triple(d, _A, _n(DCAT + "Dataset")),
        ox.Triple(d, _n(ns.DCT + "hasVersion"), ox.Literal(inputs.version)),
        ox.Triple(d, _n(ns.DCT + "issued"), _date(inputs.issued)),
        ox.Triple(d, _n(ns.DCT + "isVersionOf"), _n(ns.FRAMEWORK_IRI)),
        ox.Triple(d, _n(ns.DCT + "hasPart"), _n(FRAMEWORK_VERSION_PREFIX + inputs.version)),
        ox.Triple(d, _n(ns.DCT + "hasPart"), _n(ONTOLOGY_VERSION_PREFIX + inputs.version)),
        ox.Triple(d, _n(DCAT + "version"), ox.Literal(inputs.version)),
    ]
    out_t += [
        ox.Triple(d, _n(ns.DCT + p), v)
        for p in ("title", "description")
        for v in _framework_facts(framework, ns.DCT + p)
    ]
    out_t += [ox.Triple(d, _n(ns.DCT + "license"), v) for v in licences]
    out_t += _publisher(framework, dataset)
    if prior is not None:
        out_t.append(ox.Triple(d, _n(DCAT + "previousVersion"), _n(RELEASE_PREFIX + prior)))
    if (out / "docs" / "index.html").is_file():
        out_t.append(ox.Triple(d, _n(DCAT + "landingPage"), _n(base + "docs/index.html")))
    for name in files:
        if name.startswith("docs/"):
            continue
        out_t += _distribution(d, out / name, name, base, licences)
    return out_t


def _distribution(
    d: ox.NamedNode, path: Path, name: str, base: str, licences: Sequence[ox.NamedNode | ox.Literal]
) -> list[ox.Triple]:
    dist = _n(f"{d.value}/{name}")
    checksum = _n(f"{d.value}/{name}#sha256")
    media = NAMED_MEDIA_TYPES.get(name) or MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
    url = _n(base + name)
    out = [
        ox.Triple(d, _n(DCAT + "distribution"), dist),
        ox.Triple(dist, _A, _n(DCAT + "Distribution")),
        ox.Triple(dist, _n(ns.DCT + "title"), ox.Literal(name)),
        ox.Triple(dist, _n(DCAT + "downloadURL"), url),
        ox.Triple(dist, _n(DCAT + "accessURL"), url),
        ox.Triple(dist, _n(DCAT + "mediaType"), _n("https://www.iana.org/assignments/media-types/" + media)),
        ox.Triple(
            dist,
            _n(DCAT + "byteSize"),
            ox.Literal(str(path.stat().st_size), datatype=_n(ns.XSD + "nonNegativeInteger")),
        ),
        ox.Triple(dist, _n(SPDX + "checksum"), checksum),
        ox.Triple(checksum, _A, _n(SPDX + "Checksum")),
        ox.Triple(checksum, _n(SPDX + "algorithm"), _n(SPDX + "checksumAlgorithm_sha256")),
        ox.Triple(
            checksum, _n(SPDX + "checksumValue"), ox.Literal(_sha256(path), datatype=_n(ns.XSD + "hexBinary"))
        ),
    ]
    out += [ox.Triple(dist, _n(ns.DCT + "license"), v) for v in licences]
    return out


def void_triples(
    graphs: dict[str, list[ox.Triple]], inputs: ReleaseInputs, base: str, framework: Sequence[ox.Triple]
) -> list[ox.Triple]:
    """The VoID description: triple counts (all and per graph), classes with their entity counts,
    example resources, the vocabularies, the data dump and the SPARQL endpoint when given."""
    d = _n(RELEASE_PREFIX + inputs.version)
    every = {t for ts in graphs.values() for t in ts}
    typed: dict[str, set[str]] = {}
    for t in every:
        if t.predicate == _A and isinstance(t.object, ox.NamedNode):
            typed.setdefault(term_value(t.object), set()).add(term_value(t.subject))
    out = [
        ox.Triple(d, _A, _n(VOID + "Dataset")),
        ox.Triple(d, _n(VOID + "triples"), _int(sum(len(set(ts)) for ts in graphs.values()))),
        ox.Triple(d, _n(VOID + "classes"), _int(len(typed))),
        ox.Triple(d, _n(VOID + "distinctSubjects"), _int(len({t.subject for t in every}))),
        ox.Triple(d, _n(VOID + "dataDump"), _n(base + "all.nq")),
        ox.Triple(d, _n(VOID + "uriSpace"), ox.Literal(ns.ID)),
        ox.Triple(d, _n(VOID + "vocabulary"), _n(ns.AIS)),
        ox.Triple(d, _n(VOID + "vocabulary"), _n(ns.SKOS)),
        ox.Triple(d, _n(VOID + "vocabulary"), _n(ns.DCT)),
    ]
    if inputs.sparql_endpoint:
        out.append(ox.Triple(d, _n(VOID + "sparqlEndpoint"), _n(inputs.sparql_endpoint)))
    for kind in ("Capability", "Domain", "Archetype", "Role", "KnowledgeLevel"):
        members = sorted(typed.get(ns.AIS + kind, ()))
        if members:
            out.append(ox.Triple(d, _n(VOID + "exampleResource"), _n(members[0])))
    for n, cls in enumerate(sorted(typed), start=1):
        part = _n(f"{d.value}/void/class/{n}")
        out += [
            ox.Triple(d, _n(VOID + "classPartition"), part),
            ox.Triple(part, _n(VOID + "class"), _n(cls)),
            ox.Triple(part, _n(VOID + "entities"), _int(len(typed[cls]))),
        ]
    for graph, ts in sorted(graphs.items()):
        sub = _n(f"{d.value}/void/graph/{graph.removeprefix(ns.GRAPH)}")
        out += [
            ox.Triple(d, _n(VOID + "subset"), sub),
            ox.Triple(sub, _A, _n(VOID + "Dataset")),
            ox.Triple(sub, _n(SD + "name"), _n(graph)),
            ox.Triple(sub, _n(VOID + "triples"), _int(len(set(ts)))),
        ]
        if graph.startswith(ns.GRAPH + "crosswalk/"):
            out += _linkset(sub, ts)
    return out


def _linkset(sub: ox.NamedNode, triples: Sequence[ox.Triple]) -> list[ox.Triple]:
    """A crosswalk graph is also a ``void:Linkset``: its SKOS mapping properties as link predicates."""
    mapping = {ns.SKOS + p for p in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")}
    used = sorted({term_value(t.predicate) for t in triples if term_value(t.predicate) in mapping})
    if not used:
        return []
    return [ox.Triple(sub, _A, _n(VOID + "Linkset"))] + [
        ox.Triple(sub, _n(VOID + "linkPredicate"), _n(p)) for p in used
    ]


def _int(n: int) -> ox.Literal:
    return integer(n)
