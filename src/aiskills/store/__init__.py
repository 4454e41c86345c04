"""Storage: one port (``Store``), two backends, chosen from the settings by ``open_store``."""

from __future__ import annotations

from aiskills.config import Settings
from aiskills.store.base import CatalogEntry, GraphData, Store, Table, Term

__all__ = ["CatalogEntry", "GraphData", "Store", "Table", "Term", "open_store"]


def open_store(settings: Settings) -> Store:
    """The backend the settings name: remote when an endpoint is set, embedded otherwise. An embedded
    store that ``aiskills serve`` holds is used through its engine (``aiskills.store.engine``)."""
    if settings.endpoint:
        from aiskills.store.remote import RemoteStore

        return RemoteStore.from_settings(settings)
    from aiskills.store.embedded import EmbeddedStore

    if settings.store_path is not None:
        from aiskills.store.engine import EngineStore

        served = EngineStore.connect(settings.store_path, timeout=settings.query_timeout)
        if served is not None:
            return served

    return EmbeddedStore(settings.store_path)
