"""The workflow's own guards: rights confirmed before leaving review, an outcome before closing."""
from __future__ import annotations

from typing import Optional

from casework.workflow.guards import Move, guard
from casework.workflow.stages import OUTCOMES, Stage


@guard(Stage.LETTER, Stage.TAKEDOWN, Stage.EVIDENCE)
def rights_confirmed(case, move: Move) -> Optional[str]:
    """A case leaves review (other than to be closed) only once each of its works is deposited."""
    if move.from_stage != Stage.REVIEW:
        return None
    from casework.services.cases import works_of, works_without_deposit

    works = works_of(case)
    if not works:
        return "the case has no works: add the infringed work before leaving review"
    missing = works_without_deposit(works)
    if missing:
        names = ", ".join(f"#{w.id} {w.title}" for w in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        return f"rights not confirmed: no ledger deposit for every file of work {names}{more}"
    return None


@guard(Stage.CLOSED)
def closing_needs_outcome(case, move: Move) -> Optional[str]:
    if not move.outcome:
        return "closing a case needs an outcome (" + ", ".join(OUTCOMES) + ")"
    if move.outcome not in OUTCOMES:
        return f"unknown outcome {move.outcome!r}; choose one of " + ", ".join(OUTCOMES)
    return None
