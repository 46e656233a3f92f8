"""The takedown state machine: the statuses, the explicit table of allowed moves, and its errors.

No database here: `notices.move()` applies the table (and is the only writer of a takedown's status).
"""
from __future__ import annotations

import enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from casework.models.takedowns import TakedownNotice


class Status(str, enum.Enum):
    DRAFT = "draft"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    REMOVED = "removed"
    REFUSED = "refused"
    COUNTER_NOTICE = "counter_notice"
    RESTORED = "restored"
    WITHDRAWN = "withdrawn"

    @classmethod
    def parse(cls, value) -> "Status":
        if isinstance(value, Status):
            return value
        try:
            return cls(str(value))
        except ValueError:
            raise TakedownError(f"unknown takedown status {value!r}; statuses are "
                                f"{', '.join(s.value for s in cls)}") from None


S = Status
# Every allowed move. A draft is sent (or dropped); a sent notice is acknowledged, refused, answered with
# a counter-notice, or confirmed removed by a re-check (with or without an acknowledgement first); a
# counter-notice comes before or after the removal (512(g): after; in China the platform may forward it
# at once) and ends in restoration or our withdrawal. We may withdraw a notice while it is pending.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.DRAFT: frozenset({S.SENT, S.WITHDRAWN}),
    S.SENT: frozenset({S.ACKNOWLEDGED, S.REMOVED, S.REFUSED, S.COUNTER_NOTICE, S.WITHDRAWN}),
    S.ACKNOWLEDGED: frozenset({S.REMOVED, S.REFUSED, S.COUNTER_NOTICE, S.WITHDRAWN}),
    S.REMOVED: frozenset({S.COUNTER_NOTICE}),
    S.COUNTER_NOTICE: frozenset({S.RESTORED, S.WITHDRAWN}),
    S.REFUSED: frozenset(),
    S.RESTORED: frozenset(),
    S.WITHDRAWN: frozenset(),
}
# "removed" is reached only from a re-check that confirms every URL gone; people never choose it.
MANUAL_TARGETS = frozenset(set(S) - {S.REMOVED, S.DRAFT})
ORDER = {s: i for i, s in enumerate(Status)}
# Moves that are the platform answering (for the response-time figures and the response deadline).
RESPONSES = frozenset({S.ACKNOWLEDGED, S.REFUSED, S.COUNTER_NOTICE, S.REMOVED})


class TakedownError(ValueError):
    """Input that cannot be accepted (unknown platform, empty reason...); the message is safe to show."""

    status = 422


class TransitionRefused(TakedownError):
    """The table or a precondition refused a move (the API answers 409)."""

    status = 409


def allowed_targets(status) -> list[Status]:
    return sorted(TRANSITIONS[Status.parse(status)], key=ORDER.get)


def is_allowed(from_status, to_status) -> bool:
    return Status.parse(to_status) in TRANSITIONS[Status.parse(from_status)]


def manual_targets(td: TakedownNotice) -> list[Status]:
    """What a person may move this takedown to from here (removal is the re-check's to make)."""
    return [s for s in allowed_targets(td.status) if s in MANUAL_TARGETS]
