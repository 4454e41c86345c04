"""Validation in the browser (``/validate``) and over HTTP (``POST /api/validate``).

A curriculum arrives as a multipart upload (field ``file``; the format from its file name), as pasted
text (form fields ``text`` and ``format``), or as a raw body whose ``Content-Type`` names the format
(``?name=`` names it). Bodies over ``Settings.upload_max_bytes`` are refused (413) from
``Content-Length`` before they are read, and by a cap while reading when the length is not given.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, jsonify, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge

from aiskills import alignment
from aiskills import namespaces as ns
from aiskills.errors import InputError
from aiskills.rdf import term_value
from aiskills.submission.model import Submission
from aiskills.submission.readers import EXTENSIONS, FORMAT_ADVICE, format_advice, read_bytes
from aiskills.suggestions import outcomes as suggested
from aiskills.suggestions.outcomes import OutcomeSuggestions
from aiskills.validation import render
from aiskills.validation.report import Report, Result
from aiskills.web.context import settings, store

validate = Blueprint("validate", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = {
    "application/json": ".json",
    "application/ld+json": ".jsonld",
    "text/csv": ".csv",
    "text/turtle": ".ttl",
    "application/rdf+xml": ".rdf",
    "application/n-triples": ".nt",
    XLSX: ".xlsx",
}
FORMATS = {"json": ".json", "jsonld": ".jsonld", "csv": ".csv", "ttl": ".ttl", "rdf": ".rdf", "nt": ".nt"}
FORMAT_NAMES = {
    "json": "JSON",
    "jsonld": "JSON-LD",
    "csv": "CSV",
    "ttl": "Turtle",
    "rdf": "RDF/XML",
    "nt": "N-Triples",
}
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
FORM_SLACK = 64 * 1024  # multipart boundaries and headers around the file itself
_CHUNK = 64 * 1024


class Refused(Exception):
    """A request that cannot be validated: 400 (nothing sent), 413 (too large) or 415 (unknown type)."""

    def __init__(self, status: int, error: str, fix: str, source: str | None = None) -> None:
        super().__init__(error)
        self.status, self.error, self.fix, self.source = status, error, fix, source

    def as_dict(self) -> dict[str, object]:
        return {"error": self.error, "source": self.source, "place": None, "fix": self.fix}


# -- reading the request ---------------------------------------------------------------------------


def too_large(limit: int, source: str | None = None) -> Refused:
    return Refused(
        413,
        f"the curriculum is larger than the limit of {limit / 1e6:.0f} MB",
        source=source,
        fix="split the curriculum or remove what is not part of it",
    )


def unsupported(what: str, source: str | None = None) -> Refused:
    """415 for a file, a pasted format or a body type this tool does not read; a file of a kind with
    a known export (an ``.ods``, an ``.xls``) gets that export as its fix."""
    ext = Path(source or "").suffix.lower()
    if ext in FORMAT_ADVICE:
        return Refused(415, f"{what} is not a curriculum format", source=source, fix=format_advice(ext))
    return Refused(
        415,
        f"{what} is not a curriculum format",
        source=source,
        fix="send a file named .json, .jsonld, .csv, .xlsx, .ttl, .nt or .rdf; paste with format "
        + ", ".join(FORMATS)
        + "; or a body typed "
        + ", ".join(MEDIA_TYPES),
    )


def read_capped(stream: Any, limit: int, source: str | None = None) -> bytes:
    """Read at most ``limit`` bytes; one byte more is a 413 (the rest is never read)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(min(_CHUNK, limit + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise too_large(limit, source)


def incoming() -> tuple[bytes, str]:
    """The submitted bytes and a file name that gives their format. Raises ``Refused``."""
    limit = settings().upload_max_bytes
    form = request.mimetype in FORM_TYPES
    length = request.content_length
    if length is not None and length > limit + (FORM_SLACK if form else 0):
        raise too_large(limit)
    try:
        return _from_form(limit) if form else _from_body(limit)
    except RequestEntityTooLarge:
        raise too_large(limit) from None


def _from_form(limit: int) -> tuple[bytes, str]:
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        name = Path(upload.filename).name or "upload"
        if Path(name).suffix.lower() not in EXTENSIONS:
            raise unsupported(f"the file name {name!r}", source=name)
        return read_capped(upload.stream, limit, name), name
    text = request.form.get("text", "")
    if text.strip():
        fmt = (request.form.get("format") or "").strip().lower()
        if fmt not in FORMATS:
            raise unsupported(f"the format {fmt or '(none)'!r}", source="pasted text")
        data = text.encode("utf-8")
        if len(data) > limit:
            raise too_large(limit, "pasted text")
        return data, f"pasted{FORMATS[fmt]}"
    raise Refused(
        400,
        "no curriculum was sent",
        source=None,
        fix="choose a file to upload (the field 'file'), or paste the curriculum (the field 'text') and "
        "choose its format ('format')",
    )


def _from_body(limit: int) -> tuple[bytes, str]:
    ext = MEDIA_TYPES.get(request.mimetype)
    if ext is None:
        raise unsupported(f"the Content-Type {request.mimetype or '(none)'!r}")
    name = Path(request.args.get("name") or "body").name or "body"
    if Path(name).suffix.lower() != ext:
        name += ext
    data = read_capped(request.stream, limit, name)
    if not data:
        raise Refused(400, "the request body is empty", source=name, fix="send the curriculum as the body")
    return data, name


def read_submission() -> Submission:
    """The request's curriculum, read; ``Refused`` or ``SubmissionError`` when it cannot be."""
    data, name = incoming()
    return read_bytes(data, name, settings().upload_max_bytes)


def parse_error(exc: InputError) -> dict[str, object]:
    return {"error": exc.message, "source": exc.source, "place": exc.place, "fix": exc.fix}


# -- the report ------------------------------------------------------------------------------------


#: Outcomes offered suggestions on the report page, at most: a sheet of 40,000 unplaced outcomes would
#: otherwise make a page of tens of megabytes that no browser opens (the rest: ``aiskills suggest``).
ADVICE_SHOWN = 200


@dataclass
class Checked:
    """A validated submission: the report and each target archetype's coverage."""

    submission: Submission
    report: Report
    coverage: list[alignment.Coverage]
    statements: dict[str, str] = field(default_factory=dict)  # capability code → statement
    advice: list[OutcomeSuggestions] = field(default_factory=list)  # outcomes to offer suggestions for
    advice_left: int = 0  # outcomes that need attention beyond those shown (``ADVICE_SHOWN``)
    original: str = ""  # the file as sent, base64, for the form that fills in the chosen suggestions

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = json.loads(render.as_json(self.report))
        out["coverage"] = [c.as_dict() for c in self.coverage]
        return out


def check(submission: Submission) -> Checked:
    """Validate against the store's framework (the bundled one if it holds none); nothing is stored."""
    s = store()
    validator = current_app.extensions["aiskills"]["validators"].for_store(s)
    report = validator.validate(submission)
    return Checked(
        submission,
        report,
        alignment.submission_coverage(validator.framework, submission.triples),
        validator.statements,
    )


@validate.post("/api/validate")
def api_validate() -> Any:
    """200 with the JSON report and coverage; 400 unreadable (with the place), 413, 415."""
    try:
        checked = check(read_submission())
    except Refused as exc:
        return jsonify(exc.as_dict()), exc.status
    except InputError as exc:
        return jsonify(parse_error(exc)), 400
    return jsonify(checked.as_dict())


# -- the page --------------------------------------------------------------------------------------


@dataclass
class Group:
    """The results about one item (the curriculum, a module or an outcome); outcomes nest in modules."""

    kind: str
    label: str
    id: str | None
    results: list[Result] = field(default_factory=list)
    outcomes: list[Group] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.results) + sum(o.count for o in self.outcomes)


def groups(checked: Checked) -> list[Group]:
    """Results grouped by item in file order; each outcome's group inside its module's."""
    parent = {
        term_value(t.object): term_value(t.subject)
        for t in checked.submission.triples
        if term_value(t.predicate) == ns.AIS + "hasLearningOutcome"
    }
    by_key: dict[tuple[str, str], Group] = {}
    top: list[Group] = []
    for r in checked.report.results:
        key = (r.item.kind, r.item.id or r.item.title or "")
        if key not in by_key:
            by_key[key] = Group(r.item.kind, r.item.label(), r.item.id)
            module_id = parent.get(r.item.id or "") if r.item.kind == "outcome" else None
            if module_id is not None:
                module_key = ("module", module_id)
                if module_key not in by_key:
                    by_key[module_key] = Group("module", _module_label(checked, module_id), module_id)
                    top.append(by_key[module_key])
                by_key[module_key].outcomes.append(by_key[key])
            else:
                top.append(by_key[key])
        by_key[key].results.append(r)
    return top


def _module_label(checked: Checked, module_id: str) -> str:
    for t in checked.submission.triples:
        if term_value(t.subject) == module_id and term_value(t.predicate) == ns.DCT + "title":
            return f"module '{term_value(t.object)}'"
    return f"module {module_id}"


def _storable(checked: Checked, data: bytes, name: str) -> dict[str, object] | None:
    """What the page needs to offer storing a conformant curriculum: the bytes (base64, sent back as
    they came), the file name, and whether this server takes writes at all."""
    import base64

    from aiskills.web.auth import current_tokens, writes_enabled

    if not checked.report.conforms:
        return None
    return {
        "data": base64.b64encode(data).decode("ascii"),
        "name": name,
        "writes": writes_enabled(current_tokens()),
    }


def page(
    checked: Checked | None = None,
    error: dict[str, object] | None = None,
    status: int = 200,
    pasted: str = "",
    fmt: str = "json",
    stored: dict[str, object] | None = None,
    error_title: str | None = None,
) -> tuple[str, int]:
    """The validation page: the form, with the report, or with ``error`` under ``error_title`` (by
    default "The curriculum could not be read"); the page's title says the outcome too."""
    return render_template(
        "validate.html",
        checked=checked,
        groups=groups(checked) if checked else [],
        report=checked.report if checked else None,
        error=error,
        error_title=error_title,
        formats=FORMAT_NAMES,
        pasted=pasted,
        chosen=fmt,
        limit_mb=settings().upload_max_bytes / 1e6,
        headline=render.headline(checked.report) if checked else "",
        storable=stored,
    ), status


@validate.get("/validate")
def validate_form() -> tuple[str, int]:
    """The form: upload a file or paste text."""
    return page()


@validate.post("/validate")
def validate_page() -> tuple[str, int]:
    """The report for the uploaded or pasted curriculum (or the reason it could not be read); a clean
    report offers to store the same bytes through ``POST /api/curricula``."""
    pasted = _pasted()
    fmt = request.form.get("format", "json") if pasted else "json"
    try:
        data, name = incoming()
        checked = check(read_bytes(data, name, settings().upload_max_bytes))
    except Refused as exc:
        return page(error=exc.as_dict(), status=exc.status, pasted=pasted, fmt=fmt)
    except InputError as exc:
        return page(error=parse_error(exc), status=400, pasted=pasted, fmt=fmt)
    validator = current_app.extensions["aiskills"]["validators"].for_store(store())
    found = suggested.suggest(checked.submission, validator.suggester())
    attention = [r for r in found if r.needs_attention]
    checked.advice, checked.advice_left = attention[:ADVICE_SHOWN], max(len(attention) - ADVICE_SHOWN, 0)
    checked.original = base64.b64encode(data).decode("ascii") if checked.advice else ""
    return page(checked, pasted=pasted, fmt=fmt, stored=_storable(checked, data, name))


def _pasted() -> str:
    """The pasted text, to show again in the form (none when the body is too large to parse)."""
    length = request.content_length
    if request.mimetype not in FORM_TYPES or (
        length is not None and length > settings().upload_max_bytes + FORM_SLACK
    ):
        return ""
    try:
        return request.form.get("text", "")
    except RequestEntityTooLarge:
        return ""
