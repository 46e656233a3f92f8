"""The takedown state machine's table: every allowed move, every refused one, and the dates it uses."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from casework.models.takedowns import TAKEDOWN_STATUSES
from casework.services.takedowns.states import (MANUAL_TARGETS, TRANSITIONS, Status, TakedownError, allowed_targets,
                                                is_allowed)
from casework.services.takedowns.timing import add_business_days, counter_notice_due

ALLOWED = {
    ("draft", "sent"), ("draft", "withdrawn"),
    ("sent", "acknowledged"), ("sent", "removed"), ("sent", "refused"), ("sent", "counter_notice"),
    ("sent", "withdrawn"),
    ("acknowledged", "removed"), ("acknowledged", "refused"), ("acknowledged", "counter_notice"),
    ("acknowledged", "withdrawn"),
    ("removed", "counter_notice"),
    ("counter_notice", "restored"), ("counter_notice", "withdrawn"),
}


def test_the_enum_and_the_model_agree():
    assert tuple(s.value for s in Status) == TAKEDOWN_STATUSES
    assert set(TRANSITIONS) == set(Status)


@pytest.mark.parametrize("src", TAKEDOWN_STATUSES)
@pytest.mark.parametrize("dst", TAKEDOWN_STATUSES)
def test_every_pair_is_allowed_exactly_when_the_table_says(src, dst):
    assert is_allowed(src, dst) == ((src, dst) in ALLOWED)


def test_ended_states_go_nowhere():
    for end in ("refused", "restored", "withdrawn"):
        assert allowed_targets(end) == []


def test_nothing_goes_back_to_draft_or_sent():
    for src in TAKEDOWN_STATUSES:
        assert not is_allowed(src, "draft")
        assert not is_allowed(src, "sent") or src == "draft"


def test_removed_is_never_a_manual_target():
    assert Status.REMOVED not in MANUAL_TARGETS and Status.DRAFT not in MANUAL_TARGETS
    assert {"acknowledged", "refused", "counter_notice", "restored", "withdrawn", "sent"} == \
        {s.value for s in MANUAL_TARGETS}


def test_unknown_status_is_refused_with_a_message():
    with pytest.raises(TakedownError, match="unknown takedown status"):
        is_allowed("sent", "deleted")


def test_allowed_targets_come_in_workflow_order():
    assert [s.value for s in allowed_targets("sent")] == ["acknowledged", "removed", "refused", "counter_notice",
                                                          "withdrawn"]


def test_us_counter_notice_window_is_ten_business_days():
    friday = datetime(2026, 6, 5, 9, 0, tzinfo=timezone.utc)
    assert friday.weekday() == 4
    # Mon 8 .. Fri 12 (5), Mon 15 .. Fri 19 (10): the tenth business day is Friday the 19th.
    assert add_business_days(friday, 10) == datetime(2026, 6, 19, 9, 0, tzinfo=timezone.utc)
    assert counter_notice_due("us", friday) == datetime(2026, 6, 19, 9, 0, tzinfo=timezone.utc)


def test_cn_counter_notice_window_is_fifteen_days():
    at = datetime(2026, 6, 5, 9, 0, tzinfo=timezone.utc)
    assert counter_notice_due("cn", at) == datetime(2026, 6, 20, 9, 0, tzinfo=timezone.utc)
