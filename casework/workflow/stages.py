"""Stages and the explicit table of allowed moves."""
from __future__ import annotations

import enum

from casework.models.cases import OUTCOMES, STAGES


class Stage(str, enum.Enum):
    REVIEW = "review"
    LETTER = "letter"
    TAKEDOWN = "takedown"
    EVIDENCE = "evidence"
    LITIGATION = "litigation"
    CLOSED = "closed"

    @classmethod
    def parse(cls, value) -> "Stage":
        if isinstance(value, Stage):
            return value
        try:
            return cls(str(value))
        except ValueError:
            raise ValueError(f"unknown stage {value!r}; stages are {', '.join(s.value for s in cls)}") from None


assert tuple(s.value for s in Stage) == STAGES, "Stage and the model's STAGES must agree"

S = Stage
# Forward along the seven steps, with the skips the law allows, and closing from anywhere open:
# - review -> takedown: a notice to the platform needs no prior letter to the infringer;
# - review -> evidence: evidence is often preserved before the infringer is warned (a letter can make
#   the page disappear);
# - letter -> evidence: litigation after evidence without a takedown;
# - litigation only after evidence: a court needs the preserved evidence.
TRANSITIONS: dict[Stage, frozenset[Stage]] = {
    S.REVIEW: frozenset({S.LETTER, S.TAKEDOWN, S.EVIDENCE, S.CLOSED}),
    S.LETTER: frozenset({S.TAKEDOWN, S.EVIDENCE, S.CLOSED}),
    S.TAKEDOWN: frozenset({S.EVIDENCE, S.CLOSED}),
    S.EVIDENCE: frozenset({S.LITIGATION, S.CLOSED}),
    S.LITIGATION: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}
ORDER = {s: i for i, s in enumerate(Stage)}


def allowed_targets(stage) -> list[Stage]:
    """The stages a case in `stage` may move to, in workflow order."""
    return sorted(TRANSITIONS[Stage.parse(stage)], key=ORDER.get)


def is_allowed(from_stage, to_stage) -> bool:
    return Stage.parse(to_stage) in TRANSITIONS[Stage.parse(from_stage)]


__all__ = ["Stage", "TRANSITIONS", "OUTCOMES", "allowed_targets", "is_allowed"]
