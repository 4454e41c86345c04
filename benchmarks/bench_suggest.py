"""Alignment suggestions: quality on the evaluation set and speed, each half reported on its own.

Quality (benchmarks/data/suggest-eval.jsonl, written as described in the README): P@1, Hit@5 and MRR
over the in-scope outcomes; abstention on the out-of-scope outcomes (they should get no suggestion)
and on the in-scope ones (they should); flag precision: every in-scope outcome is given once its
first gold capability and once a capability from another domain (chosen by a seeded draw), and an
``unlikely`` flag is right on the second and wrong on the first. The ``dev`` half was used to set the
weights; the ``held-out`` half was not. ``plain``: outcomes worded as a designer words them, not as a
curriculum document does ("the computer flagged their X-ray"), added after the weights were set (the
topical threshold was set on the first three of them). ``--ablation`` repeats the figures without the alias layer
(the framework's altLabel and hiddenLabel values removed), without BM25, and without word vectors.

Speed, side by side with a plain BM25 ranking over the capability statements (the peer: what a
keyword search gives) in the same run: p95 per outcome warm, 1,000 outcomes, and the first answer
after start (a fresh process: import, read the framework, build the index, rank one outcome).

Usage: python benchmarks/bench_suggest.py [--ablation] [--half dev|held-out|plain|all]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox

from aiskills import namespaces as ns
from aiskills import suggestions
from aiskills.framework import bundle
from aiskills.suggestions.ranker import Suggester, Weights

EVAL = Path(__file__).resolve().parent / "data" / "suggest-eval.jsonl"
LABELS = {ns.SKOS + "altLabel", ns.SKOS + "hiddenLabel"}


def load_eval() -> list[dict[str, object]]:
    return [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line.strip()]


def quality(s: Suggester, items: list[dict[str, object]]) -> dict[str, float]:
    inscope = [e for e in items if e["gold"]]
    outscope = [e for e in items if not e["gold"]]
    p1 = hit5 = rr = 0.0
    abstain_in = 0
    for e in inscope:
        ranking = s.score_all(str(e["statement"]))
        gold = set(e["gold"])  # type: ignore[arg-type]
        ranked = [s.caps[i].notation for i in ranking.order]
        first = next((r for r, n in enumerate(ranked) if n in gold), None)
        p1 += ranked[0] in gold
        hit5 += first is not None and first < 5
        rr += 1 / (first + 1) if first is not None else 0
        abstain_in += s.abstains(ranking) is not None
    abstain_out = sum(s.abstains(s.score_all(str(e["statement"]))) is not None for e in outscope)
    tp = fp = 0
    notations = [c.notation for c in s.caps]
    for e in inscope:
        gold = list(e["gold"])  # type: ignore[call-overload]
        domains = {g.split("-")[0].split(".")[0] for g in gold}
        rng = random.Random(str(e["id"]))
        wrong = rng.choice([n for n in notations if n.split("-")[0].split(".")[0] not in domains])
        ranking = s.score_all(str(e["statement"]))
        fp += any(f.kind == "unlikely" for f in s.flags(ranking, [gold[0]]))
        tp += any(f.kind == "unlikely" for f in s.flags(ranking, [wrong]))
    n = len(inscope) or 1
    return {
        "outcomes": len(items),
        "in scope": len(inscope),
        "P@1": p1 / n,
        "Hit@5": hit5 / n,
        "MRR": rr / n,
        "out-of-scope abstained": abstain_out,
        "out of scope": len(outscope),
        "in-scope abstained %": 100 * abstain_in / n,
        "flag precision": tp / (tp + fp) if tp + fp else float("nan"),
        "flag recall": tp / n,
    }


def without_labels(triples: list[ox.Triple]) -> list[ox.Triple]:
    return [t for t in triples if t.predicate.value not in LABELS]


class Bm25Peer:
    """Plain BM25 over the statements alone (no stemming, no labels, no vectors)."""

    def __init__(self, s: Suggester) -> None:
        import math
        from collections import Counter

        self.docs = [Counter(c.statement.lower().split()) for c in s.caps]
        self.avg = sum(sum(d.values()) for d in self.docs) / len(self.docs)
        df: Counter[str] = Counter()
        for d in self.docs:
            df.update(d.keys())
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - v + 0.5) / (v + 0.5)) for t, v in df.items()}

    def rank(self, text: str) -> list[int]:
        q = set(text.lower().split())
        scores = []
        for i, d in enumerate(self.docs):
            dl = sum(d.values())
            scores.append(
                sum(self.idf.get(t, 0) * d[t] * 2.2 / (d[t] + 1.2 * (0.25 + 0.75 * dl / self.avg)) for t in q)
            )
        return sorted(range(len(scores)), key=lambda i: -scores[i])[:5]


def speed(s: Suggester, texts: list[str]) -> dict[str, float]:
    peer = Bm25Peer(s)
    for t in texts[:20]:
        s.rank(t)
    times, peer_times = [], []
    for t in texts:
        t0 = time.perf_counter()
        s.rank(t, top=5)
        times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        peer.rank(t)
        peer_times.append(time.perf_counter() - t0)
    thousand = [texts[i % len(texts)] + ("" if i < len(texts) else f" {i}") for i in range(1000)]
    t0 = time.perf_counter()
    for t in thousand:
        s.rank(t, top=5)
    total = time.perf_counter() - t0
    t0 = time.perf_counter()
    for t in thousand:
        peer.rank(t)
    peer_total = time.perf_counter() - t0
    return {
        "p95 ms": 1000 * statistics.quantiles(times, n=20)[18],
        "peer p95 ms": 1000 * statistics.quantiles(peer_times, n=20)[18],
        "1000 outcomes s": total,
        "peer 1000 outcomes s": peer_total,
    }


def first_answer() -> float:
    code = (
        "import time; t=time.perf_counter()\n"
        "from aiskills.framework import bundle\nfrom aiskills import suggestions\n"
        "f = bundle.framework(); s = suggestions.build(f.triples, f.version)\n"
        "s.rank('Complete a DPIA for a new clinical system')\nprint(time.perf_counter()-t)\n"
    )
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return time.perf_counter() - t0


def show(title: str, figures: dict[str, float]) -> None:
    print(
        f"{title:34s} "
        + "  ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in figures.items())
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ablation", action="store_true")
    ap.add_argument("--half", default="all", choices=("dev", "held-out", "plain", "all"))
    ap.add_argument("--no-speed", action="store_true")
    args = ap.parse_args()
    items = load_eval()
    framework = bundle.framework()
    embedder = suggestions.Embedder()
    s = suggestions.build(framework.triples, framework.version, embedder)
    halves = ("dev", "held-out", "plain") if args.half == "all" else (args.half,)
    print(f"evaluation set: {len(items)} outcomes, {sum(1 for e in items if not e['gold'])} out of scope")
    for half in halves:
        show(f"{half}", quality(s, [e for e in items if e["half"] == half]))
    if args.ablation:
        variants = {
            "no alias layer": suggestions.build(
                without_labels(framework.triples), framework.version, embedder
            ),
            "no BM25": Suggester(
                s_view := suggestions.read_framework(framework.triples),
                None,
                embedder,
                replace(Weights(), lexical=0.0),
            ),
            "no word vectors": Suggester(s_view, None, embedder, replace(Weights(), meaning=0.0)),
        }
        for name, variant in variants.items():
            for half in halves:
                show(f"{name}: {half}", quality(variant, [e for e in items if e["half"] == half]))
    if not args.no_speed:
        texts = [str(e["statement"]) for e in items]
        show("speed (peer: plain BM25)", speed(s, texts))
        print(f"first answer after start (fresh process): {first_answer():.2f} s")


if __name__ == "__main__":
    main()
