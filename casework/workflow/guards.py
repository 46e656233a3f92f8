"""The guard registry: what must hold before a case may enter a stage."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Optional

from casework.workflow.stages import Stage


@dataclass(frozen=True)
class Move:
    """A proposed move, as a guard sees it."""

    from_stage: Stage
    to_stage: Stage
    actor: object
    now: datetime
    note: Optional[str] = None
    outcome: Optional[str] = None


GuardFn = Callable[[object, Move], Optional[str]]
_GUARDS: dict[Stage, list[GuardFn]] = {s: [] for s in Stage}


def guard(*to_stages):
    """Register a guard for moves into each of `to_stages` ("*" for every stage)."""
    targets = list(Stage) if to_stages == ("*",) else [Stage.parse(s) for s in to_stages]
    if not targets:
        raise ValueError("guard() needs at least one target stage")

    def decorate(fn: GuardFn) -> GuardFn:
        for stage in targets:
            if fn not in _GUARDS[stage]:
                _GUARDS[stage].append(fn)
        return fn

    return decorate


def guards_for(stage) -> list[GuardFn]:
    return list(_GUARDS[Stage.parse(stage)])


def check(case, move: Move) -> list[str]:
    """Every reason the registered guards give against the move (empty: it may go ahead)."""
    reasons = []
    for fn in _GUARDS[move.to_stage]:
        reason = fn(case, move)
        if reason:
            reasons.append(str(reason))
    return reasons
