"""A crawler for the live site (through Flask's test client): from ``/`` it follows every link, src
and form action of every page, and every IRI under the public base that a page or the served RDF
shows (an IRI ``{base}X`` is served at ``/X``), and reports each that does not answer 200."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for key in ("href", "src"):
            if a.get(key):
                self.links.append(a[key] or "")
        if tag == "form" and (a.get("method") or "get").lower() == "get" and a.get("action"):
            self.links.append(a["action"] or "")
        if a.get("id"):
            self.ids.add(a["id"] or "")


@dataclass
class Crawl:
    pages: int = 0
    rdf: int = 0
    broken: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)


def crawl(client: object, public_base: str, start: str = "/", limit: int = 5000) -> Crawl:
    """Every path reachable from ``start``; ``broken`` lists ``where -> what (status)``."""
    iri_pattern = re.compile(re.escape(public_base) + r"[^\s\"'<>)\]}\\&…]*")
    out = Crawl()
    queue: deque[tuple[str, str]] = deque([(start, "(start)")])
    anchors: dict[str, set[str]] = {}
    wanted_anchors: list[tuple[str, str, str]] = []
    while queue and len(out.seen) < limit:
        path, source = queue.popleft()
        key = path
        if key in out.seen:
            continue
        out.seen.add(key)
        response = client.get(path, headers={"Accept": "text/html"}, follow_redirects=True)  # type: ignore[attr-defined]
        if response.status_code != 200:
            out.broken.append(f"{source} -> {path} ({response.status_code})")
            continue
        kind = response.mimetype
        textual = kind.startswith("text/") or kind.endswith(("json", "xml", "n-triples"))
        body = response.get_data().decode("utf-8", "replace") if textual else ""
        response.close()
        found: list[str] = []
        if kind == "text/html":
            out.pages += 1
            parser = _Links()
            parser.feed(body)
            anchors[path] = parser.ids
            for link in parser.links:
                target = urljoin(path, link)
                parts = urlsplit(target)
                if parts.scheme or parts.netloc:
                    if target.startswith(public_base):
                        found.append(_local(target, public_base))
                    continue
                bare, fragment = urldefrag(target)
                if fragment and bare.split("?")[0] == path.split("?")[0]:
                    wanted_anchors.append((path, bare, fragment))
                found.append(bare)
        else:
            out.rdf += 1
        found += [_local(iri.rstrip(".,;"), public_base) for iri in iri_pattern.findall(body)]
        for target in found:
            if target and target not in out.seen and not _skip(target):
                queue.append((target, path))
    for page, bare, fragment in wanted_anchors:
        if fragment not in anchors.get(bare.split("#")[0] or page, set()):
            out.broken.append(f"{page} -> #{fragment} (no such anchor)")
    return out


def _local(iri: str, public_base: str) -> str:
    path = "/" + iri[len(public_base) :]
    return urldefrag(path)[0]


def _skip(path: str) -> bool:
    """Not pages: downloads of every format are fetched once each, not followed; query links with
    bound example texts are checked by the query page's own tests."""
    return path.startswith(("/sparql?", "/api/")) and "format=" in path
