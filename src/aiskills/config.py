"""Settings, built once by an adapter (CLI or web app) and passed down; no module-level state."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from aiskills.errors import ConfigError

ENV_PREFIX = "AISKILLS_"


def default_store_path(env: Mapping[str, str]) -> Path:
    """``$XDG_DATA_HOME/aiskills/store`` (``~/.local/share/aiskills/store`` by default)."""
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "aiskills" / "store"


@dataclass(frozen=True)
class Settings:
    """Everything the lower layers need to know about their environment."""

    store_path: Path | None = None  # None: in memory
    endpoint: str | None = None  # remote SPARQL query endpoint
    update_endpoint: str | None = None  # remote SPARQL update endpoint (defaults to endpoint)
    graph_store: str | None = None  # remote Graph Store Protocol endpoint
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0  # seconds for one remote request
    conformance_dir: Path | None = None  # W3C test suites (tests only)
    load_bundled_on_start: bool = False  # the web app loads the bundled framework into an empty store
    query_max_length: int = 100_000  # characters in one /sparql query (longer: 413)
    result_max_rows: int = 100_000  # rows or triples one /sparql answer may hold (more: an error, never a cut)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Defaults, then ``AISKILLS_*`` variables, then explicit overrides (``None`` ignored)."""
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(ENV_PREFIX + name)
            return value if value else None

        try:
            timeout = float(get("TIMEOUT") or 30.0)
        except ValueError as exc:
            raise ConfigError(f"AISKILLS_TIMEOUT must be a number of seconds, not {get('TIMEOUT')!r}") from exc
        limits = {}
        for name in ("QUERY_MAX_LENGTH", "RESULT_MAX_ROWS"):
            if get(name):
                try:
                    limits[name.lower()] = int(get(name) or "")
                except ValueError as exc:
                    raise ConfigError(f"{ENV_PREFIX}{name} must be a whole number, not {get(name)!r}") from exc
        store = get("STORE")
        conformance = get("CONFORMANCE_DIR")
        settings = cls(
            store_path=Path(store) if store else default_store_path(env),
            endpoint=get("ENDPOINT"),
            update_endpoint=get("UPDATE_ENDPOINT"),
            graph_store=get("GRAPH_STORE"),
            user=get("USER"),
            password=get("PASSWORD"),
            timeout=timeout,
            conformance_dir=Path(conformance) if conformance else None,
            **limits,  # type: ignore[arg-type]
        )
        given = {k: v for k, v in overrides.items() if v is not None}
        if "store_path" in given:
            given["store_path"] = Path(str(given["store_path"]))
        return replace(settings, **given)  # type: ignore[arg-type]
