"""The ``Accept`` header as every negotiation of the app reads it: a media range's parameters other
than its weight (``charset=utf-8``, say) do not narrow it. Werkzeug matches such a range only with an
offer that carries the same parameters, so ``Accept: text/csv; charset=utf-8`` would refuse the
``text/csv`` (in UTF-8) the app sends; Fuseki and Virtuoso ignore the parameters too."""

from __future__ import annotations

from flask import Request
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header
from werkzeug.utils import cached_property


def accepted(header: str | None) -> MIMEAccept:
    """The media ranges of ``header`` with their weights, without their other parameters."""
    return MIMEAccept(
        [(value.split(";", 1)[0].strip(), weight) for value, weight in parse_accept_header(header)]
    )


class AcceptRequest(Request):
    """Flask's request, its ``accept_mimetypes`` read by ``accepted``."""

    @cached_property
    def accept_mimetypes(self) -> MIMEAccept:
        return accepted(self.headers.get("Accept"))
