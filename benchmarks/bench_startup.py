"""Time to ready for ``aiskills serve``: from starting the command to the first 200 on ``/sparql``
(a real query), on a fresh store directory (first start: the bundled framework is loaded) and again
on the same directory (later starts). Median of --repeat runs each; the goal is under 5 s.
Usage: python benchmarks/bench_startup.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?c a <https://w3id.org/aiskills/ontology#Capability> }"
LIMIT = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def time_to_ready(store: Path) -> float:
    """Seconds from launching ``aiskills serve`` until ``/sparql`` answers the query with 200."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/sparql?{urlencode({'query': QUERY})}"
    env = {**os.environ, "AISKILLS_STORE": str(store)}
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "aiskills.cli", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        while time.perf_counter() - started < LIMIT:
            if server.poll() is not None:
                raise SystemExit(f"aiskills serve exited with {server.returncode}: "
                                 f"{server.stderr.read().decode() if server.stderr else ''}")
            try:
                with urllib.request.urlopen(url, timeout=2) as res:
                    if res.status == 200 and b'"187"' in res.read():
                        return time.perf_counter() - started
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.02)
        raise SystemExit(f"not ready after {LIMIT} s")
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the server and its web workers, which it started
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    first, later = [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            store = Path(tmp) / "store"
            first.append(time_to_ready(store))
            later.append(time_to_ready(store))
    print(f"first start (loads the bundled framework): median {statistics.median(first):.2f} s "
          f"(runs: {', '.join(f'{t:.2f}' for t in first)})")
    print(f"later starts (store already loaded):       median {statistics.median(later):.2f} s "
          f"(runs: {', '.join(f'{t:.2f}' for t in later)})")
    worst = max(first + later)
    print(f"goal under 5 s: {'met' if worst < 5 else 'NOT met'} (slowest {worst:.2f} s)")


if __name__ == "__main__":
    main()
