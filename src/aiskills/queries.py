"""Named SPARQL queries: ``.rq`` files under ``queries/``, each with a header the CLI, API and docs read
(and named SPARQL updates the application runs itself: ``.ru`` files, with a title and description).

Header lines at the top of a file::

    # title: Sections with no capabilities
    # description: Every domain, sub-domain and group should hold at least one capability.
    # param archetype: an archetype name, e.g. Creator
    # param level (optional): a knowledge level, 1 to 4
    # columns: focus, reason

Parameters are passed to the store as bindings, never put into the query text.

A page of a query's rows (``Page``: at most ``limit`` rows from ``offset``) is the one thing written into
the text, as SPARQL requires (``LIMIT`` and ``OFFSET`` take numbers, not variables): two whole numbers,
checked here. A query may hold a *window*, lines from ``# window`` to ``# window end`` that narrow what
its ordering has to sort to the rows a page can hold; inside it, the line ``# window limit`` becomes
``LIMIT offset+limit``. Unpaged, the window is left out: the file as written (window in, unlimited) and
the query without it give the same rows, which tests check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pyoxigraph as ox

from aiskills.errors import ConfigError, InputError
from aiskills.resources import data_dir

_HEADER = re.compile(r"^#\s*(title|description|param|columns)\b\s*(.*?)\s*:\s*(.*)$")
_PARAM = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*(\(optional\))?$")
_WINDOW = re.compile(r"^[ \t]*# window\n(.*?)^[ \t]*# window end\n", re.MULTILINE | re.DOTALL)
_WINDOW_LIMIT = re.compile(r"^([ \t]*)# window limit$", re.MULTILINE)
#: The most rows one page may ask for.
MAX_PAGE: Final = 10_000


@dataclass(frozen=True)
class Page:
    """At most ``limit`` rows from row ``offset`` (0 is the first) of a query's ordered answer."""

    limit: int
    offset: int = 0

    @classmethod
    def of(cls, limit: str | int | None, offset: str | int | None) -> Page | None:
        """A page from what a user gave (text or numbers); ``None`` when neither is given. A value
        that is not a whole number in range is an InputError naming it."""
        if limit in (None, "") and offset in (None, ""):
            return None
        return cls(
            _whole("limit", limit, 1, MAX_PAGE, default=MAX_PAGE),
            _whole("offset", offset, 0, None, default=0),
        )


def _whole(name: str, value: str | int | None, low: int, high: int | None, *, default: int) -> int:
    if value in (None, ""):
        return default
    text = str(value).strip()
    bounds = f"from {low} to {high}" if high is not None else f"of {low} or more"
    number = int(text) if text.isdigit() else -1
    if number < low or (high is not None and number > high):
        raise InputError(
            f"must be a whole number {bounds}, not {text!r}",
            source=name,
            fix=f"give {name} as a whole number {bounds}",
        )
    return number


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str
    optional: bool = False


@dataclass(frozen=True)
class NamedQuery:
    """A query file and what its header says of it."""

    name: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    columns: tuple[str, ...]
    text: str
    path: Path

    def paged(self, page: Page | None) -> str:
        """The text to run for ``page`` (``None``: every row): the window kept and bounded, and the
        page's ``LIMIT``/``OFFSET`` after the query; unpaged, the window left out."""
        if page is None:
            return _WINDOW.sub("", self.text)
        windowed = _WINDOW_LIMIT.sub(lambda m: f"{m.group(1)}LIMIT {page.offset + page.limit}", self.text)
        return f"{windowed.rstrip()}\nLIMIT {page.limit}\nOFFSET {page.offset}\n"


def parse_query_file(path: Path, name: str, *, update: bool = False) -> NamedQuery:
    """Read one ``.rq`` file (an ``.ru`` file with ``update``: no columns); a missing header field or
    a syntax error is a ConfigError."""
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    params: list[Parameter] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        m = _HEADER.match(line)
        if not m:
            continue
        key, arg, value = m.groups()
        if key == "param":
            pm = _PARAM.match(arg)
            if not pm:
                raise ConfigError(f"{path}: bad parameter line {line!r}")
            params.append(Parameter(pm.group(1), value, bool(pm.group(2))))
        else:
            fields[key] = value
    for key in ("title", "description") if update else ("title", "description", "columns"):
        if key not in fields:
            raise ConfigError(f"{path}: the header has no '# {key}:' line")
    try:
        if update:
            ox.Store().update(text)  # an empty store: only the syntax is checked
        else:
            ox.Store().query(text)
    except SyntaxError as exc:
        raise ConfigError(f"{path}: SPARQL syntax error: {exc}") from exc
    columns = tuple(c.strip() for c in fields.get("columns", "").split(",") if c.strip())
    return NamedQuery(name, fields["title"], fields["description"], tuple(params), columns, text, path)


def query_names(group: str) -> list[str]:
    """Names of the queries in one folder of ``queries/`` (e.g. ``qc``), sorted."""
    folder = data_dir("queries") / group
    return sorted(p.stem for p in folder.glob("*.rq"))


def load_query(group: str, name: str) -> NamedQuery:
    """The query ``queries/{group}/{name}.rq``; an unknown name is an InputError listing valid ones."""
    path = data_dir("queries") / group / f"{name}.rq"
    if not path.is_file():
        known = ", ".join(query_names(group)) or "none"
        raise InputError(f"there is no query named {name!r}", fix=f"choose one of: {known}")
    return parse_query_file(path, name)


def load_update(group: str, name: str) -> NamedQuery:
    """The update ``queries/{group}/{name}.ru`` (kept with the application: a missing one is a
    ConfigError)."""
    path = data_dir("queries") / group / f"{name}.ru"
    if not path.is_file():
        raise ConfigError(f"{path} is missing: the installation is incomplete")
    return parse_query_file(path, name, update=True)


def load_group(group: str) -> list[NamedQuery]:
    """Every query in a folder, parsed (and so syntax-checked) once."""
    return [load_query(group, n) for n in query_names(group)]
