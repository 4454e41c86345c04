"""Access: write tokens are held hashed, named and scoped; reads are open by default and closable;
tokens never reach a log; security headers on every response; `aiskills token` makes and lists tokens."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from aiskills import loading
from aiskills.cli import main
from aiskills.config import Settings, Token, hash_secret, read_tokens_file
from aiskills.errors import ConfigError
from aiskills.store.embedded import EmbeddedStore
from aiskills.web import create_app
from aiskills.web.auth import token_for

WRITE = "w-secret-0123456789"
READ = "r-secret-9876543210"


@pytest.fixture(scope="module")
def store() -> Iterator[EmbeddedStore]:
    s = EmbeddedStore(None)
    loading.load_bundled(s)
    yield s
    s.close()


def _client(store: EmbeddedStore, **env: str) -> FlaskClient:
    app = create_app(Settings.from_env({f"AISKILLS_{k}": v for k, v in env.items()}), store=store)
    app.testing = True
    return app.test_client()


def _tokens_file(tmp_path: Path) -> Path:
    path = tmp_path / "tokens.tsv"
    path.write_text(f"# name scope sha256\neditors\twrite\t{hash_secret(WRITE)}\n"
                    f"notebook\tread\t{hash_secret(READ)}\n", encoding="utf-8")
    return path


def test_settings_hold_only_the_hash_of_a_token() -> None:
    settings = Settings.from_env({"AISKILLS_WRITE_TOKEN": WRITE})
    assert settings.tokens == (Token("default", "write", hash_secret(WRITE)),)
    assert WRITE not in repr(settings)


def test_several_named_tokens_are_told_apart_by_name_and_scope(tmp_path: Path) -> None:
    settings = Settings.from_env({"AISKILLS_TOKENS_FILE": str(_tokens_file(tmp_path))})
    assert token_for(settings.tokens, f"Bearer {WRITE}") == Token("editors", "write", hash_secret(WRITE))
    assert token_for(settings.tokens, f"bearer {READ}").name == "notebook"  # type: ignore[union-attr]
    assert token_for(settings.tokens, "Bearer not-a-token") is None
    assert token_for(settings.tokens, f"Basic {WRITE}") is None
    assert token_for(settings.tokens, None) is None


@pytest.mark.parametrize("line, says", [
    ("editors\twrite\tnothex", "line 1"),
    ("editors write " + "a" * 64, "line 1"),
    ("editors\tadmin\t" + "a" * 64, "read|write"),
    ("two words\twrite\t" + "a" * 64, "line 1"),  # a name `aiskills token new` would refuse
])
def test_a_malformed_tokens_file_names_the_line_and_the_fix(tmp_path: Path, line: str, says: str) -> None:
    path = tmp_path / "tokens.tsv"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=says) as caught:
        read_tokens_file(path)
    assert str(path) in str(caught.value) and "aiskills token new" in str(caught.value)


def test_closed_reads_without_a_token_are_refused_at_start() -> None:
    with pytest.raises(ConfigError, match="needs a token"):
        Settings.from_env({"AISKILLS_READS": "closed"})
    with pytest.raises(ConfigError, match="open or closed"):
        Settings.from_env({"AISKILLS_READS": "sometimes"})


def test_reads_are_open_by_default(store: EmbeddedStore) -> None:
    client = _client(store)
    answer = client.get("/api/ask/framework-summary")
    assert answer.status_code == 200 and answer.get_json()["rows"]


def test_closed_reads_need_a_token_of_either_scope(store: EmbeddedStore, tmp_path: Path) -> None:
    client = _client(store, READS="closed", TOKENS_FILE=str(_tokens_file(tmp_path)))
    refused = client.get("/api/ask/framework-summary")
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert "need a token" in refused.get_data(as_text=True)
    sparql = client.get("/sparql", query_string={"query": "ASK {}"})
    assert sparql.status_code == 401 and sparql.headers["WWW-Authenticate"].startswith("Bearer")
    assert "need a token" in sparql.get_data(as_text=True)
    for secret in (READ, WRITE):
        answer = client.get("/api/ask/framework-summary", headers={"Authorization": f"Bearer {secret}"})
        assert answer.status_code == 200 and answer.get_json()["rows"]
    wrong = client.get("/api/ask/framework-summary", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 401 and "need a token" in wrong.get_data(as_text=True)


def test_a_token_never_reaches_a_log_or_a_response(store: EmbeddedStore, tmp_path: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    client = _client(store, READS="closed", TOKENS_FILE=str(_tokens_file(tmp_path)))
    caplog.set_level(logging.DEBUG)
    bodies = [client.get(path, headers={"Authorization": f"Bearer {secret}"}).get_data(as_text=True)
              for path in ("/api/ask/framework-summary", "/api/ask/no-such-question", "/sparql?query=SELEC")
              for secret in (READ, WRITE, "guess-" + WRITE)]
    text = caplog.text + "".join(bodies)
    for secret in (READ, WRITE, hash_secret(READ), hash_secret(WRITE)):
        assert secret not in text


@pytest.mark.parametrize("path", ["/api/ask", "/api/ask/no-such-question", "/sparql?query=ASK%7B%7D",
                                  "/no-such-page"])
def test_every_response_carries_the_security_headers(store: EmbeddedStore, path: str) -> None:
    response = _client(store).get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_token_new_prints_the_secret_once_and_stores_its_hash(tmp_path: Path) -> None:
    path = tmp_path / "tokens.tsv"
    runner = CliRunner()
    made = runner.invoke(main, ["token", "new", "editors", "--file", str(path)])
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip()
    assert len(secret) >= 40 and secret not in path.read_text()
    settings = Settings.from_env({"AISKILLS_TOKENS_FILE": str(path)})
    assert token_for(settings.tokens, f"Bearer {secret}") == Token("editors", "write", hash_secret(secret))
    assert path.stat().st_mode & 0o077 == 0  # only the owner may read the hashes
    again = runner.invoke(main, ["token", "new", "editors", "--file", str(path)])
    assert again.exit_code == 2 and "already a token named 'editors'" in again.output
    runner.invoke(main, ["token", "new", "notebook", "--scope", "read", "--file", str(path)])
    listed = runner.invoke(main, ["token", "list", "--file", str(path)])
    assert listed.stdout.splitlines() == ["editors\twrite", "notebook\tread"]
    bad = runner.invoke(main, ["token", "new", "two words", "--file", str(path)])
    assert bad.exit_code == 2 and "token name" in bad.output


@pytest.mark.parametrize("name, value, says", [
    ("TIMEOUT", "soon", "AISKILLS_TIMEOUT must be a number of seconds, not 'soon'"),
    ("QUERY_TIMEOUT", "1m", "AISKILLS_QUERY_TIMEOUT must be a number of seconds, not '1m'"),
    ("RESULT_MAX_ROWS", "1e3", "AISKILLS_RESULT_MAX_ROWS must be a whole number, not '1e3'"),
    ("UPLOAD_MAX_BYTES", "10MB", "AISKILLS_UPLOAD_MAX_BYTES must be a whole number, not '10MB'"),
    ("DROPDOWN_MAX", "many", "AISKILLS_DROPDOWN_MAX must be a whole number, not 'many'"),
    ("DROPDOWN_MAX", "-1",
     "AISKILLS_DROPDOWN_MAX must be 0 or more and at most 1e+12, not '-1' (0: the form never lists curricula)"),
    # out of range: each refused at start, where it had been used (inf and 1e10 seconds overflowed the
    # deadline in every worker, which then restarted for ever; -1 answered every query 503)
    ("QUERY_TIMEOUT", "inf", "AISKILLS_QUERY_TIMEOUT must be more than 0 and at most 1e+06, not 'inf'"),
    ("QUERY_TIMEOUT", "1e10", "AISKILLS_QUERY_TIMEOUT must be more than 0 and at most 1e+06, not '1e10'"),
    ("QUERY_TIMEOUT", "-1", "AISKILLS_QUERY_TIMEOUT must be more than 0 and at most 1e+06, not '-1'"),
    ("TIMEOUT", "nan", "AISKILLS_TIMEOUT must be more than 0 and at most 1e+06, not 'nan'"),
    ("QUERY_MAX_LENGTH", "-3", "AISKILLS_QUERY_MAX_LENGTH must be more than 0 and at most 1e+12, not '-3'"),
    ("UPLOAD_MAX_BYTES", "-1", "AISKILLS_UPLOAD_MAX_BYTES must be more than 0 and at most 1e+12, not '-1'"),
    ("RESULT_MAX_ROWS", "0", "AISKILLS_RESULT_MAX_ROWS must be more than 0 and at most 1e+12, not '0'"),
])
def test_a_malformed_number_setting_names_the_variable_and_the_value(name: str, value: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({f"AISKILLS_{name}": value})
    assert str(caught.value) == says


def test_a_variable_that_names_no_setting_is_named_with_the_setting_it_likely_means(tmp_path: Path) -> None:
    """A typo (AISKILLS_QUERY_TIMOUT) was ignored without a word; the command line now warns."""
    from aiskills.config import unknown_names

    env = {"AISKILLS_QUERY_TIMOUT": "5", "AISKILLS_STORE": "x", "AISKILLS_COLOUR": "blue", "HOME": "/"}
    assert unknown_names(env) == ["AISKILLS_COLOUR", "AISKILLS_QUERY_TIMOUT (AISKILLS_QUERY_TIMEOUT?)"]
    from aiskills.store.embedded import EmbeddedStore

    EmbeddedStore(tmp_path / "s").close()
    result = CliRunner().invoke(main, ["info", "--store", str(tmp_path / "s")], env={"AISKILLS_QUERY_TIMOUT": "5"})
    assert result.exit_code == 0
    warning = "aiskills: warning: AISKILLS_QUERY_TIMOUT (AISKILLS_QUERY_TIMEOUT?) is not a setting"
    assert warning in result.output + (result.stderr or "")


def test_number_settings_are_read_as_numbers() -> None:
    settings = Settings.from_env({"AISKILLS_TIMEOUT": "2.5", "AISKILLS_QUERY_TIMEOUT": "7",
                                  "AISKILLS_RESULT_MAX_ROWS": "10", "AISKILLS_UPLOAD_MAX_BYTES": "2048",
                                  "AISKILLS_DROPDOWN_MAX": "0"})
    assert (settings.timeout, settings.query_timeout, settings.result_max_rows, settings.upload_max_bytes,
            settings.dropdown_max) == (2.5, 7.0, 10, 2048, 0)


def test_tokens_file_mistakes_are_named_with_the_real_path_and_cause(tmp_path: Path) -> None:
    """A missing folder was a traceback, a missing file's fix said ``{path}``, and an empty file was
    reported as no token set at all."""
    runner = CliRunner()
    nowhere = tmp_path / "no" / "tokens.tsv"
    made = runner.invoke(main, ["token", "new", "editors", "--file", str(nowhere)])
    assert made.exit_code == 2 and f"the folder {nowhere.parent} does not exist" in made.output
    assert "Traceback" not in made.output and not nowhere.parent.exists()
    with pytest.raises(ConfigError) as missing:
        Settings.from_env({"AISKILLS_TOKENS_FILE": str(tmp_path / "absent.tsv")})
    assert f"--file {tmp_path / 'absent.tsv'}`" in str(missing.value) and "{path}" not in str(missing.value)
    empty = tmp_path / "empty.tsv"
    empty.write_text("")
    with pytest.raises(ConfigError, match="the tokens file holds no token"):
        Settings.from_env({"AISKILLS_TOKENS_FILE": str(empty), "AISKILLS_READS": "closed"})
    assert runner.invoke(main, ["token", "new", "editors", "--file", str(empty)]).exit_code == 0  # fills it
    assert Settings.from_env({"AISKILLS_TOKENS_FILE": str(empty)}).tokens[0].name == "editors"


def test_the_known_setting_names_are_the_ones_the_settings_read() -> None:
    """The names the unknown-variable warning knows are exactly the ones ``Settings.from_env`` reads
    (plus the test-suite's own), so that no setting is ever warned about as unknown."""
    import inspect
    import re

    from aiskills import config

    read = set(re.findall(r'get\("([A-Z_]+)"\)', inspect.getsource(config.Settings.from_env)))
    read |= {name for name, *_ in config.NUMBERS}
    assert read == config.NAMES - {"CHROMIUM", "SCREENSHOTS", "UPDATE_README"}


def _reads(client: FlaskClient, secret: str) -> int:
    return client.get("/api/ask/framework-summary", headers={"Authorization": f"Bearer {secret}"}).status_code


def test_a_token_added_or_revoked_counts_from_the_next_request_without_a_restart(
    store: EmbeddedStore, tmp_path: Path
) -> None:
    """Revoking had needed a restart of the server, and until then the old token still worked."""
    path = _tokens_file(tmp_path)
    client = _client(store, READS="closed", TOKENS_FILE=str(path))
    assert _reads(client, READ) == 200 and _reads(client, WRITE) == 200
    runner = CliRunner()
    revoked = runner.invoke(main, ["token", "revoke", "notebook", "--file", str(path)])
    assert revoked.exit_code == 0, revoked.output
    assert "token 'notebook' revoked" in revoked.output and "1 token(s) left" in revoked.output
    assert _reads(client, READ) == 401 and _reads(client, WRITE) == 200
    assert path.read_text().startswith("# name scope sha256\n")  # the file's comments stay
    assert path.stat().st_mode & 0o077 == 0
    made = runner.invoke(main, ["token", "new", "late", "--scope", "read", "--file", str(path)])
    assert made.exit_code == 0, made.output
    assert _reads(client, made.stdout.strip()) == 200
    unknown = runner.invoke(main, ["token", "revoke", "nobody", "--file", str(path)])
    assert unknown.exit_code == 2 and "no token named 'nobody'" in unknown.output and "editors, late" in unknown.output


def test_a_tokens_file_spoilt_while_serving_grants_nothing_until_fixed(
    store: EmbeddedStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """It fails closed, and the log names the file, the line and the fix."""
    path = _tokens_file(tmp_path)
    good = path.read_text()
    client = _client(store, READS="closed", TOKENS_FILE=str(path))
    assert _reads(client, WRITE) == 200
    path.write_text("editors write nothex\n", encoding="utf-8")
    caplog.set_level(logging.WARNING)
    assert _reads(client, WRITE) == 401
    assert f"{path}: line 1" in caplog.text and "none of its tokens is accepted" in caplog.text
    path.unlink()
    assert _reads(client, WRITE) == 401
    path.write_text(good, encoding="utf-8")
    assert _reads(client, WRITE) == 200 and _reads(client, READ) == 200


def test_the_write_token_of_the_environment_stays_when_the_file_changes(store: EmbeddedStore, tmp_path: Path) -> None:
    path = _tokens_file(tmp_path)
    client = _client(store, READS="closed", TOKENS_FILE=str(path), WRITE_TOKEN="env-secret-42")
    assert _reads(client, "env-secret-42") == 200
    CliRunner().invoke(main, ["token", "revoke", "editors", "--file", str(path)])
    assert _reads(client, "env-secret-42") == 200 and _reads(client, WRITE) == 401 and _reads(client, READ) == 200


def test_a_spoilt_tokens_file_is_named_in_the_refusal_and_trailing_blanks_are_read(store: EmbeddedStore, tmp_path: Path) -> None:
    """With the file gone a write token had been told "writes are disabled: it has no write token (set
    AISKILLS_WRITE_TOKEN or AISKILLS_TOKENS_FILE)", the variable being set; blanks left at a line's end
    by a hand edit had spoilt every token."""
    path = _tokens_file(tmp_path)
    path.write_text("".join(line + "   \n" for line in path.read_text().splitlines()), encoding="utf-8")
    assert [t.name for t in read_tokens_file(path)] == ["editors", "notebook"]
    client = _client(store, TOKENS_FILE=str(path))
    path.unlink()
    refused = client.post("/sparql", data={"update": "INSERT DATA { GRAPH <urn:x:g> { <urn:x:a> <urn:x:b> 1 } }"},
                          headers={"Authorization": f"Bearer {WRITE}"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 403 and "its tokens file (tokens.tsv) grants no write token" in text
