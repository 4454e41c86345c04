"""How search ranks: one function, ``rank``, that orders documents for a query (word-based: BM25 over
the words of each document's label and texts, an exact code first). Search calls only ``rank``, so
another ranker (the suggestions' one) can take its place without touching the pages."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "for",
        "from",
        "has",
        "have",
        "how",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "their",
        "them",
        "they",
        "this",
        "to",
        "use",
        "used",
        "uses",
        "using",
        "was",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "will",
        "with",
        "within",
        "without",
        "your",
    ]
)
_WORD = re.compile(r"[a-z0-9]+(?:[-.][a-z0-9]+)*")
K1, B = 1.2, 0.75


@dataclass(frozen=True)
class Document:
    """What search ranks: a key (the resource), its code, its label and all its words."""

    key: str
    notation: str
    label: str
    text: str


def stem(word: str) -> str:
    """A light English stem, enough to match plurals and verb forms (concerns → concern, discussing →
    discuss, biased → bias, shared and sharing → shar)."""
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("es") and word[:-2].endswith(("s", "x", "z", "ch", "sh")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "is", "us", "as", "ys")):
        word = word[:-1]
    elif word.endswith("ing") and len(word) > 5:
        word = word[:-3]
    elif word.endswith("ed") and len(word) > 4:
        word = word[:-2]
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


def words(text: str) -> list[str]:
    """The stemmed words of ``text`` that carry meaning (no stop words)."""
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in STOP_WORDS]


def rank(query: str, documents: Sequence[Document]) -> list[tuple[float, Document]]:
    """Documents that match ``query``, best first, each with its score: a document whose code is the
    query comes first; then BM25 over the query's words, a word of the label counting twice and a
    word that only starts a document's word counting half."""
    q = query.strip().lower()
    terms = list(dict.fromkeys(words(q)))
    if not q:
        return []
    bags = [Counter(words(d.label) * 2 + words(d.text)) for d in documents]
    avg = sum(sum(b.values()) for b in bags) / max(len(bags), 1) or 1.0
    vocabulary = set().union(*bags) if bags else set()
    expansions = {
        t: [v for v in vocabulary if v != t and v.startswith(t)] if len(t) >= 4 else [] for t in terms
    }
    df = {t: sum(1 for b in bags if t in b or any(e in b for e in expansions[t])) for t in terms}
    scored = []
    for doc, bag in zip(documents, bags):
        length = sum(bag.values()) or 1
        score = 0.0
        for t in terms:
            tf = bag.get(t, 0) + 0.5 * sum(bag.get(e, 0) for e in expansions[t])
            if tf:
                idf = math.log(1 + (len(bags) - df[t] + 0.5) / (df[t] + 0.5))
                score += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / avg))
        notation = doc.notation.lower()
        if notation and notation == q:
            score += 1000.0
        elif notation and len(q) >= 2 and notation.startswith(q) and not terms[1:]:
            score += 100.0
        if score > 0:
            scored.append((score, doc))
    scored.sort(key=lambda s: (-s[0], s[1].label.lower()))
    return scored
