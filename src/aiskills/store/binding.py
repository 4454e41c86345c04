"""Pre-binding of query variables for SPARQL servers that take no bindings of their own.

``bind`` adds a ``VALUES`` block as the first element of the query's top-level WHERE group, and of
every sub-SELECT's WHERE group that uses a bound variable (as substitution would bind it there). Terms
are written by pyoxigraph (N-Triples syntax, every quote, backslash and newline escaped) and the
insertion point is found on a copy of the query whose comments, IRIs and string literals are
blanked out, so nothing inside them can be mistaken for syntax.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import pyoxigraph as ox

from aiskills.errors import QueryError

_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff"
    "\u200c-\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
    "\U00010000-\U000effff"
)
#: SPARQL 1.1 grammar rule [166] VARNAME.
VARNAME = re.compile(f"[{_PN_CHARS_BASE}_0-9][{_PN_CHARS_BASE}_0-9\u00b7\u0300-\u036f\u203f-\u2040]*")
#: An IRI reference, leniently: ``{`` and ``}`` are accepted inside (some servers do) so they
#: are never taken for a group; UCHAR escapes (\u00E9) are part of the IRI.
_IRIREF = re.compile(r'<(?:[^<>"|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>')
_FORM = re.compile(r"(?<![\w:?$])(SELECT|CONSTRUCT|DESCRIBE|ASK)(?![\w:\-])", re.IGNORECASE)
_WHERE = re.compile(r"\s*WHERE(?![\w:\-])", re.IGNORECASE)


def bind(query: str, bindings: Mapping[str, ox.NamedNode | ox.BlankNode | ox.Literal] | None) -> str:
    """``query`` with ``bindings`` (variable name, without ``?``, to term) as a ``VALUES`` block.

    Raises ``QueryError`` for a name that is not a SPARQL variable name, a term that ``VALUES``
    cannot hold (blank nodes), or a query without a WHERE group.
    """
    if not bindings:
        return query
    return insert_into_where(_bind_subqueries(query, bindings), values_block(bindings))


_SUBSELECT = re.compile(r"\{\s*SELECT(?![\w:\-])", re.IGNORECASE)


def _bind_subqueries(query: str, bindings: Mapping[str, ox.NamedNode | ox.BlankNode | ox.Literal]) -> str:
    """Bind inside every sub-SELECT too, so that a parameter reaches the sub-queries that use it
    (as substitution would): a sub-query's variables are its own, and a ``VALUES`` block in the outer
    group would only filter its results after the sub-query has computed them all."""
    masked = mask(query)
    inserts: list[tuple[int, str]] = []
    for m in _SUBSELECT.finditer(masked):
        brace = group_start(masked, m.end())
        end = group_end(masked, brace)
        body = masked[brace:end]
        used = {k: v for k, v in bindings.items() if re.search(rf"[?$]{re.escape(k)}(?![\w])", body)}
        if used:
            inserts.append((brace + 1, values_block(used)))
    for at, text in sorted(inserts, reverse=True):
        query = query[:at] + text + query[at:]
    return query


def insert_into_where(query: str, text: str) -> str:
    """``query`` with ``text`` put first in its top-level WHERE group.

    A ``CONSTRUCT`` template is skipped; the ``CONSTRUCT WHERE`` short form is spelled out
    (its pattern doubles as the template) so that ``text`` goes into the pattern only.
    """
    masked = mask(query)
    form, start = query_form(query, masked)
    if form == "CONSTRUCT":
        return _insert_construct(query, masked, start, text)
    brace = group_start(masked, start)
    return query[: brace + 1] + text + query[brace + 1 :]


def query_form(query: str, masked: str | None = None) -> tuple[str, int]:
    """The query form keyword (upper case) and the index just past it."""
    form = _FORM.search(mask(query) if masked is None else masked)
    if form is None:
        raise QueryError("SPARQL syntax error: no SELECT, CONSTRUCT, DESCRIBE or ASK found")
    return form.group(1).upper(), form.end()


def check_name(name: object) -> str:
    """``name`` if it is a SPARQL variable name (VARNAME), else ``QueryError``."""
    if not isinstance(name, str) or VARNAME.fullmatch(name) is None:
        raise QueryError(
            f"cannot bind {name!r}: not a SPARQL variable name "
            "(give the name without '?', letters, digits and '_')"
        )
    return name


def values_block(bindings: Mapping[str, ox.NamedNode | ox.BlankNode | ox.Literal]) -> str:
    """`` VALUES (?a ?b) { (<term> <term>) } `` for one row of bindings."""
    names, terms = [], []
    for name, term in bindings.items():
        check_name(name)
        if not isinstance(term, (ox.NamedNode, ox.Literal)):
            raise QueryError(f"cannot bind ?{name} to {term!r}: only IRIs and literals can be bound")
        names.append(f"?{name}")
        terms.append(str(term))
    return f" VALUES ({' '.join(names)}) {{ ({' '.join(terms)}) }} "


#: What ``mask`` blanks, each alternative told apart by the character it starts with (so the leftmost
#: match is the one a scan from the left finds): a comment to the end of its line, an IRI, a long
#: string (to the first closing triple quote that is not escaped), a short string (escapes included,
#: no line break), an escaped character of a prefixed name (PN_LOCAL_ESC).
_TOKEN = (
    r"#[^\n]*"
    rf"|{_IRIREF.pattern}"
    r"|'''(?:\\.|[^\\])*?'''"
    r'|"""(?:\\.|[^\\])*?"""'
    r"|'(?!'')(?:\\.|[^\\'\r\n])*'"
    r'|"(?!"")(?:\\.|[^\\"\r\n])*"'
    r"|\\.?"
)
#: A run of such tokens with only spaces between them (blanked too, which changes nothing; a triple's
#: three terms are one match), or a quote that starts no whole string: an unterminated one.
_MASKED = re.compile(rf"(?:{_TOKEN})(?: *(?:{_TOKEN}))*|(?P<unterminated>['\"])", re.DOTALL)


def mask(query: str) -> str:
    """``query`` with comments, IRIs and string literals replaced by spaces (same length), in one
    pass of ``_MASKED`` (an update can carry megabytes of data: no Python loop over its characters)."""
    return _MASKED.sub(_blank, query)


def _blank(found: re.Match[str]) -> str:
    if found.lastgroup == "unterminated":
        raise QueryError(f"SPARQL syntax error: unterminated string starting at character {found.start()}")
    return " " * (found.end() - found.start())


def group_start(masked: str, start: int) -> int:
    """Index of the first ``{`` at parenthesis depth 0 from ``start`` (skips ``EXISTS {…}``
    inside projection expressions)."""
    depth = 0
    for i in range(start, len(masked)):
        c = masked[i]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "{" and depth == 0:
            return i
    raise QueryError("SPARQL syntax error: the query has no WHERE group")


def group_end(masked: str, brace: int) -> int:
    """Index of the ``}`` that closes the group opened at ``brace``."""
    depth = 0
    for i in range(brace, len(masked)):
        if masked[i] == "{":
            depth += 1
        elif masked[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    raise QueryError("SPARQL syntax error: unbalanced braces")


def _insert_construct(query: str, masked: str, start: int, text: str) -> str:
    """Insert ``text`` into the pattern of the CONSTRUCT query whose keyword ends at ``start``."""
    short = _WHERE.match(masked, start)
    brace = group_start(masked, start)
    if short is None:  # CONSTRUCT { template } WHERE { pattern }
        brace = group_start(masked, group_end(masked, brace) + 1)
        return query[: brace + 1] + text + query[brace + 1 :]
    end = group_end(masked, brace)
    pattern = query[brace + 1 : end]
    return query[:start] + " {" + pattern + "\n} WHERE {" + text + pattern + "\n}" + query[end + 1 :]


def resolve_iris(prologue: str, tokens: Sequence[str], base_iri: str | None) -> dict[str, str | QueryError]:
    """Each of ``tokens`` (an IRI, a relative IRI or a prefixed name, as written in a query or update)
    as the full IRI it stands for, its ``prologue`` (PREFIX and BASE declarations) and ``base_iri``
    applied by pyoxigraph's parser, or the ``QueryError`` saying why it stands for no IRI. One parse
    for all of them when all are IRIs; one each otherwise, so that each refusal names its token."""
    unique = list(dict.fromkeys(tokens))

    def parsed(some: Sequence[str]) -> dict[str, str | QueryError]:
        values = " ".join(f"({i} {token})" for i, token in enumerate(some))
        probe = f"{prologue}\nSELECT ?i ?g WHERE {{ VALUES (?i ?g) {{ {values} }} }}"
        found: dict[str, str | QueryError] = {}
        for row in ox.Store().query(probe, base_iri=base_iri):  # type: ignore[union-attr]
            token, term = some[int(row["i"].value)], row["g"]
            found[token] = (
                term.value if isinstance(term, ox.NamedNode) else QueryError(f"{token}: not an IRI")
            )
        return found

    if not unique:
        return {}
    try:
        return parsed(unique)
    except SyntaxError:
        found: dict[str, str | QueryError] = {}
        for token in unique:
            try:
                found.update(parsed([token]))
            except SyntaxError as exc:
                found[token] = QueryError(f"{token}: not an IRI ({exc})")
        return found
