"""Alignment suggestions: which framework capabilities a learning outcome serves, with a reason.

Below the adapters: no Flask, no click. Build a ``Suggester`` once per framework state and rank with
``Suggester.rank(text, top=5, archetype=None, bloom=None)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyoxigraph as ox

from aiskills.suggestions.embed import Embedder
from aiskills.suggestions.framework import FrameworkView, read_framework
from aiskills.suggestions.ranker import Flag, Ranking, Suggester, Suggestion, Weights

__all__ = [
    "Embedder",
    "Flag",
    "FrameworkView",
    "Ranking",
    "Suggester",
    "Suggestion",
    "Weights",
    "build",
    "read_framework",
]


def build(
    framework: Sequence[ox.Triple],
    version: str | None = None,
    embedder: Embedder | None = None,
    weights: Weights | None = None,
) -> Suggester:
    """The suggester for a framework graph."""
    return Suggester(read_framework(framework), version, embedder, weights)
