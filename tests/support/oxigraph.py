"""A throw-away Oxigraph server (``oxigraph serve`` from the ``oxigraph`` PyPI package) on loopback.

``OxigraphServer(directory)`` starts ``oxigraph serve --location directory/db`` on a free loopback
port, waits until its SPARQL endpoint answers and stops it on exit; its output goes to
``directory/oxigraph.out``. The ``oxigraph`` package is in the test extras (``pip install -e '.[test]'``).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Self

import requests

from aiskills.config import Settings
from support.ports import free_port, owns_port
from support.virtuoso import _die_with_parent

#: The server's executable: beside this Python (a virtual environment), or on PATH.
OXIGRAPH = str(Path(sys.executable).with_name("oxigraph"))


def executable() -> str | None:
    """The ``oxigraph`` command, or None when the package is not installed."""
    return OXIGRAPH if Path(OXIGRAPH).exists() else shutil.which("oxigraph")


class OxigraphError(RuntimeError):
    """The test server could not be started."""


class OxigraphServer:
    """A private ``oxigraph serve`` in ``directory``; use it as a context manager."""

    def __init__(self, directory: Path, *, start_timeout: float = 30.0) -> None:
        self.directory = Path(directory)
        self.start_timeout = start_timeout
        self.port = 0
        self.startup_seconds: float | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def endpoint(self) -> str:
        return f"{self.base}/query"

    @property
    def update_endpoint(self) -> str:
        return f"{self.base}/update"

    @property
    def graph_store(self) -> str:
        return f"{self.base}/store"

    @property
    def log_path(self) -> Path:
        return self.directory / "oxigraph.out"

    def settings(self, **overrides: object) -> Settings:
        """Settings that point the SPARQL backend at this server (its dialect left to detection)."""
        values: dict[str, object] = {"store_path": None, "backend": "sparql", "endpoint": self.endpoint,
                                     "timeout": 120.0}
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def start(self) -> None:
        command = executable()
        if command is None:
            raise OxigraphError("oxigraph is not installed: pip install -e '.[test]'")
        self.directory.mkdir(parents=True, exist_ok=True)
        began = time.monotonic()
        self.port = free_port()
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                [command, "serve", "--location", str(self.directory / "db"), "--bind", f"127.0.0.1:{self.port}"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                preexec_fn=_die_with_parent)  # noqa: PLW1509 -- one prctl call, looked up beforehand
        while time.monotonic() - began < self.start_timeout:
            if self._process.poll() is not None:
                raise OxigraphError(f"oxigraph exited with status {self._process.returncode}\n{self.log_tail()}")
            try:
                r = requests.get(self.endpoint, params={"query": "ASK {}"}, timeout=2,
                                 headers={"Accept": "application/sparql-results+json"})
                if r.status_code == 200 and owns_port(self._process.pid, self.port):
                    self.startup_seconds = time.monotonic() - began
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise OxigraphError(f"oxigraph did not answer on {self.endpoint}\n{self.log_tail()}")

    def stop(self) -> None:
        proc, self._process = self._process, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_path.exists():
            return "(no log written)"
        return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid
