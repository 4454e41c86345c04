"""Browser tests: the real app served on loopback by a real WSGI server, driven by Playwright in
Debian's Chromium (``/usr/bin/chromium``, installed by ``make test``; Playwright's own download cannot
work here). Screenshots of the main pages are taken on every run, and written only when
``AISKILLS_SCREENSHOTS`` names a folder (``make screenshots`` sets it to ``docs/screenshots``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.live import serving_app

from aiskills import loading
from aiskills.config import Settings
from aiskills.store.embedded import EmbeddedStore
from aiskills.web import create_app

WRITE_TOKEN = "browser-test-write-token"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on an on-disk embedded store holding the bundled framework and the example curricula;
    yields its base URL."""
    store = EmbeddedStore(tmp_path_factory.mktemp("browser-store") / "store")
    loading.load_bundled(store)
    from support.curricula import store_examples

    store_examples(store)
    settings = Settings.from_env({"AISKILLS_WRITE_TOKEN": WRITE_TOKEN})
    try:
        with serving_app(create_app(settings, store=store)) as url:
            yield url
    finally:
        store.close()


@pytest.fixture()
def page(browser: object, live_server: str, tmp_path: Path) -> Iterator[object]:
    """A fresh page whose relative ``goto`` paths resolve against the live server; downloads allowed."""
    context = browser.new_context(base_url=live_server, accept_downloads=True)  # type: ignore[attr-defined]
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield pg
    context.close()
    assert not errors, f"the page logged errors: {errors}"


def screenshot(page: object, name: str, *, full_page: bool = True, max_height: int = 1600) -> bytes:
    """A PNG of the page (its top ``max_height`` px at most); saved as ``<name>.png`` in the folder
    ``AISKILLS_SCREENSHOTS`` names, if it names one (a plain test run writes nothing into the
    repository)."""
    width, height = page.evaluate(  # type: ignore[attr-defined]
        "[document.documentElement.clientWidth, document.documentElement.scrollHeight]"
    )
    clip = {"x": 0, "y": 0, "width": width, "height": min(height, max_height)}
    png: bytes = page.screenshot(full_page=full_page, clip=clip if full_page else None)  # type: ignore[attr-defined]
    folder = os.environ.get("AISKILLS_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / f"{name}.png").write_bytes(png)
    return png
