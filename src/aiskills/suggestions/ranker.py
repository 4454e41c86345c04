"""Ranking capabilities for a learning outcome: BM25 over the capabilities' words, fused with word-vector
similarity and the framework's alternative and hidden labels (acronyms), adjusted for Bloom level and
archetype fit, and turned into a score from 0 to 1 that means the same for every outcome."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from aiskills.suggestions import text as tx
from aiskills.suggestions.embed import Embedder, Vectors
from aiskills.suggestions.framework import BLOOM_ORDER, Capability, FrameworkView


@dataclass(frozen=True)
class Weights:
    """How the evidence is combined; set on the development half of the evaluation set."""

    lexical: float = 1.0
    meaning: float = 1.0
    alias: float = 0.5
    bloom: float = 0.12
    archetype: float = 0.1
    midpoint: float = 1.0  # the fused value that scores 0.5
    steepness: float = 4.0
    threshold: float = 0.2  # below this score the outcome is taken to be outside the framework
    #: ... unless it names the framework's subject (``text.topical``, or one of its labels): then
    #: capabilities down to this score are suggested
    topical_threshold: float = 0.1
    flag_margin: float = 0.25  # an alignment this far below the best suggestion is flagged unlikely
    flag_rank: int = 10  # ... and when it is not among this many best
    level_gap: int = 3  # Bloom levels apart before an alignment is flagged for its level


@dataclass(frozen=True)
class Suggestion:
    notation: str
    iri: str
    label: str
    score: float
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {
            "notation": self.notation,
            "iri": self.iri,
            "label": self.label,
            "score": self.score,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Flag:
    notation: str
    kind: str  # unlikely | level
    message: str
    suggested: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "notation": self.notation,
            "kind": self.kind,
            "message": self.message,
            "suggested": self.suggested,
        }


@dataclass(frozen=True)
class Evidence:
    """Why one capability scored as it did for one outcome."""

    words: list[str]  # the outcome's words it shares (as the outcome wrote them)
    aliases: list[str]  # its alternative or hidden labels found in the outcome
    expanded: dict[str, str]  # acronym in the outcome → the expansion it was read as
    cos: float  # word-vector similarity
    gap: int | None  # Bloom levels between it and the outcome (None when either is unknown)
    archetype: bool | None  # badged for a target archetype (None when none was given)


@dataclass
class Ranking:
    """Every capability's fused value for one outcome, best first; ``evidence(i)`` says why."""

    bloom: str | None
    order: list[int]
    fused: list[float]
    build: Callable[[int], Evidence]
    #: the lowest score suggested for this outcome (``Weights.topical_threshold`` when it names the
    #: framework's subject, else ``Weights.threshold``)
    cut: float
    _cache: dict[int, Evidence] = field(default_factory=dict)

    def evidence(self, i: int) -> Evidence:
        if i not in self._cache:
            self._cache[i] = self.build(i)
        return self._cache[i]


_K1, _B = 1.2, 0.75


class Suggester:
    """The index of one framework state: build once (about half a second, mostly reading the word
    vectors), then rank outcomes in well under a millisecond each. Thread-safe (read-only after build)."""

    def __init__(
        self,
        framework: FrameworkView,
        version: str | None = None,
        embedder: Embedder | None = None,
        weights: Weights | None = None,
    ) -> None:
        self.version = version
        self.weights = weights or Weights()
        self.bloom_verbs = framework.bloom_verbs
        self.all = {c.notation: c for c in framework.capabilities}
        self.by_iri = {c.iri: c for c in framework.capabilities}
        self.caps = [c for c in framework.capabilities if not c.deprecated]
        self._index = {c.notation: i for i, c in enumerate(self.caps)}
        self._notation_rank = np.arange(len(self.caps))  # caps are in notation order: ties by notation
        self._bloom_index = np.array([BLOOM_ORDER.index(c.bloom) if c.bloom else -1 for c in self.caps])
        self._badged = {
            a: np.array([a in c.archetypes for c in self.caps], dtype=bool)
            for a in {a for c in self.caps for a in c.archetypes}
        }
        self._lexicon()
        self._labels()
        self._embedder = embedder or Embedder()
        self._vectors = self._doc_vectors()

    # -- building --------------------------------------------------------------------------------

    def _doc_terms(self, c: Capability) -> list[str]:
        words = tx.terms(c.statement) * 2 + tx.terms(c.description) + tx.terms(" ".join(c.sections))
        for label in (*c.alt_labels, *c.hidden_labels):
            words += [tx.stem(t.lower()) for t in tx.tokens(label) if t.lower() not in tx.STOPWORDS]
        return words

    def _lexicon(self) -> None:
        self._tf = [Counter(self._doc_terms(c)) for c in self.caps]
        self._len = [sum(tf.values()) for tf in self._tf]
        self._avg = sum(self._len) / max(1, len(self._len))
        df: Counter[str] = Counter()
        for tf in self._tf:
            df.update(tf.keys())
        n = len(self.caps)
        self._idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        self._idf_unknown = math.log(1 + (n + 0.5) / 0.5)
        self._postings: dict[str, list[tuple[int, float]]] = {}
        for i, tf in enumerate(self._tf):
            norm = _K1 * (1 - _B + _B * self._len[i] / self._avg)
            for t, f in tf.items():
                self._postings.setdefault(t, []).append((i, f * (_K1 + 1) / (f + norm)))

    def _labels(self) -> None:
        """Each label's phrase → the capabilities it names (and how specific it is); acronym expansions."""
        self._label_caps: dict[tuple[str, ...], set[int]] = {}
        self._label_text: dict[tuple[str, ...], str] = {}
        self._expansions: dict[tuple[str, ...], str] = {}
        for i, c in enumerate(self.caps):
            for label in (*c.alt_labels, *c.hidden_labels):
                key = tx.phrase_key(label)
                if key:
                    self._label_caps.setdefault(key, set()).add(i)
                    self._label_text.setdefault(key, label)
            for short in c.hidden_labels:
                letters = "".join(ch.lower() for ch in short if ch.isalpha())
                for long in c.alt_labels:
                    if len(letters) >= 2 and tx.initials(long) == letters:
                        self._expansions.setdefault(tx.phrase_key(short), long)
        self._longest = max((len(k) for k in self._label_caps), default=1)
        # a label made of words many capabilities use ('AI') says less than a rare one ('DPIA')
        self._specificity = {}
        for key in self._label_caps:
            words = [tx.stem(t.lower()) for t in key if t.lower() not in tx.STOPWORDS] or list(key)
            idf = sum(self._idf.get(t, self._idf_unknown) for t in words) / len(words)
            self._specificity[key] = min(1.0, idf / (0.6 * self._idf_unknown))

    def _doc_vectors(self) -> Vectors:
        main = self._embedder.embed([_content(c.statement) for c in self.caps])
        extra = self._embedder.embed(
            [_content(" ".join((c.description, *c.alt_labels))) or c.statement for c in self.caps]
        )
        v = main + 0.5 * extra
        norms = np.linalg.norm(v, axis=1, keepdims=True)
        return (v / np.where(norms == 0, 1, norms)).astype(np.float32)

    # -- ranking ---------------------------------------------------------------------------------

    def outcome_bloom(self, text: str, bloom: str | None = None) -> str | None:
        """The outcome's Bloom level: as given, else the level of its first word's verb."""
        if bloom:
            b = bloom.strip().lower().rsplit("/", 1)[-1]
            b = "analyse" if b == "analyze" else b
            if b in BLOOM_ORDER:
                return b
        words = tx.tokens(text)
        return self.bloom_verbs.get(words[0].lower()) if words else None

    def score_all(self, text: str, *, bloom: str | None = None, archetypes: Sequence[str] = ()) -> Ranking:
        """Every capability's fused value for ``text``, best first, with the evidence for each."""
        w = self.weights
        n = len(self.caps)
        matched = self._match_labels(text)
        expansions = [
            self._expansions[k] for k in matched if k in self._expansions and self._specificity[k] >= 0.5
        ]
        query = " ".join([text, *expansions])
        qterms = list(dict.fromkeys(tx.terms(query)))
        lex = np.zeros(n)
        hits: defaultdict[int, list[str]] = defaultdict(list)
        for t in qterms:
            idf = self._idf.get(t, 0.0)
            for i, part in self._postings.get(t, []):
                lex[i] += idf * part
                hits[i].append(t)
        best = sum(self._idf.get(t, self._idf_unknown) for t in qterms) * (_K1 + 1)
        lexnorm = lex / best if best else lex
        qv = self._embedder.embed([_content(query) or query])[0]
        cos = self._vectors @ qv
        alias = np.zeros(n)
        alias_hits: defaultdict[int, list[str]] = defaultdict(list)
        for key in matched:
            caps = self._label_caps[key]
            for i in caps:
                alias[i] += self._specificity[key] / math.sqrt(len(caps))
                alias_hits[i].append(self._label_text[key])
        alias = np.minimum(alias, 1.0)
        ob = self.outcome_bloom(text, bloom)
        gaps = np.zeros(n)
        if ob is not None:
            known = self._bloom_index >= 0
            gaps[known] = np.abs(self._bloom_index[known] - BLOOM_ORDER.index(ob))
        arch = np.zeros(n)
        if archetypes:
            badged = np.zeros(n, dtype=bool)
            for a in archetypes:
                badged |= self._badged.get(a, np.zeros(n, dtype=bool))
            arch = np.where(badged, 0.0, -1.0)
        fused = (
            w.lexical * lexnorm + w.meaning * cos + w.alias * alias - w.bloom * gaps / 5 + w.archetype * arch
        )
        order = np.lexsort((self._notation_rank, -fused)).tolist()
        words = _surface(text)

        def evidence(i: int) -> Evidence:
            return Evidence(
                words=[words[t] for t in hits[i] if t in words],
                aliases=alias_hits[i],
                expanded={
                    self._label_text.get(k, " ".join(k)): self._expansions[k]
                    for k in matched
                    if k in self._expansions
                    and i in self._label_caps.get(k, set())
                    and self._specificity[k] >= 0.5
                },
                cos=float(cos[i]),
                gap=None if ob is None or self.caps[i].bloom is None else int(gaps[i]),
                archetype=None if not archetypes else bool(arch[i] == 0),
            )

        cut = w.topical_threshold if matched or tx.topical(text) else w.threshold
        return Ranking(ob, order, fused.tolist(), evidence, cut)

    def score(self, fused: float) -> float:
        """A fused value as a score from 0 to 1 (the same scale for every outcome)."""
        w = self.weights
        return round(1 / (1 + math.exp(-w.steepness * (fused - w.midpoint))), 3)

    def rank(
        self,
        text: str,
        *,
        top: int = 5,
        archetype: str | Sequence[str] | None = None,
        bloom: str | None = None,
    ) -> list[Suggestion]:
        """Up to ``top`` capabilities for an outcome's ``text``, best first; empty when the outcome is
        not about the framework's topics (see ``abstains``)."""
        archetypes = [archetype] if isinstance(archetype, str) else list(archetype or [])
        ranking = self.score_all(text, bloom=bloom, archetypes=archetypes)
        return self.suggestions(ranking, top)

    def suggestions(self, ranking: Ranking, top: int) -> list[Suggestion]:
        out = []
        for i in ranking.order[: max(0, top)]:
            score = self.score(ranking.fused[i])
            if score < ranking.cut:
                break
            c = self.caps[i]
            out.append(Suggestion(c.notation, c.iri, c.statement, score, self._reason(c, ranking, i)))
        return out

    def abstains(self, ranking: Ranking) -> str | None:
        """Why no capability is suggested, or None when some is."""
        if not ranking.order:
            return "the framework has no capabilities"
        i = ranking.order[0]
        score = self.score(ranking.fused[i])
        if score >= ranking.cut:
            return None
        if ranking.cut < self.weights.threshold:  # it names the subject, and still nothing comes near
            return (
                f"no capability comes near its statement: the closest, {self.caps[i].notation}, "
                f"scores {score:.2f}, below {ranking.cut:.2f}"
            )
        return (
            f"not about the framework's topics: the closest capability, {self.caps[i].notation}, "
            f"scores {score:.2f}, below {ranking.cut:.2f}"
        )

    def flags(self, ranking: Ranking, aligned: Sequence[str]) -> list[Flag]:
        """Advice on alignments already given: ``unlikely`` for one far below the best suggestion,
        ``level`` for one whose Bloom level is far from the outcome's."""
        w = self.weights
        out: list[Flag] = []
        best = ranking.order[0] if ranking.order else None
        best_score = self.score(ranking.fused[best]) if best is not None else 0.0
        rank_of = {i: r for r, i in enumerate(ranking.order)}
        for code in aligned:
            i = self._index.get(code)
            if i is None:
                continue
            c = self.caps[i]
            score = self.score(ranking.fused[i])
            if (
                best is not None
                and best != i
                and best_score >= w.threshold
                and rank_of[i] >= w.flag_rank
                and best_score - score >= w.flag_margin
            ):
                top = self.caps[best]
                out.append(
                    Flag(
                        code,
                        "unlikely",
                        f"{code} ({_short(c.statement)}) shares little with the outcome: it ranks "
                        f"{rank_of[i] + 1} of {len(self.caps)} (score {score:.2f}); "
                        f"{top.notation} fits better (score {best_score:.2f}).",
                        top.notation,
                    )
                )
            gap = ranking.evidence(i).gap
            if gap is not None and gap >= w.level_gap and ranking.bloom and c.bloom:
                closer = next(
                    (
                        self.caps[j].notation
                        for j in ranking.order[:5]
                        if (g := ranking.evidence(j).gap) is not None
                        and g <= 1
                        and self.score(ranking.fused[j]) >= w.threshold
                    ),
                    None,
                )
                out.append(
                    Flag(
                        code,
                        "level",
                        f"{code} is at Bloom level '{c.bloom}', {gap} levels from the outcome's "
                        f"'{ranking.bloom}'.",
                        closer,
                    )
                )
        return out

    def _match_labels(self, text: str) -> list[tuple[str, ...]]:
        found = tx.phrases(text, self._longest)
        return sorted(k for k in self._label_caps if k in found)

    def _reason(self, c: Capability, ranking: Ranking, i: int) -> str:
        e = ranking.evidence(i)
        parts = []
        words = list(dict.fromkeys(e.words))
        if words:
            parts.append("shares the words " + ", ".join(f"'{x}'" for x in words[:6]))
        for short, long in e.expanded.items():
            parts.append(f"reads {short} as '{long}'")
        aliases = [a for a in e.aliases if a not in e.expanded]
        if aliases:
            parts.append("known as " + ", ".join(f"'{a}'" for a in aliases[:4]))
        if e.cos >= 0.5:
            parts.append(f"close in meaning ({e.cos:.2f})")
        gap = e.gap
        if gap == 0:
            parts.append(f"same Bloom level ({c.bloom})")
        elif isinstance(gap, int):
            parts.append(f"Bloom level {c.bloom}, {gap} from the outcome's {ranking.bloom}")
        parts.append(f"knowledge level {c.level}")
        if e.archetype is True:
            parts.append("badged for a target archetype")
        elif e.archetype is False:
            parts.append("not badged for a target archetype")
        return "; ".join(parts) + "."


def _gap(outcome: str | None, capability: str | None) -> int:
    if outcome is None or capability is None:
        return 0
    return abs(BLOOM_ORDER.index(outcome) - BLOOM_ORDER.index(capability))


def _content(text: str) -> str:
    """The topic words of ``text`` (stop words and generic verbs dropped) for the word vectors."""
    return " ".join(t for t in tx.tokens(text) if t.lower() not in tx.STOPWORDS)


def _surface(text: str) -> dict[str, str]:
    """The outcome's stemmed terms → each word as written, for reasons."""
    out: dict[str, str] = {}
    for t in tx.tokens(text):
        out.setdefault(tx.stem(t.lower()), t if tx.is_acronym(t) else t.lower())
    return out


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"
