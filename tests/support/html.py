"""What a page is made of, for accessibility checks: labelled inputs, heading levels, inline style
and script."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class Outline(HTMLParser):
    """Collects labels' targets, inputs' ids, headings and style attributes of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.labels: set[str] = set()
        self.inputs: set[str] = set()
        self.headings: list[int] = []
        self.styled = 0
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"] or "")
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.inputs.add(a.get("id") or "(no id)")
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        self.styled += "style" in a
        self.scripts += tag == "script" and not a.get("src")  # inline: a file of the site's own is allowed


def outline(html: str) -> Outline:
    o = Outline()
    o.feed(html)
    return o
