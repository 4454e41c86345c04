"""The engine of a served embedded store: one process writes, query processes read.

``aiskills serve`` starts one engine process (a fresh interpreter, ``aiskills engine``) that alone opens
the store's directories read-write. It listens on a loopback port for writes and publishes a read-only
snapshot after each one (``aiskills.store.snapshots``) before it answers, so a read sent after a write
returned sees it. The port and a random secret are in ``DIR/engine/address`` (readable by its owner
only); a connection that does not start with the secret is closed unread.

``EngineStore`` is the store the web app's workers and the command line use while the engine runs:
writes go to the engine, reads to the current snapshot, either in query processes that are stopped at
the query timeout (``aiskills.store.isolated``: the web app), or in-process (the command line, which
finds a running engine through the address file, so ``aiskills info``, ``query``, ``submit``,
``framework import`` or ``load`` work while the server runs, and the server answers what they wrote at
once). No process forks while it holds a store open: the engine and query processes are new
interpreters, and the web server's workers hold no store.
"""

from __future__ import annotations

import hmac
import os
import pickle
import secrets
import socket
import socketserver
import struct
import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox

from aiskills.errors import StoreError
from aiskills.store.answers import AnswerCache, CacheStats
from aiskills.store.base import CatalogEntry, GraphData, Progress, QueryResult, Store, Table, Term
from aiskills.store.embedded import EmbeddedStore
from aiskills.store.isolated import ReaderPool
from aiskills.store.snapshots import Publisher, Reader, engine_dir, snapshot_key

T = TypeVar("T")
ADDRESS = "address"
_HEADER = struct.Struct("!Q")
_SECRET_BYTES = 32
#: Store methods the engine runs for a client, and whether each may change the archive.
_WRITES = {
    "replace_graphs": True,
    "replace_all": True,
    "protocol_update": False,
    "graph_write": False,
    "graph_delete": False,
}
_READS = ("can_replace_all",)


# -- the engine ------------------------------------------------------------------------------------
class Engine:
    """Serves writes to ``store`` (opened read-write in this process) on a loopback port."""

    def __init__(self, store: EmbeddedStore, store_path: Path, grace: float) -> None:
        self.store = store
        self.store_path = store_path
        self.lock = threading.Lock()
        self.publisher = Publisher(store_path, grace)
        self.publisher.publish(store._active, store._archive, archive_changed=True)
        self.secret = secrets.token_bytes(_SECRET_BYTES)
        engine = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                engine._handle(self.request)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self._address_file = engine_dir(store_path) / ADDRESS

    def _handle(self, conn: socket.socket) -> None:
        given = _recv_exact(conn, _SECRET_BYTES)
        if given is None or not hmac.compare_digest(given, self.secret):
            return
        while True:
            message = _recv_frame(conn)
            if message is None:
                return
            method, args, kwargs = pickle.loads(message)
            try:
                value = self._apply(method, args, kwargs)
                reply = pickle.dumps((True, value), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:  # noqa: BLE001 -- every error goes back to the client
                try:
                    reply = pickle.dumps((False, exc), protocol=pickle.HIGHEST_PROTOCOL)
                except Exception:  # noqa: BLE001
                    reply = pickle.dumps((False, StoreError(str(exc))))
            conn.sendall(_HEADER.pack(len(reply)) + reply)

    def _apply(self, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if method == "ping":
            return "pong"
        if method in _READS:
            with self.lock:
                return getattr(self.store, method)(*args, **kwargs)
        if method not in _WRITES:
            raise StoreError(f"the store's engine does not do {method!r}")
        if method == "replace_graphs":
            args = (_graph_data(args[0]), *args[1:])
        with self.lock:
            try:
                return getattr(self.store, method)(*args, **kwargs)
            finally:  # published even after a failed write: the store is whole either way
                self.store.renew()  # a fresh manifest now and then keeps snapshots small and quick to open
                self.publisher.publish(
                    self.store._active, self.store._archive, archive_changed=_WRITES[method]
                )

    def serve(self, ready: Callable[[], None] | None = None) -> None:
        """Write the address file, call ``ready``, and serve until ``stop``."""
        host, port = str(self.server.server_address[0]), int(self.server.server_address[1])
        temporary = self._address_file.with_suffix(".new")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(f"{host} {port} {self.secret.hex()} {os.getpid()}\n")
        os.replace(temporary, self._address_file)
        if ready is not None:
            ready()
        try:
            self.server.serve_forever(poll_interval=0.2)
        finally:
            self.close()

    def stop(self) -> None:
        threading.Thread(target=self.server.shutdown, daemon=True).start()

    def close(self) -> None:
        try:
            self._address_file.unlink()
        except OSError:
            pass
        self.server.server_close()
        with self.lock:
            self.publisher.close()


def _graph_data(items: Sequence[tuple[str, bytes, str]]) -> list[GraphData]:
    return [
        GraphData(g, data, ox.RdfFormat.from_media_type(media) or ox.RdfFormat.N_TRIPLES)
        for g, data, media in items
    ]


# -- the client ------------------------------------------------------------------------------------
class EngineStore(Store):
    """An embedded store served by an engine process: writes through it, reads from its snapshots
    (in up to ``pool_size`` query processes stopped after ``timeout`` seconds, or in-process when
    ``pool_size`` is 0)."""

    name = "embedded"

    def __init__(
        self,
        store_path: Path,
        address: tuple[str, int, bytes],
        pool_size: int = 0,
        timeout: float = 30.0,
        preload: Sequence[str] = (),
        answer_bytes: int = 0,
    ) -> None:
        self.path = store_path
        #: Seconds a read in a query process may take (``QueryTimeout`` after); may be changed.
        self.timeout = timeout
        self._address = address
        self._reader = Reader(store_path)
        self._pool = _pool(store_path, pool_size, preload, answer_bytes)
        self._local = threading.local()
        self._snapshot = snapshot_key(store_path)

    @classmethod
    def connect(
        cls,
        store_path: Path,
        pool_size: int = 0,
        timeout: float = 30.0,
        preload: Sequence[str] = (),
        answer_bytes: int = 0,
    ) -> EngineStore | None:
        """The store's running engine, or ``None`` when none is running. With ``pool_size``, reads run
        in that many query processes, which import ``preload`` when they start, and up to
        ``answer_bytes`` of their answers are kept for as long as the snapshot they read is current
        (``aiskills.store.answers``)."""
        address = read_address(store_path)
        if address is None:
            return None
        store = cls(store_path, address, 0, timeout)
        try:
            store._call("ping")
        except StoreError:
            return None
        store._pool = _pool(store_path, pool_size, preload, answer_bytes)
        return store

    def answer_stats(self) -> CacheStats | None:
        """How the answers kept per snapshot were used (``None``: none are kept)."""
        if self._pool is None or self._pool.answers is None:
            return None
        return self._pool.answers.stats()

    def wait_started(self, timeout: float = 120.0) -> bool:
        """Wait until every query process has started and none is busy (for tests and benchmarks)."""
        return self._pool.wait_started(timeout) if self._pool is not None else True

    def query_pids(self) -> list[int]:
        """Ids of the idle query processes (for monitoring and tests)."""
        return self._pool.pids() if self._pool is not None else []

    def generation(self) -> bytes | None:
        """The current snapshot's name (``aiskills.store.snapshots``): every write publishes a new one."""
        return self._snapshot()

    # -- reads -------------------------------------------------------------------------------------
    def _read(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if self._pool is not None:
            return self._pool.call(method, args, kwargs, self.timeout)
        return getattr(self._reader.store(), method)(*args, **kwargs)

    def select(self, query: str, bindings: Mapping[str, Term] | None = None, *, union: bool = False) -> Table:
        result: Table = self._read("select", query, bindings, union=union)
        return result

    def ask(self, query: str, bindings: Mapping[str, Term] | None = None) -> bool:
        return bool(self._read("ask", query, bindings))

    def construct(self, query: str, bindings: Mapping[str, Term] | None = None) -> list[ox.Triple]:
        result: list[ox.Triple] = self._read("construct", query, bindings)
        return result

    def graph_names(self) -> list[str]:
        result: list[str] = self._read("graph_names")
        return result

    def triples(self, graph: str) -> list[ox.Triple]:
        result: list[ox.Triple] = self._read("triples", graph)
        return result

    def count(self, graph: str | None = None) -> int:
        return int(self._read("count", graph))

    def catalog(self, kinds: Collection[str] | None = None) -> list[CatalogEntry]:
        result: list[CatalogEntry] = self._read("catalog", kinds)
        return result

    def graph_read(self, graph: str | None) -> list[ox.Triple] | None:
        result: list[ox.Triple] | None = self._read("graph_read", graph)
        return result

    def protocol_query(
        self,
        query: str,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        *,
        base_iri: str | None = None,
        timeout: float | None = None,
    ) -> QueryResult:
        """In-process on the current snapshot (its lazy result cannot travel between processes):
        the endpoint uses ``run_query``, which bounds it."""
        return self._reader.store().protocol_query(
            query, default_graphs, named_graphs, base_iri=base_iri, timeout=timeout
        )

    def run_query(self, work: Callable[[Store], T], timeout: float) -> T:
        """``work(store)`` in a query process, killed at the deadline (``QueryTimeout``)."""
        if self._pool is not None:
            result: T = self._pool.run(work, timeout)
            return result
        return work(self._reader.store())

    # -- writes, through the engine ------------------------------------------------------------------
    def protocol_update(
        self,
        update: str,
        using_graphs: Sequence[str] | None = None,
        using_named_graphs: Sequence[str] | None = None,
        *,
        base_iri: str | None = None,
    ) -> None:
        self._call("protocol_update", update, using_graphs, using_named_graphs, base_iri=base_iri)

    def graph_write(self, graph: str, triples: Sequence[ox.Triple], *, replace: bool) -> bool:
        return bool(self._call("graph_write", graph, list(triples), replace=replace))

    def graph_delete(self, graph: str) -> bool:
        return bool(self._call("graph_delete", graph))

    def replace_graphs(
        self,
        contents: Sequence[GraphData],
        catalog: Sequence[CatalogEntry] = (),
        *,
        drop: Iterable[str] = (),
        progress: Progress | None = None,
        before: Sequence[str] = (),
        after: Sequence[str] = (),
    ) -> None:
        """Sent to the engine, which runs the write with its hooks (``before``, ``after``) in one
        transaction of the store, one write at a time."""
        items = [(c.graph, c.data, c.format.media_type) for c in contents]
        self._call(
            "replace_graphs", items, list(catalog), drop=list(drop), before=list(before), after=list(after)
        )
        if progress is not None:
            progress(len(items), len(items))

    def can_replace_all(self) -> bool:
        return bool(self._call("can_replace_all"))

    def replace_all(self, nquads: Path) -> None:
        self._call("replace_all", Path(nquads).resolve())

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """One request to the engine on this thread's connection (opened on first use)."""
        message = pickle.dumps((method, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
        for attempt in (1, 2):  # a connection the engine closed is opened again once
            conn = self._connection()
            try:
                conn.sendall(_HEADER.pack(len(message)) + message)
                reply = _recv_frame(conn)
            except OSError:
                reply = None
            if reply is not None:
                break
            self._drop_connection()
            if attempt == 2:
                raise StoreError(
                    f"the server that holds the store at {self.path} stopped answering: "
                    "check that `aiskills serve` still runs, then try again"
                )
        assert reply is not None
        ok, value = pickle.loads(reply)
        if ok:
            return value
        raise value

    def _connection(self) -> socket.socket:
        conn: socket.socket | None = getattr(self._local, "conn", None)
        if conn is None:
            host, port, secret = self._address
            try:
                conn = socket.create_connection((host, port), timeout=None)
            except OSError as exc:
                raise StoreError(
                    f"cannot reach the server that holds the store at {self.path} ({exc}): "
                    "check that `aiskills serve` still runs"
                ) from exc
            conn.sendall(secret)
            self._local.conn = conn
        return conn

    def _drop_connection(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            conn.close()

    def close(self) -> None:
        self._drop_connection()
        if self._pool is not None:
            self._pool.close()


def _pool(store_path: Path, size: int, preload: Sequence[str], answer_bytes: int) -> ReaderPool | None:
    if size <= 0:
        return None
    answers = AnswerCache(answer_bytes, snapshot_key(store_path)) if answer_bytes > 0 else None
    return ReaderPool(store_path, size, preload, answers)


def read_address(store_path: Path) -> tuple[str, int, bytes] | None:
    """The engine's host, port and secret from ``DIR/engine/address``, or ``None`` without one."""
    try:
        host, port, secret, _pid = (engine_dir(store_path) / ADDRESS).read_text(encoding="utf-8").split()
        return host, int(port), bytes.fromhex(secret)
    except (OSError, ValueError):
        return None


def _recv_exact(conn: socket.socket, size: int) -> bytes | None:
    chunks: list[bytes] = []
    left = size
    while left:
        chunk = conn.recv(min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _recv_frame(conn: socket.socket) -> bytes | None:
    header = _recv_exact(conn, _HEADER.size)
    if header is None:
        return None
    (size,) = _HEADER.unpack(header)
    return _recv_exact(conn, size)
