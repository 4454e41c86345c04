"""Words for ranking: tokens, a light English stemmer, stop words, and phrase matching of labels."""

from __future__ import annotations

import re

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9+]*")

#: Words that say nothing about a capability's topic: function words and the verbs and nouns every
#: outcome and statement shares ("explain", "use", "their", "health", "care").
STOPWORDS = frozenset(
    """
    a about above across after against all along also although among an and any are around as at be
    because been before being between both but by can could do does doing done during each either for
    from further had has have having how however i if in into is it its itself just may might more most
    must no nor not of off on once one only or other our out over own per same shall should so some such
    than that the their them themselves then there these they this those through to too under until up
    upon us use used uses using very was we were what when where whether which while who whom why will
    with within without would you your e g eg ie etc including include includes such way ways
    able ability learner learners student students staff person people patient patients
    health healthcare care clinical practice setting settings own work role roles
    explain describe outline identify recognise recognize define list state discuss demonstrate show
    understand apply analyse analyze evaluate assess create design develop produce plan perform
    undertake carry complete critically appropriately appropriate effectively effective safely safe
    key main basic common new relevant different various given how why
    """.split()  # noqa: SIM905
)

_SUFFIXES = (
    ("isations", "is"),
    ("izations", "is"),
    ("isation", "is"),
    ("ization", "is"),
    ("ational", "ate"),
    ("fulness", "ful"),
    ("ousness", "ous"),
    ("iveness", "ive"),
    ("ments", ""),
    ("ment", ""),
    ("ities", ""),
    ("ity", ""),
    ("ings", ""),
    ("ing", ""),
    ("ations", "ate"),
    ("ation", "ate"),
    ("ises", "is"),
    ("izes", "is"),
    ("ised", "is"),
    ("ized", "is"),
    ("ise", "is"),
    ("ize", "is"),
    ("ies", "y"),
    ("ied", "y"),
    ("ed", ""),
    ("es", ""),
    ("ers", "er"),
    ("al", ""),
    ("ly", ""),
    ("s", ""),
)


def stem(word: str) -> str:
    """A light suffix stripper: enough to meet 'monitoring' with 'monitor' and 'risks' with 'risk'."""
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, repl in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + repl
            break
    return word.rstrip("e") if len(word) > 4 else word


#: Words that put an outcome within the framework's subject, AI and the software around it in care,
#: however plainly it is worded ("the computer flagged", "ChatGPT"): such an outcome gets the
#: capabilities nearest to it even when none matches it closely (``Weights.topical_threshold``), where
#: an outcome about something else (venepuncture, safeguarding) gets none. Words that clinical outcomes
#: use as often (digital, electronic, online, data, app: "a digital sphygmomanometer", "online fire
#: safety training") are not among them.
TOPIC_WORDS = frozenset(
    {
        "ai", "artificial", "algorithm", "algorithms", "algorithmic", "software", "computer",
        "computers", "computerised", "computerized", "automated", "automation", "chatbot", "chatbots",
        "chatgpt", "copilot", "llm", "llms", "genai", "generative", "robot", "robots", "robotic",
        "robotics", "cyber", "cybersecurity", "informatics", "dataset", "datasets", "analytics", "ml",
        "gpt", "deepfake", "deepfakes",
    }
)  # fmt: skip


#: Phrases that name the subject where their words alone do not ("an ECG machine" is not).
TOPIC_PHRASES = ("machine learning", "neural network", "large language model", "decision support")


def topical(text: str) -> bool:
    """Whether ``text`` names the framework's subject (``TOPIC_WORDS``, ``TOPIC_PHRASES``), in any case."""
    low = " ".join(t.lower() for t in tokens(text))
    return any(t in TOPIC_WORDS for t in low.split()) or any(p in low for p in TOPIC_PHRASES)


def tokens(text: str) -> list[str]:
    """The words of ``text`` as written (case kept)."""
    return _TOKEN.findall(text)


def terms(text: str) -> list[str]:
    """The topic words of ``text``: lower case, stemmed, without stop words."""
    out = []
    for t in tokens(text):
        low = t.lower()
        if low not in STOPWORDS and not (len(low) == 1 and not low.isdigit()):
            out.append(stem(low))
    return out


def is_acronym(label: str) -> bool:
    """``DPIA``, ``HL7 FHIR``, ``DCB0129``, ``dm+d`` are matched as written; other labels in any case."""
    return sum(c.isupper() for c in label) >= 2 or any(c.isdigit() for c in label) or "+" in label


def phrase_key(label: str) -> tuple[str, ...]:
    """How a label is looked up: its tokens, lower-cased unless it is an acronym."""
    toks = tokens(label)
    return tuple(toks if is_acronym(label) else (t.lower() for t in toks))


def phrases(text: str, longest: int) -> set[tuple[str, ...]]:
    """Every run of up to ``longest`` tokens of ``text``, as written and lower-cased; a plural acronym
    (``LLMs``) also stands for its singular."""
    raw = tokens(text)
    raw += [t[:-1] for t in raw if len(t) > 2 and t.endswith("s") and t[:-1].isupper()]
    out: set[tuple[str, ...]] = set()
    for seq in (raw, [t.lower() for t in raw]):
        for n in range(1, longest + 1):
            for i in range(len(seq) - n + 1):
                out.add(tuple(seq[i : i + n]))
    return out


_MINOR = frozenset({"and", "of", "the", "for", "in", "on", "to", "a", "an"})


def initials(label: str) -> str:
    """The initials of a label's words, minor words left out: 'area under the curve' → 'auc'."""
    return "".join(t[0].lower() for t in tokens(label) if t.lower() not in _MINOR)
