"""Validation speed, printed as ratios against a baseline measured in the same run.

single: one 50-outcome curriculum in a warm process (shapes parsed and framework indexed once) against
        the baseline of one plain pySHACL call that parses the shapes and the framework each time.
batch:  N curricula (10 modules x 5 outcomes, planted defects) validated at once with all rules,
        against pySHACL over the same store (its SPARQL on Oxigraph, one query per focus node).

Both check that the results are identical (focus, path, value, shape, component, severity, message).
Usage: python benchmarks/bench_validation.py [--batch 1000] [--repeat 5] [--skip-reference]
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
from datagen import curricula  # noqa: E402

from aiskills.framework import bundle  # noqa: E402
from aiskills.submission.readers import read_bytes  # noqa: E402
from aiskills.validation.engine import CurriculumValidator, curriculum_shapes_path, run_shacl  # noqa: E402

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


def batch(validator: CurriculumValidator, n: int, reference: bool) -> None:
    subs = [read_bytes(json.dumps(d).encode(), f"c{i}.json") for i, d in enumerate(curricula(n, seed=5))]

    def build() -> ox.Store:
        store = ox.Store()
        store.extend(validator._base)
        for s in subs:
            store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in s.triples)
        return store

    store = build()
    triples = len(store)
    assert validator.compiled is not None
    t0 = time.perf_counter()
    store = build()
    t1 = time.perf_counter()
    raw = validator.compiled.run(store)
    t2 = time.perf_counter()
    print(f"batch {n} curricula ({triples:,} triples with the framework): load {t1 - t0:.2f} s + "
          f"validate {t2 - t1:.2f} s = {t2 - t0:.2f} s, {len(raw):,} results")
    if reference:
        t3 = time.perf_counter()
        ref = reduced(run_shacl(store, validator.shapes, False)[1])
        t4 = time.perf_counter()
        same = reduced(run_shacl(store, validator.shapes, validator.compiled)[1]) == ref
        print(f"        pySHACL on the same store: {t4 - t3:.1f} s | {(t4 - t3) / (t2 - t0):.0f}x slower"
              f" | identical results: {same}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-reference", action="store_true", help="do not run pySHACL over the batch")
    args = parser.parse_args()
    onto, _ = bundle.ontology()
    fw = bundle.framework()
    validator = CurriculumValidator(onto, fw.triples, fw.version)
    framework_ttl = (ox.serialize(onto + fw.triples, format=ox.RdfFormat.TURTLE) or b"").decode()
    single(validator, framework_ttl, args.repeat)
    batch(validator, args.batch, not args.skip_reference)


if __name__ == "__main__":
    main()
