"""Alignment suggestions: the ranker (acronyms, abstention, flags, offline word vectors), the alias
columns of the framework template, ``aiskills suggest``, ``GET``/``POST /api/suggest``, the
``outcome-alignment`` fix, and the designer's own file filled in with her choices in each format."""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support.curricula import WRITERS, base, turtle_with_one_outcome

from aiskills import loading, suggestions
from aiskills.config import Settings
from aiskills.errors import InputError
from aiskills.framework import bundle
from aiskills.framework.model import capability_rows
from aiskills.framework.template import LABEL_COLUMNS, write_csv, write_xlsx
from aiskills.store.embedded import EmbeddedStore
from aiskills.submission.readers import read_bytes
from aiskills.suggestions import outcomes as so
from aiskills.suggestions.fill import fill
from aiskills.suggestions.ranker import Suggester
from aiskills.validation.engine import validator_for
from aiskills.web import create_app
from aiskills.web.suggest import GET_PARAMETERS

#: The codes of the bundled framework's capabilities in use: what the fill may write.
CODES = frozenset(c.notation for c in validator_for(None).suggester().caps)


@pytest.fixture(scope="module")
def suggester() -> Suggester:
    return validator_for(None).suggester()


@pytest.fixture(scope="module")
def store() -> Iterator[EmbeddedStore]:
    s = EmbeddedStore(None)
    loading.load_bundled(s)
    yield s
    s.close()


@pytest.fixture(scope="module")
def app(store: EmbeddedStore) -> Flask:
    return create_app(Settings.from_env({}), store=store)


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def unaligned() -> dict:  # type: ignore[type-arg]
    """base() with a second outcome in module 2 that has no alignment."""
    doc = base()
    doc["modules"][1]["learningOutcomes"].append(
        {"statement": "Complete a DPIA before a new AI tool processes patient data", "bloomLevel": "apply"}
    )
    return doc


# -- the ranker ------------------------------------------------------------------------------------


def test_an_acronym_is_read_as_its_expansion_and_named_in_the_reason(suggester: Suggester) -> None:
    found = suggester.rank("Complete a DPIA for a new clinical system", top=3)
    assert found[0].notation in {"3.2-09", "3.2-04"}
    assert "DPIA" in found[0].reason and "data protection impact assessment" in found[0].reason
    assert 0 <= found[-1].score <= found[0].score <= 1


def test_an_outcome_outside_the_framework_gets_no_suggestion_and_a_reason(suggester: Suggester) -> None:
    ranking = suggester.score_all("Perform safe venepuncture on an adult patient")
    assert suggester.rank("Perform safe venepuncture on an adult patient") == []
    why = suggester.abstains(ranking)
    assert why is not None and "not about the framework's topics" in why


@pytest.mark.parametrize(("text", "expected"), [
    ("Explain to patients how an AI triage tool reached its recommendation", "6.2-05"),
    ("Use ChatGPT safely without putting patient data into it", "6.1-07"),
])
def test_a_plainly_worded_outcome_about_ai_gets_the_nearest_capabilities(
    suggester: Suggester, text: str, expected: str
) -> None:
    """A designer's plain wording matches no capability closely (scores 0.11 and 0.17): it had been
    told it was not about the framework's topics, although it names AI; one that names the subject
    now gets the nearest capabilities down to a lower cut, one that does not still gets none."""
    found = suggester.rank(text)
    assert found and found[0].notation == expected
    assert suggester.weights.topical_threshold <= found[-1].score < suggester.weights.threshold
    clinical = suggester.score_all("Perform safe venepuncture on an adult patient")
    assert clinical.cut == suggester.weights.threshold and suggester.suggestions(clinical, 5) == []


@pytest.mark.parametrize("text", [
    "Complete online fire safety training",
    "Measure blood pressure with a digital sphygmomanometer",
    "Record a 12-lead ECG using the digital ECG machine",
])
def test_a_clinical_outcome_that_names_a_device_or_a_website_still_gets_none(suggester: Suggester, text: str) -> None:
    """'digital', 'online' and 'machine' alone do not make an outcome about AI: these had been given
    capabilities about AI training and human factors at scores of 0.10-0.14."""
    assert suggester.rank(text) == []


def test_an_outcome_about_ai_that_nothing_comes_near_says_so(suggester: Suggester) -> None:
    ranking = suggester.score_all("Discuss with a patient why the computer flagged their X-ray")
    why = suggester.abstains(ranking)
    assert why is not None and why.startswith("no capability comes near its statement")


def test_archetype_and_bloom_change_the_order(suggester: Suggester) -> None:
    plain = [s.notation for s in suggester.rank("clinical safety case and hazard log", top=10)]
    created = [s.notation for s in suggester.rank("clinical safety case and hazard log", top=10, bloom="create")]
    assert plain != created or created[0] == "3.2-10"
    assert created[0] in {"3.2-10", "3.2-11"}  # the create-level capabilities about safety cases


def test_a_wrong_alignment_is_flagged_with_a_replacement(suggester: Suggester) -> None:
    ranking = suggester.score_all("Explain how ransomware and phishing threaten NHS organisations")
    flags = suggester.flags(ranking, ["6.4-02"])  # robotic process automation, same Bloom level
    assert [f.kind for f in flags] == ["unlikely"]
    assert flags[0].suggested == "5.2-01"
    assert suggester.flags(ranking, ["5.2-01"]) == []


def test_an_alignment_far_from_the_outcomes_bloom_level_is_flagged(suggester: Suggester) -> None:
    ranking = suggester.score_all("Design a local validation study for an AI system", bloom="create")
    flags = suggester.flags(ranking, ["6.3-02"])  # 'understand', three levels below 'create'
    assert any(f.kind == "level" and "understand" in f.message for f in flags)


def test_the_word_vectors_load_and_rank_with_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network access attempted")

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    fw = bundle.framework()
    s = suggestions.build(fw.triples, fw.version, suggestions.Embedder())
    assert s.rank("Interpret the AUC of a diagnostic model", top=1)[0].notation == "6.3-05"


# -- the framework data ----------------------------------------------------------------------------


def test_alias_columns_round_trip_through_csv_and_xlsx(tmp_path: Path) -> None:
    rows = capability_rows(bundle.framework().triples)
    dpia = next(r for r in rows if r.notation == "3.2-09")
    assert "DPIA" in dpia.hidden_labels and "data protection impact assessment" in dpia.alt_labels
    for name, data in (("fw.csv", write_csv(rows)), ("fw.xlsx", write_xlsx(rows))):
        (tmp_path / name).write_bytes(data)
        again = capability_rows(loading.import_template(tmp_path / name, bundle.structure()).triples)
        assert [(r.alt_labels, r.hidden_labels) for r in again] == [(r.alt_labels, r.hidden_labels) for r in rows]
    header = write_csv(rows).decode().splitlines()[0].split(",")
    assert [c for c in header if c in LABEL_COLUMNS] == list(LABEL_COLUMNS)


# -- the command line and the report ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx", "ttl"])
def test_cli_suggest_gives_the_json_contract_for_every_format(runner, tmp_path: Path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    from aiskills.cli import main

    path = tmp_path / f"course.{fmt}"
    path.write_bytes(WRITERS[fmt](unaligned()))
    result = runner.invoke(main, ["suggest", str(path), "--bundled", "--format", "json", "--top", "3"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["framework"] == "2026.1"
    last = doc["outcomes"][-1]
    assert set(last) == {"id", "statement", "bloomLevel", "place", "alignedTo", "suggestions", "flags", "abstained"}
    assert last["alignedTo"] == [] and last["bloomLevel"] == "apply" and last["place"]
    assert len(last["suggestions"]) <= 3 and last["suggestions"][0]["notation"] in {"3.2-09", "3.2-04"}
    assert set(last["suggestions"][0]) == {"notation", "iri", "label", "score", "reason"}
    assert doc["outcomes"][0]["flags"][0]["kind"] == "unlikely"  # base() aligns ML vs rules to 6-01


def test_cli_suggest_text_and_csv_and_an_unreadable_file(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from aiskills.cli import main

    path = tmp_path / "course.json"
    path.write_bytes(WRITERS["json"](unaligned()))
    text = runner.invoke(main, ["suggest", str(path), "--bundled"])
    assert text.exit_code == 0 and "1. 3.2-0" in text.output
    table = runner.invoke(main, ["suggest", str(path), "--bundled", "--format", "csv"])
    assert table.output.splitlines()[0] == ",".join(so.CSV_COLUMNS)
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    bad = runner.invoke(main, ["suggest", str(tmp_path / "bad.json"), "--bundled"])
    assert bad.exit_code == 2 and "bad.json" in bad.output and "line 1" in bad.output


def test_the_outcome_alignment_fix_names_the_top_suggestions() -> None:
    report = validator_for(None).validate(read_bytes(WRITERS["json"](unaligned()), "c.json"))
    (result,) = [r for r in report.results if r.rule == "outcome-alignment"]
    assert "Suggested by its statement: 3.2-0" in result.hint


# -- HTTP --------------------------------------------------------------------------------------------


def test_get_api_suggest_for_one_outcome(client: FlaskClient) -> None:
    r = client.get("/api/suggest", query_string={"text": "Calculate PPV from a confusion matrix", "top": 2,
                                                 "archetype": "creator", "alignedTo": "6.4-07"})
    assert r.status_code == 200
    (o,) = r.get_json()["outcomes"]
    assert next(s["notation"] for s in o["suggestions"]) == "6.3-04" and len(o["suggestions"]) == 2
    assert o["flags"][0]["kind"] == "unlikely" and o["abstained"] is None
    out = client.get("/api/suggest", query_string={"text": "Perform safe venepuncture on an adult patient"})
    assert out.get_json()["outcomes"][0]["suggestions"] == []
    assert "not about" in out.get_json()["outcomes"][0]["abstained"]


@pytest.mark.parametrize(
    ("query", "place"),
    [({}, "query parameter text"), ({"text": "x", "top": "0"}, "query parameter top"),
     ({"text": "x", "bloomLevel": "memorise"}, "query parameter bloomLevel"),
     ({"text": "x", "archetype": "wizard"}, "query parameter archetype")],
)
def test_get_api_suggest_refuses_bad_parameters_with_the_place(client: FlaskClient, query: dict, place: str) -> None:  # type: ignore[type-arg]
    r = client.get("/api/suggest", query_string=query)
    assert r.status_code == 400 and r.get_json()["place"] == place and r.get_json()["fix"]


def test_post_api_suggest_takes_the_bodies_of_api_validate(client: FlaskClient) -> None:
    raw = client.post("/api/suggest?top=2", data=WRITERS["csv"](unaligned()), content_type="text/csv")
    assert raw.status_code == 200
    last = raw.get_json()["outcomes"][-1]
    assert last["place"] == "row 5" and last["suggestions"][0]["notation"] in {"3.2-09", "3.2-04"}
    import io

    upload = client.post("/api/suggest", data={"file": (io.BytesIO(WRITERS["xlsx"](unaligned())), "c.xlsx")},
                         content_type="multipart/form-data")
    assert upload.get_json()["outcomes"][-1]["suggestions"] == raw.get_json()["outcomes"][-1]["suggestions"][:5] or \
        upload.get_json()["outcomes"][-1]["suggestions"][:2] == last["suggestions"]
    broken = client.post("/api/suggest", data=b"{", content_type="application/json")
    assert broken.status_code == 400 and broken.get_json()["place"] == "line 1, column 2"


def test_the_openapi_file_declares_the_suggest_parameters_as_the_code_does(client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json").get_json()
    get = spec["paths"]["/api/suggest"]["get"]
    assert get["parameters"] == [p.openapi() for p in GET_PARAMETERS]
    assert "post" in spec["paths"]["/api/suggest"]


# -- the designer's file filled in -----------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json", "ttl"])
def test_chosen_suggestions_are_filled_into_the_file_in_its_own_format(fmt: str) -> None:
    data = WRITERS[fmt](unaligned())
    submission = read_bytes(data, f"c.{fmt}")
    last = so.outcomes(submission)[-1]
    filled = fill(data, submission, {last.key: ["3.2-09"]}, CODES)
    again = read_bytes(filled, f"c.{fmt}")
    assert so.outcomes(again)[-1].aligned == ["3.2-09"]
    assert [o.aligned for o in so.outcomes(again)[:-1]] == [o.aligned for o in so.outcomes(submission)[:-1]]
    report = validator_for(None).validate(again)
    assert "outcome-alignment" not in report.rules()


def test_the_json_fill_changes_only_the_chosen_alignments_and_keeps_the_file_s_layout() -> None:
    """A JSON file comes back as it was written (one-line lists, its indentation, its key order), with
    only the chosen outcomes' ``alignedTo`` changed or added; it had been re-serialised whole."""
    import difflib

    doc = unaligned()
    doc["modules"][0]["learningOutcomes"][0]["alignedTo"] = ["6-01"]
    text = json.dumps(doc, indent=4).replace('[\n                        "6-01"\n                    ]', '["6-01"]')
    data = ("\ufeff" + text + "\n").encode("utf-8")
    submission = read_bytes(data, "c.json")
    first, last = so.outcomes(submission)[0], so.outcomes(submission)[-1]
    assert "alignedTo" not in doc["modules"][1]["learningOutcomes"][-1]
    filled = fill(data, submission, {first.key: ["6-02"], last.key: ["3.2-09"]}, CODES)
    assert filled.startswith("\ufeff".encode()) and json.loads(filled.decode("utf-8-sig"))
    changed = [line for line in difflib.unified_diff(data.decode().splitlines(), filled.decode().splitlines(),
                                                     lineterm="", n=0) if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert changed[:2] == ['-                    "alignedTo": ["6-01"]', '+                    "alignedTo": ["6-01", "6-02"]']
    # added after the outcome's last member (which gets its comma), at the members' indentation
    assert changed[-1] == "+" + " " * 20 + '"alignedTo": ["3.2-09"]'
    assert changed[-3].startswith("-" + " " * 20) and changed[-2] == "+" + changed[-3][1:] + ","
    assert len(changed) == 5
    again = so.outcomes(read_bytes(filled, "c.json"))
    assert again[0].aligned == ["6-01", "6-02"] and again[-1].aligned == ["3.2-09"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_fill_writes_the_row_the_report_names_with_blank_rows_above_the_header(fmt: str) -> None:
    """Two blank rows above the header: the report names the last outcome's row as the sheet shows
    it (row 7), and the fill writes the code into that row's cell, no other."""
    import io

    from openpyxl import load_workbook

    data = WRITERS[fmt](unaligned())
    if fmt == "csv":
        data = b"\n,,\n" + data
    else:
        book = load_workbook(io.BytesIO(data))
        book.active.insert_rows(1, 2)
        out = io.BytesIO()
        book.save(out)
        data = out.getvalue()
    submission = read_bytes(data, f"c.{fmt}")
    last = so.outcomes(submission)[-1]
    assert str(last.place) == "row 7"
    again = read_bytes(fill(data, submission, {last.key: ["3.2-09"]}, CODES), f"c.{fmt}")
    assert [o.aligned for o in so.outcomes(again)] == [*[o.aligned for o in so.outcomes(submission)[:-1]], ["3.2-09"]]


@pytest.mark.parametrize("layout", ["semicolons", "tabs", "title above", "a sheet among others"])
def test_the_fill_writes_into_the_table_where_the_reader_found_it(layout: str) -> None:
    """The fill reads the file as the reader did (``Submission.layout``): the same separator, header
    row and sheet; the file keeps its own separator, title rows and other sheets."""
    import csv
    import io

    from openpyxl import load_workbook

    fmt = "xlsx" if layout == "a sheet among others" else "csv"
    data = WRITERS[fmt](unaligned())
    if layout in ("semicolons", "tabs"):
        out = io.StringIO()
        csv.writer(out, delimiter=";" if layout == "semicolons" else "\t").writerows(
            csv.reader(io.StringIO(data.decode())))
        data = out.getvalue().encode()
    elif layout == "title above":
        data = b"Module outcomes, 2026\n" + data
    else:
        book = load_workbook(io.BytesIO(data))
        book.active.title = "Outcomes"
        book.create_sheet("Notes", 0).append(["Read me first"])
        saved = io.BytesIO()
        book.save(saved)
        data = saved.getvalue()
    submission = read_bytes(data, f"c.{fmt}")
    last = so.outcomes(submission)[-1]
    filled = fill(data, submission, {last.key: ["3.2-09"]}, CODES)
    again = read_bytes(filled, f"c.{fmt}")
    assert so.outcomes(again)[-1].aligned == ["3.2-09"] and again.layout == submission.layout
    if fmt == "csv":
        assert filled.decode().splitlines()[0] == data.decode().splitlines()[0]  # the same first line
    else:
        assert load_workbook(io.BytesIO(filled)).sheetnames == ["Notes", "Outcomes"]


def test_the_fill_writes_only_capability_codes_and_refuses_a_sheet_that_runs_far_below_its_table() -> None:
    """A form may be sent with anything in it: a choice that is no capability code (a spreadsheet
    formula, say) is refused and nothing is written. A workbook whose sheet runs to row 60,000
    (formatting far below the outcomes) is refused before it is loaded whole."""
    import io

    from openpyxl import load_workbook

    data = WRITERS["xlsx"](unaligned())
    submission = read_bytes(data, "c.xlsx")
    last = so.outcomes(submission)[-1]
    with pytest.raises(InputError, match="is not a capability code"):
        fill(data, submission, {last.key: ['=HYPERLINK("http://evil.example","click")']}, CODES)
    book = load_workbook(io.BytesIO(data))
    book.active.cell(row=60_000, column=1).number_format = "0.00"
    book.active.cell(row=60_000, column=1).value = " "
    out = io.BytesIO()
    book.save(out)
    long = out.getvalue()
    with pytest.raises(InputError, match="runs to row 60,000"):
        fill(long, read_bytes(long, "c.xlsx"), {last.key: ["3.2-09"]}, CODES)


def test_the_fill_form_returns_the_file_with_the_ticked_choices(client: FlaskClient) -> None:
    import io

    page = client.post("/validate", data={"file": (io.BytesIO(WRITERS["csv"](unaligned())), "course.csv")},
                       content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert 'value="row 5|3.2-0' in html and "Alignment suggestions" in html
    data = base64.b64encode(WRITERS["csv"](unaligned())).decode()
    r = client.post("/validate/fill", data={"name": "course.csv", "data": data, "choice": ["row 5|3.2-09"]})
    assert r.status_code == 200 and 'filename="course.csv"' in r.headers["Content-Disposition"]
    assert so.outcomes(read_bytes(r.data, "course.csv"))[-1].aligned == ["3.2-09"]
    bad = client.post("/validate/fill", data={"name": "course.csv", "data": data, "choice": ["row 99|3.2-09"]})
    assert bad.status_code == 400 and "row 99" in bad.get_json()["error"]


@pytest.mark.parametrize(("choices", "says"), [
    (["row 5|9.9-99"], "9.9-99 is not a capability of the framework in use"),  # a code's form, no capability
    (["row 5|3.2-09", "garbage"], "choice 'garbage' names no outcome and code"),
    ([], "no suggestion was ticked"),
])
def test_the_fill_refuses_what_the_report_cannot_have_offered(client: FlaskClient, choices: list[str],
                                                              says: str) -> None:
    """Only the framework's codes are written, a malformed choice is named, and a download with nothing
    ticked says so, instead of a 200 with the file as it was (or with a code no framework has)."""
    data = base64.b64encode(WRITERS["csv"](unaligned())).decode()
    form = {"name": "course.csv", "data": data, "choice": choices}
    res = client.post("/validate/fill", data=form)
    assert res.status_code == 400 and says in res.get_json()["error"] and res.get_json()["source"] == "course.csv"
    page = client.post("/validate/fill", data=form, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and page.mimetype == "text/html"
    assert says.replace("'", "&#39;") in html and "course.csv" in html and 'action="' in html  # the form again


def test_the_report_page_offers_suggestions_for_its_first_outcomes_and_counts_the_rest(
    client: FlaskClient, suggester: Suggester
) -> None:
    """A sheet of many unplaced outcomes gets a page a browser can open: the first ``ADVICE_SHOWN``
    outcomes with their suggestions, and how many more need attention (it had a panel for each)."""
    import io

    from aiskills.web.validate import ADVICE_SHOWN

    doc = base()
    extra = 5
    doc["modules"][1]["learningOutcomes"] += [
        {"statement": f"Complete a DPIA before AI tool {i} processes patient data", "bloomLevel": "apply"}
        for i in range(ADVICE_SHOWN + extra)
    ]
    data = WRITERS["csv"](doc)
    attention = [r for r in so.suggest(read_bytes(data, "course.csv"), suggester) if r.needs_attention]
    assert len(attention) >= ADVICE_SHOWN + extra
    page = client.post("/validate", data={"file": (io.BytesIO(data), "course.csv")},
                       content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert html.count('<fieldset class="outcome-suggestions">') == ADVICE_SHOWN
    left = len(attention) - ADVICE_SHOWN
    assert f"{left} more learning outcomes need attention: this page shows the first {ADVICE_SHOWN}" in html


def test_visiting_the_download_address_leads_to_the_validation_page(client: FlaskClient) -> None:
    res = client.get("/validate/fill")
    assert res.status_code == 303 and res.headers["Location"].endswith("/validate")


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
REALISTIC = ["creator-clinical-ml-msc.json", "shaper-board-ai-strategy.json", "driver-ai-commissioning.csv",
             "user-ai-foundations.ttl", "embedder-ai-deployment-safety.xlsx", "user-embedder-radiology-ai-go-live.json"]


@pytest.mark.parametrize("name", REALISTIC)
def test_the_realistic_examples_get_no_flag_and_their_own_alignments_suggested(suggester: Suggester, name: str) -> None:
    submission = read_bytes((EXAMPLES / name).read_bytes(), name)
    results = so.suggest(submission, suggester, 5)
    assert [f.as_dict() for r in results for f in r.flags] == []
    suggested = [r for r in results if {s.notation for s in r.suggestions} & set(r.outcome.aligned)]
    assert len(suggested) >= 0.9 * len(results)


def test_the_fill_takes_back_a_file_as_large_as_the_page_took(store: EmbeddedStore) -> None:
    """The file comes back as base64, a third larger: a file under the upload limit (here 300 kB) but
    over three quarters of it was refused at the download with "larger than the limit"."""
    limit = 300_000
    client = create_app(Settings.from_env({"AISKILLS_UPLOAD_MAX_BYTES": str(limit)}), store=store).test_client()
    text = WRITERS["csv"](unaligned()).decode()
    body = text.splitlines()
    last = body[-1]  # the unaligned outcome of module 2, again and again: more outcomes of that module
    while len("\n".join(body)) < limit - 2_000:
        body.append(last)
    data = ("\n".join(body) + "\n").encode()
    assert limit * 3 // 4 + 65_536 < len(data) <= limit  # its base64 is over the limit and the old slack
    r = client.post("/validate/fill", data={"name": "big.csv", "data": base64.b64encode(data).decode(),
                                            "choice": ["row 5|3.2-09"]})
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert so.outcomes(read_bytes(r.data, "big.csv"))[3].aligned == ["3.2-09"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json", "ttl"])
def test_an_alignment_that_looks_wrong_can_be_replaced_in_the_file(fmt: str) -> None:
    """Ticking the better suggestion had only added it ("6-01; 6-03"): the flagged code stayed, and
    the file was flagged again. A choice ``-CODE`` takes it out, in every format."""
    doc = base()
    doc["modules"][0]["learningOutcomes"][1]["alignedTo"] = ["6-01", "6-02"]  # 6-01 is the one to go
    data = WRITERS[fmt](doc)
    submission = read_bytes(data, f"c.{fmt}")
    second = so.outcomes(submission)[1]
    assert second.aligned == ["6-01", "6-02"]
    filled = fill(data, submission, {second.key: ["-6-01", "3.1-01"]}, CODES)
    # by node: a Turtle file is written again whole when a triple goes, so its lines (and order) move
    again = {o.node: sorted(o.aligned) for o in so.outcomes(read_bytes(filled, f"c.{fmt}"))}
    before = {o.node: sorted(o.aligned) for o in so.outcomes(submission)}
    assert again == {**before, second.node: sorted(["6-02", "3.1-01"])}
    with pytest.raises(InputError, match="6-05 is not among the alignments of learning outcome"):
        fill(data, submission, {second.key: ["-6-05"]}, CODES)


def test_the_report_offers_to_remove_an_alignment_that_looks_wrong(client: FlaskClient) -> None:
    import io

    doc = base()
    doc["modules"][1]["learningOutcomes"][0]["alignedTo"] = ["5.2.1-07"]  # far from automation bias
    page = client.post("/validate", data={"file": (io.BytesIO(WRITERS["csv"](doc)), "course.csv")},
                       content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert "Looks wrong" in html and 'value="row 4|-5.2.1-07"' in html
    assert "Remove <code>5.2.1-07</code> from this outcome" in html


def test_an_outcome_without_an_iri_in_a_turtle_file_is_offered_no_choice(client: FlaskClient) -> None:
    """The page had offered its suggestions and Remove as choices, and the download then refused
    every one of them ("a learning outcome without an IRI cannot be given alignments in its file")."""
    import io

    ttl = turtle_with_one_outcome(
        "a ais:Module ; ais:notionalHours 5.0",
        'a ais:LearningOutcome ; ais:statement "Complete a DPIA before a new AI tool processes patient data" ; '
        "ais:bloomLevel <https://w3id.org/aiskills/id/bloom/apply>",
    )
    page = client.post("/validate", data={"file": (io.BytesIO(ttl), "course.ttl")}, content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert "Alignment suggestions" in html and "3.2-09" in html
    assert 'name="choice"' not in html and "has no IRI in its file, so the download cannot change" in html


def test_the_fill_of_a_workbook_changes_its_cells_and_nothing_else() -> None:
    """openpyxl writes a workbook again without the values its formulas had saved, so a download of a
    sheet with hours `=5*2` was refused by aiskills itself ("a formula with no saved value"). Only the
    filled cells' XML changes now: every other part of the file, byte for byte, and the formula's value."""
    import io
    import zipfile

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(WRITERS["xlsx"](unaligned())))
    book.active["H2"] = "=5*2"
    out = io.BytesIO()
    book.save(out)
    parts = {}
    with zipfile.ZipFile(out) as src:
        for item in src.infolist():
            parts[item.filename] = src.read(item.filename).replace(b"<f>5*2</f><v />", b"<f>5*2</f><v>10</v>")
    saved = io.BytesIO()
    with zipfile.ZipFile(saved, "w") as dst:
        for name, body in parts.items():
            dst.writestr(name, body)
    data = saved.getvalue()
    submission = read_bytes(data, "c.xlsx")
    last = so.outcomes(submission)[-1]
    filled = fill(data, submission, {last.key: ["3.2-09"]}, CODES)
    again = read_bytes(filled, "c.xlsx")  # refused before: the formula had lost its value
    assert so.outcomes(again)[-1].aligned == ["3.2-09"]
    assert next(t.object.value for t in again.triples if t.predicate.value.endswith("notionalHours")) == "10"
    with zipfile.ZipFile(io.BytesIO(filled)) as result:
        changed = [n for n in result.namelist() if result.read(n) != parts[n]]
        assert changed == ["xl/worksheets/sheet1.xml"]
        assert b"<f>5*2</f><v>10</v>" in result.read("xl/worksheets/sheet1.xml")


@pytest.mark.parametrize("quoted", [False, True])
def test_the_fill_of_a_csv_changes_the_filled_records_and_no_other_byte(quoted: bool) -> None:
    """Every record had been written again (an export that quotes every cell came back with none):
    now only the filled record is, in the file's own quoting and line ending."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(WRITERS["csv"](unaligned()).decode())))
    out = io.StringIO(newline="")
    csv.writer(out, quoting=csv.QUOTE_ALL if quoted else csv.QUOTE_MINIMAL, lineterminator="\r\n").writerows(rows)
    data = out.getvalue().encode()
    submission = read_bytes(data, "c.csv")
    last = so.outcomes(submission)[-1]
    filled = fill(data, submission, {last.key: ["3.2-09"]}, CODES)
    before, after = data.decode().splitlines(keepends=True), filled.decode().splitlines(keepends=True)
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert changed == [last.place.row - 1]  # type: ignore[union-attr]
    assert after[changed[0]].endswith("\r\n") and after[changed[0]].startswith('"') == quoted
    assert so.outcomes(read_bytes(filled, "c.csv"))[-1].aligned == ["3.2-09"]


@pytest.mark.parametrize("text", ["\x1c", " \x1f\t", "\x85", "\u3000\u2028", "\ufeff", "a", "\x1cx"])
def test_the_text_parameter_is_refused_exactly_when_its_described_pattern_refuses_it(text: str) -> None:
    """The OpenAPI pattern (an ECMAScript regex to schema tools) and the endpoint's check agree on what
    counts as white space: U+001C-U+001F and U+0085 are white space to Python, not to ECMAScript's ``\\s``."""
    import re

    from aiskills.web.suggest import GET_PARAMETERS, BadParameter

    pattern = str(GET_PARAMETERS[0].schema["pattern"])
    # \s and \S mean other sets in Python and in ECMAScript (which reads the description): none here
    assert re.search(r"\\[sS]", pattern) is None, pattern
    described = re.search(pattern, text) is not None
    assert described == bool(text.strip())
    try:
        GET_PARAMETERS[0].read(text)
        read = True
    except BadParameter:
        read = False
    assert read == described
