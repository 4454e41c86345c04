"""The test servers' start-up check: a server is taken as started only when its own process holds
the port it answers on, so two test processes that picked the same free port never share a store."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request

from support.ports import free_port, owns_port


def test_only_the_process_listening_on_a_port_owns_it() -> None:
    port = free_port()
    serving = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        deadline = time.monotonic() + 30
        while True:  # wait until the port answers
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "http.server did not start"
                time.sleep(0.1)
        # the port answers for both, as a start-up probe sees it; only the listener owns it
        assert owns_port(serving.pid, port)
        assert not owns_port(bystander.pid, port)
        assert not owns_port(serving.pid, free_port())
    finally:
        for proc in (serving, bystander):
            proc.kill()
            proc.wait()
    assert not owns_port(serving.pid, port)  # gone: nothing of it holds the port
