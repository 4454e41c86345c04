"""A server on loopback for the length of a ``with`` block: its base URL, then shut down, its socket
closed and its thread joined."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from socketserver import BaseServer
from typing import Any

from werkzeug.serving import make_server


@contextmanager
def serving(server: BaseServer) -> Iterator[str]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def serving_app(app: Any) -> Any:
    """The WSGI ``app`` served by Werkzeug's threaded server (a ``with`` block, as ``serving``)."""
    return serving(make_server("127.0.0.1", 0, app, threaded=True))
