"""A crawler for folders of static HTML: every link, src and form action must resolve to a file inside
the folder (and to an anchor in it, when it names one); nothing absolute, nothing outside."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class Links(HTMLParser):
    """Every href/src/action of a page, and every id in it."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.links += [v for k, v in a.items() if k in ("href", "src", "action") and v is not None]
        if a.get("id"):
            self.ids.add(a["id"] or "")


def parsed(path: Path) -> Links:
    p = Links()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def broken_links(folder: Path) -> list[str]:
    """``page -> link`` for every link of every page under ``folder`` that does not resolve inside it."""
    pages = sorted(folder.rglob("*.html"))
    ids = {page.resolve(): parsed(page).ids for page in pages}
    broken = []
    for page in pages:
        for link in parsed(page).links:
            parts = urlsplit(link)
            if parts.scheme in ("http", "https", "mailto"):
                continue
            if link.startswith("/"):
                broken.append(f"{page.relative_to(folder)} -> {link} (absolute)")
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page.resolve()
            if not target.is_file() or folder.resolve() not in target.parents:
                broken.append(f"{page.relative_to(folder)} -> {link}")
            elif parts.fragment and target.suffix == ".html" and parts.fragment not in ids[target]:
                broken.append(f"{page.relative_to(folder)} -> {link} (no such anchor)")
    return broken
