"""Search words: what a person typed, cleaned into plain words, recognised needs and spellings.

Free text is only ever words, never query syntax: quotes, brackets, `AND(`, `*`, emoji,
control characters and NUL are separators, so no input can reach a search engine's parser.
Shared by both index backends, so they see exactly the same words.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from whoosh.lang.porter import stem as _porter  # pure Python; whoosh is always installed

from .records import AgeGroup, Need

MAX_WORD_CHARS = 40  # longer "words" are noise (pasted URLs, base64) and are dropped
MAX_WORDS = 32  # bounds the work one query can ask of the index
_WORD = re.compile(r"[^\W_]+")

# Conversational filler that would otherwise match nearly every agency ("help", "need").
STOPWORDS = frozenset(
    """a an and any are as at be by can could do does for from get getting have has he her
    him his how i i'm im in is it its me my need needs needed of on or our please she so some
    someone something that the their them they this to us was we what where who whom will
    with would you your help helps helping find finding looking look want wants wanted
    services service""".split()
)

# Everyday words for who an agency serves, so that "for my daughter" prefers agencies
# serving children. English, not tied to any region.
AUDIENCE_WORDS = {
    AgeGroup.CHILD: "child children kid kids youth teen teens teenager teenagers "
    "adolescent adolescents son sons daughter daughters boy boys girl girls baby toddler "
    "minor minors juvenile",
    AgeGroup.ADULT: "adult adults grownup grownups man men woman women husband wife "
    "elder elderly senior seniors",
}


def clean_text(text: object, max_chars: int = 500) -> str:
    """Text cut to `max_chars`, NFKC-normalised, with control and format characters as spaces."""
    text = str(text or "")[: max(0, max_chars) * 4]  # cut before normalising: bounded work
    text = unicodedata.normalize("NFKC", text)[:max_chars]
    return "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)


def split_words(text: str) -> list[str]:
    """Lowercase words of letters and digits; everything else separates words.

    >>> split_words('"AND( rent**  help')
    ['and', 'rent', 'help']
    """
    words = [word for word in _WORD.findall(text.casefold()) if len(word) <= MAX_WORD_CHARS]
    return words[:MAX_WORDS]


def all_words(text: str) -> list[str]:
    """Every lowercase word of a text, however long (for vocabularies, not queries)."""
    return [word for word in _WORD.findall(text.casefold()) if len(word) <= MAX_WORD_CHARS]


def content_words(words: Sequence[str]) -> list[str]:
    """Words without filler, each once, in the order typed."""
    seen: dict[str, None] = {}
    for word in words:
        if word not in STOPWORDS and word not in seen:
            seen[word] = None
    return list(seen)


def stem(word: str) -> str:
    """The Porter stem of one lowercase word ("psychiatrists" -> "psychiatrist"). Never
    cached: a cache would keep the words people typed (~2 microseconds a word)."""
    return _porter(word)


@dataclass(frozen=True)
class Phrases:
    """Recognises phrases of a closed vocabulary in typed words, by stem, longest first.

    Needs: a need's code, label and synonyms from needs.csv name it ("psychiatrist" ->
    mental-health, "bus pass" -> transportation, "SSI" -> benefits). Age groups: the
    everyday words of AUDIENCE_WORDS ("daughter" -> child).
    """

    phrases: dict[tuple[str, ...], str]  # stemmed words -> value
    longest: int

    @classmethod
    def build(cls, named: Iterable[tuple[str, str]]) -> Phrases:
        """From (text, value) pairs; the first value given for a phrase wins."""
        phrases: dict[tuple[str, ...], str] = {}
        for text, value in named:
            words = split_words(text)
            # A phrase of only filler ("someone to help me") would fire on every query.
            if words and any(word not in STOPWORDS for word in words):
                phrases.setdefault(tuple(stem(word) for word in words), value)
        return cls(phrases, max((len(p) for p in phrases), default=0))

    @classmethod
    def for_needs(cls, needs: Iterable[Need]) -> Phrases:
        return cls.build(
            (text, need.code)
            for need in needs
            for text in (need.code.replace("-", " "), need.label, *need.synonyms)
        )

    @classmethod
    def for_age_groups(cls) -> Phrases:
        return cls.build(
            (word, group.value) for group, words in AUDIENCE_WORDS.items() for word in words.split()
        )

    def find(self, words: Sequence[str]) -> tuple[str, ...]:
        """Values named in `words`, in the order they appear, each once."""
        stems = [stem(word) for word in words]
        found: dict[str, None] = {}
        start = 0
        while start < len(stems):
            for size in range(min(self.longest, len(stems) - start), 0, -1):
                value = self.phrases.get(tuple(stems[start : start + size]))
                if value is not None:
                    found.setdefault(value, None)
                    start += size
                    break
            else:
                start += 1
        return tuple(found)


class Speller:
    """Suggests a known word for an unknown one ("psychiatist" -> "psychiatrist").

    A symmetric-delete lookup: every known word is stored under itself and each one-letter
    deletion, so one pass over the typed word's deletions finds insertions, deletions,
    substitutions and swaps; candidates are then checked with a real edit distance.
    """

    MIN_CHARS = 4  # shorter words are too ambiguous to correct

    def __init__(self, words: Iterable[str]):
        self.counts: Counter[str] = Counter(
            word for word in words if len(word) >= 2 and not word.isdigit()
        )
        self._by_deletion: dict[str, list[str]] = {}
        for word in self.counts:
            if len(word) < self.MIN_CHARS - 1:
                continue
            for key in _deletions(word):
                self._by_deletion.setdefault(key, []).append(word)
        self._stems = {stem(word) for word in self.counts}

    def knows(self, word: str) -> bool:
        """A known word, or another form of one ("psychiatrists")."""
        return word in self.counts or stem(word) in self._stems

    def correct(self, word: str) -> str | None:
        """The likeliest known word within the allowed edit distance, or None."""
        if self.knows(word) or len(word) < self.MIN_CHARS or word.isdigit():
            return None
        allowed = 1 if len(word) < 7 else 2
        candidates = {known for key in _deletions(word) for known in self._by_deletion.get(key, ())}
        scored = [
            (distance, -self.counts[known], known)
            for known in candidates
            if (distance := edit_distance(word, known, allowed)) <= allowed
        ]
        return min(scored)[2] if scored else None


def _deletions(word: str) -> set[str]:
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (adjacent swaps cost 1), or limit + 1 when above it."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            cost = char_a != char_b
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


# "my son", "our daughter", "my 9 year old": the person asking is a parent, so the search is
# a child's. English, not tied to any region.
_CHILD_OF = re.compile(
    r"\b(?:my|our)\s+(?:\d{1,2}\s*(?:-|\s)?\s*(?:years?|yrs?)\s*(?:-|\s)?\s*old\s+)?"
    r"(?:son|sons|daughter|daughters|child|children|kid|kids|boy|girl|teen|teenager|baby|toddler)\b"
)
_YEARS = re.compile(
    r"\b(?:age|aged|ages)\s+(\d{1,3})\b"
    r"|\b(\d{1,3})\s*(?:-|\s)?\s*(?:years?|yrs?)(?:\s*(?:-|\s)?\s*old)?\b"
    r"|\b(?:is|she's|he's|i'm|im)\s+(\d{1,3})\b(?!\s*(?:am|pm|minutes?|hours?|days?|weeks?|months?|times?))"
)


@dataclass(frozen=True, slots=True)
class AgeFromWords:
    """Who the words say the search is for: a child ("my son"), an age ("she is 10"), or nobody."""

    age_group: AgeGroup | None = None
    years: int | None = None
    reason: str = ""  # the words that said so, for the page: "my son", "age 10"


def age_from_words(text: str) -> AgeFromWords:
    """Read a child's search from everyday words; ages under 18 make it a child's, 18+ an adult's.

    >>> age_from_words("my daughter is suicidal").age_group.value
    'child'
    >>> age_from_words("psychiatrist for a 10 year old").years
    10
    """
    text = clean_text(text).casefold()
    years = None
    reason = ""
    for found in _YEARS.finditer(text):
        number = int(next(group for group in found.groups() if group))
        if 0 <= number <= 120:
            years, reason = number, found.group(0).strip()
            break
    if years is not None:
        group = AgeGroup.CHILD if years < 18 else AgeGroup.ADULT
        return AgeFromWords(group, years, reason)
    child = _CHILD_OF.search(text)
    if child:
        return AgeFromWords(AgeGroup.CHILD, None, child.group(0).strip())
    return AgeFromWords()
