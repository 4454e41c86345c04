"""Read-only snapshots of a served embedded store, for query processes that run beside its writer.

While ``aiskills serve`` runs, one process (the engine, ``aiskills.store.engine``) holds the store's
RocksDB directories read-write. Opening those directories read-only from another process while the
engine writes is undefined behaviour in RocksDB, so readers never do: after each write the engine makes
a checkpoint (``pyoxigraph.Store.backup``: hard links to the immutable table files, a few milliseconds)
under ``DIR/engine/snapshots/`` and then names it in ``DIR/engine/current`` (written to a temporary file
and renamed, so a reader sees the old name or the new one). Nobody writes to a checkpoint once it is
named, so any number of processes may open it read-only. A reader reads ``current`` before every
operation and reopens when it changed, so what a write returned is what the next read sees.

A checkpoint that is no longer current is removed once ``grace`` seconds have passed since it was
replaced: by then every query that could have been reading it has finished or been stopped.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from aiskills.errors import StoreError
from aiskills.store.embedded import EmbeddedStore

ENGINE_DIR = "engine"
SNAPSHOT_DIR = "snapshots"
CURRENT = "current"


def engine_dir(store_path: Path) -> Path:
    """Where a served store keeps its engine socket and snapshots."""
    return store_path / ENGINE_DIR


class Publisher:
    """The engine's side: makes a checkpoint after each write and names it current."""

    def __init__(self, store_path: Path, grace: float) -> None:
        self.root = engine_dir(store_path)
        self.snapshots = self.root / SNAPSHOT_DIR
        self.grace = grace
        self._retired: list[tuple[float, Path]] = []
        self._archive: Path | None = None
        shutil.rmtree(self.snapshots, ignore_errors=True)  # left by an engine that was killed
        self.snapshots.mkdir(parents=True, exist_ok=True)

    def publish(self, active: ox.Store, archive: ox.Store, *, archive_changed: bool) -> str:
        """Checkpoint ``active`` (and ``archive`` when it changed or was never checkpointed), then
        name the checkpoints current. Returns the new generation."""
        generation = str(time.time_ns())
        try:
            active_dir = self.snapshots / f"active-{generation}"
            active.backup(str(active_dir))
            if archive_changed or self._archive is None:
                archive_dir = self.snapshots / f"archive-{generation}"
                archive.backup(str(archive_dir))
                self._archive = archive_dir
            previous = self._current_dirs()
            temporary = self.root / f"{CURRENT}.{generation}"
            temporary.write_text(f"{active_dir.name} {self._archive.name}\n", encoding="utf-8")
            os.replace(temporary, self.root / CURRENT)
        except OSError as exc:
            raise StoreError(f"cannot make a read snapshot of the store in {self.snapshots}: {exc}") from exc
        now = time.monotonic()
        self._retired += [(now, d) for d in previous if d not in (active_dir, self._archive)]
        self._prune(now)
        return generation

    def _current_dirs(self) -> list[Path]:
        try:
            names = (self.root / CURRENT).read_text(encoding="utf-8").split()
        except OSError:
            return []
        return [self.snapshots / n for n in names]

    def _prune(self, now: float) -> None:
        keep = []
        for retired_at, path in self._retired:
            if now - retired_at > self.grace:
                shutil.rmtree(path, ignore_errors=True)
            else:
                keep.append((retired_at, path))
        self._retired = keep

    def close(self) -> None:
        try:
            (self.root / CURRENT).unlink()
        except OSError:
            pass
        shutil.rmtree(self.snapshots, ignore_errors=True)


def read_current(path: str) -> bytes:
    """The contents of a served store's ``current`` file (``current_path``), which name its latest
    snapshot, read with three system calls: this runs before every query."""
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.read(fd, 4096)
    finally:
        os.close(fd)


def current_path(store_path: Path) -> str:
    """The file that names the current snapshot of the store served at ``store_path``."""
    return str(engine_dir(store_path) / CURRENT)


def snapshot_key(store_path: Path) -> Callable[[], bytes | None]:
    """A function that tells which snapshot of the store at ``store_path`` a read made now would
    read: the contents of ``current`` (they change with every write), or ``None`` when the store is
    not being served."""
    path = current_path(store_path)

    def key() -> bytes | None:
        try:
            return read_current(path)
        except OSError:
            return None

    return key


class Reader:
    """A reader's side: the current checkpoint, opened read-only, reopened when a write replaced it."""

    def __init__(self, store_path: Path) -> None:
        self.root = engine_dir(store_path)
        self._current = current_path(store_path)
        self._key = b""
        self._store: EmbeddedStore | None = None

    def store(self) -> EmbeddedStore:
        """The store as of the latest write (read-only)."""
        for attempt in range(20):
            try:
                key = read_current(self._current)
            except OSError as exc:
                raise StoreError(
                    f"the store at {self.root.parent} is not being served any more ({exc}): "
                    "run the command again"
                ) from exc
            if key == self._key and self._store is not None:
                return self._store
            names = key.decode("utf-8").split()
            try:
                active = ox.Store.read_only(str(self.root / SNAPSHOT_DIR / names[0]))
                archive = ox.Store.read_only(str(self.root / SNAPSHOT_DIR / names[1]))
            except (OSError, IndexError):
                time.sleep(0.005 * (attempt + 1))  # replaced (and removed) while we opened it: read again
                continue
            self._store = EmbeddedStore.read_only(active, archive)
            self._key = key
            return self._store
        raise StoreError(f"cannot open a read snapshot of the store in {self.root}: try again")
