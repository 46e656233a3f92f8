"""Litigation records: court, claims, parties, hearings, court deadlines, costs, filings, judgment or settlement.

Every change is audited and recorded as a case timeline row, which is deposited in the ledger in the
same transaction (`cases.add_event` -> `ledger.deposit_json`); the row's note is the full plain
description of the change, so its deposited hash covers what was recorded. Hearings and procedural
deadlines are casework `Deadline` rows, so the scheduler reminds about and escalates them.

Closing: a case whose record says how it ended (settled, judgment won or lost) is closed with that
outcome through `casework.workflow.transition`; the guard below refuses a closing outcome that
contradicts the record.
"""
from casework.policy import litigation as _policy  # noqa: F401  (registers the litigation rules)
from casework.services.litigation.values import (MAX_MINOR, LitigationError, amount_str, format_amount,  # noqa: F401
                                                 parse_amount, parse_currency)
from casework.services.litigation.records import (RECORD_FIELDS, REMOVABLE, add_cost, add_deadline,  # noqa: F401
                                                  add_filing, add_hearing, add_party, court_deadline_of,
                                                  court_deadlines, hearing_held, hearing_of, open_record, record_for,
                                                  records_for, remove_entry, totals, upcoming_hearings,
                                                  update_deadline, update_hearing, update_record)
from casework.services.litigation.outcome import (Resolution, close_case, outcome_follows_the_record,  # noqa: F401
                                                  resolve)
from casework.services.litigation.serialize import deadline_json, hearing_json, record_json, status  # noqa: F401
