"""The ``aiskills`` command: a thin adapter over the library. Exit codes: 0 fine, 1 problems found,
2 could not run (bad input, unreachable store, usage error)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
import pyoxigraph as ox

from aiskills import namespaces as ns
from aiskills.config import Settings, unknown_names
from aiskills.errors import AiskillsError
from aiskills.output import rows_csv, table_csv, table_json, table_text
from aiskills.rdf import EXPORT_FORMATS, format_named, read_triples, serialize
from aiskills.store import Store, backend_of, open_store


class CliError(click.ClickException):
    """A domain error shown as one line, exit code 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"aiskills: error: {self.format_message()}", err=True)


def _remember_backend(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.meta["aiskills.backend"] = value


def settings_from_env(**overrides: Any) -> Settings:
    """``Settings.from_env`` with the command's ``--backend``, when given."""
    ctx = click.get_current_context(silent=True)
    backend = ctx.meta.get("aiskills.backend") if ctx is not None else None
    for name in unknown_names(os.environ):  # a typo would otherwise be ignored without a word
        click.echo(f"aiskills: warning: {name} is not a setting (see the README's settings)", err=True)
    return Settings.from_env(backend=backend, **overrides)


def store_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option(
        "--backend",
        type=click.Choice(["embedded", "sparql"]),
        expose_value=False,
        callback=_remember_backend,
        help="The store: embedded (default) or a SPARQL 1.1 server (sparql; also AISKILLS_BACKEND).",
    )(f)
    f = click.option(
        "--endpoint",
        metavar="URL",
        help="Use a remote SPARQL 1.1 store (query endpoint URL); "
        "updates and the Graph Store Protocol from AISKILLS_UPDATE_ENDPOINT and "
        "AISKILLS_GRAPH_STORE, credentials from AISKILLS_USER and AISKILLS_PASSWORD.",
    )(f)
    return click.option(
        "--store",
        "store_dir",
        type=click.Path(file_okay=False, path_type=Path),
        metavar="DIR",
        help="Embedded store directory (default: AISKILLS_STORE or ~/.local/share/aiskills/store).",
    )(f)


@contextmanager
def opened(store_dir: Path | None, endpoint: str | None, *, reads: bool = False) -> Iterator[Store]:
    """Settings from the environment and options, then the store they name; ``reads``: the command only
    reads, so an embedded store that is not there is an error, not a new empty store made on the way."""
    settings = settings_from_env(store_path=store_dir, endpoint=endpoint)
    path = settings.store_path
    if reads and backend_of(settings) == "embedded" and path is not None and not path.exists():
        raise CliError(
            f"there is no store at {path}: load one with `aiskills load` (or name another with --store)"
        )
    with open_store(settings) as store:
        yield store


class _Group(click.Group):
    """Every domain error, from any command, becomes one line and exit code 2 (a bug stays a traceback)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AiskillsError as exc:
            raise CliError(str(exc)) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="aiskills")
def main() -> None:
    """The NHS AI and digital healthcare capability framework as a knowledge graph."""


# -- load ------------------------------------------------------------------------------------------


@main.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@store_options
@click.option(
    "--make-current",
    is_flag=True,
    help="Without FILES: make the bundled framework current even over a later or other version.",
)
def load(files: tuple[Path, ...], store_dir: Path | None, endpoint: str | None, make_current: bool) -> None:
    """Load the bundled ontology and framework, or FILES (ontology, framework RDF, or a framework
    template in CSV/XLSX). Loading is atomic and idempotent. The bundled framework never demotes a
    store's current framework of a later or other version (an imported one): that stays current,
    unless --make-current."""
    from aiskills import loading

    if files and make_current:
        raise click.UsageError("--make-current is for the bundled framework: a FILE loaded is made current")
    with opened(store_dir, endpoint) as store:
        kept = None if files or make_current else loading.kept_current(store)
        with _progress("loading") as progress:
            if files:
                loaded = [loading.load_file(store, p) for p in files]
            else:
                loaded = loading.load_bundled(store, progress, framework=kept is None)
        for item in loaded:
            click.echo(
                f"loaded {item.kind} {item.version} ({item.triples} triples) from {item.source} "
                f"into <{item.graph}>"
            )
        if kept is not None:
            click.echo(
                f"kept framework {kept} current (an import, or a later version): the bundled framework is not "
                "loaded over it; to make the bundled framework current instead, run `aiskills load --make-current`"
            )


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on standard error, drawn only on a terminal."""
    if not sys.stderr.isatty():
        yield lambda done, total: None
        return
    bar: Any = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        yield update
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


# -- info ------------------------------------------------------------------------------------------


@main.command()
@store_options
def info(store_dir: Path | None, endpoint: str | None) -> None:
    """Summarise what the store holds: graphs, versions and framework counts."""
    from aiskills.queries import load_query

    with opened(store_dir, endpoint, reads=True) as store:
        entries = store.catalog()
        if not entries:
            click.echo("the store is empty: run `aiskills load` to load the bundled framework")
            return
        click.echo(f"store: {store.name}")
        for e in entries:
            state = "current" if e.active else "kept"
            click.echo(
                f"  {e.kind:<10} {e.version or '':<10} {state:<8} {store.count(e.graph):>7} triples  <{e.graph}>"
            )
        table = store.select(load_query("summary", "counts").text)
        for kind, count in table.values():
            click.echo(f"  {count:>5} {kind}")


# -- query -----------------------------------------------------------------------------------------


@main.command()
@click.argument("query")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True
)
@click.option(
    "--union", is_flag=True, help="Query the union of all graphs, earlier framework versions included."
)
@store_options
def query(query: str, fmt: str, union: bool, store_dir: Path | None, endpoint: str | None) -> None:
    """Run a SPARQL SELECT, ASK or CONSTRUCT query given as a file or as text."""
    text = _query_text(query)
    with opened(store_dir, endpoint, reads=True) as store:
        kind = _query_form(text)
        if kind == "ASK":
            click.echo("true" if store.ask(text) else "false")
        elif kind in ("CONSTRUCT", "DESCRIBE"):
            triples = store.construct(text)
            fmt_rdf = ox.RdfFormat.N_TRIPLES if fmt == "csv" else ox.RdfFormat.TURTLE
            click.echo(serialize(triples, fmt_rdf, ns.PREFIXES).decode(), nl=False)
        else:
            table = store.select(text, union=union)
            render = {"table": table_text, "csv": table_csv, "json": table_json}[fmt]
            click.echo(render(table), nl=False)


def _query_text(arg: str) -> str:
    path = Path(arg)
    if len(arg) < 4096 and "{" not in arg and path.is_file():
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"{arg}: cannot read the query file: {exc}") from None
    return arg


def _query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first such keyword outside the prologue."""
    import re

    body = re.sub(r"#[^\n]*", " ", text)
    body = re.sub(r"<[^>\s]*>", " ", body)
    m = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", body, re.IGNORECASE)
    return m.group(1).upper() if m else "SELECT"


# -- export ----------------------------------------------------------------------------------------


@main.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice([*EXPORT_FORMATS, "ctdl-asn"]),
    default="turtle",
    show_default=True,
    help="An RDF syntax, or ctdl-asn: the current framework (and stored curricula) as CTDL-ASN JSON-LD.",
)
@click.option(
    "--graph",
    "which",
    type=click.Choice(["all", "framework", "ontology"]),
    default="all",
    show_default=True,
    help="What to export: the current framework, the ontology, or every active graph.",
)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE instead of standard output."
)
@store_options
def export(fmt: str, which: str, out: Path | None, store_dir: Path | None, endpoint: str | None) -> None:
    """Write the store's ontology and framework as RDF, or the framework as CTDL-ASN."""
    if fmt == "ctdl-asn":
        _write(_ctdl_asn(store_dir, endpoint), out)
        return
    with opened(store_dir, endpoint, reads=True) as store:
        entries = [e for e in store.catalog(None if which == "all" else {which}) if e.active]
        if not entries:
            raise CliError("nothing to export: the store holds no framework (run `aiskills load` first)")
        triples = [t for e in entries for t in store.triples(e.graph)]
    data = serialize(dict.fromkeys(triples), format_named(fmt), ns.PREFIXES | _EXTRA_PREFIXES)
    _write(data, out)


def _ctdl_asn(store_dir: Path | None, endpoint: str | None) -> bytes:
    """The store's current framework, its crosswalk mappings and stored curricula as CTDL-ASN."""
    from aiskills import loading
    from aiskills.publishing import ctdl
    from aiskills.publishing.case import store_mappings

    with opened(store_dir, endpoint, reads=True) as store:
        current = loading.current_framework(store)
        if current is None:
            raise CliError("nothing to export: the store holds no framework (run `aiskills load` first)")
        document = ctdl.ctdl_document(current.triples, store_mappings(store), ctdl.store_curricula(store))
    return ctdl.as_bytes(document)


_EXTRA_PREFIXES = {"aiscap": ns.ID + "capability/", "aisdom": ns.ID + "domain/"}


def _write(data: bytes, out: Path | None) -> None:
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise CliError(f"{out}: cannot write: {exc.strerror}") from None
    click.echo(f"wrote {out} ({len(data)} bytes)", err=True)


# -- check -----------------------------------------------------------------------------------------


@main.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--bundled", is_flag=True, help="Check the bundled ontology and framework, not the store's.")
@click.option(
    "--previous",
    type=click.Path(exists=True, path_type=Path),
    metavar="PATH",
    help="The previous release folder (or framework file): fail if one of its capabilities is missing now.",
)
@store_options
def check(
    files: tuple[Path, ...],
    bundled: bool,
    previous: Path | None,
    store_dir: Path | None,
    endpoint: str | None,
) -> None:
    """Check the ontology and framework: OWL 2 DL consistency, SHACL shapes, quality-control queries.

    Checks FILES when given (an ontology and/or a framework, in RDF or as a template), otherwise the
    store's current ontology and framework, or the bundled ones when the store holds none. With
    --previous, also that no capability of the previous version disappeared (deprecate it instead).
    Exit 0 when clean, 1 when problems are found, 2 when a check could not run."""
    from aiskills.checks import CheckStatus, run_checks

    ontology, framework, source = _check_inputs(files, bundled, store_dir, endpoint)
    before = _framework_file(previous)[0] if previous is not None else None
    click.echo(f"checking {source}" + (f" against {previous}" if previous is not None else ""))
    results = run_checks(ontology, framework, previous=before)
    worst = 0
    for r in results:
        mark = {
            CheckStatus.PASSED: "ok",
            CheckStatus.FAILED: "FAILED",
            CheckStatus.COULD_NOT_RUN: "COULD NOT RUN",
        }
        click.echo(
            f"{r.name:<6} {mark[r.status]}"
            + (
                f": {r.detail}"
                if r.detail
                else f" ({len(r.findings)} problem{'s' if len(r.findings) != 1 else ''})"
                if r.findings
                else ""
            )
        )
        for f in r.findings:
            click.echo(f"  {f.check}: <{f.focus}> {f.message}")
        worst = max(
            worst, {CheckStatus.PASSED: 0, CheckStatus.FAILED: 1, CheckStatus.COULD_NOT_RUN: 2}[r.status]
        )
    sys.exit(worst)


def _check_inputs(
    files: tuple[Path, ...], bundled: bool, store_dir: Path | None, endpoint: str | None
) -> tuple[list[ox.Triple], list[ox.Triple], str]:
    from aiskills import loading
    from aiskills.framework import bundle

    ontology, _ = bundle.ontology()
    if files:
        framework: list[ox.Triple] | None = None
        for path in files:
            if path.suffix.lower() in (".csv", ".xlsx", ".xlsm"):
                framework = loading.import_template(path, bundle.structure()).triples
                continue
            triples = read_triples(path)
            if (
                ox.Triple(
                    ox.NamedNode(ns.ONTOLOGY_IRI),
                    ox.NamedNode(ns.RDF + "type"),
                    ox.NamedNode(ns.OWL + "Ontology"),
                )
                in triples
            ):
                ontology = triples
            else:
                framework = triples
        if framework is None:
            framework = bundle.framework().triples
        return ontology, framework, ", ".join(str(p) for p in files)
    if not bundled:
        settings = settings_from_env(store_path=store_dir, endpoint=endpoint)
        with open_store(settings) as store:
            current = loading.current_framework(store)
            if current is not None:
                stored_onto = store.triples(ns.ONTOLOGY_GRAPH)
                return stored_onto or ontology, current.triples, f"the store's framework {current.version}"
    return ontology, bundle.framework().triples, "the bundled ontology and framework"


# -- diff ----------------------------------------------------------------------------------------


@main.command()
@click.argument("old", type=click.Path(exists=True, path_type=Path))
@click.argument("new", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "json", "html", "turtle"]),
    default="markdown",
    show_default=True,
    help="turtle: the change log as RDF (ais:ChangeLog).",
)
def diff(old: Path, new: Path, fmt: str) -> None:
    """What changed between two framework files (RDF, or templates in CSV/XLSX) or two release
    folders: capabilities added, removed, deprecated, reworded, moved, re-levelled, re-badged."""
    from aiskills import changes

    (old_triples, old_version), (new_triples, new_version) = (_framework_file(p) for p in (old, new))
    log = changes.compare(old_triples, new_triples, old_version, new_version)
    if fmt == "turtle":
        from aiskills.release import RELEASE_PREFIXES

        click.echo(
            serialize(changes.as_rdf(log), ox.RdfFormat.TURTLE, RELEASE_PREFIXES).decode("utf-8"), nl=False
        )
        return
    render = {"json": changes.as_json, "html": changes.as_html, "markdown": changes.as_markdown}[fmt]
    click.echo(render(log), nl=False)


def _framework_file(path: Path, ctids: dict[str, str] | None = None) -> tuple[list[ox.Triple], str]:
    """A framework from a release folder, an RDF file or a template, and its version (a template's
    file name, which need not be a version). A template row without a CTID keeps the one ``ctids``
    (else the bundled framework) has for its notation."""
    from aiskills import loading
    from aiskills.framework import bundle
    from aiskills.framework.model import capability_rows, framework_version

    if path.is_dir():
        from aiskills.release import read_release

        release = read_release(path)
        return release.framework, release.version
    if path.suffix.lower() in (".csv", ".xlsx", ".xlsm"):
        if ctids is None:
            ctids = {r.notation: r.ctid for r in capability_rows(bundle.framework().triples) if r.ctid}
        fw = loading.import_template(path, bundle.structure(), ctids=ctids)
        return fw.triples, path.name
    triples = read_triples(path)
    return triples, framework_version(triples, str(path))


# -- dump / restore --------------------------------------------------------------------------------


@main.command()
@click.option(
    "--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder to write."
)
@store_options
def dump(out: Path, store_dir: Path | None, endpoint: str | None) -> None:
    """Dump the whole store (every graph, kept versions too) as N-Quads with a checksummed manifest."""
    from aiskills import backup

    with opened(store_dir, endpoint, reads=True) as store:
        summary = backup.dump(store, out)
    click.echo(
        f"dumped {summary.graphs} graphs, {summary.triples} triples to {out} (sha256 {summary.sha256})"
    )


@main.command()
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@store_options
def restore(source: Path, store_dir: Path | None, endpoint: str | None) -> None:
    """Replace the store's contents with a dump, after verifying every checksum."""
    from aiskills import backup

    verified = backup.verify(source)  # a damaged dump is refused before a store is opened (or made)
    with opened(store_dir, endpoint) as store:
        summary = backup.restore(store, source, verified)
    click.echo(f"restored {summary.graphs} graphs, {summary.triples} triples from {source}")


# -- serve ---------------------------------------------------------------------------------------


@main.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="An IP address or a host name (localhost)."
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(min=1),
    help="Web worker processes (granian; web requests). On an embedded store one engine process writes and "
    "every query runs in a query process of its own, so more workers use more cores for the web side; "
    "two workers of two threads answer cheap requests about twice as fast as one of four on two cores.",
)
@click.option(
    "--threads",
    default=2,
    show_default=True,
    type=click.IntRange(min=1),
    help="Request threads per worker (and query processes per worker on an embedded store).",
)
@click.option("--debug", is_flag=True, help="Flask's development server, with reloading and tracebacks.")
@store_options
def serve(
    host: str,
    port: int,
    workers: int,
    threads: int,
    debug: bool,
    store_dir: Path | None,
    endpoint: str | None,
) -> None:
    """Serve the web app (granian): the pages at /, every IRI at /id/… and /ontology, /validate,
    /alignment, the SPARQL endpoint at /sparql, the API under /api. On an empty embedded store the
    bundled framework is loaded first. While it runs, other aiskills commands on the same store go
    through it."""
    settings = settings_from_env(store_path=store_dir, endpoint=endpoint, load_bundled_on_start=True)
    host = _free_address(host, port)
    remote = backend_of(settings) == "sparql"
    where = settings.endpoint if remote else settings.store_path
    engine = None if remote else _start_engine(settings)
    watch = None if engine is None else _EngineWatch(engine)
    try:
        _serve(settings, host, port, workers, threads, debug, str(where))
    finally:
        if watch is not None:
            watch.stopping = True
        if engine is not None:
            engine.terminate()
            try:
                engine.wait(timeout=30)
            except subprocess.TimeoutExpired:
                engine.kill()
                engine.wait()
    if watch is not None and watch.died is not None:
        raise CliError(watch.died)


class _EngineWatch:
    """Stops the server when its engine process exits of itself (a crash, the kernel's out-of-memory
    killer): the web workers could then only answer from the last snapshot, refuse every write, and the
    command line would find the store free and write where the server never looks. Stopping is the one
    safe answer; a supervisor (systemd's ``Restart=on-failure``) starts the server again."""

    def __init__(self, engine: subprocess.Popen[bytes]) -> None:
        import threading

        self.engine = engine
        self.stopping = False
        self.died: str | None = None
        threading.Thread(target=self._wait, name="engine-watch", daemon=True).start()

    def _wait(self) -> None:
        import signal

        code = self.engine.wait()
        if self.stopping:
            return
        how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
        self.died = (
            f"the engine process holding the store {how}: the server stopped, so that nothing answers "
            "from a store no one writes or writes behind it; start `aiskills serve` again"
        )
        click.echo(f"aiskills serve: {self.died}", err=True)
        os.kill(os.getpid(), signal.SIGTERM)  # granian's own shutdown, as for Ctrl-C


def _free_address(host: str, port: int) -> str:
    """``host`` as the IP address to listen on (``localhost`` resolved), once nothing listens on ``port``
    there: the server's workers share their port with any process that allows it (``SO_REUSEPORT``), so
    a second server, or a crashed one's workers, would otherwise split the requests with this one."""
    import socket

    try:
        family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise CliError(
            f"--host {host}: not an address or a host name this machine knows ({exc.strerror})"
        ) from None
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a stopped server's TIME_WAIT is free
        try:
            probe.bind(address)
        except OSError as exc:
            import errno

            if exc.errno == errno.EADDRINUSE:
                raise CliError(
                    f"port {port} on {host} is in use ({exc.strerror}): stop what listens there "
                    "(another aiskills serve?), or choose another --port"
                ) from None
            raise CliError(
                f"cannot listen on port {port} of {host} ({exc.strerror}): choose another --port"
            ) from None
    return str(address[0])


def _serve(
    settings: Settings, host: str, port: int, workers: int, threads: int, debug: bool, where: str
) -> None:
    from aiskills.web import create_app

    remote = backend_of(settings) == "sparql"

    def app() -> Any:  # in the worker: it holds no store of its own, only the engine's client
        if not debug:  # a granian worker ends with its server, even one killed outright (SIGKILL)
            from aiskills.store.isolated import die_with_parent

            die_with_parent()
        if remote:
            return create_app(replace(settings, load_bundled_on_start=False))
        from aiskills.store.engine import EngineStore

        assert settings.store_path is not None
        store = EngineStore.connect(
            settings.store_path,
            pool_size=threads,
            timeout=max(settings.query_timeout, 120.0),  # the app's own start-up reads
            preload=("aiskills.web.sparql", "aiskills.alignment"),
            answer_bytes=settings.answer_cache_bytes,
        )
        if store is None:
            raise CliError(f"the engine serving {settings.store_path} stopped: see the messages above")
        web = create_app(replace(settings, load_bundled_on_start=False), store)
        store.timeout = settings.query_timeout  # every request's reads, from here on
        return web

    if remote:
        _prepare_store(settings)
    if debug:
        click.echo(f"serving {where} on http://{host}:{port}/ (development server)", err=True)
        app().run(host=host, port=port, debug=True, use_reloader=False)
        return
    click.echo(
        f"serving {where} on http://{host}:{port}/ with {workers} worker(s) x {threads} thread(s)", err=True
    )
    from granian.constants import Interfaces
    from granian.server import Server

    # The master forks its workers; it holds no store (the engine process does), so no process
    # forks while it holds one. Each worker builds the app once, when it starts.
    server = Server(
        "aiskills.web:create_app",  # a name for the logs: the app comes from ``app()`` below
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
        websockets=False,
        log_access=True,
        respawn_failed_workers=True,
        workers_kill_timeout=5,
    )
    server.serve(target_loader=lambda *_: app(), wrap_loader=False)


def _start_engine(settings: Settings) -> subprocess.Popen[bytes]:
    """The engine process that holds the embedded store (``aiskills.store.engine``), a fresh
    interpreter; it loads the bundled framework into an empty store. Returns once it serves."""
    from aiskills.store.engine import EngineStore

    assert settings.store_path is not None
    running = EngineStore.connect(settings.store_path)
    if running is not None:
        running.close()
        raise CliError(
            f"{settings.store_path}: this store is already being served by another `aiskills serve`; "
            "stop it first, or serve another store (--store DIR)"
        )
    grace = max(60.0, 2 * settings.query_timeout + 10)
    command = [sys.executable, "-m", "aiskills.cli", "engine", "--store", str(settings.store_path)]
    command += ["--grace", str(grace), "--load-bundled"]
    engine = subprocess.Popen(command, stdout=subprocess.PIPE)
    assert engine.stdout is not None
    line = engine.stdout.readline()
    engine.stdout.close()  # it says nothing more
    if line.strip() != b"ready":
        engine.wait()
        raise CliError(f"{settings.store_path}: the store could not be served (see the message above)")
    return engine


@main.command(hidden=True)
@click.option("--store", "store_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--grace", type=float, default=60.0)
@click.option("--load-bundled", is_flag=True)
def engine(store_dir: Path, grace: float, load_bundled: bool) -> None:
    """The engine process of `aiskills serve` (started by it): holds the embedded store, writes it for
    the web app and the command line, and publishes read snapshots for the query processes."""
    import signal

    from aiskills.store.embedded import EmbeddedStore
    from aiskills.store.engine import Engine
    from aiskills.store.isolated import die_with_parent

    die_with_parent()
    store = EmbeddedStore(store_dir)
    try:
        if load_bundled and not store.catalog():
            from aiskills.loading import load_bundled as load

            load(store)
        served = Engine(store, store_dir, grace)
        signal.signal(signal.SIGTERM, lambda *_: served.stop())
        signal.signal(signal.SIGINT, lambda *_: served.stop())
        served.serve(ready=_say_ready)
    finally:
        store.close()


def _say_ready() -> None:
    """The engine's one line on its output (its parent then closes the pipe): anything later goes
    to standard error."""
    import os

    click.echo("ready")
    sys.stdout.flush()
    os.dup2(2, 1)


def _prepare_store(settings: Settings) -> None:
    """Load the bundled framework into an empty remote store, once, before the workers start; with a
    write token configured, check that the store takes writes (its update endpoint and credentials),
    so that a server that would refuse every write does not start."""
    with open_store(settings) as store:
        if settings.tokens:
            store.check_writes()
        if not store.catalog():  # once, here: not by each worker, racing on a remote store
            from aiskills.loading import load_bundled

            load_bundled(store)


# -- alignment questions ---------------------------------------------------------------------------


@main.command(context_settings={"ignore_unknown_options": False})
@click.argument("name", required=False)
@click.option(
    "--param",
    "-p",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    help="A parameter of the question, e.g. --param archetype=Embedder (repeatable).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True
)
@click.option("--limit", type=int, help="Only this many rows of the answer, in its order (a page).")
@click.option("--offset", type=int, help="Skip this many rows of the answer first.")
@store_options
def ask(
    name: str | None,
    params: tuple[str, ...],
    fmt: str,
    limit: int | None,
    offset: int | None,
    store_dir: Path | None,
    endpoint: str | None,
) -> None:
    """Ask an alignment question by NAME; without NAME, list the questions."""
    from aiskills import alignment
    from aiskills.queries import Page

    if name is None:
        for q in alignment.questions():
            args = " ".join(f"[{p.name}=…]" if p.optional else f"{p.name}=…" for p in q.parameters)
            click.echo(f"{q.name}  {args}".rstrip())
            click.echo(f"    {q.title}. Columns: {', '.join(q.columns)}")
        return
    given: dict[str, str] = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise CliError(f"--param {item!r}: write KEY=VALUE, e.g. --param archetype=Embedder")
        given[key.strip()] = value
    page = Page.of(limit, offset)
    with opened(store_dir, endpoint, reads=True) as store:
        answer = alignment.ask(store, name, given, page=page)
    if fmt == "json":
        import json

        click.echo(json.dumps(answer.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo({"table": table_text, "csv": table_csv}[fmt](answer.table), nl=False)


# -- curricula -------------------------------------------------------------------------------------

REPORT_FORMATS = ["text", "json", "turtle", "html"]


def _report(report, fmt: str) -> None:  # type: ignore[no-untyped-def]
    from aiskills.validation.render import RENDERERS, as_text

    if fmt == "text":
        click.echo(as_text(report, colour=sys.stdout.isatty()), nl=False)
    else:
        click.echo(RENDERERS[fmt](report), nl=False)


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), default="text", show_default=True)
@click.option("--bundled", is_flag=True, help="Check against the bundled framework, not the store's.")
@store_options
def validate(file: Path, fmt: str, bundled: bool, store_dir: Path | None, endpoint: str | None) -> None:
    """Validate a curriculum file (JSON, CSV, XLSX, Turtle, JSON-LD, RDF/XML, N-Triples) against the
    framework. Exit 0 when it conforms (no violations), 1 when it does not, 2 when it cannot be read."""
    from aiskills.submission.readers import read_submission
    from aiskills.validation.engine import validator_for

    submission = read_submission(file)
    if bundled:
        report = validator_for(None).validate(submission)
    else:
        with opened(store_dir, endpoint) as store:
            report = validator_for(store).validate(submission)
    _report(report, fmt)
    sys.exit(0 if report.conforms else 1)


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--top", type=click.IntRange(1, 50), default=5, show_default=True, help="Suggestions per outcome."
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True
)
@click.option("--bundled", is_flag=True, help="Suggest from the bundled framework, not the store's.")
@store_options
def suggest(
    file: Path, top: int, fmt: str, bundled: bool, store_dir: Path | None, endpoint: str | None
) -> None:
    """For every learning outcome of a curriculum file (any submission format), the capabilities it
    most likely serves, best first, with a score from 0 to 1 and the reason; flags on alignments that
    look wrong or far from the outcome's Bloom level. Advice only: the file is not changed."""
    import json

    from aiskills import loading, suggestions
    from aiskills.framework import bundle
    from aiskills.submission.readers import read_submission
    from aiskills.suggestions import outcomes as so

    submission = read_submission(file)
    current = None
    if not bundled:
        with opened(store_dir, endpoint) as store:
            current = loading.current_framework(store)
    framework = current or bundle.framework()
    suggester = suggestions.build(framework.triples, framework.version)
    results = so.suggest(submission, suggester, top)
    if fmt == "json":
        click.echo(json.dumps(so.as_json(results, suggester), indent=2, ensure_ascii=False))
    elif fmt == "csv":
        click.echo(rows_csv(so.CSV_COLUMNS, so.csv_rows(results)), nl=False)
    else:
        click.echo(so.as_text(results, submission.source), nl=False)


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(REPORT_FORMATS),
    default="text",
    show_default=True,
    help="How to show the report of a refused submission.",
)
@store_options
def submit(file: Path, fmt: str, store_dir: Path | None, endpoint: str | None) -> None:
    """Validate a curriculum and, when it conforms, store it in its own graph with its provenance.
    Resubmitting the same curriculum id replaces it. Exit 1 (nothing stored) when it has violations."""
    from aiskills import curricula
    from aiskills.submission.readers import read_submission
    from aiskills.validation.engine import validator_for
    from aiskills.validation.render import headline

    submission = read_submission(file)
    with opened(store_dir, endpoint) as store:
        report = validator_for(store).validate(submission)
        if not report.conforms:
            _report(report, fmt)
            click.echo(f"aiskills: {file}: not stored: fix the violations above and submit again", err=True)
            sys.exit(1)
        stored = curricula.submit(store, submission, report)
    click.echo(headline(report))
    verb = "replaced" if stored.replaced else "stored"
    click.echo(f"{verb} <{stored.curriculum}> in <{stored.graph}> ({stored.triples} triples)")


@main.group("curricula")
def curricula_group() -> None:
    """Stored curricula: list, show, remove."""


@curricula_group.command("list")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True
)
@store_options
def curricula_list(fmt: str, store_dir: Path | None, endpoint: str | None) -> None:
    """List stored curricula with their provider, size and submission time."""
    from aiskills import curricula
    from aiskills.store.base import Table

    with opened(store_dir, endpoint, reads=True) as store:
        rows = curricula.records(store)
    columns = ("curriculum", "title", "provider", "modules", "outcomes", "submitted", "framework")
    table = Table(
        columns,
        [
            tuple(
                None if v is None else ox.Literal(str(v))
                for v in (
                    r.curriculum,
                    r.title,
                    r.provider,
                    r.modules,
                    r.outcomes,
                    r.submitted,
                    r.framework_version,
                )
            )
            for r in rows
        ],
    )
    render = {"table": table_text, "csv": table_csv, "json": table_json}[fmt]
    click.echo(render(table), nl=False)


@curricula_group.command("show")
@click.argument("curriculum")
@click.option(
    "--format", "fmt", type=click.Choice(["text", *EXPORT_FORMATS]), default="text", show_default=True
)
@store_options
def curricula_show(curriculum: str, fmt: str, store_dir: Path | None, endpoint: str | None) -> None:
    """Show one stored curriculum (by its IRI): summary and provenance, or its graph as RDF."""
    from aiskills import curricula

    with opened(store_dir, endpoint, reads=True) as store:
        graph = curricula.curriculum_graph(curriculum)
        found = curricula.record(store, graph)
        if found is None:
            raise CliError(f"no stored curriculum has the id {curriculum!r} (see `aiskills curricula list`)")
        triples = store.triples(graph)
    if fmt != "text":
        _write(serialize(triples, format_named(fmt), ns.PREFIXES), None)
        return
    r = found
    for label, value in [
        ("curriculum", r.curriculum),
        ("title", r.title),
        ("provider", r.provider),
        ("modules", r.modules),
        ("outcomes", r.outcomes),
        ("submitted", r.submitted),
        ("source", r.source),
        ("sha256", r.sha256),
        ("framework", r.framework_version),
        ("graph", r.graph),
    ]:
        click.echo(f"{label:<11} {value if value is not None else ''}")


@curricula_group.command("remove")
@click.argument("curriculum")
@store_options
def curricula_remove(curriculum: str, store_dir: Path | None, endpoint: str | None) -> None:
    """Remove a stored curriculum (by its IRI)."""
    from aiskills import curricula

    with opened(store_dir, endpoint) as store:
        graph = curricula.remove(store, curriculum)
    click.echo(f"removed <{curriculum}> (graph <{graph}>)")


# -- framework import / export ---------------------------------------------------------------------


@main.group()
def framework() -> None:
    """Framework spreadsheets: import a template into the store, export it back."""


@framework.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--version",
    "version",
    metavar="V",
    help="Version label of the imported framework (default: the structure's).",
)
@click.option(
    "--structure",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Turtle file with the framework's structure (default: the store's current framework, else the bundled one).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the framework graph to this file (format by extension) instead of loading it.",
)
@click.option(
    "--date",
    "when",
    metavar="YYYY-MM-DD",
    default="today",
    show_default=True,
    help="The framework's dct:modified: CASE's lastChangeDateTime and CTDL-ASN's dateModified follow it.",
)
@store_options
def framework_import(
    file: Path,
    version: str | None,
    structure: Path | None,
    out: Path | None,
    when: str,
    store_dir: Path | None,
    endpoint: str | None,
) -> None:
    """Turn a framework template (CSV or XLSX, one row per capability) into the framework graph.

    Every bad cell is reported with its row and column; nothing is loaded from a file with errors,
    nor from one that leaves out a capability of the store's current framework (deprecate it)."""
    from aiskills import loading
    from aiskills.framework import bundle
    from aiskills.rdf import format_of
    from aiskills.release import release_date

    modified = release_date(when, [])
    if out is not None:
        fw = loading.import_template(file, bundle.structure(structure), version, modified=modified)
        _write(serialize(fw.triples, format_of(out), ns.PREFIXES), out)
        return
    with opened(store_dir, endpoint) as store:
        given = bundle.structure(structure) if structure else None
        item = loading.import_into(store, file, given, version, modified)
    click.echo(
        f"imported {file}: framework {item.version}, {item.triples} triples, now current in <{item.graph}>"
    )


@framework.command("export")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE (.csv or .xlsx); default CSV on standard output.",
)
@click.option(
    "--from",
    "source",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Export a framework RDF file instead of the store's current framework.",
)
@store_options
def framework_export(
    out: Path | None, source: Path | None, store_dir: Path | None, endpoint: str | None
) -> None:
    """Write the current framework's capabilities in the import template (CSV or XLSX)."""
    from aiskills import loading
    from aiskills.framework.model import capability_rows
    from aiskills.framework.template import write_csv, write_xlsx

    if source is not None:
        triples = read_triples(source)
    else:
        with opened(store_dir, endpoint) as store:
            current = loading.current_framework(store)
            if current is None:
                raise CliError(
                    "the store holds no framework: run `aiskills load` or `aiskills framework import` first"
                )
            triples = current.triples
    rows = capability_rows(triples)
    if out is not None and out.suffix.lower() not in (".csv", ".xlsx"):
        raise CliError(f"{out}: the template is written as .csv or .xlsx")
    data = write_xlsx(rows) if out is not None and out.suffix.lower() == ".xlsx" else write_csv(rows)
    _write(data, out)


# -- access tokens ---------------------------------------------------------------------------------


@main.group()
def token() -> None:
    """Access tokens for writes (and for reads, when AISKILLS_READS=closed)."""


@token.command("new")
@click.argument("name")
@click.option("--scope", type=click.Choice(["write", "read"]), default="write", show_default=True)
@click.option(
    "--file",
    "path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The tokens file the server reads (AISKILLS_TOKENS_FILE); created if missing.",
)
def token_new(name: str, scope: str, path: Path) -> None:
    """Make a token called NAME: print its secret once, store only its SHA-256 in the file."""
    import secrets

    from aiskills.config import TOKEN_NAME, Token, read_tokens_file, token_line
    from aiskills.errors import InputError

    if not TOKEN_NAME.fullmatch(name):
        raise InputError(
            "a token name is 1-64 letters, digits, '.', '_', '@' or '-'",
            source="NAME",
            fix="e.g. aiskills token new editor-team --file tokens.tsv",
        )
    existing = read_tokens_file(path) if path.exists() and path.stat().st_size else ()
    if any(t.name == name for t in existing):
        raise InputError(
            f"there is already a token named {name!r}",
            source=str(path),
            fix="choose another name, or remove its line first",
        )
    if not path.parent.is_dir():
        raise InputError(
            f"the folder {path.parent} does not exist",
            source=str(path),
            fix=f"create it first (mkdir -p {path.parent}), or name a file in a folder that exists",
        )
    secret = secrets.token_urlsafe(32)
    made = Token.from_secret(name, secret, scope)
    with path.open("a", encoding="utf-8") as f:
        f.write(token_line(made))
    path.chmod(0o600)
    click.echo(secret)
    click.echo(f"token {name!r} ({scope}) added to {path}; its secret is shown only this once", err=True)


@token.command("revoke")
@click.argument("name")
@click.option(
    "--file",
    "path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    required=True,
    help="The tokens file the server reads (AISKILLS_TOKENS_FILE).",
)
def token_revoke(name: str, path: Path) -> None:
    """Remove the token called NAME from the file. A running server reads the file again and refuses
    the token from its next request on; no restart."""
    import os
    import tempfile

    from aiskills.config import read_tokens_file
    from aiskills.errors import InputError

    tokens = read_tokens_file(path)  # a malformed file is refused as the server would refuse it
    if not any(t.name == name for t in tokens):
        names = ", ".join(t.name for t in tokens)
        raise InputError(f"there is no token named {name!r}", source=str(path), fix=f"the tokens: {names}")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if line.split("\t", 1)[0] != name]  # comments and blank lines stay
    left = len(tokens) - 1
    # written whole beside the file, then renamed over it: a server never reads half a file
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            f.writelines(kept)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    said = f"{left} token(s) left" if left else "no token left: its tokens grant nothing until one is added"
    click.echo(f"token {name!r} revoked in {path}; {said}", err=True)


@token.command("list")
@click.option("--file", "path", type=click.Path(dir_okay=False, exists=True, path_type=Path), required=True)
def token_list(path: Path) -> None:
    """The names and scopes in a tokens file (never the hashes)."""
    from aiskills.config import read_tokens_file

    for t in read_tokens_file(path):
        click.echo(f"{t.name}\t{t.scope}")


# -- release / publish / crosswalk -----------------------------------------------------------------


@main.command()
@click.option("--version", "version", required=True, metavar="V", help="Release version, e.g. 2026.1.")
@click.option(
    "--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Release folder to write."
)
@click.option(
    "--previous",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="The previous release folder: the change log and owl:priorVersion are made against it.",
)
@click.option(
    "--framework",
    "framework_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Framework to release: RDF, or a template (CSV/XLSX) with the bundled structure (default: the bundled framework).",
)
@click.option(
    "--crosswalk",
    "crosswalks",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="FILE",
    help="An SSSOM TSV crosswalk to include (repeatable).",
)
@click.option(
    "--date",
    "when",
    metavar="YYYY-MM-DD",
    help="Release date (default: the framework's dct:issued; 'today' reads the clock).",
)
@click.option(
    "--base-url",
    metavar="URL",
    help="Where the folder will be served (default https://w3id.org/aiskills/release/V/).",
)
@click.option(
    "--sparql-endpoint", metavar="URL", help="The public SPARQL endpoint to name in the VoID description."
)
@click.option(
    "--from-store",
    is_flag=True,
    help="Release the store's current ontology and framework (see --store/--endpoint).",
)
@click.option("--force", is_flag=True, help="Replace the contents of a non-empty --out folder.")
@store_options
def release(
    version: str,
    out: Path,
    previous: Path | None,
    framework_file: Path | None,
    crosswalks: tuple[Path, ...],
    when: str | None,
    base_url: str | None,
    sparql_endpoint: str | None,
    from_store: bool,
    force: bool,
    store_dir: Path | None,
    endpoint: str | None,
) -> None:
    """Write a self-contained, reproducible release folder: ontology and framework in Turtle,
    N-Triples, JSON-LD and RDF/XML, the template as CSV and XLSX, crosswalks, an N-Quads dump, a
    change log (Markdown, HTML, RDF), DCAT and VoID descriptions and SHA256SUMS."""
    from aiskills import release as rel
    from aiskills.changes import KINDS
    from aiskills.crosswalk import read_sssom
    from aiskills.framework import bundle

    rel.check_version(version)
    if previous is not None and not previous.is_dir():
        raise CliError(
            f"--previous {previous}: no such release folder (give the folder an earlier `aiskills release` wrote)"
        )
    ontology, _ = bundle.ontology()
    if from_store and framework_file:
        raise CliError("give --framework FILE or --from-store, not both")
    if from_store:
        ontology, framework = _store_sources(store_dir, endpoint, ontology)
    else:
        kept = None  # a template's rows without a CTID keep the previous release's
        if previous is not None and framework_file is not None:
            from aiskills.framework.model import capability_rows

            kept = {r.notation: r.ctid for r in capability_rows(_framework_file(previous)[0]) if r.ctid}
        framework = _framework_file(framework_file, kept)[0] if framework_file else bundle.framework().triples
    inputs = rel.ReleaseInputs(
        version,
        rel.release_date(when, framework),
        ontology,
        framework,
        previous,
        [(read_sssom(p), p.name) for p in crosswalks],
        base_url,
        sparql_endpoint,
    )
    summary = rel.write_release(inputs, out, force=force)
    click.echo(
        f"release {version} written to {out}: {len(summary.files)} files, "
        f"{sum(summary.triples.values())} triples in {len(summary.triples)} graphs"
    )
    if summary.changes is not None:
        counts = ", ".join(f"{summary.changes.count(k)} {k}" for k in KINDS if summary.changes.count(k))
        click.echo(f"changes since {summary.changes.old_version}: {counts or 'none'}")


def _store_sources(
    store_dir: Path | None, endpoint: str | None, bundled: list[ox.Triple]
) -> tuple[list[ox.Triple], list[ox.Triple]]:
    """The store's ontology (the bundled one if it holds none) and current framework."""
    from aiskills import loading

    with opened(store_dir, endpoint, reads=True) as store:
        current = loading.current_framework(store)
        if current is None:
            raise CliError(
                "the store holds no framework: run `aiskills load` or `aiskills framework import` first"
            )
        return store.triples(ns.ONTOLOGY_GRAPH) or bundled, current.triples


@main.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--endpoint", required=True, metavar="URL", help="SPARQL 1.1 query endpoint of the store.")
@click.option(
    "--graph-store",
    metavar="URL",
    help="Graph Store Protocol endpoint of the store (default: AISKILLS_GRAPH_STORE, or the dialect's).",
)
def publish(folder: Path, endpoint: str, graph_store: str | None) -> None:
    """Push a release folder to a SPARQL 1.1 store, one named graph per artefact, through the same
    storage interface as every write; graphs that are already there unchanged are left alone; triple
    counts are verified. Credentials from AISKILLS_USER and AISKILLS_PASSWORD."""
    from aiskills.publish import publish as push

    settings = Settings.from_env(endpoint=endpoint, graph_store=graph_store)
    outcomes = push(folder, settings)
    # the catalogue by name: a server may keep it in its default graph, not a graph of its own
    for o in outcomes:
        where = "the catalogue" if o.graph == ns.CATALOG_GRAPH else f"<{o.graph}>"
        click.echo(f"{o.action:<9} {where} ({o.triples} triples)")
    written = sum(1 for o in outcomes if o.action == "written")
    click.echo(
        f"published {folder}: {written} graph(s) written, {len(outcomes) - written} unchanged; counts verified"
    )


@main.group()
def crosswalk() -> None:
    """Crosswalks to other frameworks as SSSOM TSV: validate, convert to RDF, export back."""


@crosswalk.command("validate")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--framework",
    "framework_file",
    type=click.Path(exists=True, path_type=Path),
    help="The framework whose capabilities the mappings' subjects must be (a template, an RDF file or a "
    "release folder); the bundled framework by default.",
)
def crosswalk_validate(files: tuple[Path, ...], framework_file: Path | None) -> None:
    """Check SSSOM TSV files, and that every mapping's subject is a capability of the framework; each
    problem is named with its line and column and the fix (exit 1)."""
    from aiskills.crosswalk import CrosswalkError, check_subjects, read_sssom
    from aiskills.framework import bundle
    from aiskills.framework.model import capability_rows

    triples = _framework_file(framework_file)[0] if framework_file else bundle.framework().triples
    capabilities = {ns.capability_iri(r.notation) for r in capability_rows(triples)}
    worst = 0
    for path in files:
        try:
            ms = read_sssom(path)
            check_subjects(ms, capabilities, str(path))
        except CrosswalkError as exc:
            click.echo(f"{exc}")
            worst = 1
            continue
        click.echo(f"{path}: ok, {len(ms.mappings)} mappings in <{ms.mapping_set_id}>")
    sys.exit(worst)


@crosswalk.command("rdf")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="turtle", show_default=True)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE instead of standard output."
)
def crosswalk_rdf(file: Path, fmt: str, out: Path | None) -> None:
    """An SSSOM TSV file as SKOS mapping triples with their provenance."""
    from aiskills.crosswalk import mapping_triples, read_sssom
    from aiskills.release import RELEASE_PREFIXES

    _write(
        serialize(
            mapping_triples(read_sssom(file), file.name),
            format_named(fmt),
            {
                **RELEASE_PREFIXES,
                "sssom": "https://w3id.org/sssom/",
                "semapv": "https://w3id.org/semapv/vocab/",
            },
        ),
        out,
    )


@crosswalk.command("export")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE instead of standard output."
)
def crosswalk_export(file: Path, out: Path | None) -> None:
    """The mapping set in an RDF file (as `crosswalk rdf` or a release writes it) as SSSOM TSV."""
    from aiskills.crosswalk import from_triples, write_sssom

    sets = from_triples(read_triples(file))
    if len(sets) != 1:
        raise CliError(f"{file}: holds {len(sets)} mapping sets; export needs exactly one")
    _write(write_sssom(sets[0]).encode("utf-8"), out)


@crosswalk.command("import-case")
@click.argument("source", metavar="FILE_OR_URL")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the concept scheme to FILE (format by extension) instead of loading it into the store.",
)
@store_options
def crosswalk_import_case(
    source: str, out: Path | None, store_dir: Path | None, endpoint: str | None
) -> None:
    """Load another publisher's CASE framework (a CFPackage, from a file or a URL you give) as a SKOS
    concept scheme, so SSSOM crosswalks can map our capabilities to its items' IRIs."""
    from aiskills.publishing import case_in
    from aiskills.rdf import format_of

    imported = case_in.scheme_triples(case_in.read_package(_read_source(source), source))
    if out is not None:
        _write(serialize(imported.triples, format_of(out), ns.PREFIXES), out)
        return
    with opened(store_dir, endpoint) as store:
        case_in.load_scheme(store, imported)
    click.echo(
        f"imported {source}: <{imported.scheme}> ({imported.title}), {imported.concepts} concepts, "
        f"in <{imported.graph}>"
    )


def _read_source(source: str) -> bytes:
    """The bytes of a file, or of an http(s) URL the user named on the command line."""
    if source.startswith(("http://", "https://")):
        import urllib.error
        import urllib.request

        settings = Settings.from_env()
        request = urllib.request.Request(source, headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=settings.timeout) as response:
                return bytes(response.read())
        except (urllib.error.URLError, OSError, ValueError) as exc:
            if isinstance(exc, urllib.error.HTTPError):
                exc.close()  # an HTTP error answer holds its connection open until closed
            reason = getattr(exc, "reason", exc)
            raise CliError(f"{source}: cannot fetch the package: {reason} (check the address)") from None
    path = Path(source)
    if not path.is_file():
        raise CliError(f"{source}: no such file (give a CFPackage JSON file, or an http(s) URL of one)")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CliError(f"{source}: cannot read the file: {exc.strerror}") from None


if __name__ == "__main__":  # python -m aiskills.cli
    main()
