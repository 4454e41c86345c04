"""Synthetic curricula for benchmarks: N curricula of 10 modules x 5 outcomes against a framework,
with a fixed share of planted defects. Deterministic for a given seed."""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

from aiskills.framework import bundle
from aiskills.framework.model import capability_rows

ARCHETYPES = ["Shaper", "Driver", "Creator", "Embedder", "User"]
BLOOM = ["remember", "understand", "apply", "analyse", "evaluate", "create"]
VERBS = {"remember": "Identify", "understand": "Explain", "apply": "Apply", "analyse": "Analyse",
         "evaluate": "Evaluate", "create": "Design"}
DEFECTS = ("unknown-capability", "hours-number", "outcome-statement", "bloom-below-level", "observable-verb")


def curricula(n: int, defect_share: float = 0.1, seed: int = 1) -> list[dict[str, Any]]:
    """``n`` curricula; about ``defect_share`` of the outcomes and modules carry one planted defect."""
    rng = random.Random(seed)
    caps = capability_rows(bundle.framework().triples)
    by_archetype = {a: [c for c in caps if a.lower() in c.archetypes] for a in ARCHETYPES}
    out = []
    for i in range(n):
        targets = rng.sample(ARCHETYPES, rng.choice([1, 1, 2]))
        pool = [c for a in targets for c in by_archetype[a]]
        modules = []
        for m in range(10):
            outcomes = []
            for o in range(5):
                cap = rng.choice(pool)
                bloom = BLOOM[min(5, cap.level + rng.choice([0, 1, 1, 2]))]
                outcome = {"statement": f"{VERBS[bloom]} topic {m}.{o} of {cap.notation} in practice",
                           "bloomLevel": bloom, "alignedTo": [cap.notation]}
                if rng.random() < defect_share:
                    _plant(rng.choice(DEFECTS), outcome, rng)
                outcomes.append(outcome)
            hours: Any = rng.choice([4, 6, 8, 10, 12.5])
            if rng.random() < defect_share / 5:
                hours = "ten"
            modules.append({"title": f"Module {m + 1}", "notionalHours": hours, "learningOutcomes": outcomes})
        out.append({"id": f"https://provider{i % 50}.example/curricula/c{i}", "title": f"Curriculum {i}",
                    "provider": {"id": f"https://provider{i % 50}.example/", "name": f"Provider {i % 50}"},
                    "targetArchetypes": targets, "modules": modules})
    return out


def _plant(defect: str, outcome: dict[str, Any], rng: random.Random) -> None:
    if defect == "unknown-capability":
        outcome["alignedTo"] = [f"{rng.randint(1, 6)}.9-{rng.randint(10, 99)}"]
    elif defect == "outcome-statement":
        del outcome["statement"]
    elif defect == "bloom-below-level":
        outcome["bloomLevel"] = "remember"
    elif defect == "observable-verb":
        outcome["statement"] = "Know " + outcome["statement"].split(" ", 1)[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--defects", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for i, doc in enumerate(curricula(args.n, args.defects, args.seed)):
        (args.out / f"curriculum-{i:05d}.json").write_text(json.dumps(doc), encoding="utf-8")


if __name__ == "__main__":
    main()
