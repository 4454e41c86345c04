"""Renderings of a validation report: terminal text, JSON, SHACL Turtle, and HTML."""

from __future__ import annotations

import html
import json
from itertools import groupby

from aiskills.validation.report import Report, Result, Severity

_MARK = {Severity.VIOLATION: "✗", Severity.WARNING: "!", Severity.INFO: "i"}
_COLOUR = {Severity.VIOLATION: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
_RESET = "\033[0m"


def headline(report: Report) -> str:
    """``FILE: conforms|does not conform (N violations, N warnings, N info)``."""
    verdict = "conforms" if report.conforms else "does not conform"
    counts = (
        f"{report.count(Severity.VIOLATION)} violation{'s' if report.count(Severity.VIOLATION) != 1 else ''}, "
        f"{report.count(Severity.WARNING)} warning{'s' if report.count(Severity.WARNING) != 1 else ''}, "
        f"{report.count(Severity.INFO)} info"
    )
    version = f"; framework {report.framework_version}" if report.framework_version else ""
    return f"{report.source}: {verdict} ({counts}{version})"


def _item_key(r: Result) -> tuple[str, str]:
    return (r.item.kind, r.item.id or r.item.title or "")


def as_text(report: Report, colour: bool = False) -> str:
    """The summary first, then results grouped by item, each with its place, value and fix."""
    lines = [headline(report)]
    ordered = sorted(report.results, key=lambda r: (_first_place(report, r), r.severity.order))
    for _, group in groupby(ordered, key=_item_key):
        results = list(group)
        item = results[0].item
        lines.append("")
        lines.append(item.label() + (f"  <{item.id}>" if item.id and item.title else ""))
        for r in results:
            mark = _MARK[r.severity]
            sev = r.severity.value
            if colour:
                mark, sev = f"{_COLOUR[r.severity]}{mark}", f"{sev}{_RESET}"
            where = f" at {r.location}" if r.location and str(r.location) else ""
            lines.append(f"  {mark} {sev} [{r.rule}]{where}: {r.message}")
            if r.value is not None:
                lines.append(f"      value: {r.value}")
            if r.hint:
                lines.append(f"      fix: {r.hint}")
    return "\n".join(lines) + "\n"


def _first_place(report: Report, r: Result) -> int:
    """Items in the order they first appear among the sorted results."""
    for i, other in enumerate(report.results):
        if _item_key(other) == _item_key(r):
            return i
    return len(report.results)


def as_json(report: Report) -> str:
    return json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n"


def as_turtle(report: Report) -> str:
    return report.shacl_turtle


def as_html(report: Report) -> str:
    """An HTML fragment: summary, then a table per item. Every value is escaped."""
    e = html.escape
    parts = [
        f'<section class="report" data-conforms="{str(report.conforms).lower()}">',
        f'<p class="summary">{e(headline(report))}</p>',
    ]
    ordered = sorted(report.results, key=lambda r: (_first_place(report, r), r.severity.order))
    for _, group in groupby(ordered, key=_item_key):
        results = list(group)
        parts.append(f"<h3>{e(results[0].item.label())}</h3>")
        parts.append(
            "<table><thead><tr><th>severity</th><th>rule</th><th>where</th><th>message</th>"
            "<th>value</th><th>fix</th></tr></thead><tbody>"
        )
        for r in results:
            parts.append(
                f'<tr class="{r.severity.value}"><td>{r.severity.value}</td><td>{e(r.rule)}</td>'
                f"<td>{e(str(r.location or ''))}</td><td>{e(r.message)}</td>"
                f"<td>{e(r.value or '')}</td><td>{e(r.hint)}</td></tr>"
            )
        parts.append("</tbody></table>")
    parts.append("</section>")
    return "\n".join(parts) + "\n"


RENDERERS = {"text": as_text, "json": as_json, "turtle": as_turtle, "html": as_html}
