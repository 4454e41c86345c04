"""``/alignment``: a curriculum against an archetype or a role (coverage per domain, the gaps), and an
archetype across every stored curriculum (who covers it best, what nobody teaches). Plain GET forms;
the answers come from the alignment questions (``queries/alignment/*.rq``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, current_app, render_template, request

from aiskills import alignment, curricula
from aiskills.alignment import Choice
from aiskills.errors import InputError
from aiskills.pages.links import Linker
from aiskills.queries import NamedQuery, Page
from aiskills.web.context import settings, store

alignment_pages = Blueprint("alignment_pages", __name__)

LEVELS = ("1", "2", "3", "4")
#: Curricula shown per page of a ranking (``?offset=`` pages on).
RANKING_PAGE = 50


@dataclass
class ArchetypeView:
    """What the page shows for one archetype."""

    archetype: Choice
    domains: list[dict[str, object]] = field(default_factory=list)  # curriculum-coverage rows
    gaps: list[dict[str, object]] = field(default_factory=list)  # coverage-gaps rows
    ranking: list[dict[str, object]] = field(default_factory=list)  # curricula-for-archetype rows
    more: bool = False  # the ranking goes on past this page
    untaught: list[dict[str, object]] = field(default_factory=list)  # capability-provision rows with 0

    @property
    def required(self) -> int:
        return sum(int(d["required"] or 0) for d in self.domains)  # type: ignore[call-overload]

    @property
    def covered(self) -> int:
        return sum(int(d["covered"] or 0) for d in self.domains)  # type: ignore[call-overload]

    @property
    def percent(self) -> float:
        return round(100.0 * self.covered / self.required, 1) if self.required else 0.0


def _questions() -> dict[str, NamedQuery]:
    return current_app.extensions["aiskills"]["questions"]  # type: ignore[no-any-return]


def local_path(iri: str) -> str | None:
    """The server path of a framework IRI (``/id/capability/6-01``), or None for other IRIs."""
    return Linker(settings().public_base).path(iri)


def _ask(name: str, params: dict[str, str]) -> list[dict[str, object]]:
    return alignment.ask(store(), name, params, _questions()).records()


def _picked(kind: str, options: list[Choice], value: str) -> Choice:
    """The option a form value names, read as the questions read their parameters
    (``alignment.Resolver``: IRI, name, plural, badge letter, any case); an ``InputError`` naming the
    form field and the closest names otherwise."""
    try:
        iri = alignment.Resolver(store()).resolve(kind, value).value
    except InputError as exc:
        raise InputError(exc.message, source=kind, fix=exc.fix) from None
    chosen = next((c for c in options if c.iri == iri), None)
    if chosen is None:  # resolved, but not among the framework's choices (cannot happen for a loaded one)
        raise InputError(f"there is no {kind} {value!r}", source=kind, fix=f"choose a {kind} from the list")
    return chosen


def _level(value: str) -> str:
    try:
        return alignment.Resolver(store()).resolve("level", value).value
    except InputError as exc:
        raise InputError(exc.message, source="level", fix=exc.fix) from None


def curriculum_targets(curriculum: str, archetypes: list[Choice]) -> list[Choice]:
    """The archetypes a stored curriculum targets (by IRI or title, as the questions resolve it), in
    the framework's order."""
    from aiskills.pages.data import rows

    iri = alignment.Resolver(store()).resolve("curriculum", curriculum).value
    found = {r["archetype"] for r in rows(store(), "curriculum-targets", curriculum=iri)}
    return [a for a in archetypes if a.iri in found]


def views(
    curriculum: str,
    archetype: str | list[str],
    role: str,
    level: str,
    archetypes: list[Choice],
    roles: list[Choice],
    framework: list[Any],
    ranking: Page | None = None,
) -> list[ArchetypeView]:
    """Answers for each chosen archetype, or for each archetype the chosen role maps to, or (a
    curriculum alone) for each archetype the curriculum targets; side by side. ``ranking``: the page of
    each ranking of curricula to show (``None``: all of it)."""
    wanted = [archetype] if isinstance(archetype, str) else list(archetype)
    wanted = [w for w in wanted if w.strip()]
    if wanted and role:
        raise InputError(
            "choose archetypes or a role, not both",
            source="role",
            fix="leave the role on '(none)' or tick no archetype",
        )
    if wanted:
        targets = []
        for name in wanted:
            chosen = _picked("archetype", archetypes, name)
            if chosen not in targets:
                targets.append(chosen)
    elif curriculum and not role:
        targets = curriculum_targets(curriculum, archetypes)
        if not targets:
            raise InputError(
                "the curriculum names no target archetype: choose an archetype or a role to compare it with",
                source="archetype",
                fix="tick one or more archetypes below",
            )
    else:
        picked_role = _picked("role", roles, role)
        targets = alignment.role_archetypes(framework, picked_role.iri)
    out = []
    for a in targets:
        view = ArchetypeView(a)
        if curriculum:
            view.domains = _ask("curriculum-coverage", {"curriculum": curriculum, "archetype": a.iri})
            gap_params = {"curriculum": curriculum, "archetype": a.iri}
            if level:
                gap_params["level"] = level
            view.gaps = _ask("coverage-gaps", gap_params)
        else:
            answer = alignment.ask(
                store(), "curricula-for-archetype", {"archetype": a.iri}, _questions(), ranking
            )
            view.ranking, view.more = answer.records(), answer.more
            view.untaught = [
                r for r in _ask("capability-provision", {"archetype": a.iri}) if r["curricula"] == 0
            ]
        out.append(view)
    return out


@alignment_pages.get("/alignment")
def alignment_page() -> tuple[str, int]:
    """The forms, and the answers for what was chosen (400 with the reason for an unknown choice)."""
    args = {k: (request.args.get(k) or "").strip() for k in ("curriculum", "archetype", "role", "level")}
    chosen = [a.strip() for v in request.args.getlist("archetype") for a in v.split(",") if a.strip()]
    framework = (
        current_app.extensions["aiskills"]["validators"].for_store(store()).framework
    )  # kept, not re-read
    archetypes, roles = alignment.archetypes(framework), alignment.roles(framework)
    stored = curricula.choices(store(), settings().dropdown_max)  # None: too many to list
    error: InputError | None = None
    results: list[ArchetypeView] = []
    picked_role: Choice | None = None
    ranking = Page(RANKING_PAGE, 0)
    if chosen or args["role"] or args["curriculum"]:
        try:
            ranking = Page.of(RANKING_PAGE, request.args.get("offset")) or ranking
            if args["level"]:  # "2" or "Level 2", as the questions read it; the form shows "2"
                args["level"] = _level(args["level"])
            results = views(
                args["curriculum"],
                chosen,
                args["role"],
                args["level"],
                archetypes,
                roles,
                framework,
                ranking,
            )
            picked_role = _picked("role", roles, args["role"]) if args["role"] else None
            # the forms show what was resolved: "E" or "embedders" as Embedder, a role's name as its IRI
            if picked_role is not None:
                args["role"] = picked_role.iri
            if len(chosen) == 1 and results:
                args["archetype"] = results[0].archetype.label
        except InputError as exc:
            error = exc
    title = args["curriculum"]
    if title:
        shown = next((r for r in stored or () if r.curriculum == title), None) or curricula.choice(
            store(), title
        )
        title = (shown.title or shown.curriculum) if shown else title
    return render_template(
        "alignment.html",
        args=args,
        archetypes=archetypes,
        roles=roles,
        stored=stored,
        dropdown_max=settings().dropdown_max,
        levels=LEVELS,
        results=results,
        error=error,
        curriculum_title=title,
        picked_role=picked_role,
        local_path=local_path,
        ticked={v.archetype.iri for v in results} if args["curriculum"] and not args["role"] else set(),
        side_by_side=_side_by_side(results) if args["curriculum"] and len(results) > 1 else [],
        ranking=ranking,
        ranking_pages=_ranking_pages(ranking, any(v.more for v in results)),
    ), 400 if error else 200


def _ranking_pages(page: Page, more: bool) -> dict[str, str | None]:
    """Links to the rankings' previous and next pages: this page's query with another ``offset``."""
    kept = [(k, v) for k, v in request.args.items(multi=True) if k != "offset"]

    def at(offset: int) -> str:
        return "?" + urlencode(kept + ([("offset", str(offset))] if offset else []))

    return {
        "previous": at(max(page.offset - page.limit, 0)) if page.offset else None,
        "next": at(page.offset + page.limit) if more else None,
    }


def _side_by_side(results: list[ArchetypeView]) -> list[dict[str, Any]]:
    """One row per domain: each archetype's covered and required counts, in the views' order."""
    rows: dict[str, dict[str, Any]] = {}
    for i, v in enumerate(results):
        for d in v.domains:
            row = rows.setdefault(
                str(d["domain"]),
                {"domain": d["domain"], "label": d["domain_label"], "cells": [None] * len(results)},
            )
            row["cells"][i] = d
    return list(rows.values())
