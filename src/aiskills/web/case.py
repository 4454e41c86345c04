"""``/ims/case/v1p1/…`` and ``/ims/case/v1p0/…``: a read-only 1EdTech CASE provider.

The twelve GET operations of CASE 1.1 (``CFDocuments`` with ``limit``, ``offset``, ``sort``, ``orderBy``,
``filter`` and ``fields``, ``X-Total-Count`` and ``Link``; the rest by identifier), and the 1.1
discovery document at ``/ims/case/v1p1/discovery``. Every framework version the store keeps is a
CFDocument. Errors are ``imsx_StatusInfo`` objects: ``ERRORS`` gives the status and the spec's codes of
what only CASE refuses; a domain error (a storage failure, a timeout, bad input) gets its status from
the app's one table, ``aiskills.web.errors.STATUS``, and is logged there when it is a 5xx. The
packages are built by ``aiskills.publishing.case``.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, current_app, request
from werkzeug.exceptions import MethodNotAllowed, NotFound

from aiskills.errors import InputError, StoreError
from aiskills.publishing.case import API_VERSIONS, KINDS, CaseIndex, api_base, for_api, store_packages
from aiskills.web import errors

case = Blueprint("case", __name__, url_prefix="/ims/case")

# -- errors: one table -----------------------------------------------------------------------------

#: What went wrong → (HTTP status, imsx_codeMajor, imsx_severity, imsx_codeMinorFieldValue).
ERRORS: dict[str, tuple[int, str, str, str]] = {
    "unknown": (404, "failure", "error", "unknownobject"),
    "invalid_uuid": (400, "failure", "error", "invalid_uuid"),
    "bad_selection": (400, "failure", "error", "invalid_selection_field"),
    "bad_sort": (400, "failure", "error", "invalid_sort_field"),
}
#: A domain error's imsx_codeMinorFieldValue by its status (from ``errors.STATUS``).
DOMAIN_MINOR = {400: "invalid_selection_field", 503: "server_busy"}


@dataclass
class CaseError(Exception):
    """A request the provider cannot answer: ``kind`` is a key of ``ERRORS``; ``field`` the parameter."""

    kind: str
    description: str
    field: str = "sourcedId"


def status_info(kind: str, description: str, field: str) -> Response:
    """The ``imsx_StatusInfo`` answer for ``kind`` (a key of ``ERRORS``)."""
    status, major, severity, minor = ERRORS[kind]
    return _status_info(status, major, severity, minor, description, field)


def _status_info(
    status: int, major: str, severity: str, minor: str, description: str, field: str
) -> Response:
    body = {
        "imsx_codeMajor": major,
        "imsx_severity": severity,
        "imsx_description": description,
        "imsx_codeMinor": {
            "imsx_codeMinorField": [{"imsx_codeMinorFieldName": field, "imsx_codeMinorFieldValue": minor}]
        },
    }
    return _json(body, status)


@case.errorhandler(CaseError)
def _case_error(exc: CaseError) -> Response:
    return status_info(exc.kind, exc.description, exc.field)


def _domain_error(exc: Exception, status: int, message: str) -> Response:
    """A domain error in ``imsx_StatusInfo`` shape; its status is the one table's (``errors.answer``)."""
    if isinstance(exc, StoreError):
        message, field = f"the store cannot be read now: {message}", "store"
    else:
        field = "request"
    minor = DOMAIN_MINOR.get(status, "internal_server_error")
    return _status_info(status, "failure", "error", minor, message, field)


errors.answer_in(case, _domain_error)


def routing_error(exc: NotFound | MethodNotAllowed) -> Response:
    """A request under ``/ims/case/`` that no route takes (an unknown path, or a method the service
    does not offer), in ``imsx_StatusInfo`` shape as every CASE error: routing errors never reach a
    blueprint's own handlers, so the app hands them here (``aiskills.web._errors``)."""
    if isinstance(exc, MethodNotAllowed):
        allowed = ", ".join(sorted(exc.valid_methods or ["GET"]))
        response = _status_info(
            405,
            "unsupported",
            "error",
            "forbidden",
            f"{request.method} is not offered here: use {allowed}",
            "method",
        )
        response.headers["Allow"] = allowed
        return response
    return status_info("unknown", f"there is no CASE service at {request.path}", "path")


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    data = json.dumps(body, ensure_ascii=False, indent=1) + "\n"
    response = Response(data, status=status, mimetype="application/json", headers=headers or {})
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "X-Total-Count, Link"
    return response


@case.after_request
def _preflight(response: Response) -> Response:
    """A browser's CORS preflight of a CASE request (which an OAuth2 client sends with its bearer
    token, as the CASE OpenAPI secures the operations) is allowed: reads only, from any origin."""
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Authorization, Accept"
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


# -- routes ----------------------------------------------------------------------------------------


def _index(api: str) -> CaseIndex:
    if api not in API_VERSIONS:
        raise CaseError("unknown", f"there is no CASE API version {api!r}: use v1p1 or v1p0", "api")
    settings = current_app.extensions["aiskills"]["settings"]
    store = current_app.extensions["aiskills"]["store"]
    base = api_base(settings.public_base, api)
    cache = current_app.extensions["aiskills"].setdefault("case_packages", {})  # content-addressed
    return CaseIndex(store_packages(store, base, cache), base)


@case.get("/<api>/CFDocuments")
def documents(api: str) -> Response:
    """``getAllCFDocuments``: every framework version (and the level, Bloom and archetype documents)."""
    docs = _index(api).documents()
    docs = _filter(docs, request.args.get("filter"))
    docs = _sort(docs, request.args.get("sort"), request.args.get("orderBy", "asc"))
    total = len(docs)
    limit, offset = _page_args()
    page = docs[offset : offset + limit] if limit is not None else docs[offset:]
    page = _fields(page, request.args.getlist("fields"))
    headers = {"X-Total-Count": str(total)}
    links = _links(total, limit, offset)
    if links:
        headers["Link"] = links
    return _json({"CFDocuments": for_api(page, api)}, headers=headers)


@case.get("/v1p1/discovery")
def discovery() -> Response:
    """The CASE 1.1 service discovery document: an OpenAPI 3 description of this provider."""
    return _json(discovery_document(request.host_url.rstrip("/") + request.script_root))


@case.get("/<api>/<kind>/<sourced_id>")
def by_identifier(api: str, kind: str, sourced_id: str) -> Response:
    """``getCFDocument``, ``getCFPackage``, ``getCFItem``, … : one object by its identifier."""
    if kind not in KINDS:
        raise CaseError(
            "unknown", f"there is no CASE endpoint {kind!r} (use one of {', '.join(KINDS)})", "path"
        )
    if not _is_uuid(sourced_id):
        raise CaseError("invalid_uuid", f"{sourced_id!r} is not a UUID (CASE identifiers are UUIDs)")
    found = _index(api).get(kind, sourced_id.lower())
    if found is None:
        raise CaseError("unknown", f"there is no {kind[2:-1]} with identifier {sourced_id}")
    return _json(for_api(found, api))


@case.get("/<api>/<path:rest>")
@case.get("/<path:rest>")
def unknown(rest: str, api: str | None = None) -> Response:
    raise CaseError("unknown", f"there is nothing at {request.path}: see /ims/case/v1p1/discovery", "path")


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return len(text) == 36


# -- list parameters -------------------------------------------------------------------------------


def _page_args() -> tuple[int | None, int]:
    def number(name: str, least: int) -> int | None:
        text = request.args.get(name)
        if text is None:
            return None
        if not text.isdigit() or int(text) < least:
            raise CaseError(
                "bad_selection", f"{name} must be a whole number of at least {least}, not {text!r}", name
            )
        return int(text)

    return number("limit", 1), number("offset", 0) or 0


def _sort(docs: list[dict[str, Any]], field: str | None, order: str) -> list[dict[str, Any]]:
    if order not in ("asc", "desc"):
        raise CaseError("bad_selection", f"orderBy must be asc or desc, not {order!r}", "orderBy")
    if field is None:
        return docs if order == "asc" else docs[::-1]
    if not any(isinstance(d.get(field), str) for d in docs) and field not in _DOCUMENT_FIELDS:
        raise CaseError(
            "bad_sort", f"CFDocuments cannot be sorted by {field!r}: sort by a field such as title", "sort"
        )
    return sorted(docs, key=lambda d: str(d.get(field, "")), reverse=order == "desc")


def _fields(docs: list[dict[str, Any]], fields: list[str]) -> list[dict[str, Any]]:
    """Only the named fields (and the required ones) of each document. ``fields`` is an array in
    the OpenAPI description (style form): ``fields=a&fields=b``, or ``fields=a,b`` as one value."""
    names = [f.strip() for value in fields for f in value.split(",") if f.strip()]
    if not names:
        return docs
    unknown = [n for n in names if n not in _DOCUMENT_FIELDS]
    if unknown:
        raise CaseError("bad_selection", f"CFDocuments have no field {unknown[0]!r}", "fields")
    keep = set(names) | _REQUIRED_FIELDS  # the required ones stay, so the answer is still a CFDocument
    return [{k: v for k, v in d.items() if k in keep} for d in docs]


_DOCUMENT_FIELDS = frozenset(
    [
        "identifier",
        "uri",
        "frameworkType",
        "caseVersion",
        "creator",
        "title",
        "lastChangeDateTime",
        "officialSourceURL",
        "publisher",
        "description",
        "subject",
        "subjectURI",
        "language",
        "version",
        "adoptionStatus",
        "statusStartDate",
        "statusEndDate",
        "licenseURI",
        "notes",
        "CFPackageURI",
    ]
)
_REQUIRED_FIELDS = frozenset(["identifier", "uri", "creator", "title", "lastChangeDateTime", "CFPackageURI"])
_CLAUSE = re.compile(r"\s*(\w+)\s*(!=|>=|<=|=|>|<|~)\s*'((?:[^']|'')*)'\s*")
_OPS: dict[str, Callable[[str, str], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "~": lambda a, b: b.lower() in a.lower(),
}


def _filter(docs: list[dict[str, Any]], text: str | None) -> list[dict[str, Any]]:
    """The 1EdTech filter: ``field op 'value'`` clauses joined by one of `` AND `` or `` OR ``."""
    if not text:
        return docs
    # the joiners outside the quoted values (a title may hold " AND "): each quote blanked, same length
    masked = re.sub(r"'(?:[^']|'')*'", lambda m: "'" + " " * (len(m.group()) - 2) + "'", text)
    if " OR " in masked and " AND " in masked:
        raise CaseError(
            "bad_selection",
            "the filter joins its clauses by both AND and OR: the 1EdTech filter has no parentheses, so "
            "join every clause by AND, or every clause by OR",
            "filter",
        )
    joiner = " OR " if " OR " in masked else " AND "
    cuts = [m.start() for m in re.finditer(re.escape(joiner), masked)]
    bounds = zip([0, *(c + len(joiner) for c in cuts)], [*cuts, len(text)], strict=True)
    tests = []
    for part in (text[a:b] for a, b in bounds):
        m = _CLAUSE.fullmatch(part)
        if not m or m.group(1) not in _DOCUMENT_FIELDS:
            raise CaseError(
                "bad_selection",
                f"cannot read the filter clause {part.strip()!r}: write field='value' (=, !=, >, >=, <, <=, ~), "
                "joined by AND or OR, with a CFDocument field",
                "filter",
            )
        tests.append((m.group(1), _OPS[m.group(2)], m.group(3).replace("''", "'")))
    pick = any if joiner == " OR " else all
    return [d for d in docs if pick(any(op(t, v) for t in _texts(d, f)) for f, op, v in tests)]


def _texts(doc: dict[str, Any], field: str) -> list[str]:
    """The texts a filter clause compares in ``doc``'s ``field``: its value, or each value of a list
    (``subject``); a field that holds an object (a LinkURI) is refused, naming it."""
    value = doc.get(field, "")
    values = value if isinstance(value, list) else [value]
    if any(isinstance(v, dict) for v in values):
        raise CaseError(
            "bad_selection",
            f"the filter cannot compare {field}, which holds an object (a LinkURI): filter on a text field "
            "such as title, version, subject or adoptionStatus",
            "filter",
        )
    return [str(v) for v in values]


def _links(total: int, limit: int | None, offset: int) -> str:
    """The ``Link`` header: first, last, and next and prev where there are such pages."""
    if limit is None:
        return ""
    last = max(0, (total - 1) // limit * limit)
    pages = {"first": 0, "last": last}
    if offset + limit < total:
        pages["next"] = offset + limit
    if offset > 0:
        pages["prev"] = max(0, offset - limit)
    kept = {k: v for k, v in request.args.items() if k not in ("offset", "limit")}
    return ", ".join(
        f'<{request.base_url}?{urlencode({**kept, "limit": limit, "offset": at})}>; rel="{rel}"'
        for rel, at in pages.items()
    )


# -- discovery -------------------------------------------------------------------------------------

OFFICIAL = "https://purl.imsglobal.org/spec/case/v1p1/schema/openapi/imscasev1p1_openapi3_v1p0.json"
#: Path → (operationId, response schema in the official description).
OPERATIONS: dict[str, tuple[str, str]] = {
    "/CFDocuments": ("getAllCFDocuments", "CFDocumentSetDType"),
    "/CFDocuments/{sourcedId}": ("getCFDocument", "CFDocumentDType"),
    "/CFPackages/{sourcedId}": ("getCFPackage", "CFPackageDType"),
    "/CFItems/{sourcedId}": ("getCFItem", "CFItemDType"),
    "/CFItemAssociations/{sourcedId}": ("getCFItemAssociations", "CFAssociationSetDType"),
    "/CFAssociations/{sourcedId}": ("getCFAssociation", "CFAssociationDType"),
    "/CFAssociationGroupings/{sourcedId}": ("getCFAssociationGrouping", "CFAssociationGroupingDType"),
    "/CFConcepts/{sourcedId}": ("getCFConcept", "CFConceptSetDType"),
    "/CFItemTypes/{sourcedId}": ("getCFItemType", "CFItemTypeSetDType"),
    "/CFSubjects/{sourcedId}": ("getCFSubject", "CFSubjectSetDType"),
    "/CFLicenses/{sourcedId}": ("getCFLicense", "CFLicenseDType"),
    "/CFRubrics/{sourcedId}": ("getCFRubric", "CFRubricDType"),
}


def discovery_document(host: str) -> dict[str, Any]:
    """An OpenAPI 3.0 description of this provider's twelve operations; the schemas are the official
    CASE 1.1 ones, referenced by their published address."""

    def ref(name: str) -> dict[str, Any]:
        return {
            "content": {"application/json": {"schema": {"$ref": f"{OFFICIAL}#/components/schemas/{name}"}}}
        }

    error = {"description": "imsx_StatusInfo: what went wrong", **ref("imsx_StatusInfoDType")}
    paths: dict[str, Any] = {}
    for path, (op, schema) in OPERATIONS.items():
        params: list[dict[str, Any]]
        if "{sourcedId}" in path:
            params = [{"name": "sourcedId", "in": "path", "required": True, "schema": {"type": "string"}}]
        else:
            params = [
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}},
                {"name": "sort", "in": "query", "schema": {"type": "string"}},
                {"name": "orderBy", "in": "query", "schema": {"type": "string", "enum": ["asc", "desc"]}},
                {"name": "filter", "in": "query", "schema": {"type": "string"}},
                {"name": "fields", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}},
            ]
        ok: dict[str, Any] = {"description": "The object(s) asked for", **ref(schema)}
        if path == "/CFDocuments":
            ok["headers"] = {
                "X-Total-Count": {"schema": {"type": "integer"}},
                "Link": {"schema": {"type": "string"}},
            }
        paths[path] = {
            "get": {
                "operationId": op,
                "parameters": params,
                "responses": {"200": ok, "400": error, "404": error, "default": error},
            }
        }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "aiskills CASE 1.1 provider",
            "version": "1.1",
            "description": "Read-only Competencies and Academic Standards Exchange (CASE) 1.1 service of the "
            "AI and digital healthcare capability framework; CASE 1.0 answers at /ims/case/v1p0.",
        },
        "servers": [{"url": f"{host}/ims/case/v1p1"}],
        "paths": paths,
    }


# -- CTDL-ASN nodes --------------------------------------------------------------------------------

ctdl = Blueprint("ctdl", __name__, url_prefix="/ctdl")


def _ctdl_document() -> dict[str, Any]:
    from aiskills.loading import current_framework
    from aiskills.publishing.case import store_mappings
    from aiskills.publishing.ctdl import ctdl_document, store_curricula

    store = current_app.extensions["aiskills"]["store"]
    framework = current_framework(store)
    if framework is None:
        abort(404)
    try:
        return ctdl_document(framework.triples, store_mappings(store), store_curricula(store))
    except InputError:
        abort(404)  # the framework has resources without a CTID: there are no CTDL-ASN nodes to serve


@ctdl.get("")
def ctdl_all() -> Response:
    """The current framework (and stored curricula) as one CTDL-ASN JSON-LD document."""
    return _jsonld(_ctdl_document())


@ctdl.get("/<ctid>")
def ctdl_node(ctid: str) -> Response:
    """One CTDL-ASN node (the framework or a competency) by its CTID, with the CTDL-ASN context."""
    document = _ctdl_document()
    for node in document["@graph"]:
        if node.get("ceterms:ctid") == ctid:
            return _jsonld({"@context": document["@context"], **node})
    abort(404)


def _jsonld(body: dict[str, Any]) -> Response:
    response = _json(body)
    response.mimetype = "application/ld+json"
    return response
