"""Loopback ports for the servers the tests start, and whether a server's process owns the port
it answers on."""

from __future__ import annotations

import os
import socket
from pathlib import Path

#: The kernel's state number of a listening TCP socket in ``/proc/net/tcp``.
LISTEN = "0A"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _listening_sockets(port: int) -> set[str]:
    """The inode numbers of the sockets listening on ``port`` (any address)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text(encoding="ascii").splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == LISTEN and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes


def _family(pid: int) -> set[int]:
    """``pid`` and every process descended from it."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text(encoding="ascii", errors="replace")
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    family, grew = {pid}, True
    while grew:
        more = {child for child, parent in parents.items() if parent in family} - family
        family |= more
        grew = bool(more)
    return family


def owns_port(pid: int, port: int) -> bool:
    """Whether process ``pid`` (or one it started) holds the socket listening on ``port``.

    A server that answers on the port it was given may not be the one just started: when two test
    processes pick the same free port, the second server fails to listen, but until it exits the
    first one's answers look like its own, and the tests would then share (and empty) one store."""
    inodes = _listening_sockets(port)
    for member in _family(pid):
        if inodes & _sockets_of(member):
            return True
    return False


def _sockets_of(pid: int) -> set[str]:
    """The inode numbers of the sockets process ``pid`` has open (none once it is gone)."""
    sockets = set()
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return sockets
    for fd in fds:
        try:
            link = os.readlink(fd)
        except OSError:  # closed since the listing
            continue
        if link.startswith("socket:["):
            sockets.add(link[8:-1])
    return sockets
