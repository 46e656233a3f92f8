"""The evidence domain's guard: a case enters litigation only with a sealed evidence bundle.

A court needs the preserved evidence in a form it can check offline; a sealed bundle (its own hash
deposited in the ledger) is that form, so it must exist before the case is litigated.
"""
from __future__ import annotations

from typing import Optional

from casework.workflow.guards import Move, guard
from casework.workflow.stages import Stage


@guard(Stage.LITIGATION)
def needs_sealed_bundle(case, move: Move) -> Optional[str]:
    from casework.services.bundles import has_sealed_bundle

    if has_sealed_bundle(case):
        return None
    return ("litigation needs a sealed evidence bundle: export one from the case's evidence "
            "(it seals when its hash is deposited)")
