"""Common slips in a curriculum and what to say about them: a comma where ``;`` separates values,
the letter O (or l) where a digit belongs, a stray space, a missing zero, a plural or another form of
a name. One slip gives one message: results that only follow from a slipped target archetype (every
outcome "off target") are held back until it is fixed.

The report's results go in; the same results come out with the slip named in the message and the
hint, and the nearest codes ranked with the slip's correction first.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Iterable, Sequence

from aiskills.validation.report import Result

ARCHETYPES = ("shaper", "driver", "creator", "embedder", "user")
BADGES = {"s": "shaper", "d": "driver", "c": "creator", "e": "embedder", "u": "user"}
BLOOM = ("remember", "understand", "apply", "analyse", "evaluate", "create")
#: Rules whose results only follow from the curriculum's target archetypes.
TARGET_FOLLOW_ONS = ("off-target-alignment", "level-1-coverage")
_SEPARATORS = re.compile(r"\s*(?:,|/|&|\+|\band\b)\s*", re.IGNORECASE)
_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1"})


def corrected_codes(code: str, notations: Sequence[str]) -> list[tuple[str, str]]:
    """Codes of the framework that ``code`` becomes once a slip is undone, with the slip's name:
    ``[("6.2-03", "the letter O where a zero belongs")]``."""
    known = set(notations)
    out: list[tuple[str, str]] = []

    def add(candidate: str, why: str) -> None:
        if candidate in known and candidate != code and all(candidate != c for c, _ in out):
            out.append((candidate, why))

    stripped = code.strip()
    if stripped != code:
        add(stripped, "a space before or after the code")
    squeezed = re.sub(r"\s+", "", stripped)
    if squeezed != stripped:
        add(squeezed, "a space inside the code")
    lookalike = squeezed.translate(_LOOKALIKES)
    if lookalike != squeezed:
        letter = (
            "the letter O where a zero belongs"
            if re.search("[Oo]", squeezed)
            else "a letter where a 1 belongs"
        )
        add(lookalike, letter)
    padded = re.sub(r"-(\d)$", r"-0\1", lookalike)
    add(padded, "a missing zero in the number")
    between = re.fullmatch(r"([\d.]+?)\s*([\s_\u2010-\u2015])\s*(\d+)", stripped.translate(_LOOKALIKES))
    if between:
        why = "a space" if between.group(2).isspace() else f"'{between.group(2)}'"
        for number in (between.group(3), between.group(3).zfill(2)):
            add(f"{between.group(1)}-{number}", f"{why} where the '-' belongs")
    for sep in (".", ",", "_", " "):
        if sep != "." and sep in squeezed:
            add(lookalike.replace(sep, "."), f"'{sep}' where a '.' belongs")
    return out


def nearest_codes(code: str, notations: Sequence[str], n: int = 3) -> list[str]:
    """Framework codes closest to ``code``: the correction of a slip first, then the same section's
    codes by similarity, then any."""
    first = [c for c, _ in corrected_codes(code, notations)]
    section = re.split(r"[-\s_\u2010-\u2015]", code.strip().translate(_LOOKALIKES))[0]
    same = [c for c in notations if c.split("-")[0] == section]
    pool = same or list(notations)
    close = difflib.get_close_matches(code.strip().translate(_LOOKALIKES), pool, n=n, cutoff=0.0)
    ranked = list(dict.fromkeys([*first, *close, *pool]))
    return ranked[:n]


def archetype_name(text: str) -> str | None:
    """The archetype a name means (any case, singular or plural, badge letter), or None."""
    s = re.sub(r"[^a-z]+", "", text.lower())
    if s in BADGES:
        return BADGES[s]
    for name in ARCHETYPES:
        if s in (name, name + "s", name + "'s", name + "es"):
            return name
    return None


def bloom_name(text: str) -> str | None:
    """The Bloom level another form of the word means (``Understands``, ``applying``, ``analyze``)."""
    s = re.sub(r"[^a-z]+", "", text.lower())
    forms = {"analyze": "analyse", "analyzes": "analyse", "analyzing": "analyse", "applies": "apply"}
    forms |= {"applied": "apply", "applying": "apply", "understood": "understand"}
    if s in forms:
        return forms[s]
    for name in BLOOM:
        stem = name.removesuffix("e")
        if s in (name, name + "s", name + "d", name + "ed", stem + "ing"):
            return name
    return None


def recognise(results: Iterable[Result], notations: Sequence[str]) -> list[Result]:
    """The results with slips named (see the module's description)."""
    out: list[Result] = []
    slipped_targets = False
    for r in results:
        found = _slip(r, notations)
        if found is not None and found.rule == "unknown-archetype" and found.slip:
            slipped_targets = True
        out.append(found or r)
    if not slipped_targets:
        return out
    held = [r for r in out if r.rule in TARGET_FOLLOW_ONS]
    kept = [r for r in out if r.rule not in TARGET_FOLLOW_ONS]
    if held:
        kept = [
            dataclasses.replace(
                r,
                hint=f"{r.hint} ({len(held)} follow-on result{'s' if len(held) != 1 else ''} about the "
                "targets are left out until this is fixed.)",
            )
            if r.rule == "unknown-archetype" and r.slip
            else r
            for r in kept
        ]
    return kept


def _slip(r: Result, notations: Sequence[str]) -> Result | None:
    value = r.value
    if value is None:
        return None
    if r.rule == "unknown-capability":
        return _capability_slip(r, value, notations)
    if r.rule == "unknown-archetype":
        return _archetype_slip(r, value)
    if r.rule == "outcome-bloom":
        meant = bloom_name(value)
        if meant and meant != value:
            return dataclasses.replace(
                r,
                message=f"{_base(r)}: '{value}' looks like '{meant}'.",
                hint=f"Write {meant} (the levels are remember, understand, apply, analyse, evaluate, create).",
                slip="form",
            )
    return None


def _capability_slip(r: Result, value: str, notations: Sequence[str]) -> Result:
    parts = [p.strip() for p in re.split(r"[,\s]+", value) if p.strip()]
    if "," in value and len(parts) > 1:
        fixed = [nearest_codes(p, notations, 1)[0] if p not in notations else p for p in parts]
        return dataclasses.replace(
            r,
            message=f"{_base(r)}: it looks like {len(parts)} codes separated by a comma; codes are "
            "separated by ';'.",
            hint=f"Write {'; '.join(fixed)}.",
            candidates=tuple(dict.fromkeys(fixed)),
            slip="comma",
        )
    corrected = corrected_codes(value, notations)
    candidates = tuple(nearest_codes(value, notations))
    if corrected:
        code, why = corrected[0]
        return dataclasses.replace(
            r,
            message=f"{_base(r)}: it has {why}.",
            hint=f"Write {code}. Nearest existing codes: {', '.join(candidates)}.",
            candidates=candidates,
            slip="typo",
        )
    meant = date_codes(value, notations)
    if meant is not None:  # a spreadsheet read 6-01 as a date (6 January, or June 2001) and kept the date
        candidates = tuple(dict.fromkeys([*meant, *candidates]))[: max(3, len(meant))]
        written = f"Write {' or '.join(meant)}" if meant else "Type the code again (6-01, 1.1-02)"
        return dataclasses.replace(
            r,
            message=f"{_base(r)}: '{value}' is a date: the spreadsheet took the code for one.",
            hint=f"Format the column as Text, then {written[0].lower()}{written[1:]}. "
            f"Nearest existing codes: {', '.join(candidates)}.",
            candidates=candidates,
            slip="date",
        )
    return dataclasses.replace(
        r, hint=f"{r.hint} Nearest existing codes: {', '.join(candidates)}.", candidates=candidates
    )


#: A date as a workbook's cell gives it (``2026-06-01 00:00:00``), and as a spreadsheet writes one
#: into CSV: ``01/06/2026``, ``6-Jan``, ``Jan-06``.
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_NUMERIC_DATE = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{2}|\d{4})")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAY_MONTH = re.compile(r"(\d{1,2})[-\s/]([A-Za-z]{3})[a-z]*\.?")
_MONTH_NUMBER = re.compile(r"([A-Za-z]{3})[a-z]*\.?[-\s/](\d{1,2})")


def date_codes(value: str, notations: Sequence[str]) -> list[str] | None:
    """The codes of the framework a date in a cell may have been typed as (``6-01`` typed and read as
    6 January, or as June 2001), most likely first; ``None`` when ``value`` is no date."""
    text = value.strip()
    pairs: list[tuple[int, int]] = []  # (number before the '-', number after)
    if m := _ISO_DATE.fullmatch(text):
        year, month, day = (int(g) for g in m.groups())
        pairs = [(day, month), (month, day), (month, year % 100)]
        if year < 2010:  # "6-01" read as June 2001: month and year, not a day of this year
            pairs = [pairs[2], *pairs[:2]]
    elif m := _NUMERIC_DATE.fullmatch(text):
        first, second, year = (int(g) for g in m.groups())
        pairs = [(first, second), (second, first), (first, year % 100), (second, year % 100)]
    elif (m := _DAY_MONTH.fullmatch(text)) and m.group(2).lower() in _MONTHS:
        number, month = int(m.group(1)), _MONTHS.index(m.group(2).lower()) + 1
        pairs = [(number, month), (month, number)]
    elif (m := _MONTH_NUMBER.fullmatch(text)) and m.group(1).lower() in _MONTHS:
        month, number = _MONTHS.index(m.group(1).lower()) + 1, int(m.group(2))
        pairs = [(month, number), (number, month)]
    else:
        return None
    known = set(notations)
    found = [code for a, b in pairs for code in (f"{a}-{b:02d}", f"{a}-{b}") if code in known]
    return list(dict.fromkeys(found))


def _archetype_slip(r: Result, value: str) -> Result | None:
    parts = [p for p in _SEPARATORS.split(value.strip()) if p]
    names = [archetype_name(p) for p in parts]
    if len(parts) > 1 and all(names):
        sep = "a comma" if "," in value else "'" + (re.search(r",|/|&|\+|\band\b", value) or [""])[0] + "'"
        return dataclasses.replace(
            r,
            message=f"{_base(r)}: '{value}' names {len(parts)} archetypes separated by {sep}; archetypes "
            "are separated by ';'.",
            hint=f"Write {'; '.join(p.strip() for p in parts)}.",
            slip="comma",
        )
    close = difflib.get_close_matches(
        re.sub(r"[^a-z]", "", value.lower()).rstrip("s"), ARCHETYPES, n=1, cutoff=0.7
    )
    if close:
        return dataclasses.replace(
            r,
            message=f"{_base(r)}: '{value}' looks like {close[0].title()}.",
            hint=f"Write {close[0].title()} (or Shaper, Driver, Creator, Embedder, User; plural and any case accepted).",
            slip="typo",
        )
    return None


def _base(r: Result) -> str:
    """The rule's own message, without its full stop, so a slip's explanation follows it."""
    return r.message.rstrip().rstrip(".")
