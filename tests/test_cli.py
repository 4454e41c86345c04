"""The `aiskills` command: each verb end to end on a real embedded store, errors as one line with exit 2."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.compare import isomorphic

from aiskills.cli import main
from aiskills.framework.model import Framework
from aiskills.framework.template import COLUMNS


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    store = tmp_path / "store"
    monkeypatch.setenv("AISKILLS_STORE", str(store))
    monkeypatch.delenv("AISKILLS_ENDPOINT", raising=False)
    return store


def _ok(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_load_then_info_shows_the_framework(runner: CliRunner, env: Path, bundled_framework: Framework) -> None:
    out = _ok(runner, "load")
    assert f"loaded framework 2026.1 ({len(bundled_framework.triples)} triples)" in out
    info = _ok(runner, "info")
    assert "framework  2026.1     current" in info
    assert "    6 domains" in info and "   11 sub-domains" in info and "    5 archetypes" in info


def _current_framework(runner: CliRunner) -> str:
    """The version `aiskills info` shows as the current framework."""
    lines = [line.split() for line in _ok(runner, "info").splitlines()]
    return next(parts[1] for parts in lines if parts[:1] == ["framework"] and parts[2] == "current")


def test_load_keeps_an_imported_later_framework_current(runner: CliRunner, env: Path, tmp_path: Path) -> None:
    """`make serve` runs `aiskills load` at every start: it must not put the bundled 2026.1 back over a
    2026.2 the editor imported, and says how to do so when that is what is wanted."""
    _ok(runner, "load")
    _ok(runner, "framework", "export", "--out", str(tmp_path / "fw.csv"))
    _ok(runner, "framework", "import", str(tmp_path / "fw.csv"), "--version", "2026.2")
    assert _current_framework(runner) == "2026.2"
    out = _ok(runner, "load")
    assert "loaded ontology" in out and "loaded framework" not in out
    assert "kept framework 2026.2 current" in out and "aiskills load --make-current" in out
    assert _current_framework(runner) == "2026.2"
    out = _ok(runner, "load", "--make-current")
    assert "loaded framework 2026.1" in out and _current_framework(runner) == "2026.1"


def test_load_replaces_an_older_framework_with_the_bundled_one(
    runner: CliRunner, env: Path, tmp_path: Path
) -> None:
    """A store whose current framework sorts before the bundled version (an earlier release's) is
    brought up to the bundled one; the older stays as a kept version."""
    _ok(runner, "load")
    _ok(runner, "framework", "export", "--out", str(tmp_path / "fw.csv"))
    _ok(runner, "framework", "import", str(tmp_path / "fw.csv"), "--version", "2025.9")
    assert _current_framework(runner) == "2025.9"
    out = _ok(runner, "load")
    assert "loaded framework 2026.1" in out and "kept framework" not in out
    assert _current_framework(runner) == "2026.1"
    assert "2025.9     kept" in _ok(runner, "info")


def test_load_keeps_an_edit_of_the_bundled_version(runner: CliRunner, env: Path, tmp_path: Path) -> None:
    """An import without --version keeps the bundled version's label (2026.1): `load` had written the
    bundled framework over the editor's changes without a word."""
    _ok(runner, "load")
    _ok(runner, "framework", "export", "--out", str(tmp_path / "fw.csv"))
    text = (tmp_path / "fw.csv").read_text()
    first = next(r for r in csv.DictReader(io.StringIO(text)))
    (tmp_path / "fw.csv").write_text(text.replace(first["statement"], "EDITED statement for 1-01.", 1))
    _ok(runner, "framework", "import", str(tmp_path / "fw.csv"))
    out = _ok(runner, "load")
    assert "kept framework 2026.1 current" in out and "loaded framework" not in out
    q = ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT ?l WHERE { "
         f"?c skos:notation '{first['notation']}' ; skos:prefLabel ?l }}")
    assert "EDITED statement for 1-01." in _ok(runner, "query", q)
    _ok(runner, "load", "--make-current")
    assert "EDITED" not in _ok(runner, "query", q)
    assert "kept framework" not in _ok(runner, "load")  # the bundled one as it is: loaded again, quietly


def test_load_refuses_make_current_with_files(runner: CliRunner, env: Path, tmp_path: Path) -> None:
    path = tmp_path / "fw.csv"
    path.write_text("x\n")
    result = runner.invoke(main, ["load", "--make-current", str(path)])
    assert result.exit_code == 2 and "--make-current is for the bundled framework" in result.output


@pytest.mark.parametrize(
    ("older", "newer"),
    [("2026.1", "2026.2"), ("2026.2", "2026.10"), ("2026.1-rc1", "2026.1"), ("2026.1-beta2", "2026.1-rc1"),
     ("2026.1rc1", "2026.1rc2"), ("2026.1", "2026.1.1"), ("9", "10"), ("v1", "v1.1"), ("2026.1", "2026.2-rc1")],
)
def test_version_order_is_natural(older: str, newer: str) -> None:
    from aiskills.loading import version_order

    assert version_order(older) < version_order(newer)


def test_query_formats_agree(runner: CliRunner, env: Path) -> None:
    _ok(runner, "load")
    q = ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX ais: <https://w3id.org/aiskills/ontology#> "
         "SELECT ?n ?label WHERE { ?a a ais:Archetype ; skos:notation ?n ; skos:prefLabel ?label } ORDER BY ?n")
    as_json = json.loads(_ok(runner, "query", q, "--format", "json"))
    assert as_json["columns"] == ["n", "label"]
    assert [r["n"] for r in as_json["rows"]] == ["C", "D", "E", "S", "U"]
    as_csv = list(csv.reader(io.StringIO(_ok(runner, "query", q, "--format", "csv"))))
    assert as_csv[0] == ["n", "label"] and [r[1] for r in as_csv[1:]] == [r["label"] for r in as_json["rows"]]
    table = _ok(runner, "query", q)
    assert "Embedder" in table and "(5 rows)" in table


def test_query_from_file_and_ask(runner: CliRunner, env: Path, tmp_path: Path) -> None:
    _ok(runner, "load")
    path = tmp_path / "q.rq"
    path.write_text("PREFIX ais: <https://w3id.org/aiskills/ontology#>\nASK { ?c a ais:Capability }\n")
    assert _ok(runner, "query", str(path)).strip() == "true"


def test_export_round_trips_what_was_loaded(runner: CliRunner, env: Path, tmp_path: Path,
                                            bundled_framework: Framework) -> None:
    _ok(runner, "load")
    expected = Graph().parse(data=ox.serialize(bundled_framework.triples, format=ox.RdfFormat.N_TRIPLES).decode(),
                             format="nt")
    for fmt, rdflib_format in [("turtle", "turtle"), ("nt", "nt"), ("jsonld", "json-ld"), ("rdfxml", "xml")]:
        out = tmp_path / f"fw.{fmt}"
        _ok(runner, "export", "--graph", "framework", "--format", fmt, "--out", str(out))
        assert isomorphic(Graph().parse(out, format=rdflib_format), expected), fmt


def test_framework_import_export_round_trip(runner: CliRunner, env: Path, tmp_path: Path) -> None:
    _ok(runner, "load")
    _ok(runner, "framework", "export", "--out", str(tmp_path / "fw.xlsx"))
    out = _ok(runner, "framework", "import", str(tmp_path / "fw.xlsx"), "--version", "2026.2")
    assert "framework 2026.2" in out and "now current" in out
    _ok(runner, "framework", "export", "--out", str(tmp_path / "again.csv"))
    info = _ok(runner, "info")
    assert "2026.1     kept" in info and "2026.2     current" in info
    exported = (tmp_path / "again.csv").read_text(encoding="utf-8").splitlines()
    assert exported[0] == ",".join([*COLUMNS, "alt_labels", "hidden_labels", "ctid"])  # the optional columns in use
    assert len(exported) > 150


def test_import_with_bad_rows_names_them_and_loads_nothing(runner: CliRunner, env: Path, tmp_path: Path) -> None:
    _ok(runner, "load")
    path = tmp_path / "bad.csv"
    path.write_text("notation,statement,level,domain,archetypes\n"
                    "6.1-01,Explain what a model is.,1,6.1,S\n"
                    "6.1-02,Explain what a dataset is.,7,6.1,S\n", encoding="utf-8")
    result = runner.invoke(main, ["framework", "import", str(path), "--version", "bad"])
    assert result.exit_code == 2
    assert f"{path}: 1 problem(s); nothing was imported" in result.output
    assert "row 3, column level: '7' is not a knowledge level" in result.output
    assert "Traceback" not in result.output
    assert "bad" not in _ok(runner, "info").split("framework")[1].split()[0]


def test_check_exit_codes(runner: CliRunner, env: Path, tmp_path: Path, bundled_framework: Framework) -> None:
    assert "owl    ok" in _ok(runner, "check", "--bundled")
    broken = [t for t in bundled_framework.triples
              if not (t.subject.value.endswith("/capability/6.1-01") and t.predicate.value.endswith("#level"))]
    path = tmp_path / "broken.nt"
    path.write_bytes(ox.serialize(broken, format=ox.RdfFormat.N_TRIPLES))
    result = runner.invoke(main, ["check", str(path)])
    assert result.exit_code == 1
    assert "shacl  FAILED (1 problem)" in result.output
    assert "capability/6.1-01> ais:level: A capability needs exactly one knowledge level" in result.output


@pytest.mark.parametrize(("args", "says"), [
    (["load", "missing.ttl"], "missing.ttl: cannot read the file"),
    (["query", "SELECT * WHERE { ?s ?p }"], "SPARQL syntax error"),
    (["export", "--format", "turtle"], "nothing to export"),
    (["framework", "export"], "the store holds no framework"),
    (["load", "--endpoint", "http://127.0.0.1:9/sparql"], "http://127.0.0.1:9/sparql"),
])
def test_errors_are_one_line_with_exit_2(runner: CliRunner, env: Path, args: list[str], says: str) -> None:
    from aiskills.store.embedded import EmbeddedStore

    EmbeddedStore(env).close()  # an empty store: the errors are about the input, not a missing store
    result = runner.invoke(main, args)
    assert result.exit_code == 2, result.output
    assert says in result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)


def test_loading_a_file_that_is_neither(runner: CliRunner, env: Path, tmp_path: Path) -> None:
    path = tmp_path / "other.ttl"
    path.write_text("<http://ex/a> <http://ex/b> <http://ex/c> .\n")
    result = runner.invoke(main, ["load", str(path)])
    assert result.exit_code == 2
    assert "holds neither the aiskills ontology" in result.output


def test_turtle_syntax_error_names_the_line(runner: CliRunner, env: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.ttl"
    path.write_text("@prefix ex: <http://ex/> .\n\nex:a ex:b ex:c ;\n   ex:d \"unterminated .\n")
    result = runner.invoke(main, ["load", str(path)])
    assert result.exit_code == 2
    assert f"{path}: line 4" in result.output and "not valid Turtle" in result.output


def test_ask_with_limit_and_offset_prints_that_page(runner: CliRunner, env: Path) -> None:
    """``aiskills ask --limit --offset`` answers that slice of the whole answer and says which page it
    is in JSON; an offset that is no whole number is refused with its name (exit code 2)."""
    _ok(runner, "load")
    whole = json.loads(_ok(runner, "ask", "framework-summary", "--format", "json"))
    page = json.loads(_ok(runner, "ask", "framework-summary", "--format", "json", "--limit", "4", "--offset", "117"))
    assert page["rows"] == whole["rows"][117:] and page["page"] == {"limit": 4, "offset": 117, "more": False}
    bad = runner.invoke(main, ["ask", "framework-summary", "--offset", "-3"])
    assert bad.exit_code == 2 and "offset: must be a whole number from 0 to 9223372036854775807, not '-3'" in bad.output


def test_asking_an_empty_store_says_to_load_the_framework(runner: CliRunner, env: Path) -> None:
    """An empty store has no archetypes to choose from: the error says so and how to fix it, where it
    said "choose one of" with nothing after it."""
    missing = runner.invoke(main, ["ask", "curricula-for-archetype", "-p", "archetype=User"])
    assert missing.exit_code == 2 and f"there is no store at {env}: load one with `aiskills load`" in missing.output
    assert not env.exists()  # a command that only reads makes no store on the way
    from aiskills.store.embedded import EmbeddedStore

    EmbeddedStore(env).close()  # a store with nothing in it
    result = runner.invoke(main, ["ask", "curricula-for-archetype", "-p", "archetype=User"])
    assert result.exit_code == 2
    assert "the store holds no archetypes" in result.output and "aiskills load" in result.output


def test_serve_refuses_a_port_in_use_and_a_host_it_cannot_find(runner: CliRunner, env: Path) -> None:
    """A port something listens on is refused before anything starts (granian's workers would share it
    with that listener and split the requests); an unknown host and an out-of-range port are one-line
    errors (they were tracebacks)."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = runner.invoke(main, ["serve", "--port", str(port)])
    assert busy.exit_code == 2 and f"port {port} on 127.0.0.1 is in use" in busy.output
    assert "Traceback" not in busy.output and not env.exists()  # refused before the store was touched
    nowhere = runner.invoke(main, ["serve", "--host", "no-such-host.invalid", "--port", "8000"])
    assert nowhere.exit_code == 2 and "--host no-such-host.invalid: not an address" in nowhere.output
    far = runner.invoke(main, ["serve", "--port", "70000"])
    assert far.exit_code == 2 and "70000 is not in the range" in far.output


def _modified(runner: CliRunner) -> str:
    q = ("PREFIX dct: <http://purl.org/dc/terms/> SELECT ?d WHERE { "
         "<https://w3id.org/aiskills/id/framework> dct:modified ?d }")
    return json.loads(_ok(runner, "query", q, "--format", "json"))["rows"][0]["d"]


def test_framework_import_dates_the_framework_so_case_and_ctdl_show_the_change(
    runner: CliRunner, env: Path, tmp_path: Path
) -> None:
    """The import had kept the structure's dct:modified: CASE's lastChangeDateTime never moved, so a
    harvester syncing by date skipped every edit."""
    import datetime

    _ok(runner, "load")
    _ok(runner, "framework", "export", "--out", str(tmp_path / "fw.csv"))
    _ok(runner, "framework", "import", str(tmp_path / "fw.csv"), "--version", "2026.2", "--date", "2026-12-01")
    assert _modified(runner) == "2026-12-01"
    _ok(runner, "framework", "import", str(tmp_path / "fw.csv"), "--version", "2026.3")
    assert _modified(runner) == datetime.date.today().isoformat()
    bad = runner.invoke(main, ["framework", "import", str(tmp_path / "fw.csv"), "--date", "1 Dec"])
    assert bad.exit_code == 2 and "'1 Dec' is not a date" in bad.output


def test_framework_import_refuses_a_template_that_leaves_out_capabilities(
    runner: CliRunner, env: Path, tmp_path: Path
) -> None:
    """A truncated template had been made current without a word, and 54 capabilities vanished from
    CASE and the pages; a capability is deprecated, never deleted."""
    _ok(runner, "load")
    _ok(runner, "framework", "export", "--out", str(tmp_path / "fw.csv"))
    lines = (tmp_path / "fw.csv").read_text().splitlines(keepends=True)
    (tmp_path / "short.csv").write_text("".join(lines[:-3]))
    for command in (["framework", "import", str(tmp_path / "short.csv"), "--version", "2026.2"],
                    ["load", str(tmp_path / "short.csv")]):
        result = runner.invoke(main, command)
        assert result.exit_code == 2, result.output
        assert "3 capabilities of the current framework 2026.1 are missing from 2026." in result.output
        assert "nothing was loaded" in result.output and "deprecated = true" in result.output
        assert _current_framework(runner) == "2026.1"
    # the same left out by writing the import to a file and loading that: refused too (it had loaded)
    _ok(runner, "framework", "import", str(tmp_path / "short.csv"), "--version", "2026.3", "--out", str(tmp_path / "short.ttl"))
    result = runner.invoke(main, ["load", str(tmp_path / "short.ttl")])
    assert result.exit_code == 2 and "are missing from 2026.3" in result.output, result.output
    assert _current_framework(runner) == "2026.1"
    # an earlier version, loaded to go back to it, is not held to the current one's capabilities
    _ok(runner, "framework", "import", str(tmp_path / "short.csv"), "--version", "2025.1", "--out", str(tmp_path / "old.ttl"))
    _ok(runner, "load", str(tmp_path / "old.ttl"))
    assert _current_framework(runner) == "2025.1"
