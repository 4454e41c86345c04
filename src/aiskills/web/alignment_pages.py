"""``/alignment``: a curriculum against an archetype or a role (coverage per domain, the gaps), and an
archetype across every stored curriculum (who covers it best, what nobody teaches). Plain GET forms;
the answers come from the alignment questions (``queries/alignment/*.rq``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, current_app, render_template, request

from aiskills import alignment, curricula
from aiskills.alignment import Choice
from aiskills.errors import InputError
from aiskills.pages.links import Linker
from aiskills.queries import NamedQuery
from aiskills.web.context import settings, store

alignment_pages = Blueprint("alignment_pages", __name__)

LEVELS = ("1", "2", "3", "4")


@dataclass
class ArchetypeView:
    """What the page shows for one archetype."""

    archetype: Choice
    domains: list[dict[str, object]] = field(default_factory=list)  # curriculum-coverage rows
    gaps: list[dict[str, object]] = field(default_factory=list)  # coverage-gaps rows
    ranking: list[dict[str, object]] = field(default_factory=list)  # curricula-for-archetype rows
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


def _picked(options: list[Choice], value: str) -> Choice | None:
    """The option a form value names (IRI or name, any case)."""
    v = value.strip().lower()
    return next(
        (c for c in options if v in (c.iri.lower(), c.label.lower(), c.iri.rsplit("/", 1)[-1].lower())), None
    )


def views(
    curriculum: str,
    archetype: str,
    role: str,
    level: str,
    archetypes: list[Choice],
    roles: list[Choice],
    framework: list[Any],
) -> list[ArchetypeView]:
    """Answers for the chosen archetype, or for each archetype the chosen role maps to."""
    if archetype and role:
        raise InputError(
            "choose an archetype or a role, not both",
            source="role",
            fix="leave one of the two lists on '(none)'",
        )
    if archetype:
        chosen = _picked(archetypes, archetype)
        if chosen is None:
            raise InputError(
                f"there is no archetype {archetype!r}",
                source="archetype",
                fix="choose one of " + ", ".join(a.label for a in archetypes),
            )
        targets = [chosen]
    else:
        picked_role = _picked(roles, role)
        if picked_role is None:
            raise InputError(f"there is no role {role!r}", source="role", fix="choose a role from the list")
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
            view.ranking = _ask("curricula-for-archetype", {"archetype": a.iri})
            view.untaught = [
                r for r in _ask("capability-provision", {"archetype": a.iri}) if r["curricula"] == 0
            ]
        out.append(view)
    return out


@alignment_pages.get("/alignment")
def alignment_page() -> tuple[str, int]:
    """The forms, and the answers for what was chosen (400 with the reason for an unknown choice)."""
    args = {k: (request.args.get(k) or "").strip() for k in ("curriculum", "archetype", "role", "level")}
    framework = (
        current_app.extensions["aiskills"]["validators"].for_store(store()).framework
    )  # kept, not re-read
    archetypes, roles = alignment.archetypes(framework), alignment.roles(framework)
    stored = curricula.records(store())
    error: InputError | None = None
    results: list[ArchetypeView] = []
    picked_role: Choice | None = None
    if args["archetype"] or args["role"]:
        try:
            if args["level"] and args["level"] not in LEVELS:
                raise InputError(
                    f"there is no knowledge level {args['level']!r}",
                    source="level",
                    fix="choose 1, 2, 3 or 4",
                )
            results = views(
                args["curriculum"],
                args["archetype"],
                args["role"],
                args["level"],
                archetypes,
                roles,
                framework,
            )
            picked_role = _picked(roles, args["role"]) if args["role"] else None
        except InputError as exc:
            error = exc
    elif args["curriculum"]:
        error = InputError(
            "choose an archetype or a role to compare the curriculum with",
            source="archetype",
            fix="pick one from the lists below",
        )
    title = next(
        (r.title or r.curriculum for r in stored if r.curriculum == args["curriculum"]), args["curriculum"]
    )
    return render_template(
        "alignment.html",
        args=args,
        archetypes=archetypes,
        roles=roles,
        stored=stored,
        levels=LEVELS,
        results=results,
        error=error,
        curriculum_title=title,
        picked_role=picked_role,
        local_path=local_path,
    ), 400 if error else 200
