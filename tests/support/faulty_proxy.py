"""A TCP proxy on loopback that forwards to a server and injects network faults on request.

``FaultyProxy(host, port)`` listens on a free port of 127.0.0.1 and relays every connection to
``host:port`` byte for byte. Faults are armed by a test and fire once:

* ``refuse(n)``: the next ``n`` connections are accepted and reset at once (connection reset).
* ``cut_request(marker)``: when the client sends ``marker``, only the bytes before it reach the
  server, then both connections are reset (the server sees a request cut half-way).
* ``cut_response(marker)``: a request holding ``marker`` reaches the server whole; when the server
  answers it with a 2xx status, half of the first chunk of the answer reaches the client and both
  connections are reset (a non-2xx answer, such as a digest-auth 401 challenge, passes through).
* ``answer(marker, response, times)``: the next ``times`` requests holding ``marker`` get ``response``
  (raw HTTP bytes, such as an error a real server once sent) instead of reaching the server, and
  their connection is closed after it.

``events`` records what happened (``accepted``, ``refused``, ``marker``, ``cut``), in order, so a
test can check, for example, that a request was not sent again after a cut.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
from types import TracebackType
from typing import Self


def _reset(sock: socket.socket) -> None:
    """Close ``sock`` with a TCP reset (SO_LINGER 0), as a dropped connection looks."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


class FaultyProxy:
    """Relays 127.0.0.1:``port`` to ``target``; use as a context manager."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(32)
        self.port = int(self._listener.getsockname()[1])
        self._lock = threading.Lock()
        self._refuse = 0
        self._cut_request: bytes | None = None
        self._cut_response: bytes | None = None
        self._answer: tuple[bytes, bytes] | None = None
        self._answers_left = 0
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self.events: list[str] = []

    # -- faults ----------------------------------------------------------------------------------
    def refuse(self, n: int) -> None:
        with self._lock:
            self._refuse = n

    def cut_request(self, marker: bytes) -> None:
        with self._lock:
            self._cut_request = marker

    def cut_response(self, marker: bytes) -> None:
        with self._lock:
            self._cut_response = marker

    def answer(self, marker: bytes, response: bytes, times: int = 1) -> None:
        with self._lock:
            self._answer, self._answers_left = (marker, response), times

    def url(self, path: str) -> str:
        """``path`` on the proxy, e.g. ``url("/sparql")``."""
        return f"http://127.0.0.1:{self.port}{path}"

    def count(self, event: str) -> int:
        with self._lock:
            return self.events.count(event)

    def _log(self, event: str) -> None:
        with self._lock:
            self.events.append(event)

    # -- life cycle ------------------------------------------------------------------------------
    def __enter__(self) -> Self:
        thread = threading.Thread(target=self._accept_loop, name="faulty-proxy", daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stopping.set()
        self._listener.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                ready, _, _ = select.select([self._listener], [], [], 0.1)
                if not ready:
                    continue
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                refuse = self._refuse > 0
                if refuse:
                    self._refuse -= 1
            if refuse:
                self._log("refused")
                _reset(client)
                continue
            self._log("accepted")
            thread = threading.Thread(target=self._relay, args=(client,), daemon=True)
            thread.start()
            self._threads.append(thread)

    # -- one connection --------------------------------------------------------------------------
    def _relay(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection(self.target, timeout=10)
        except OSError:
            _reset(client)
            return
        marked = False  # a request holding the cut_response marker is on its way
        tail = b""  # the end of what the client sent, to find markers across chunk boundaries
        try:
            while not self._stopping.is_set():
                ready, _, _ = select.select([client, server], [], [], 0.1)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    if sock is client:
                        window = tail + data
                        tail = window[-256:]
                        sent = self._from_client(window, data, server, client)
                        if sent is None:
                            return
                        marked = marked or sent
                    else:
                        if not self._from_server(data, client, marked):
                            return
                        if data.startswith(b"HTTP/"):  # an answer: the next request starts afresh
                            marked, tail = False, b""
        except OSError:
            return
        finally:
            _reset(client)
            _reset(server)

    def _from_client(self, window: bytes, data: bytes, server: socket.socket,
                     client: socket.socket) -> bool | None:
        """Forward ``data``; None when the request was cut or answered here (close both connections),
        True when it holds the response marker."""
        with self._lock:
            cut, mark = self._cut_request, self._cut_response
            canned = self._answer if self._answers_left > 0 and self._answer[0] in window else None
            if canned is not None:
                self._answers_left -= 1
        if canned is not None:
            server_part = data[: max(0, window.index(canned[0]) - (len(window) - len(data)))]
            if server_part:
                server.sendall(server_part)
            self._log("answered")
            client.sendall(canned[1])
            client.shutdown(socket.SHUT_WR)  # the answer, then an orderly end: nothing may overtake it
            with contextlib.suppress(OSError):
                client.settimeout(5)
                while client.recv(65536):  # until the client closes its side
                    pass
            return None
        if cut is not None and cut in window:
            with self._lock:
                self._cut_request = None
            at = window.index(cut) - (len(window) - len(data))
            if at > 0:
                server.sendall(data[:at])
            self._log("marker")
            self._log("cut")
            return None
        found = mark is not None and mark in window
        if found:
            self._log("marker")
        server.sendall(data)
        return found

    def _from_server(self, data: bytes, client: socket.socket, marked: bool) -> bool:
        """Forward ``data``; False when the answer was cut."""
        with self._lock:
            armed = self._cut_response is not None
        if marked and armed and data.startswith((b"HTTP/1.1 2", b"HTTP/1.0 2")):
            with self._lock:
                self._cut_response = None
            client.sendall(data[:len(data) // 2])
            self._log("cut")
            return False
        client.sendall(data)
        return True
