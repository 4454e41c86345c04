"""Settings, built once by an adapter (CLI or web app) and passed down; no module-level state."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from aiskills.errors import ConfigError

ENV_PREFIX = "AISKILLS_"
SCOPES = ("read", "write")
BACKENDS = ("embedded", "sparql")


@dataclass(frozen=True)
class Token:
    """A named access token, kept as the SHA-256 of its secret. ``write`` also allows reads."""

    name: str
    scope: str
    sha256: str

    @classmethod
    def from_secret(cls, name: str, secret: str, scope: str = "write") -> Token:
        return cls(name, scope, hash_secret(secret))


TOKEN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


def token_line(token: Token) -> str:
    """A token as one line of the tokens file (what ``read_tokens_file`` reads back)."""
    return f"{token.name}\t{token.scope}\t{token.sha256}\n"


def hash_secret(secret: str) -> str:
    """Tokens are random and long, so one SHA-256 round is enough (they are not passwords)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def read_tokens_file(path: Path) -> tuple[Token, ...]:
    """One token per line: ``name<TAB>scope<TAB>sha256-hex``; blank lines and ``#`` comments skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot read the tokens file ({exc.strerror}); "
            f"create it with `aiskills token new NAME --file {path}`"
        ) from exc
    tokens = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.strip().split("\t")  # blanks a hand edit leaves at either end are not part of it
        if (
            len(parts) != 3
            or not TOKEN_NAME.fullmatch(parts[0])
            or parts[1] not in SCOPES
            or not re.fullmatch(r"[0-9a-f]{64}", parts[2])
        ):
            raise ConfigError(
                f"{path}: line {number}: expected name<TAB>read|write<TAB>64 hex digits "
                "(the SHA-256 of the token), as `aiskills token new` writes"
            )
        tokens.append(Token(parts[0], parts[1], parts[2]))
    if not tokens:  # an empty file would leave the server without the tokens the operator meant
        raise ConfigError(
            f"{path}: the tokens file holds no token; add one with `aiskills token new NAME --file {path}`"
        )
    return tuple(tokens)


def default_store_path(env: Mapping[str, str]) -> Path:
    """``$XDG_DATA_HOME/aiskills/store`` (``~/.local/share/aiskills/store`` by default)."""
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "aiskills" / "store"


#: The numeric settings: name after ``AISKILLS_``, type, least value, what 0 means (when it may be 0).
NUMBERS: tuple[tuple[str, type[float | int], float, str], ...] = (
    ("TIMEOUT", float, 0, ""),  # seconds: more than 0
    ("QUERY_TIMEOUT", float, 0, ""),
    ("QUERY_MAX_LENGTH", int, 1, ""),
    ("RESULT_MAX_ROWS", int, 1, ""),
    ("UPLOAD_MAX_BYTES", int, 1, ""),
    ("DROPDOWN_MAX", int, 0, "0: the form never lists curricula"),
    ("ANSWER_CACHE_MB", int, 0, "0: every query is evaluated, every question answered again"),
)
#: The largest value a numeric setting takes (rows, bytes; seconds: about 11 days, which a deadline can
#: still be reckoned from): beyond it a value is a mistake.
MAX_NUMBER = 1e12
MAX_SECONDS = 1e6
#: Every setting's name after ``AISKILLS_`` (the README's table lists them).
NAMES = frozenset(
    {n for n, *_ in NUMBERS}
    | {
        "STORE",
        "ENDPOINT",
        "UPDATE_ENDPOINT",
        "GRAPH_STORE",
        "USER",
        "PASSWORD",
        "BACKEND",
        "SPARQL_DIALECT",
        "CONFORMANCE_DIR",
        "WRITE_TOKEN",
        "TOKENS_FILE",
        "READS",
        "PUBLIC_BASE",
    }
    | {
        "CHROMIUM",
        "SCREENSHOTS",
        "UPDATE_README",
    }  # the test-suite's own: a browser, screenshots, README figures
)


def unknown_names(env: Mapping[str, str]) -> list[str]:
    """``AISKILLS_*`` variables that name no setting (a typo is otherwise ignored without a word), each
    with the setting it most likely means: ``AISKILLS_QUERY_TIMOUT (AISKILLS_QUERY_TIMEOUT?)``."""
    import difflib

    out = []
    for key in sorted(k for k in env if k.startswith(ENV_PREFIX)):
        name = key[len(ENV_PREFIX) :]
        if name not in NAMES:
            near = difflib.get_close_matches(name, sorted(NAMES), n=1, cutoff=0.75)
            out.append(key + (f" ({ENV_PREFIX}{near[0]}?)" if near else ""))
    return out


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
    backend: str | None = None  # "embedded" or "sparql"; None: sparql when an endpoint is given
    dialect: str | None = (
        None  # the SPARQL server's dialect ("generic", "virtuoso", "oxigraph"); None: detected
    )
    conformance_dir: Path | None = None  # W3C test suites (tests only)
    load_bundled_on_start: bool = False  # the web app loads the bundled framework into an empty store
    query_max_length: int = 100_000  # characters in one /sparql query (longer: 413)
    result_max_rows: int = (
        100_000  # rows or triples one /sparql answer may hold (more: an error, never a cut)
    )
    query_timeout: float = 30.0  # seconds one /sparql query may run before the client gets 503
    answer_cache_mb: int = 64  # MiB of answers each web worker keeps per store generation (0: none kept)
    upload_max_bytes: int = 10 * 1024 * 1024  # largest submission accepted over HTTP (more: 413)
    dropdown_max: int = 500  # the most stored curricula a form offers as a list (more: it asks for one)
    public_base: str = "https://w3id.org/aiskills/"  # the IRI namespace that /id/… and /ontology serve
    tokens: tuple[Token, ...] = ()  # access tokens, hashed (never the secret itself)
    tokens_file: Path | None = None  # AISKILLS_TOKENS_FILE: a server reads it again when it changes
    reads_open: bool = True  # False: reads need a token too (AISKILLS_READS=closed)

    @property
    def answer_cache_bytes(self) -> int:
        """``answer_cache_mb`` in bytes."""
        return self.answer_cache_mb * 2**20

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Defaults, then ``AISKILLS_*`` variables, then explicit overrides (``None`` ignored)."""
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(ENV_PREFIX + name)
            return value if value else None

        def number(name: str, kind: type[float | int]) -> float | int | None:
            text = get(name)
            if text is None:
                return None
            try:
                return kind(text)
            except ValueError as exc:
                what = "a number of seconds" if kind is float else "a whole number"
                raise ConfigError(f"{ENV_PREFIX}{name} must be {what}, not {text!r}") from exc

        limits: dict[str, object] = {}
        for name, kind, low, meaning in NUMBERS:
            value = number(name, kind)
            if value is None:
                continue
            high = MAX_SECONDS if kind is float else MAX_NUMBER
            positive = kind is float or low > 0
            if not (0 < value if kind is float else low <= value) or not value <= high:  # NaN and inf too
                bound = "more than 0" if positive else "0 or more"
                raise ConfigError(
                    f"{ENV_PREFIX}{name} must be {bound} and at most {high:g}, not {get(name)!r}"
                    + (f" ({meaning})" if meaning else "")
                )
            limits[name.lower()] = value
        tokens: tuple[Token, ...] = ()
        if get("WRITE_TOKEN"):
            tokens += (Token.from_secret("default", get("WRITE_TOKEN") or ""),)
        if get("TOKENS_FILE"):
            tokens += read_tokens_file(Path(get("TOKENS_FILE") or ""))
        reads = (get("READS") or "open").lower()
        if reads not in ("open", "closed"):
            raise ConfigError(f"AISKILLS_READS must be open or closed, not {reads!r}")
        if reads == "closed" and not tokens:
            raise ConfigError(
                "AISKILLS_READS=closed needs a token: set AISKILLS_WRITE_TOKEN or AISKILLS_TOKENS_FILE"
            )
        if get("PUBLIC_BASE"):
            base = get("PUBLIC_BASE") or ""
            if not re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+/", base):
                raise ConfigError(f"AISKILLS_PUBLIC_BASE must be an http(s) IRI ending in '/', not {base!r}")
            limits["public_base"] = base
        backend = (get("BACKEND") or "").lower() or None
        if backend is not None and backend not in BACKENDS:
            raise ConfigError(f"AISKILLS_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}")
        store = get("STORE")
        conformance = get("CONFORMANCE_DIR")
        settings = cls(
            store_path=Path(store) if store else default_store_path(env),
            endpoint=get("ENDPOINT"),
            update_endpoint=get("UPDATE_ENDPOINT"),
            graph_store=get("GRAPH_STORE"),
            user=get("USER"),
            password=get("PASSWORD"),
            backend=backend,
            dialect=(get("SPARQL_DIALECT") or "").lower() or None,
            conformance_dir=Path(conformance) if conformance else None,
            tokens=tokens,
            tokens_file=Path(get("TOKENS_FILE") or "") if get("TOKENS_FILE") else None,
            reads_open=reads == "open",
            **limits,  # type: ignore[arg-type]
        )
        given = {k: v for k, v in overrides.items() if v is not None}
        if "store_path" in given:
            given["store_path"] = Path(str(given["store_path"]))
        return replace(settings, **given)  # type: ignore[arg-type]
