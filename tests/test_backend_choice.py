"""The backend is named (AISKILLS_BACKEND, --backend), and a SPARQL server's dialect is named
(AISKILLS_SPARQL_DIALECT) or detected from the server itself."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from aiskills.cli import main
from aiskills.config import Settings
from aiskills.errors import ConfigError
from aiskills.store import backend_of
from aiskills.store.remote import RemoteStore


def test_an_unknown_backend_is_a_config_error_naming_the_choices() -> None:
    with pytest.raises(ConfigError, match="embedded, sparql"):
        Settings.from_env({"AISKILLS_BACKEND": "fuseki"})


@pytest.mark.parametrize(("env", "backend"), [
    ({}, "embedded"),
    ({"AISKILLS_ENDPOINT": "http://127.0.0.1:1/sparql"}, "sparql"),  # the endpoint setting as it always worked
    ({"AISKILLS_BACKEND": "sparql", "AISKILLS_ENDPOINT": "http://127.0.0.1:1/sparql"}, "sparql"),
    ({"AISKILLS_BACKEND": "embedded"}, "embedded"),
])
def test_the_backend_is_the_one_the_settings_name(env: dict[str, str], backend: str) -> None:
    assert backend_of(Settings.from_env(env)) == backend


@pytest.mark.parametrize(("env", "says"), [
    ({"AISKILLS_BACKEND": "sparql"}, "needs the server's query endpoint"),
    ({"AISKILLS_BACKEND": "embedded", "AISKILLS_ENDPOINT": "http://127.0.0.1:1/sparql"}, "unset one"),
])
def test_a_backend_that_cannot_be_used_as_set_is_a_config_error(env: dict[str, str], says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        backend_of(Settings.from_env(env))


def test_cli_backend_option_is_checked_before_anything_is_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AISKILLS_ENDPOINT", raising=False)
    result = CliRunner().invoke(main, ["info", "--backend", "sparql"])
    assert result.exit_code == 2
    assert "sparql backend needs the server's query endpoint" in result.output


def test_an_unknown_dialect_is_a_config_error_naming_the_dialects() -> None:
    with pytest.raises(ConfigError, match="generic, virtuoso, oxigraph"):
        RemoteStore.from_settings(Settings(endpoint="http://127.0.0.1:1/sparql", dialect="stardog"))


@pytest.mark.parametrize(("server_name", "dialect"), [("oxigraph_server", "oxigraph"), ("virtuoso", "virtuoso")])
def test_the_dialect_is_detected_from_the_server(request: pytest.FixtureRequest, server_name: str,
                                                dialect: str) -> None:
    server = request.getfixturevalue(server_name)
    with RemoteStore.from_settings(server.settings(dialect=None)) as store:
        assert store.dialect.name == dialect


def test_a_named_dialect_is_used_as_named(oxigraph_server: object) -> None:
    """Oxigraph's server spoken to as a generic SPARQL 1.1 server still answers, through FROM clauses."""
    with RemoteStore.from_settings(oxigraph_server.settings(dialect="generic")) as store:  # type: ignore[attr-defined]
        assert store.dialect.name == "generic"
        assert store.ask("ASK { }")


def test_an_endpoint_that_is_no_query_endpoint_is_named_as_such(oxigraph_server: object) -> None:
    """Oxigraph's Graph Store address given as the query endpoint: the server's own refusal (406,
    or 405 and 400 elsewhere) had been the whole message; it now says what AISKILLS_ENDPOINT must be."""
    from aiskills.errors import ConfigError

    wrong = oxigraph_server.endpoint.removesuffix("/query") + "/store"  # type: ignore[attr-defined]
    settings = oxigraph_server.settings(endpoint=wrong, dialect=None)  # type: ignore[attr-defined]
    with RemoteStore.from_settings(settings) as store, pytest.raises(ConfigError, match="does not answer SPARQL") as caught:
        store.catalog()
    assert "AISKILLS_ENDPOINT must be the server's query endpoint" in str(caught.value)
    assert "http://HOST:7878/query" in str(caught.value)
