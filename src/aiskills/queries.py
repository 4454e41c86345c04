"""Named SPARQL queries: ``.rq`` files under ``queries/``, each with a header the CLI, API and docs read
(and named SPARQL updates the application runs itself: ``.ru`` files, with a title and description).

Header lines at the top of a file::

    # title: Sections with no capabilities
    # description: Every domain, sub-domain and group should hold at least one capability.
    # param archetype: an archetype name, e.g. Creator
    # param level (optional): a knowledge level, 1 to 4
    # columns: focus, reason

Parameters are passed to the store as bindings, never put into the query text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from aiskills.errors import ConfigError, InputError
from aiskills.resources import data_dir

_HEADER = re.compile(r"^#\s*(title|description|param|columns)\b\s*(.*?)\s*:\s*(.*)$")
_PARAM = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*(\(optional\))?$")


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
