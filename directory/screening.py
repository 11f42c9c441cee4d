"""A level screener in the brochure's words: it suggests and explains, it never decides."""

from __future__ import annotations

from dataclasses import dataclass

from .records import Level

# The questions, worded for a family; keys are the form and API parameter names.
QUESTIONS: dict[str, str] = {
    "occasional": "Only needs help now and then to reach supports and services",
    "hospitalised": "Has been in hospital for mental health care before",
    "frequent": "Needs frequent, continuing support",
    "crises": "Has crises that need help at any hour",
}

ADMINISTRATIVE_WHY = (
    "Administrative service coordination is for anyone seeking mental health services who needs "
    "only occasional help with accessing supports and services; no diagnosis or treatment "
    "history is needed."
)
BLENDED_WHY = (
    "Blended service coordination is for people whose condition meets criteria on diagnosis, "
    "treatment and level of functioning, who need more frequent and continuous support; it is "
    "available around the clock in a crisis."
)
DECIDED_BY = (
    "This is only a suggestion: the agency decides the level with you, based on its "
    "eligibility criteria."
)


@dataclass(frozen=True, slots=True)
class LevelSuggestion:
    level: Level | None
    reasons: tuple[str, ...]
    explanation: str

    def to_json(self) -> dict:
        return {
            "level": self.level.value if self.level else None,
            "reasons": list(self.reasons),
            "explanation": self.explanation,
        }


def suggest_level(answers: set[str] | frozenset[str]) -> LevelSuggestion:
    """Suggest Blended when any sign of intensive need is ticked, else Administrative."""
    intensive = [QUESTIONS[key] for key in ("hospitalised", "frequent", "crises") if key in answers]
    if intensive:
        return LevelSuggestion(Level.BLENDED, tuple(intensive), f"{BLENDED_WHY} {DECIDED_BY}")
    if "occasional" in answers:
        return LevelSuggestion(
            Level.ADMINISTRATIVE, (QUESTIONS["occasional"],), f"{ADMINISTRATIVE_WHY} {DECIDED_BY}"
        )
    return LevelSuggestion(None, (), f"{ADMINISTRATIVE_WHY} {BLENDED_WHY}")
