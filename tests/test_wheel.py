"""A wheel built from the repository works outside the checkout: ontology/, shapes/, queries/ and web/ ship
inside it, and the installed command loads and checks the bundled framework from a temporary directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    (path,) = out.glob("aiskills-*.whl")
    return path


def test_wheel_contains_the_sources_of_truth(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in ["aiskills/_data/ontology/aiskills.ttl", "aiskills/_data/ontology/framework/framework.ttl",
                     "aiskills/_data/ontology/framework/capabilities.csv",
                     "aiskills/_data/ontology/templates/framework-template.xlsx",
                     "aiskills/_data/shapes/framework.ttl", "aiskills/_data/queries/qc/empty-sections.rq",
                     "aiskills/_data/queries/summary/counts.rq", "aiskills/_data/web/templates/base.html",
                     "aiskills/_data/web/static/style.css", "aiskills/py.typed"]:
        assert expected in names


@pytest.mark.slow
def test_installed_wheel_loads_the_framework_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", str(wheel)],
                         check=False, capture_output=True, text=True, timeout=900)
    assert pip.returncode == 0, pip.stderr[-2000:]
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AISKILLS_")}
    env["AISKILLS_STORE"] = str(work / "store")
    aiskills = str(venv / "bin" / "aiskills")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([aiskills, *args], check=False, cwd=work, env=env, capture_output=True, text=True, timeout=300)

    loaded = run("load")
    assert loaded.returncode == 0, loaded.stderr
    assert "loaded framework 2026.1" in loaded.stdout
    info = run("info")
    assert "    6 domains" in info.stdout and "   11 sub-domains" in info.stdout
    where = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import aiskills.resources as r; print(r.data_dir('shapes'))"],
                           check=False, cwd=work, env=env, capture_output=True, text=True, timeout=60)
    assert str(venv) in where.stdout and str(ROOT) not in where.stdout
    page = subprocess.run([str(venv / "bin" / "python"), "-c",
                           ("from aiskills.config import Settings; from aiskills.web import create_app; "
                           "c = create_app(Settings.from_env()).test_client(); "
                           "r = c.get('/static/style.css'); print(r.status_code, len(r.data)); "
                           "print(c.get('/').get_data(as_text=True)[:400])")],
                          check=False, cwd=work, env=env, capture_output=True, text=True, timeout=120)
    assert page.returncode == 0, page.stderr[-2000:]
    status, size = page.stdout.split("\n", 1)[0].split()
    assert status == "200" and int(size) > 100 and "<html" in page.stdout
    checked = run("check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "shacl  ok" in checked.stdout and "qc     ok" in checked.stdout
    course = work / "course.csv"
    course.write_text("curriculum_id,curriculum_title,provider_id,provider_name,target_archetypes,module_id,"
                      "module_title,notional_hours,outcome_id,outcome_statement,bloom_level,aligned_capabilities\n"
                      "https://p.example/c,C,,,User,,M,1,,Complete a DPIA for a new clinical system,apply,\n",
                      encoding="utf-8")
    suggested = run("suggest", str(course), "--format", "json")  # the word vectors ship in a wheel too
    assert suggested.returncode == 0, suggested.stderr
    assert json.loads(suggested.stdout)["outcomes"][0]["suggestions"][0]["notation"] in {"3.2-09", "3.2-04"}
