"""Domain errors. Each says what went wrong, where, and how to fix it."""

from __future__ import annotations

from collections.abc import Sequence


class AiskillsError(Exception):
    """Base of every error the project reports to a user (never a bug)."""


class InputError(AiskillsError):
    """A file or value given by the user cannot be used.

    ``source`` names the file (or argument), ``place`` the line, row, column or item.
    """

    def __init__(
        self, message: str, *, source: str | None = None, place: str | None = None, fix: str | None = None
    ) -> None:
        self.message = message
        self.source = source
        self.place = place
        self.fix = fix
        super().__init__(self.render())

    def render(self) -> str:
        where = ": ".join(p for p in (self.source, self.place) if p)
        text = f"{where}: {self.message}" if where else self.message
        return f"{text} ({self.fix})" if self.fix else text


class StoreError(AiskillsError):
    """The store could not be opened, read or written."""


class QueryError(AiskillsError):
    """A SPARQL query or update was rejected."""


class ConfigError(AiskillsError):
    """A setting is missing or malformed."""


class ProblemsError(InputError):
    """A file with several problems, each listed on its own line (the first 50), and ``problems``
    kept for callers that show them another way. ``outcome`` says what did not happen."""

    SHOWN = 50

    def __init__(self, source: str, problems: Sequence[object], outcome: str) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems[: self.SHOWN])
        more = f"\n  … and {len(self.problems) - self.SHOWN} more" if len(self.problems) > self.SHOWN else ""
        super().__init__(f"{len(self.problems)} problem(s){outcome}\n{lines}{more}", source=source)
