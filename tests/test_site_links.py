"""No dead ends: a crawler from ``/`` over the whole live site (pages, their RDF, the version IRIs
and ``/context.jsonld`` the ontology and the RDF show) finds no link or IRI that does not resolve."""

from __future__ import annotations

import pytest
from support.curricula import store_examples
from support.site_crawl import crawl

from aiskills import loading
from aiskills.config import Settings
from aiskills.store.embedded import EmbeddedStore
from aiskills.web import create_app

BASE = "https://w3id.org/aiskills/"


@pytest.fixture(scope="module")
def client():  # type: ignore[no-untyped-def]
    store = EmbeddedStore(None)
    loading.load_bundled(store)
    store_examples(store)
    return create_app(Settings(), store=store).test_client()


def test_every_link_and_iri_reachable_from_the_home_page_resolves(client) -> None:  # type: ignore[no-untyped-def]
    result = crawl(client, BASE)
    assert not result.broken, "\n".join(result.broken[:40])
    seen = result.seen
    assert result.pages > 250, f"only {result.pages} pages reached"
    for must in ("/context.jsonld", "/ontology/2026.1", "/downloads", "/id/role", "/id/capability/6.2-04"):
        assert must in seen, f"the crawl never reached {must}"
