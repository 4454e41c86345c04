"""Emptying a store the tests share across a session."""

from __future__ import annotations

from aiskills.store.base import Store


def clear(store: Store) -> None:
    """Every graph the catalogue records and every named graph, dropped in one write."""
    store.replace_graphs([], [], drop=[e.graph for e in store.catalog()] + store.graph_names())


def clear_all(store: Store) -> None:
    """Everything the tests wrote, on a SPARQL server shared by the session."""
    clear(store)
    store.protocol_update("DROP SILENT GRAPH <https://w3id.org/aiskills/graph/catalog>")
    if store.dialect.catalog_graph is None:  # type: ignore[attr-defined]  # kept copies in the default graph
        # straight to the server: a user's update may not clear the catalogue (protocol_update refuses it)
        import requests

        requests.post(store.update_endpoint, data={"update": "DROP SILENT DEFAULT"}, timeout=60).raise_for_status()  # type: ignore[attr-defined]
