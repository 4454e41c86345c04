"""A throw-away Virtuoso Open Source 7 server on loopback, for the remote-store tests.

``VirtuosoServer(directory)`` writes a minimal ``virtuoso.ini`` into ``directory`` (free
loopback ports for ISQL and HTTP, a result cap of ``result_cap`` rows), starts
``virtuoso-t +foreground`` with its output in ``directory/virtuoso.out``, waits until the SPARQL
endpoint answers, grants what authenticated updates and the Graph Store Protocol need, and stops
the server on exit. Install the server with ``scripts/install-virtuoso.sh``.
"""

from __future__ import annotations

import ctypes
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Self

import requests

from aiskills.config import Settings
from support.ports import free_port, owns_port

VIRTUOSO = "virtuoso-t"
ISQL = "isql-vt"

#: Statements run through ISQL once the server is up. A fresh Virtuoso 7.2 database needs none
#: for ``dba`` (a superuser: /sparql-auth and /sparql-graph-crud-auth accept it as is) and
#: already lets the anonymous /sparql endpoint read every graph; this makes that read access
#: explicit. Another user would need ``GRANT SPARQL_UPDATE TO "name";`` to write.
GRANTS: tuple[str, ...] = (
    "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 1);",
)


def installed() -> bool:
    """True when both the server and its ISQL client are on PATH."""
    return shutil.which(VIRTUOSO) is not None and shutil.which(ISQL) is not None



def render_ini(directory: Path, sql_port: int, http_port: int, result_cap: int,
               query_seconds: int, buffers: int = 20000) -> str:
    """The text of a minimal ``virtuoso.ini`` keeping every file in ``directory``.

    ``ThreadsPerQuery = 1``: with intra-query parallelism Virtuoso's threads spin on each other,
    and on a busy machine (CI, parallel test runs) one query can then stall for 40 s.
    ``buffers`` (8 KB pages): the tests' small pool; thousands of curricula want about 340,000.
    """
    d = directory
    return f"""\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = 10
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {d}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {buffers * 3 // 4}
MaxQueryMem = 500M
ThreadsPerQuery = 1

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {d}
ServerThreads = 10
MaxClientConnections = 10
Charset = UTF-8
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = {result_cap}
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = {query_seconds}
"""


class VirtuosoError(RuntimeError):
    """The test server could not be started or configured."""


class _PortTaken(Exception):
    """Another process bound a port between our check and the server's start."""


def _load_prctl() -> Callable[..., int] | None:
    """libc's ``prctl``, looked up here in the parent: the child between fork and exec only calls it."""
    try:
        prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return prctl


_PRCTL = _load_prctl()


def _die_with_parent() -> None:
    """In the child: ask Linux to SIGTERM the server if the test process dies first (one system call,
    no allocation or lock, so it is safe between fork and exec while other threads run)."""
    if _PRCTL is not None:
        _PRCTL(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class VirtuosoServer:
    """A private Virtuoso instance in ``directory``; use it as a context manager."""

    user = "dba"
    password = "dba"

    def __init__(self, directory: Path, *, result_cap: int = 10000, query_seconds: int = 300,
                 start_timeout: float = 60.0, stop_timeout: float = 30.0,
                 grants: tuple[str, ...] = GRANTS, buffers: int = 20000) -> None:
        self.directory = Path(directory)
        self.grants = grants
        self.buffers = buffers
        self.result_cap = result_cap
        self.query_seconds = query_seconds
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.sql_port = 0
        self.http_port = 0
        self.startup_seconds: float | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log_offset = 0

    # -- addresses -------------------------------------------------------------------------------
    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def endpoint(self) -> str:
        return f"{self.base}/sparql"

    @property
    def update_endpoint(self) -> str:
        return f"{self.base}/sparql-auth"

    @property
    def graph_store(self) -> str:
        return f"{self.base}/sparql-graph-crud-auth"

    @property
    def log_path(self) -> Path:
        return self.directory / "virtuoso.out"

    def settings(self, **overrides: object) -> Settings:
        """Settings that point the remote backend at this server."""
        values: dict[str, object] = {
            "store_path": None, "endpoint": self.endpoint, "update_endpoint": self.update_endpoint,
            "graph_store": self.graph_store, "user": self.user, "password": self.password,
            "timeout": float(self.query_seconds),
        }
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    # -- life cycle ------------------------------------------------------------------------------
    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def start(self) -> None:
        """Write the configuration, start the server and wait until it answers SPARQL.

        Ports are picked free just before the start; when another process takes one first, the
        start is tried again on new ports (three tries).
        """
        if not installed():
            raise VirtuosoError(f"{VIRTUOSO} is not installed: run scripts/install-virtuoso.sh")
        self.directory.mkdir(parents=True, exist_ok=True)
        began = time.monotonic()
        for attempt in range(3):
            try:
                self._launch()
                self._wait_until_ready(began)
                break
            except _PortTaken:
                self.stop()
                if attempt == 2:
                    raise VirtuosoError(f"no free ports for {VIRTUOSO}\n{self.log_tail()}") from None
            except BaseException:
                self.stop()
                raise
        try:
            if self.grants:
                self.isql(*self.grants)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - began

    def _launch(self) -> None:
        """Write ``virtuoso.ini`` for two fresh free ports and start ``virtuoso-t`` on it."""
        self.sql_port = free_port()
        self.http_port = free_port()
        while self.http_port == self.sql_port:
            self.http_port = free_port()
        ini = self.directory / "virtuoso.ini"
        ini.write_text(render_ini(self.directory, self.sql_port, self.http_port,
                                  self.result_cap, self.query_seconds, self.buffers), encoding="utf-8")
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                [VIRTUOSO, "+foreground", "+configfile", str(ini)], cwd=self.directory,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, preexec_fn=_die_with_parent)  # noqa: PLW1509 -- one prctl call, looked up beforehand

    def _wait_until_ready(self, began: float) -> None:
        """Poll the SPARQL endpoint until it answers an ASK query, or fail with the log tail."""
        while time.monotonic() - began < self.start_timeout:
            assert self._process is not None
            if self._process.poll() is not None:
                log = self._new_log()
                if "Failed to start listening" in log or "Failed HTTP listen" in log:
                    raise _PortTaken
                raise VirtuosoError(f"{VIRTUOSO} exited with status {self._process.returncode}"
                                    f"\n{self.log_tail()}")
            try:
                r = requests.get(self.endpoint, params={"query": "ASK {}"},
                                 headers={"Accept": "application/sparql-results+json"}, timeout=2)
                if r.status_code == 200 and owns_port(self._process.pid, self.http_port):
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise VirtuosoError(f"{VIRTUOSO} did not answer on {self.endpoint} within "
                            f"{self.start_timeout:.0f} s\n{self.log_tail()}")

    def _new_log(self) -> str:
        """Server output written since the last launch."""
        with open(self.log_path, "rb") as log:
            log.seek(self._log_offset)
            return log.read().decode(errors="replace")

    def isql(self, *statements: str) -> str:
        """Run SQL statements through ``isql-vt`` as dba; raise with its output if one fails."""
        script = "\n".join(statements) + "\n"
        proc = subprocess.run(
            [ISQL, f"127.0.0.1:{self.sql_port}", self.user, self.password, "VERBOSE=OFF",
             "BANNER=OFF", "PROMPT=OFF", "ERRORS=STDOUT"],
            input=script.encode(), capture_output=True, timeout=60, check=False)
        out = (proc.stdout + proc.stderr).decode(errors="replace")
        if proc.returncode != 0 or "*** Error" in out:
            raise VirtuosoError(f"isql failed ({proc.returncode}):\n{script}\n{out}")
        return out

    def stop(self) -> None:
        """SIGTERM the server, then SIGKILL it after ``stop_timeout`` seconds."""
        proc, self._process = self._process, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of the server's output and error log."""
        parts = []
        for path in (self.log_path, self.directory / "virtuoso.log"):
            if path.exists():
                text = path.read_text(encoding="utf-8", errors="replace").splitlines()
                parts.append(f"--- {path.name} ---\n" + "\n".join(text[-lines:]))
        return "\n".join(parts) or "(no log written)"

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None
