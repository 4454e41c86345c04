"""The README's worked example is the live answer: `capability-provision` over the conforming examples.

Regenerate the block after changing the examples or the framework with
`AISKILLS_UPDATE_README=1 scripts/run-tests.sh tests/test_readme_provision.py`.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from aiskills import alignment, curricula, loading
from aiskills.store.embedded import EmbeddedStore
from aiskills.submission.readers import read_submission
from aiskills.validation.engine import validator_for

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- capability-provision:start -->", "<!-- capability-provision:end -->"
TITLES = {"1": "Digital implementation", "2": "Digital health for patients and the public",
          "3": "Ethical, legal and regulatory considerations", "4": "Human factors",
          "5": "Health data management", "6": "Artificial intelligence"}


def render() -> str:
    store = EmbeddedStore(None)
    loading.load_bundled(store)
    validator = validator_for(store)
    stored = []
    for path in sorted((ROOT / "examples").iterdir()):
        if path.suffix == ".md":
            continue
        sub = read_submission(path)
        report = validator.validate(sub)
        if report.conforms:
            curricula.submit(store, sub, report)
            stored.append(path.name)
    rows = alignment.ask(store, "capability-provision", {}).records()
    store.close()
    untaught = [r for r in rows if r["curricula"] == 0]
    per_domain = Counter(str(r["notation"]).split("-")[0].split(".")[0] for r in rows)
    missing = Counter(str(r["notation"]).split("-")[0].split(".")[0] for r in untaught)
    lines = [(f"With the {len(stored)} conforming examples stored ({', '.join(f'`{n}`' for n in stored)}), "
             f"`aiskills ask capability-provision` finds **{len(untaught)} of the {len(rows)} capabilities "
             f"that no example teaches**:"), "",
             "| domain | capabilities | taught by no example |", "|---|---|---|"]
    lines += [f"| {d} {TITLES[d]} | {per_domain[d]} | {missing[d]} |" for d in sorted(per_domain)]
    lines += ["", "<details><summary>The untaught capabilities (the first rows of the answer)</summary>", "",
              "| notation | capability | curricula | providers |", "|---|---|---|---|"]
    lines += [f"| {r['notation']} | {r['label']} | {r['curricula']} | {r['providers']} |" for r in untaught]
    lines += ["", "</details>"]
    return "\n".join(lines)


def test_readme_shows_the_live_answer() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert START in readme and END in readme, "README.md lacks the capability-provision markers"
    current = readme.split(START, 1)[1].split(END, 1)[0].strip()
    fresh = render()
    if os.environ.get("AISKILLS_UPDATE_README") == "1":
        before, rest = readme.split(START, 1)
        (ROOT / "README.md").write_text(f"{before}{START}\n{fresh}\n{END}{rest.split(END, 1)[1]}", encoding="utf-8")
        return
    assert current == fresh, "README's capability-provision example is stale: regenerate it (see this module)"
