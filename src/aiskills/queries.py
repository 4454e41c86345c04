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
the rest of the query reads to the rows around a page, using variables its *bounds query* gives. The
header line ``# window needs: group/name`` names that query (its parameters among the query's own); run
for the page (its line ``# window page`` becomes ``LIMIT limit OFFSET offset``), it answers one row:
``whole``, true when the stored data lets the window narrow the rows; ``before``, how many rows of the
whole answer come before those the window keeps; and the variables the window reads. The page is then
cut from the window's rows (``OFFSET offset - before``). When ``whole`` is false, or unpaged, the window
is left out and the page is cut from the whole answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pyoxigraph as ox

from aiskills.errors import ConfigError, InputError
from aiskills.resources import data_dir

_HEADER = re.compile(r"^#\s*(title|description|param|columns|window)\b\s*(.*?)\s*:\s*(.*)$")
_PARAM = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*(\(optional\))?$")
_WINDOW = re.compile(r"^[ \t]*# window\n(.*?)^[ \t]*# window end\n", re.MULTILINE | re.DOTALL)
_WINDOW_PAGE = re.compile(r"^([ \t]*)# window page$", re.MULTILINE)
#: The most rows one page may ask for.
MAX_PAGE: Final = 10_000
#: The largest offset a page may start at: the largest signed 64-bit integer, as SPARQL stores read it
#: (a larger one is a syntax error to pyoxigraph, and no store holds that many rows).
MAX_OFFSET: Final = 2**63 - 1


@dataclass(frozen=True)
class Page:
    """At most ``limit`` rows from row ``offset`` (0 is the first) of a query's ordered answer."""

    limit: int
    offset: int = 0

    @classmethod
    def of(
        cls, limit: str | int | None, offset: str | int | None, *, empty_is_absent: bool = True
    ) -> Page | None:
        """A page from what a user gave (text or numbers); ``None`` when neither is given. A value
        that is not a whole number in range is an InputError naming it. ``empty_is_absent``: an
        empty text counts as not given (a form's empty field); else it is refused as any other text
        that is not a number (an API's parameter given without a value)."""
        if empty_is_absent:
            limit, offset = (None if v == "" else v for v in (limit, offset))
        if limit is None and offset is None:
            return None
        return cls(
            _whole("limit", limit, 1, MAX_PAGE, default=MAX_PAGE),
            _whole("offset", offset, 0, MAX_OFFSET, default=0),
        )


def _whole(name: str, value: str | int | None, low: int, high: int, *, default: int) -> int:
    if value is None:
        return default
    text = str(value).strip()
    bounds = f"from {low} to {high}"
    number = int(text) if text.isascii() and text.isdigit() else -1  # not "²", which isdigit() takes
    if not low <= number <= high:
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
    #: The bounds query of the window (``# window needs:``).
    window_needs: NamedQuery | None = None

    def paged(self, page: Page | None, *, before: int | None = None) -> str:
        """The text to run for ``page`` (``None``: every row). ``before``: the window holds, as its
        bounds query said, and that many rows of the whole answer come before the rows it keeps; the
        window is kept and the page cut from its rows. Otherwise the window is left out and the page
        is cut from the whole answer."""
        if page is None:
            return _WINDOW.sub("", self.text)
        if before is None or self.window_needs is None:
            text, offset = _WINDOW.sub("", self.text), page.offset
        else:
            text, offset = self.text, page.offset - before
            if not 0 <= offset:
                raise ValueError(f"{self.name}: {before} rows before the window of rows from {page.offset}")
        return f"{text.rstrip()}\nLIMIT {page.limit}\nOFFSET {offset}\n"

    def bounds(self, page: Page) -> str:
        """This query as the bounds of ``page``: its ``# window page`` line made ``LIMIT``/``OFFSET``."""
        return _WINDOW_PAGE.sub(lambda m: f"{m.group(1)}LIMIT {page.limit} OFFSET {page.offset}", self.text)


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
        if key == "window":
            if arg != "needs":
                raise ConfigError(f"{path}: bad window line {line!r}")
            fields["window needs"] = value
        elif key == "param":
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
    needs = None
    if "window needs" in fields:
        needs = _window_check(path, fields["window needs"])
    return NamedQuery(name, fields["title"], fields["description"], tuple(params), columns, text, path, needs)


def _window_check(path: Path, name: str) -> NamedQuery:
    """The bounds query a window needs (``group/name``): a query that answers ``whole`` and ``before``
    for a page. Its parameters are the question's or nodes named from them, which ``alignment``
    checks."""
    group, _, stem = name.partition("/")
    check = data_dir("queries") / group / f"{stem}.rq"
    if not stem or not check.is_file():
        raise ConfigError(f"{path}: the window needs {name!r}, which is not a query under queries/")
    needs = parse_query_file(check, stem)
    if not {"whole", "before"} <= set(needs.columns) or not _WINDOW_PAGE.search(needs.text):
        raise ConfigError(
            f"{path}: the window needs {name!r}, which must answer whole and before and hold a "
            "'# window page' line"
        )
    return needs


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
