"""Takedown notices (拦截): one per platform per case, sent through the platform's channel, and tracked.

    create_takedown(case, platform, *, actor, now, lang=None) -> TakedownNotice        (draft + its notice)
    create_for_case(case, *, actor, now, lang=None) -> list[TakedownNotice]            (every platform left)
    send(td, *, actor, now, reference="", recipient=None)                               (draft -> sent)
    acknowledge / refuse / record_counter_notice / restore / withdraw                   (the platform's answers)
    record_platform_removal(td, ...)    the platform *says* it removed: recorded, the state waits
    confirm_removals_for_url(case_url, *, actor, now)   re-check hook: every URL gone -> removed
    confirm_restorations_for_url(...)                   re-check hook: a counter-noticed URL is back -> restored

`states` holds the state machine (`Status` and the explicit `TRANSITIONS` table), `timing` the
response days and the counter-notice windows with the law behind them, `notices` the operations;
`notices.move()` is the only writer of a takedown's status (compare-and-swap on the row, as the case
workflow does). Importing this package registers the re-check listener.
"""
from casework.services.takedowns.states import (MANUAL_TARGETS, RESPONSES, TRANSITIONS, Status, TakedownError,
                                                TransitionRefused, allowed_targets, is_allowed, manual_targets)
from casework.services.takedowns.timing import (COUNTER_NOTICE_BUSINESS_DAYS_US, COUNTER_NOTICE_DAYS_CN,
                                                DEFAULT_RESPONSE_DAYS, add_business_days, counter_notice_due,
                                                response_days, response_days_for, set_response_days)
from casework.services.takedowns.notices import (SOURCE, acknowledge, confirm_removals_for_url,
                                                 confirm_restorations_for_url, create_for_case,
                                                 create_takedown, eligible_platforms, move, on_case_url_status,
                                                 record_counter_notice, record_platform_removal, refuse, restore,
                                                 send, withdraw)

__all__ = ["Status", "TRANSITIONS", "MANUAL_TARGETS", "RESPONSES", "TakedownError", "TransitionRefused",
           "allowed_targets", "is_allowed", "manual_targets", "create_takedown", "create_for_case",
           "eligible_platforms", "send", "acknowledge", "refuse", "record_counter_notice", "restore", "withdraw",
           "record_platform_removal", "confirm_removals_for_url", "confirm_restorations_for_url",
           "on_case_url_status", "move", "response_days", "response_days_for", "set_response_days", "add_business_days",
           "counter_notice_due", "DEFAULT_RESPONSE_DAYS", "COUNTER_NOTICE_BUSINESS_DAYS_US", "COUNTER_NOTICE_DAYS_CN",
           "SOURCE"]
