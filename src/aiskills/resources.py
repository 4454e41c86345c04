"""Where the project's sources of truth live: ``ontology/``, ``shapes/``, ``queries/``, ``web/``.

In a wheel they ship inside the package (``aiskills/_data/``); in a source checkout they are read from
the repository root.
"""

from __future__ import annotations

from pathlib import Path

from aiskills.errors import ConfigError

_KINDS = ("ontology", "shapes", "queries", "web")


def data_dir(kind: str) -> Path:
    """The folder holding ``kind`` (one of ontology, shapes, queries, web)."""
    if kind not in _KINDS:
        raise ValueError(kind)
    here = Path(__file__).resolve().parent
    for candidate in (here / "_data" / kind, here.parents[1] / kind):
        if candidate.is_dir():
            return candidate
    raise ConfigError(
        f"the bundled {kind}/ folder is missing from the installation ({here}); reinstall aiskills"
    )


def ontology_file() -> Path:
    return data_dir("ontology") / "aiskills.ttl"


def framework_dir() -> Path:
    return data_dir("ontology") / "framework"


def templates_dir() -> Path:
    return data_dir("ontology") / "templates"


def web_dir() -> Path:
    """The page templates (``templates/``) and static files (``static/``) of the web front end."""
    return data_dir("web")
