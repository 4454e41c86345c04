"""The browser harness itself: Chromium starts, reaches the live server, and reads the API."""

from __future__ import annotations

import json


def test_chromium_reads_the_question_list_from_the_live_server(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/api/ask")
    names = [q["name"] for q in json.loads(page.inner_text("body"))["questions"]]
    assert "coverage-gaps" in names
