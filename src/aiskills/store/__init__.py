"""Storage: one port (``Store``), two backends, chosen from the settings by ``open_store``."""

from __future__ import annotations

from aiskills.config import Settings
from aiskills.errors import ConfigError
from aiskills.store.base import CatalogEntry, GraphData, Store, Table, Term

__all__ = ["CatalogEntry", "GraphData", "Store", "Table", "Term", "backend_of", "open_store"]


def backend_of(settings: Settings) -> str:
    """The backend the settings name (``AISKILLS_BACKEND``/``--backend``): ``embedded`` or ``sparql``.

    Unnamed, it is ``sparql`` when a SPARQL endpoint is given (as ``AISKILLS_ENDPOINT``/``--endpoint``
    always meant) and ``embedded`` otherwise."""
    if settings.backend is None:
        return "sparql" if settings.endpoint else "embedded"
    if settings.backend == "sparql" and not settings.endpoint:
        raise ConfigError(
            "the sparql backend needs the server's query endpoint: set AISKILLS_ENDPOINT or --endpoint"
        )
    if settings.backend == "embedded" and settings.endpoint:
        raise ConfigError(
            "the embedded backend was asked for, but a SPARQL endpoint is set too "
            "(AISKILLS_ENDPOINT or --endpoint): unset one, or ask for --backend sparql"
        )
    if settings.backend not in ("embedded", "sparql"):
        raise ConfigError(f"unknown backend {settings.backend!r}: use embedded or sparql")
    return settings.backend


def open_store(settings: Settings) -> Store:
    """The backend the settings name (see ``backend_of``). An embedded store that ``aiskills serve``
    holds is used through its engine (``aiskills.store.engine``)."""
    if backend_of(settings) == "sparql":
        from aiskills.store.remote import RemoteStore

        return RemoteStore.from_settings(settings)
    from aiskills.store.embedded import EmbeddedStore

    if settings.store_path is not None:
        from aiskills.store.engine import EngineStore

        served = EngineStore.connect(settings.store_path, timeout=settings.query_timeout)
        if served is not None:
            return served

    return EmbeddedStore(settings.store_path)
