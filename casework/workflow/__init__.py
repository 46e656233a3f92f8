"""The case workflow: stages, the transition table, guards, and the one function that moves a case.

Knows no HTTP, PDF or scheduler. `transition()` is the only code that writes `case.stage`; it does
so with a compare-and-swap so two clicks, or a click and a job, cannot both move the same case.

Other domains add guards without editing this package:

    from casework.workflow import guard

    @guard("litigation")
    def needs_sealed_bundle(case, move):
        if not has_sealed_bundle(case):
            return "litigation needs a sealed evidence bundle"

A guard gets the case and a `Move` (from, to, actor, now, note, outcome) and returns None when the
move may go ahead, or a reason (shown to the user, and in the API's 409) when it may not.
"""
from casework.workflow.stages import OUTCOMES, Stage, TRANSITIONS, allowed_targets, is_allowed  # noqa: F401
from casework.workflow.guards import Move, check, guard, guards_for  # noqa: F401
from casework.workflow.engine import (  # noqa: F401
    MoveOption, WorkflowError, can_assign, can_note, can_transition, can_view_notes, move_options, transition,
)
from casework.workflow import builtin_guards  # noqa: E402,F401  (registers the built-in guards)
from casework.workflow import evidence_guards  # noqa: E402,F401  (litigation needs a sealed bundle)

__all__ = [
    "Stage", "TRANSITIONS", "OUTCOMES", "allowed_targets", "is_allowed", "Move", "guard", "guards_for", "check",
    "WorkflowError", "transition", "move_options", "MoveOption", "can_transition", "can_assign", "can_note",
    "can_view_notes",
]
