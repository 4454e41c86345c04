"""Faults: a framework load killed at any moment leaves the old or the new framework, whole."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from aiskills import loading
from aiskills import namespaces as ns
from aiskills.framework.model import Framework
from aiskills.store.embedded import EmbeddedStore

CHILD = r"""
import sys
from pathlib import Path
import pyoxigraph as ox
from aiskills import loading
from aiskills.framework.model import Framework
from aiskills.store.embedded import EmbeddedStore

store = EmbeddedStore(Path(sys.argv[1]))
versions = [list(ox.parse(path=p, format=ox.RdfFormat.N_TRIPLES)) for p in sys.argv[2:4]]
print("ready", flush=True)
i = 0
while True:
    loading.load_framework(store, Framework(versions[i % 2], "2026.1"), "fault test")
    print("stored", flush=True)
    i += 1
"""


def _variant(framework: Framework, label: str, copies: int) -> list[ox.Triple]:
    """The framework with every statement relabelled and padded, so A and B differ in each capability."""
    pref = ox.NamedNode(ns.SKOS + "prefLabel")
    out = [t if t.predicate != pref else ox.Triple(t.subject, pref, ox.Literal(f"{t.object.value} [{label}]"))
           for t in framework.triples]
    note = ox.NamedNode(ns.SKOS + "note")
    out += [ox.Triple(ox.NamedNode(f"{ns.ID}padding/{i}"), note, ox.Literal(f"{label} {i}")) for i in range(copies)]
    return out


@pytest.mark.slow
def test_killing_a_framework_load_leaves_old_or_new(tmp_path: Path, bundled_framework: Framework) -> None:
    path = tmp_path / "store"
    with EmbeddedStore(path) as s:
        loading.load_bundled(s)
    expected = {}
    files = []
    for label in ("A", "B"):
        triples = _variant(bundled_framework, label, 20000)
        f = tmp_path / f"{label}.nt"
        f.write_bytes(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"")
        files.append(f)
        expected[label] = set(map(str, triples))
    # The first child is killed once it has stored a version, which measures how long one load takes
    # on this machine in this run; later kills fall at fractions and multiples of that.
    took = 0.0
    seen = set()
    for fraction in (None, 0.2, 0.5, 0.8, 1.1, 1.6):
        with subprocess.Popen([sys.executable, "-c", CHILD, str(path), *map(str, files)],
                              stdout=subprocess.PIPE, text=True) as child:
            assert child.stdout is not None and child.stdout.readline().strip() == "ready"
            started = time.monotonic()
            if fraction is None:
                assert child.stdout.readline().strip() == "stored"
                took = time.monotonic() - started
            else:
                time.sleep(fraction * took)
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
        with EmbeddedStore(path) as s:
            got = set(map(str, s.triples(ns.framework_graph("2026.1"))))
        matches = [label for label, triples in expected.items() if got == triples]
        if not matches:
            assert got == set(map(str, bundled_framework.triples)), "neither the old nor a new framework, whole"
            continue
        seen.update(matches)
    assert seen, "no kill landed after a load finished"
