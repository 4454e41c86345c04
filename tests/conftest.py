"""Shared fixtures: stores on both backends, the bundled framework, a CLI runner."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.clearing import clear, clear_all

from aiskills.framework import bundle
from aiskills.framework.model import Framework
from aiskills.store.base import Store
from aiskills.store.embedded import EmbeddedStore


@pytest.fixture(scope="session")
def bundled_framework() -> Framework:
    return bundle.framework()


@pytest.fixture(scope="session")
def bundled_ontology() -> tuple[list, str]:
    return bundle.ontology()


CHROMIUM = os.environ.get("AISKILLS_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium tries to reach Google's hosts on this closed network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright, one for the whole session (Playwright's sync API allows
    one driver per process); installed by `make test`, as Playwright's own download cannot work here."""
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: run `make test` (scripts/install-system.sh installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A real Virtuoso 7 server on loopback, started once for the session."""
    if shutil.which("virtuoso-t") is None:
        pytest.fail("virtuoso-t is not installed: run `make test` (it runs scripts/install-virtuoso.sh)")
    from support.virtuoso import VirtuosoServer

    with VirtuosoServer(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A real ``oxigraph serve`` (the oxigraph PyPI package) on loopback, started once for the session."""
    from support.oxigraph import OxigraphServer, executable

    if executable() is None:
        pytest.fail("oxigraph is not installed: run `make test` (the test extras install it)")
    with OxigraphServer(tmp_path_factory.mktemp("oxigraph")) as server:
        yield server


_clear, _clear_all = clear, clear_all


#: The store test-suite's backends: pyoxigraph on disk, Virtuoso 7 and Oxigraph's server over SPARQL 1.1.
BACKENDS = ["embedded", "virtuoso", "oxigraph"]


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The same tests on every backend: pyoxigraph on disk, and two real SPARQL servers."""
    if request.param == "embedded":
        s: Store = EmbeddedStore(tmp_path / "store")
    else:
        from aiskills.store.remote import RemoteStore

        server = request.getfixturevalue("virtuoso" if request.param == "virtuoso" else "oxigraph_server")
        s = RemoteStore.from_settings(server.settings())  # type: ignore[attr-defined]
        _clear_all(s)
    try:
        yield s
    finally:
        if request.param != "embedded":
            _clear_all(s)
        s.close()


@pytest.fixture
def memory_store() -> Iterator[Store]:
    s = EmbeddedStore(None)
    yield s
    s.close()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
