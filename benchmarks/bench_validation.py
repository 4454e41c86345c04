"""Validation speed, printed as ratios against a baseline measured in the same run.

single: one 50-outcome curriculum in a warm process (shapes parsed and framework indexed once) against
        the baseline of one plain pySHACL call that parses the shapes and the framework each time.
batch:  N curricula (10 modules x 5 outcomes, planted defects) loaded from one N-Triples dump and
        validated at once with all rules; checked against pySHACL over the same store (its SPARQL on
        Oxigraph, one query per focus node and constraint) on the first --reference curricula.

Both check that the results are identical (focus, path, value, shape, component, severity, message).
Usage: python benchmarks/bench_validation.py [--batch 1000] [--repeat 5] [--reference 100]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import rdflib

sys.path.insert(0, str(Path(__file__).resolve().parent))
from datagen import curricula

from aiskills.framework import bundle
from aiskills.submission.readers import read_bytes
from aiskills.validation.engine import CurriculumValidator, curriculum_shapes_path, run_shacl

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")


def reduced(g: rdflib.Graph) -> set[tuple[str, ...]]:
    keys = (SH.focusNode, SH.resultPath, SH.value, SH.sourceShape, SH.sourceConstraintComponent,
            SH.resultSeverity, SH.resultMessage)
    return {tuple(str(g.value(r, k)) for k in keys) for r in g.subjects(rdflib.RDF.type, SH.ValidationResult)}


def timed(fn, repeat: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def single(validator: CurriculumValidator, framework_ttl: str, repeat: int) -> None:
    doc = curricula(1, seed=11)[0]
    sub = read_bytes(json.dumps(doc).encode(), "c.json")
    data_ttl = (ox.serialize(sub.triples, format=ox.RdfFormat.TURTLE) or b"").decode()
    shapes_file = str(curriculum_shapes_path())

    def baseline() -> rdflib.Graph:
        # The framework's individuals must be in the data graph: pySHACL's ont_graph mix-in copies only
        # classes, properties and owl:NamedIndividuals, so it is parsed into the data graph each time.
        data = rdflib.Graph().parse(data=data_ttl, format="turtle").parse(data=framework_ttl, format="turtle")
        return pyshacl.validate(data, shacl_graph=shapes_file, advanced=True)[1]

    ours_t, _ = timed(lambda: validator.validate(sub), repeat * 4)
    base_t, base_graph = timed(baseline, max(1, repeat // 2))
    same = reduced(validator._shacl(sub)) == reduced(base_graph)  # type: ignore[arg-type]
    print(f"single  50 outcomes: warm aiskills {ours_t * 1000:7.1f} ms | plain pySHACL {base_t * 1000:7.1f} ms"
          f" | {base_t / ours_t:6.1f}x faster | identical results: {same}")


def batch(validator: CurriculumValidator, n: int, reference: int) -> None:
    """Validate N curricula from one N-Triples dump (as other SHACL engines would read a file)."""
    subs = [read_bytes(json.dumps(d).encode(), f"c{i}.json") for i, d in enumerate(curricula(n, seed=5))]
    framework = ox.serialize([q.triple for q in validator._base], format=ox.RdfFormat.N_TRIPLES) or b""
    dump = ox.serialize([t for s in subs for t in s.triples], format=ox.RdfFormat.N_TRIPLES) or b""
    assert validator.compiled is not None

    def load(data: bytes) -> ox.Store:
        store = ox.Store()
        store.load(framework, format=ox.RdfFormat.N_TRIPLES)
        store.load(data, format=ox.RdfFormat.N_TRIPLES)
        return store

    load(dump)  # warm-up
    t0 = time.perf_counter()
    store = load(dump)
    t1 = time.perf_counter()
    raw = validator.compiled.run(store)
    t2 = time.perf_counter()
    print(f"batch {n} curricula ({len(store):,} triples with the framework, {len(dump) / 1e6:.0f} MB N-Triples): "
          f"load {t1 - t0:.2f} s + validate {t2 - t1:.2f} s = {t2 - t0:.2f} s, {len(raw):,} results")
    if reference:
        part = load(ox.serialize([t for s in subs[:reference] for t in s.triples],
                                 format=ox.RdfFormat.N_TRIPLES) or b"")
        t3 = time.perf_counter()
        ref = reduced(run_shacl(part, validator.shapes, False)[1])
        t4 = time.perf_counter()
        t5 = time.perf_counter()
        ours = reduced(run_shacl(part, validator.shapes, validator.compiled)[1])
        t6 = time.perf_counter()
        print(f"        first {reference} of them: pySHACL on the same store {t4 - t3:.1f} s, compiled "
              f"{t6 - t5:.2f} s ({(t4 - t3) / (t6 - t5):.0f}x) | identical results: {ours == ref} "
              f"({len(ref):,} results)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reference", type=int, default=100, metavar="N",
                        help="check against pySHACL on the first N curricula of the batch (0: skip; slow: "
                             "about 0.6 s a curriculum)")
    args = parser.parse_args()
    onto, _ = bundle.ontology()
    fw = bundle.framework()
    validator = CurriculumValidator(onto, fw.triples, fw.version)
    framework_ttl = (ox.serialize(onto + fw.triples, format=ox.RdfFormat.TURTLE) or b"").decode()
    single(validator, framework_ttl, args.repeat)
    batch(validator, args.batch, args.reference)


if __name__ == "__main__":
    main()
