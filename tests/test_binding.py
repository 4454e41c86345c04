"""``bind``: VALUES injection that no comment, IRI or string in the query can derail."""

from __future__ import annotations

import random
import re

import pyoxigraph as ox
import pytest

from aiskills.errors import QueryError
from aiskills.store.binding import bind, mask, query_form

EX = "http://example.org/"
HOSTILE = [
    'say "hi" } { # not a comment',
    "line one\nline two } # }\r\n'''\"\"\"",
    "back\\slash \\\" \\n }",
    "}",
    "{",
    "#",
    "",
]


def lit(value: str, **kw: object) -> ox.Literal:
    return ox.Literal(value, **kw)  # type: ignore[arg-type]


def iri(local: str) -> ox.NamedNode:
    return ox.NamedNode(EX + local)


# -- the rewritten text ------------------------------------------------------------------------
def test_values_block_goes_first_in_where_group() -> None:
    got = bind("SELECT ?s WHERE { ?s ?p ?o }", {"o": lit('a "b" }\n#')})
    assert got == 'SELECT ?s WHERE { VALUES (?o) { ("a \\"b\\" }\\n#") }  ?s ?p ?o }'


def test_several_variables_in_given_order() -> None:
    got = bind("ASK { ?s ?p ?o }", {"s": iri("a#b"), "o": lit("x", language="en-GB")})
    assert got == f'ASK {{ VALUES (?s ?o) {{ (<{EX}a#b> "x"@en-gb) }}  ?s ?p ?o }}'


@pytest.mark.parametrize("query, prefix", [
    # "{" inside IRIs (lenient: a server may accept them), including a PREFIX and a FROM
    ("PREFIX e: <urn:{x}/> SELECT * FROM <urn:g{1}> WHERE { ?s ?p ?o }",
     "PREFIX e: <urn:{x}/> SELECT * FROM <urn:g{1}> WHERE {"),
    ("BASE <http://x/{base}> SELECT * WHERE { ?s ?p ?o }", "BASE <http://x/{base}> SELECT * WHERE {"),
    # "{" inside comments
    ("# a comment { with } braces\nSELECT * # {\nWHERE { ?s ?p ?o }",
     "# a comment { with } braces\nSELECT * # {\nWHERE {"),
    # "{" inside each of the four string quote styles (in a DEFINE-like prologue is not SPARQL,
    # so inside projection expressions, which sit before the group)
    ("SELECT (\"{\" AS ?a) ('{' AS ?b) (\"\"\"{\n\"\"\" AS ?c) ('''{''' AS ?d) WHERE { ?s ?p ?o }",
     "SELECT (\"{\" AS ?a) ('{' AS ?b) (\"\"\"{\n\"\"\" AS ?c) ('''{''' AS ?d) WHERE {"),
    # escaped quotes inside strings
    ("SELECT (\"\\\"{\" AS ?a) ('\\'{' AS ?b) WHERE { ?s ?p ?o }",
     "SELECT (\"\\\"{\" AS ?a) ('\\'{' AS ?b) WHERE {"),
    # EXISTS { } inside a projection expression is not the WHERE group
    ("SELECT (EXISTS { ?s ?p ?o } AS ?e) WHERE { ?s ?p ?o }",
     "SELECT (EXISTS { ?s ?p ?o } AS ?e) WHERE {"),
    # no WHERE keyword
    ("SELECT * { ?s ?p ?o }", "SELECT * {"),
    # a prefix named like a keyword
    ("PREFIX select: <urn:x#> ASK { ?s select:p ?o }", "PREFIX select: <urn:x#> ASK {"),
])
def test_insertion_point_skips_iris_comments_and_strings(query: str, prefix: str) -> None:
    got = bind(query, {"o": lit("}")})
    assert got.startswith(prefix + ' VALUES (?o) { ("}") } ')
    assert got[len(prefix) + len(' VALUES (?o) { ("}") } '):] == query[len(prefix):]


def test_construct_template_is_skipped() -> None:
    got = bind("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", {"s": iri("a")})
    assert got == f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES (?s) {{ (<{EX}a>) }}  ?s ?p ?o }}"


def test_construct_where_short_form_is_spelled_out() -> None:
    got = bind("CONSTRUCT WHERE { ?s ?p ?o }", {"s": iri("a")})
    assert got == f"CONSTRUCT {{ ?s ?p ?o \n}} WHERE {{ VALUES (?s) {{ (<{EX}a>) }}  ?s ?p ?o \n}}"


def test_no_bindings_leaves_query_alone() -> None:
    assert bind("SELECT * WHERE { ?s ?p ?o", None) == "SELECT * WHERE { ?s ?p ?o"
    assert bind("garbage", {}) == "garbage"


@pytest.mark.parametrize("name", ["", "?x", "$x", "a b", "a-b", "x)", "x}", "x.y", "é\n", 3])
def test_bad_variable_names_are_refused(name: object) -> None:
    with pytest.raises(QueryError, match="not a SPARQL variable name"):
        bind("SELECT * WHERE { ?s ?p ?o }", {name: lit("x")})  # type: ignore[dict-item]


@pytest.mark.parametrize("name", ["x", "_x", "1x", "x_1", "été", "x\u00b7y", "名前"])
def test_good_variable_names_are_accepted(name: str) -> None:
    assert f"VALUES (?{name})" in bind("SELECT * WHERE { ?s ?p ?o }", {name: lit("x")})


def test_blank_nodes_cannot_be_bound() -> None:
    with pytest.raises(QueryError, match="only IRIs and literals"):
        bind("SELECT * WHERE { ?s ?p ?o }", {"s": ox.BlankNode("b")})


@pytest.mark.parametrize("query", ["DESCRIBE <urn:x>", "SELECT ?x", "nothing here"])
def test_query_without_where_group_is_refused(query: str) -> None:
    with pytest.raises(QueryError):
        bind(query, {"x": lit("x")})


def test_unterminated_string_is_refused() -> None:
    with pytest.raises(QueryError, match="unterminated string"):
        bind('SELECT * WHERE { ?s ?p "oops }', {"x": lit("x")})


def test_mask_keeps_length_and_blanks_everything_quoted() -> None:
    query = 'PREFIX e: <urn:{}> SELECT * WHERE { ?s e:p "{}" . # {}\n ?s ?p \'\'\'{\n}\'\'\' }'
    masked = mask(query)
    assert len(masked) == len(query)
    assert masked.count("{") == 1 and masked.count("}") == 1
    assert query_form(query) == ("SELECT", query.index("SELECT") + 6)


# -- the rewritten query answers like pyoxigraph's own substitutions -----------------------------
@pytest.fixture(scope="module")
def store() -> ox.Store:
    s = ox.Store()
    p, q = iri("p"), iri("q")
    for i, text in enumerate(HOSTILE):
        s.add(ox.Quad(iri(f"s{i}"), p, lit(text)))
        s.add(ox.Quad(iri(f"s{i}"), q, lit(f"{i}", datatype=ox.NamedNode(
            "http://www.w3.org/2001/XMLSchema#integer"))))
    s.add(ox.Quad(iri("t"), p, lit("Hello", language="en-GB")))
    s.add(ox.Quad(iri("t"), q, iri("a#{b}".replace("{", "%7B").replace("}", "%7D"))))
    return s


# pyoxigraph only substitutes variables that the SELECT projects, so every query projects ?s ?o.
QUERIES = [
    "SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o }",
    ("PREFIX e: <http://example.org/> # a { comment }\n"
    "SELECT ?s ?o ?n ('{' AS ?x) (\"}\" AS ?y) WHERE { # { here too\n"
    "  ?s e:p ?o . OPTIONAL { ?s e:q ?n } FILTER (?o != '''{}''' && ?o != \"\"\"}\"\"\") }"),
    ("SELECT ?s ?o (EXISTS { ?s <http://example.org/q> ?any } AS ?e) "
    "WHERE { ?s <http://example.org/p> ?o }"),
    "SELECT ?s ?o (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s ?o",
    "SELECT ?s ?o WHERE { { ?s <http://example.org/p> ?o } UNION { ?s <http://example.org/q> ?o } }",
    "ASK { ?s <http://example.org/p> ?o }",
    "CONSTRUCT { ?s <http://example.org/r> ?o } WHERE { ?s <http://example.org/p> ?o }",
    "CONSTRUCT WHERE { ?s <http://example.org/p> ?o }",
]


def answer(result: object) -> object:
    """A comparable form of any pyoxigraph query result."""
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        return names, sorted(str([sol[v] for v in names]) for sol in result)
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    return sorted(str(t) for t in result)  # type: ignore[attr-defined]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("value", [lit(t) for t in HOSTILE] + [
    lit("Hello", language="en-GB"), lit("nope"), iri("s0"), iri("t"),
])
def test_same_answer_as_pyoxigraph_substitutions(store: ox.Store, query: str, value: ox.Literal) -> None:
    name = "s" if isinstance(value, ox.NamedNode) else "o"
    bound = bind(query, {name: value})
    native = store.query(query, substitutions={ox.Variable(name): value})
    assert answer(store.query(bound)) == answer(native)


def test_two_variables_same_answer(store: ox.Store) -> None:
    query = "SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o }"
    values = {"s": iri("s1"), "o": lit(HOSTILE[1])}
    native = store.query(query, substitutions={ox.Variable(k): v for k, v in values.items()})
    got = answer(store.query(bind(query, values)))
    assert got == answer(native)
    assert got[1]  # type: ignore[index]  # the hostile value matched one row


def test_bindings_reach_sub_queries_that_use_them() -> None:
    """A parameter is bound inside each sub-SELECT that mentions it, as substitution would, so the
    sub-query reads only what the parameter names."""
    import pyoxigraph as ox

    from aiskills.store.binding import bind

    query = ("SELECT ?c ?n WHERE { ?c <http://ex/p> ?x . "
             "{ SELECT ?c (COUNT(*) AS ?n) WHERE { ?c <http://ex/q> ?y } GROUP BY ?c } "
             "{ SELECT ?other WHERE { ?other <http://ex/r> ?z } } }")
    bound = bind(query, {"c": ox.NamedNode("http://ex/a")})
    assert bound.count("VALUES (?c)") == 2
    assert "{ SELECT ?other WHERE { ?other" in bound
    store = ox.Store()
    for s, p in [("a", "p"), ("a", "q"), ("a", "q"), ("b", "p"), ("b", "q")]:
        store.add(ox.Quad(ox.NamedNode(f"http://ex/{s}"), ox.NamedNode(f"http://ex/{p}"), ox.Literal(f"{s}{p}{id(s)}")))
    store.add(ox.Quad(ox.NamedNode("http://ex/a"), ox.NamedNode("http://ex/q"), ox.Literal("second")))
    rows = [(r["c"].value, r["n"].value) for r in store.query(bind(query.replace(
        " { SELECT ?other WHERE { ?other <http://ex/r> ?z } }", ""), {"c": ox.NamedNode("http://ex/a")}))]
    assert rows == [("http://ex/a", "2")]


def _scan_mask(query: str) -> str:
    """The oracle for ``mask``: a scan from the left, one character at a time (what ``mask`` was)."""
    iriref = re.compile(r'<(?:[^<>"|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>')
    out, i, n = list(query), 0, len(query)
    while i < n:
        c = query[i]
        if c == "#":
            end = query.find("\n", i)
            end = n if end < 0 else end
        elif c == "<" and (m := iriref.match(query, i)):
            end = m.end()
        elif c in "'\"":
            quote = c * 3 if query.startswith(c * 3, i) else c
            j = i + len(quote)
            while True:
                if j >= n or (len(quote) == 1 and query[j] in "\r\n"):
                    raise QueryError(f"SPARQL syntax error: unterminated string starting at character {i}")
                if query[j] == "\\":
                    j += 2
                elif query.startswith(quote, j):
                    end = j + len(quote)
                    break
                else:
                    j += 1
        elif c == "\\":
            end = min(i + 2, n)
        else:
            i += 1
            continue
        out[i:end] = " " * (end - i)
        i = end
    return "".join(out)


def test_mask_blanks_exactly_what_a_scan_from_the_left_blanks() -> None:
    """``mask`` (one pass of a regular expression, so that megabytes of update data cost no Python
    loop) blanks what a scan of the text from the left, a character at a time, blanks, and refuses
    the same unterminated strings at the same character: 30,000 random texts of SPARQL's quoting
    characters, IRIs, escapes and line breaks."""
    rng = random.Random(11)
    pieces = ["#", "<", ">", "'", '"', "\\", "\n", "\r", "a", " ", "{", "}", ";", "'''", '"""', "''", '""',
              "<urn:x>", "<a b>", "\\u0041", "\\'", '\\"', "|", "^", "`"]
    refused = 0
    for _ in range(30_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        try:
            expected = _scan_mask(text)
        except QueryError as exc:
            refused += 1
            with pytest.raises(QueryError) as got:
                mask(text)
            assert str(got.value) == str(exc), text
            continue
        assert mask(text) == expected, repr(text)
    assert 1_000 < refused < 29_000  # both kinds of text were tried
