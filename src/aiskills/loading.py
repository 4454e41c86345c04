"""Putting the ontology and frameworks into a store, and reading them back out.

Every write goes through ``Store.replace_graphs``, so each load is atomic and idempotent: loading
the same framework version again replaces its graph instead of adding a second copy.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyoxigraph as ox

from aiskills import namespaces as ns
from aiskills.errors import InputError
from aiskills.framework import bundle
from aiskills.framework.model import (
    Framework,
    build_framework,
    capability_rows,
    framework_version,
    missing_capabilities,
    section_codes,
    structure_only,
)
from aiskills.framework.template import Problem, TemplateError, mint_ctids, read_template
from aiskills.kept import refresh
from aiskills.rdf import format_of, read_triples
from aiskills.store.base import CatalogEntry, GraphData, Store

_A = ox.NamedNode(ns.RDF + "type")
_ONTOLOGY = ox.NamedNode(ns.ONTOLOGY_IRI)
_FRAMEWORK = ox.NamedNode(ns.FRAMEWORK_IRI)
_FRAMEWORK_CLASS = ox.NamedNode(ns.AIS + "CapabilityFramework")

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Loaded:
    """What a load put in the store."""

    graph: str
    kind: str
    version: str
    triples: int
    source: str


def _nt(triples: Sequence[ox.Triple]) -> bytes:
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""


def load_ontology_and_framework(
    store: Store,
    ontology: tuple[list[ox.Triple], str],
    framework: Framework,
    source: str = "bundled",
    progress: Progress | None = None,
) -> list[Loaded]:
    """Replace the ontology graph and the framework's version graph; make that version current."""
    onto_triples, onto_version = ontology
    contents = [
        GraphData(ns.ONTOLOGY_GRAPH, _nt(onto_triples), ox.RdfFormat.N_TRIPLES),
        GraphData(framework.graph, _nt(framework.triples), ox.RdfFormat.N_TRIPLES),
    ]
    entries = [
        CatalogEntry(ns.ONTOLOGY_GRAPH, "ontology", onto_version),
        *_framework_entries(store, framework),
    ]
    store.replace_graphs(contents, entries, progress=progress)
    refresh(store)
    return [
        Loaded(ns.ONTOLOGY_GRAPH, "ontology", onto_version, len(onto_triples), source),
        Loaded(framework.graph, "framework", framework.version, len(framework.triples), source),
    ]


def load_framework(
    store: Store, framework: Framework, source: str, progress: Progress | None = None
) -> Loaded:
    """Replace one framework version's graph and make it the current version."""
    store.replace_graphs(
        [GraphData(framework.graph, _nt(framework.triples), ox.RdfFormat.N_TRIPLES)],
        _framework_entries(store, framework),
        progress=progress,
    )
    refresh(store)
    return Loaded(framework.graph, "framework", framework.version, len(framework.triples), source)


def load_ontology(store: Store, triples: list[ox.Triple], version: str, source: str) -> Loaded:
    store.replace_graphs(
        [GraphData(ns.ONTOLOGY_GRAPH, _nt(triples), ox.RdfFormat.N_TRIPLES)],
        [CatalogEntry(ns.ONTOLOGY_GRAPH, "ontology", version)],
    )
    return Loaded(ns.ONTOLOGY_GRAPH, "ontology", version, len(triples), source)


def _framework_entries(store: Store, framework: Framework) -> list[CatalogEntry]:
    """The new version active; every other framework version kept but inactive."""
    older = [
        CatalogEntry(e.graph, e.kind, e.version, active=False, extra=e.extra)
        for e in store.catalog({"framework"})
        if e.graph != framework.graph
    ]
    return [*older, CatalogEntry(framework.graph, "framework", framework.version)]


def load_bundled(store: Store, progress: Progress | None = None, *, framework: bool = True) -> list[Loaded]:
    """Load the bundled ontology and framework; with ``framework=False`` the ontology alone (the
    store's current framework stays as it is: see ``kept_current``)."""
    if not framework:
        triples, version = bundle.ontology()
        return [load_ontology(store, triples, version, "bundled")]
    return load_ontology_and_framework(store, bundle.ontology(), bundle.framework(), "bundled", progress)


def kept_current(store: Store) -> str | None:
    """The version of the store's current framework when loading the bundled one would demote or
    overwrite it: another version that does not sort before the bundled one (an editor's import, a
    newer release), or the bundled version as an editor changed it (an import without ``--version``).
    ``None`` when the store holds no framework, the bundled one as it is, or an older version, which
    the bundled framework replaces as current (the older stays as a kept version)."""
    current = next((e.version or "" for e in store.catalog({"framework"}) if e.active), None)
    bundled = bundle.framework()
    if current is None or version_order(current) < version_order(bundled.version):
        return None
    if current == bundled.version:  # the same version: kept when an editor changed it (an import)
        stored = current_framework(store)
        return current if stored is not None and set(stored.triples) != set(bundled.triples) else None
    return current


def version_order(version: str) -> tuple[tuple[int, int | str], ...]:
    """A version label's natural order: its runs of digits by number, the rest by text (``2026.2`` <
    ``2026.10``; ``2026.1`` < ``2026.1.1``), and a pre-release before its release (``2026.1-rc1`` <
    ``2026.1``; ``dev``, ``alpha``, ``beta``, ``pre``, ``rc`` and their one-letter forms)."""
    pre = _PRE_RELEASE.search(version)
    base = version[: pre.start()] if pre and pre.start() > 0 else version
    runs = tuple((0, int(run)) if run.isdigit() else (1, run) for run in re.findall(r"\d+|\D+", base))
    if pre and pre.start() > 0:
        return (*runs, (-1, f"{_PRE_RANK[pre.group(1).lower()[0]]}{int(pre.group(2) or 0):09d}"))
    return (*runs, (1, ""))  # the end: after its pre-releases, before any continuation (".1")


_PRE_RELEASE = re.compile(r"[-_.]?(dev|alpha|beta|pre|rc|a|b)(\d*)$", re.IGNORECASE)
_PRE_RANK = {"d": "0", "a": "1", "b": "2", "p": "3", "r": "4"}


def load_file(store: Store, path: Path) -> Loaded:
    """Load one file: the ontology, a framework graph (RDF), or a framework template (CSV/XLSX)."""
    if path.suffix.lower() in (".csv", ".xlsx", ".xlsm"):
        return import_into(store, path)
    triples = read_triples(path, format_of(path))
    if ox.Triple(_ONTOLOGY, _A, ox.NamedNode(ns.OWL + "Ontology")) in triples:
        return load_ontology(store, triples, bundle.ontology_version(triples, str(path)), str(path))
    if ox.Triple(_FRAMEWORK, _A, _FRAMEWORK_CLASS) in triples:
        framework = Framework(triples, framework_version(triples, str(path)))
        current = current_framework(store)
        if current is not None and version_order(framework.version) >= version_order(current.version):
            _refuse_removals(current, framework, path)  # a later version (or the same) of the current one
        return load_framework(store, framework, str(path))
    raise InputError(
        f"holds neither the aiskills ontology (<{ns.ONTOLOGY_IRI}>) nor a capability "
        f"framework (<{ns.FRAMEWORK_IRI}> a ais:CapabilityFramework)",
        source=str(path),
        fix="load the ontology, a framework file, or a framework template (.csv/.xlsx)",
    )


def current_framework(store: Store) -> Framework | None:
    """The store's current framework version, or None when none is loaded."""
    for entry in store.catalog({"framework"}):
        if entry.active:
            return Framework(store.triples(entry.graph), entry.version or "")
    return None


def current_structure(store: Store) -> list[ox.Triple]:
    """The structure to combine an imported template with: the store's current framework without
    its capabilities, or the bundled structure when the store holds none."""
    framework = current_framework(store)
    return structure_only(framework.triples) if framework else bundle.structure()


def known_ctids(store: Store) -> dict[str, str]:
    """Notation → CTID of the capabilities of the store's current framework (kept on re-import)."""
    framework = current_framework(store)
    return {r.notation: r.ctid for r in capability_rows(framework.triples) if r.ctid} if framework else {}


def import_into(
    store: Store,
    path: Path,
    structure: list[ox.Triple] | None = None,
    version: str | None = None,
    modified: date | None = None,
) -> Loaded:
    """Import a template into the store as its current framework: combined with ``structure`` (default:
    the current framework's, else the bundled one), dated ``modified`` (default: today; it is the
    framework's ``dct:modified``, so CASE's ``lastChangeDateTime`` and CTDL-ASN's ``dateModified``
    move with the edit). Refused when a capability of the current framework is missing from it: a
    capability is deprecated, never deleted."""
    current = current_framework(store)
    fw = import_template(
        path,
        structure if structure is not None else current_structure(store),
        version,
        known_ctids(store),
        modified or date.today(),
    )
    if current is not None:
        _refuse_removals(current, fw, path)
    return load_framework(store, fw, str(path))


def _refuse_removals(current: Framework, new: Framework, path: Path) -> None:
    """Refuse ``new`` when it leaves out a capability of the ``current`` framework: a capability is
    deprecated, never deleted (its IRI keeps resolving). An earlier version loaded to go back to it is
    not checked."""
    missing = missing_capabilities(current.triples, new.triples)
    if missing:
        shown = ", ".join(code for _, code in missing[:10]) + (", …" if len(missing) > 10 else "")
        raise InputError(
            f"{len(missing)} capabilities of the current framework {current.version} are missing from "
            f"{new.version}: {shown}; nothing was loaded",
            source=str(path),
            fix="a capability is never deleted: keep it, marked deprecated (template: deprecated = true, "
            "replaced_by = its successor's notation or none)",
        )


def import_template(
    path: Path,
    structure: list[ox.Triple],
    version: str | None = None,
    ctids: dict[str, str] | None = None,
    modified: date | None = None,
) -> Framework:
    """A framework graph from a template file and a structure; ``version`` overrides the structure's,
    ``modified`` its ``dct:modified``.
    A row without a CTID keeps the one ``ctids`` has for its notation, else gets one made from the
    version and its notation (``mint_ctids``); a row whose CTID differs from the one ``ctids`` has for
    its notation is refused (a CTID never changes, and two swapped would move the identifiers)."""
    if version is not None:
        version_p = ox.NamedNode(ns.DCT + "hasVersion")
        structure = [t for t in structure if not (t.subject == _FRAMEWORK and t.predicate == version_p)]
        structure.append(ox.Triple(_FRAMEWORK, version_p, ox.Literal(version)))
    if modified is not None:
        modified_p = ox.NamedNode(ns.DCT + "modified")
        structure = [t for t in structure if not (t.subject == _FRAMEWORK and t.predicate == modified_p)]
        structure.append(
            ox.Triple(
                _FRAMEWORK,
                modified_p,
                ox.Literal(modified.isoformat(), datatype=ox.NamedNode(ns.XSD + "date")),
            )
        )
    rows = read_template(path, section_codes(structure))
    changed = [
        Problem(
            r.row or 0,
            "ctid",
            f"is {r.ctid}, but {r.notation} is {ctids[r.notation]}",
            "a CTID never changes: write the kept one back, or clear the cell to keep it",
        )
        for r in rows
        if ctids and r.ctid and ctids.get(r.notation, r.ctid) != r.ctid
    ]
    if changed:
        raise TemplateError(str(path), changed)
    return build_framework(
        structure, mint_ctids(rows, ctids, framework_version(structure, str(path))), str(path)
    )
