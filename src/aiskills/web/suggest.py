"""Alignment suggestions over HTTP: ``GET /api/suggest`` for one outcome's text, ``POST /api/suggest``
for a whole submission (the same bodies as ``/api/validate``), and ``POST /validate/fill``, which gives
the designer her own file back, in its own format, with the suggestions she ticked filled in."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, redirect, request

from aiskills.errors import InputError
from aiskills.submission.readers import read_bytes
from aiskills.suggestions import Suggester
from aiskills.suggestions import outcomes as so
from aiskills.suggestions.fill import fill
from aiskills.suggestions.framework import ARCHETYPES, BLOOM_ORDER
from aiskills.suggestions.outcomes import Outcome, OutcomeSuggestions
from aiskills.web.context import settings, store
from aiskills.web.validate import Refused, page, parse_error, read_submission

suggest = Blueprint("suggest", __name__)

TOP_MAX = 50


class BadParameter(ValueError):
    def __init__(self, name: str, message: str, fix: str) -> None:
        super().__init__(message)
        self.name, self.message, self.fix = name, message, fix


@dataclass(frozen=True)
class Parameter:
    """A query parameter of ``/api/suggest``: its name, OpenAPI schema, meaning and how it is read."""

    name: str
    schema: dict[str, object]
    description: str
    required: bool
    read: Callable[[str], object]

    def openapi(self) -> dict[str, object]:
        return {
            "name": self.name,
            "in": "query",
            "required": self.required,
            "schema": self.schema,
            "description": self.description,
        }


def _top(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= TOP_MAX:
        raise BadParameter("top", f"top is {text!r}", f"use a whole number from 1 to {TOP_MAX}")
    return int(text)


def _bloom(text: str) -> str:
    b = text.strip().lower()
    b = "analyse" if b == "analyze" else b
    if b not in BLOOM_ORDER:
        raise BadParameter("bloomLevel", f"{text!r} is not a Bloom level", "use " + ", ".join(BLOOM_ORDER))
    return b


def _archetype(text: str) -> str:
    a = text.strip().lower().removesuffix("s")
    badges = {x[0]: x for x in ARCHETYPES}
    a = badges.get(a, a)
    if a not in ARCHETYPES:
        raise BadParameter("archetype", f"{text!r} is not an archetype", "use " + ", ".join(ARCHETYPES))
    return a


#: A character that is not white space to Python (``str.strip``) nor to a JSON Schema's ECMAScript
#: ``\\s``: an outcome's text must hold one. Written out, since the two disagree (U+001C-U+001F, U+0085,
#: U+FEFF), so that the description and the check accept the same texts.
SPOKEN = "[^\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"


def _text(text: str) -> str:
    if re.search(SPOKEN, text) is None:
        raise BadParameter("text", "text is empty", "send the learning outcome's statement in text")
    if len(text) > 2000:
        raise BadParameter(
            "text", f"text is {len(text)} characters long", "send one outcome, at most 2,000 characters"
        )
    return text


def _codes(text: str) -> list[str]:
    return [p.strip() for p in text.replace(",", ";").split(";") if p.strip()]


#: The parameters of ``GET /api/suggest``, declared once: read here, described in the OpenAPI file.
GET_PARAMETERS = (
    Parameter(
        "text",
        {"type": "string", "minLength": 1, "maxLength": 2000, "pattern": SPOKEN},
        "The learning outcome's statement.",
        True,
        _text,
    ),
    Parameter(
        "bloomLevel",
        {"type": "string", "enum": list(BLOOM_ORDER)},
        "Its Bloom level (else read from its first verb).",
        False,
        _bloom,
    ),
    Parameter(
        "archetype",
        {"type": "string", "enum": list(ARCHETYPES)},
        "An archetype the course targets: capabilities badged for it rank higher.",
        False,
        _archetype,
    ),
    Parameter(
        "top",
        {"type": "integer", "minimum": 1, "maximum": TOP_MAX, "default": 5},
        "How many suggestions at most.",
        False,
        _top,
    ),
    Parameter(
        "alignedTo",
        {"type": "string"},
        "Capabilities it is aligned to already (notations separated by ';'), to be flagged if they look wrong.",
        False,
        _codes,
    ),
)
#: The query parameters of ``POST /api/suggest`` (besides ``name``, as for ``/api/validate``).
POST_PARAMETERS = (GET_PARAMETERS[3],)


def read_parameters(params: tuple[Parameter, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for p in params:
        raw = request.args.get(p.name)
        if raw is None:
            if p.required:
                raise BadParameter(p.name, f"{p.name} is missing", f"add ?{p.name}=… to the request")
            continue
        out[p.name] = p.read(raw)
    return out


def suggester() -> Suggester:
    """The suggester of the store's current framework (kept with its validator, one per state)."""
    validator = current_app.extensions["aiskills"]["validators"].for_store(store())
    return validator.suggester()  # type: ignore[no-any-return]


def _bad(exc: BadParameter) -> tuple[Any, int]:
    return jsonify(error=exc.message, source=None, place=f"query parameter {exc.name}", fix=exc.fix), 400


@suggest.get("/api/suggest")
def suggest_one() -> Any:
    """Suggestions for one outcome's text, in the same shape as for a whole submission."""
    try:
        p = read_parameters(GET_PARAMETERS)
    except BadParameter as exc:
        return _bad(exc)
    s = suggester()
    text, aligned = p["text"], p.get("alignedTo", [])
    ranking = s.score_all(
        text, bloom=p.get("bloomLevel"), archetypes=[p["archetype"]] if "archetype" in p else []
    )
    abstained = s.abstains(ranking)
    result = OutcomeSuggestions(
        Outcome(node="", id=None, statement=text, bloom=p.get("bloomLevel"), place=None, aligned=aligned),
        ranking.bloom,
        [] if abstained else s.suggestions(ranking, p.get("top", 5)),
        s.flags(ranking, aligned),
        abstained,
    )
    return jsonify(so.as_json([result], s))


@suggest.post("/api/suggest")
def suggest_submission() -> Any:
    """Suggestions for every outcome of a curriculum sent as to ``/api/validate``."""
    try:
        p = read_parameters(POST_PARAMETERS)
        submission = read_submission()
    except BadParameter as exc:
        return _bad(exc)
    except Refused as exc:
        return jsonify(exc.as_dict()), exc.status
    except InputError as exc:
        return jsonify(parse_error(exc)), 400
    s = suggester()
    return jsonify(so.as_json(so.suggest(submission, s, p.get("top", 5)), s))


# -- the browser: the designer's own file with her choices filled in --------------------------------


@suggest.get("/validate/fill")
def fill_form() -> Any:
    """The download is a form's answer: visited again (a bookmark, the back button), the report's page
    is where to start over."""
    return redirect(request.script_root + "/validate", 303)


#: Room beside the file in a fill request: its name and the ticked choices (OUTCOME|CODE each).
FILL_SLACK = 2 * 1024 * 1024


@suggest.post("/validate/fill")
def fill_download() -> Any:
    """The file the form carries back (``data``, base64, and ``name``), with each ticked ``choice``
    (``outcome|notation``) added to its outcome; in the file's own format, as a download. A refusal is
    the validation page with the reason for a browser, else JSON (``error``, ``source``, ``place``,
    ``fix``)."""
    # The file comes back as base64 (a third larger) beside the ticked choices: a file the page took
    # must come back whole, up to the upload limit.
    limit = settings().upload_max_bytes * 4 // 3 + FILL_SLACK
    request.max_content_length = limit
    request.max_form_memory_size = limit
    name = Path(request.form.get("name", "")).name
    try:
        try:
            data = base64.b64decode(request.form.get("data", ""), validate=True)
        except (binascii.Error, ValueError):
            raise InputError(
                "the file sent back is not base64",
                source=name,
                fix="validate the file again and tick the suggestions on its report",
            ) from None
        if not data or not name:
            raise InputError(
                "no file was sent back",
                fix="validate the file on /validate, then tick suggestions and download",
            )
        choices: dict[str, list[str]] = {}
        for value in request.form.getlist("choice"):
            node, _, code = value.rpartition("|")
            if not node or not code:
                raise InputError(
                    f"choice {value[:60]!r} names no outcome and code (OUTCOME|CODE)",
                    source=name,
                    fix="tick the suggestions on the report of this file",
                )
            choices.setdefault(node, []).append(code)
        submission = read_bytes(data, name, settings().upload_max_bytes)
        filled = fill(data, submission, choices, {c.notation for c in suggester().caps})
    except InputError as exc:
        if request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html":
            # a browser's form: the page, with the form, and a heading that says it was the download
            return page(error=parse_error(exc), status=400, error_title="Your file could not be filled in")
        return jsonify(parse_error(exc)), 400
    return Response(
        filled,
        mimetype=_MEDIA.get(Path(name).suffix.lower(), "application/octet-stream"),
        headers={"Content-Disposition": f'attachment; filename="{_safe(name)}"'},
    )


_MEDIA = {
    ".json": "application/json",
    ".jsonld": "application/ld+json",
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ttl": "text/turtle",
    ".nt": "application/n-triples",
    ".rdf": "application/rdf+xml",
    ".owl": "application/rdf+xml",
    ".xml": "application/rdf+xml",
}


def _safe(name: str) -> str:
    return "".join(c for c in name if c.isalnum() or c in "._- ") or "curriculum"
