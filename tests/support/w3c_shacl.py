"""The W3C SHACL test suite (data-shapes-test-suite): walk its manifests, load a test's graphs, and
compare a validation report with the expected one.

The comparison is the one the W3C suite and pySHACL's runner make: ``sh:conforms`` must agree, and
so must the results, each reduced to its focus node, path, value, source shape, constraint component
and severity (``sh:resultMessage`` and anything else are ignored). Blank nodes are compared by
structure: a blank node stands for the canonical form of what it reaches (a path, a shape, a
list), so ``[ sh:inversePath ex:p ]`` in the expected report matches the same path in ours.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pyoxigraph as ox
import rdflib
from rdflib import RDF, XSD, BNode, Literal, Namespace, URIRef
from rdflib.compare import to_canonical_graph

SETTING = "AISKILLS_CONFORMANCE_DIR"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")
SH = Namespace("http://www.w3.org/ns/shacl#")

# What a result is reduced to; order is the order of the parts of a result key.
RESULT_PARTS = (SH.focusNode, SH.resultPath, SH.value, SH.sourceShape, SH.sourceConstraintComponent,
                SH.resultSeverity)
_ROOT = URIRef("urn:aiskills:test:bnode-root")  # stands for the blank node being described


def conformance_dir() -> Path | None:
    """The suites' folder, from the setting; None when unset or when it holds no SHACL suite."""
    value = os.environ.get(SETTING)
    if not value:
        return None
    path = Path(value).resolve()
    return path if (path / "shacl" / "manifest.ttl").is_file() else None


def missing_dir_message() -> str:
    value = os.environ.get(SETTING)
    found = (f"it is {value!r}, which holds no shacl/manifest.ttl" if value else "it is not set")
    return (f"The W3C SHACL conformance tests need the conformance suites folder, named by the "
            f"environment variable {SETTING} ({found}). `make test` sets it to ../shared/conformance "
            f"next to the repository; set it yourself when running pytest directly.")


@dataclass(frozen=True)
class Case:
    """One ``sht:Validate`` entry."""

    id: str  # e.g. "core/node/class-001"
    file: Path  # the test file (its own mf:Manifest)
    manifest: rdflib.Graph = field(repr=False, compare=False)  # the test file, parsed from its path
    entry: URIRef | BNode
    data: str  # IRI of the data graph (a file: IRI, also the base to parse it with)
    shapes: str  # IRI of the shapes graph
    expected: URIRef | BNode  # the expected sh:ValidationReport node, or sht:Failure

    @property
    def expects_failure(self) -> bool:
        return self.expected == SHT.Failure

    @property
    def data_path(self) -> Path:
        return file_path(self.data)

    @property
    def shapes_path(self) -> Path:
        return file_path(self.shapes)


def file_path(iri: str) -> Path:
    parts = urlsplit(iri)
    if parts.scheme != "file":
        raise ValueError(f"the suite refers to {iri}, which is not a local file")
    return Path(unquote(parts.path))


def collect(manifest: Path) -> list[Case]:
    """Every sht:Validate entry reachable from a manifest through mf:include, in manifest order."""
    root = manifest.parent.resolve()
    return list(_walk(manifest.resolve(), root, set()))


def _walk(path: Path, root: Path, seen: set[Path]) -> Iterator[Case]:
    if path in seen:
        return
    seen.add(path)
    g = rdflib.Graph().parse(path, format="turtle")  # base: the file's own file: IRI, as the suite expects
    manifests = list(g.subjects(RDF.type, MF.Manifest))
    if not manifests:
        raise ValueError(f"{path} holds no mf:Manifest")
    for m in manifests:
        for include in g.objects(m, MF.include):
            yield from _walk(file_path(str(include)), root, seen)
        for entries in g.objects(m, MF.entries):
            entry_list = list(g.items(entries))
            for entry in entry_list:
                if (entry, RDF.type, SHT.Validate) not in g:
                    continue
                assert isinstance(entry, (URIRef, BNode))
                action = g.value(entry, MF.action)
                data, shapes = g.value(action, SHT.dataGraph), g.value(action, SHT.shapesGraph)
                expected = g.value(entry, MF.result)
                if data is None or shapes is None or not isinstance(expected, (URIRef, BNode)):
                    raise ValueError(f"{path}: {entry} lacks sht:dataGraph, sht:shapesGraph or mf:result")
                stem = path.relative_to(root).with_suffix("").as_posix()
                name = stem if len(entry_list) == 1 else f"{stem}#{str(entry).rsplit('/', 1)[-1]}"
                yield Case(name, path, g, entry, str(data), str(shapes), expected)


# -- loading -------------------------------------------------------------------------------------------

def load_data(case: Case) -> list[ox.Triple]:
    """The test's data graph as parsed (every literal as written), relative IRIs resolved as rdflib
    resolves them in the manifest (against the file's own file: IRI)."""
    return list(ox.parse(path=case.data_path, format=ox.RdfFormat.TURTLE, base_iri=case.data))


def load_shapes(case: Case) -> rdflib.Graph:
    """The shapes graph, parsed as pySHACL parses a shapes file it is given (``pyshacl.validate``
    wraps the parse in this patch): literals keep their lexical form and only ``true`` is a true
    xsd:boolean. Plain rdflib would turn ``"1"^^xsd:boolean`` into ``"true"^^xsd:boolean`` while
    parsing, and the shapes graph handed to the validator would no longer be the test's."""
    from pyshacl.monkey import rdflib_bool_patch, rdflib_bool_unpatch

    rdflib_bool_patch()
    try:
        return rdflib.Graph().parse(case.shapes_path, format="turtle", publicID=case.shapes)
    finally:
        rdflib_bool_unpatch()


def ox_to_rdflib(term: object) -> rdflib.term.Node:
    """A pyoxigraph term as the same rdflib term (blank node labels kept, as pySHACL keeps them)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"unexpected term {term!r}")


def store_graph(triples: list[ox.Triple]) -> rdflib.Graph:
    """The data graph as an rdflib graph."""
    g = rdflib.Graph()
    for t in triples:
        g.add((ox_to_rdflib(t.subject), ox_to_rdflib(t.predicate), ox_to_rdflib(t.object)))  # type: ignore[arg-type]
    return g


# -- comparison ----------------------------------------------------------------------------------------

Lookup = Callable[[rdflib.term.Node], rdflib.Graph | None]


def graphs_lookup(*graphs: rdflib.Graph | Callable[[], rdflib.Graph]) -> Lookup:
    """Where a blank node is described: the first of some graphs that has triples about it (a
    callable is called, once, the first time a blank node needs it). Only one graph describes a
    node's whole closure: a report may copy a shape's path under the same root node but with fresh
    list nodes, and a union would see both copies."""
    cache: dict[int, rdflib.Graph] = {}

    def lookup(node: rdflib.term.Node) -> rdflib.Graph | None:
        for i, g in enumerate(graphs):
            if not isinstance(g, rdflib.Graph):
                if i not in cache:
                    cache[i] = g()
                g = cache[i]
            if (node, None, None) in g:
                return g
        return None

    return lookup


def _plain(term: rdflib.term.Node) -> rdflib.term.Node:
    """RDF 1.1: a simple literal *is* an xsd:string literal; rdflib keeps ``"a"`` and
    ``"a"^^xsd:string`` apart (and pySHACL reading Oxigraph yields the latter), so write both one way."""
    if isinstance(term, Literal) and term.language is None and term.datatype in (None, XSD.string):
        return Literal(str(term), datatype=XSD.string)
    return term


def term_key(term: rdflib.term.Node, lookup: Lookup) -> str:
    """A comparable key: the term itself (N-Triples), or for a blank node the canonical form of
    everything it reaches through blank nodes."""
    term = _plain(term)
    if not isinstance(term, BNode):
        return term.n3()
    closure = rdflib.Graph()
    source = lookup(term)
    todo, seen = [term], {term}
    while todo and source is not None:
        node = todo.pop()
        for p, o in source.predicate_objects(node):
            o = _plain(o)
            closure.add((_ROOT if node == term else node, p, _ROOT if o == term else o))
            if isinstance(o, BNode) and o not in seen:
                seen.add(o)
                todo.append(o)
    canonical = to_canonical_graph(closure)
    return "[" + " ".join(sorted(f"{s.n3()} {p.n3()} {o.n3()} ." for s, p, o in canonical)) + "]"


def result_keys(report: rdflib.Graph, report_node: rdflib.term.Node,
                lookup: Lookup) -> Counter[tuple[str, ...]]:
    """The report's results, each reduced to RESULT_PARTS (a part with several values lists them all)."""
    keys: Counter[tuple[str, ...]] = Counter()
    for result in report.objects(report_node, SH.result):
        keys[tuple(" | ".join(sorted(term_key(v, lookup) for v in report.objects(result, part)))
                   for part in RESULT_PARTS)] += 1
    return keys


def report_node(report: rdflib.Graph) -> rdflib.term.Node:
    nodes = set(report.subjects(RDF.type, SH.ValidationReport))
    if len(nodes) != 1:
        raise AssertionError(f"the report graph holds {len(nodes)} sh:ValidationReport nodes, not one")
    return nodes.pop()


def conforms_of(report: rdflib.Graph, node: rdflib.term.Node) -> bool:
    values = list(report.objects(node, SH.conforms))
    if len(values) != 1 or not isinstance(values[0], Literal) or values[0].datatype != XSD.boolean:
        raise AssertionError(f"the report has sh:conforms {values}, not one xsd:boolean")
    return str(values[0]) in ("true", "1")


def compare(expected: rdflib.Graph, expected_node: rdflib.term.Node, expected_lookup: Lookup,
            conforms: bool, actual: rdflib.Graph, actual_lookup: Lookup) -> list[str]:
    """What differs between an expected validation report and ours (empty: they match)."""
    problems = []
    actual_node = report_node(actual)
    want_conforms = conforms_of(expected, expected_node)
    if conforms != want_conforms:
        problems.append(f"conforms: expected {want_conforms}, run_shacl returned {conforms}")
    if conforms_of(actual, actual_node) != conforms:
        problems.append(f"the report says sh:conforms {conforms_of(actual, actual_node)}, "
                        f"run_shacl returned {conforms}")
    want = result_keys(expected, expected_node, expected_lookup)
    got = result_keys(actual, actual_node, actual_lookup)
    labels = [str(p).rsplit("#", 1)[-1] for p in RESULT_PARTS]
    for title, diff in (("expected but missing", want - got), ("unexpected", got - want)):
        for key, n in sorted(diff.items()):
            shown = ", ".join(f"{label}={value}" for label, value in zip(labels, key, strict=True) if value)
            problems.append(f"{title}{f' (x{n})' if n > 1 else ''}: {shown}")
    return problems


def check(case: Case, conforms: bool, report: rdflib.Graph, data: ox.Store,
          shapes: rdflib.Graph) -> list[str]:
    """Compare run_shacl's output for a case with the case's expected report.

    Blank nodes on the expected side are described from the test file; on ours from the report,
    the shapes graph (a blank-node source shape) and the data (a blank-node focus node or value)."""
    return compare(case.manifest, case.expected, graphs_lookup(case.manifest), conforms, report,
                   graphs_lookup(report, shapes, lambda: store_graph(data)))
