"""Cases: opening, works and URLs, assignment, internal notes and the deposited timeline.

The stage is not written here: only `casework.workflow.transition` moves a case. Other domains
record their own timeline rows with `add_event` (letter sent, capture done, ...); every timeline
row is deposited in the ledger in the same transaction.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Iterable, Optional, Sequence

from sqlalchemy import insert, select

from casework.extensions import db
from casework.models import User
from casework.models.cases import PRIORITIES, Case, CaseEvent, CaseNote, CaseTag, CaseUrl, case_work
from casework.services import audit, events
from casework.services.actor import Actor
from casework.urls import UrlError, host_of, normalize_url, url_hash

MAX_TAGS = 20
_TAG = re.compile(r"^[\w\-. ]{1,50}$", re.UNICODE)
RESERVED_KINDS = {"stage_changed"}  # only the workflow writes these


class CaseError(ValueError):
    """A change to a case that cannot be made; the message is safe to show."""


def rfc3339(value: Optional[datetime]) -> Optional[str]:
    return events.rfc3339(value)


# --- the timeline -----------------------------------------------------------------------------

def event_document(event: CaseEvent) -> dict:
    """What a timeline row's deposit says: recomputable from the row, so anyone can check it.

    Only ids, stages and a hash of the note enter the ledger (it is public); the note itself stays here.
    """
    import hashlib

    return {
        "type": "case_event",
        "case": event.case_id,
        "event": event.id,
        "kind": event.kind,
        "at": rfc3339(event.at),
        "actor": event.actor_ref,
        "from": event.from_stage,
        "to": event.to_stage,
        "note_sha256": hashlib.sha256((event.note or "").encode("utf-8")).hexdigest(),
    }


def record_event(case: Case, kind: str, note: str = "", *, actor: Actor, now: datetime,
                 from_stage: Optional[str] = None, to_stage: Optional[str] = None,
                 data: Optional[dict] = None) -> CaseEvent:
    """Write a timeline row and deposit it; used by the workflow and by add_event."""
    from casework.services.ledger import deposit_json

    if not kind or len(kind) > 40:
        raise CaseError("a timeline event needs a kind of at most 40 characters")
    event = CaseEvent(case_id=case.id, at=now, kind=kind, actor_label=actor.label, actor_user_id=actor.user_id,
                      actor_ref=actor.ledger_name[:300], from_stage=from_stage, to_stage=to_stage,
                      note=(note or "")[:10000], data=data or {})
    db.session.add(event)
    db.session.flush()
    deposit = deposit_json(kind="case_event", document=event_document(event), subject=f"case:{case.id}",
                           actor=actor, now=now)
    event.deposit_index = deposit.index
    return event


def add_event(case: Case, kind: str, note: str = "", *, actor: Actor, now: datetime,
              data: Optional[dict] = None) -> CaseEvent:
    """Record something that happened in a case (letter sent, capture done...): a deposited timeline row."""
    if kind in RESERVED_KINDS:
        raise CaseError(f"{kind} events are written by the workflow only")
    return record_event(case, kind, note, actor=actor, now=now, data=data)


# --- opening and contents -----------------------------------------------------------------------

def open_case(*, title: str, works: Sequence, actor: Actor, now: datetime, infringer=None,
              owner: Optional[User] = None, counsel: Optional[User] = None, priority: str = "normal",
              tags: Iterable[str] = (), note: str = "") -> Case:
    """Open a case in review, with its works; the opening is the first (deposited) timeline row."""
    title = (title or "").strip()
    if not title:
        raise CaseError("a case needs a title")
    if priority not in PRIORITIES:
        raise CaseError(f"priority must be one of {', '.join(PRIORITIES)}")
    _check_owner(owner)
    _check_counsel(counsel)
    case = Case(title=title[:300], stage="review", infringer=infringer, owner=owner, counsel=counsel,
                priority=priority, opened_at=now, stage_changed_at=now, updated_at=now,
                created_by_id=actor.user_id)
    case.tag_rows = [CaseTag(tag=t) for t in normalize_tags(tags)]
    db.session.add(case)
    db.session.flush()
    work_ids = list(dict.fromkeys(_work_id(w) for w in works))
    if work_ids:
        db.session.execute(insert(case_work), [{"case_id": case.id, "work_id": w} for w in work_ids])
    record_event(case, "opened", note, actor=actor, now=now, to_stage="review",
                 data={"works": work_ids, "infringer": infringer.id if infringer else None})
    events.emit("case.opened", {"case_id": case.id, "title": case.title}, case_id=case.id, now=now)
    if owner is not None or counsel is not None:
        events.emit("case.assigned", {"owner": owner.id if owner else None, "counsel": counsel.id if counsel else None,
                                      "actor": actor.ledger_name}, case_id=case.id, now=now)
    audit.record(actor, "case.open", case, case.title, now=now)
    return case


def _work_id(work) -> int:
    return work if isinstance(work, int) else work.id


def work_ids(case: Case) -> list[int]:
    return list(db.session.scalars(select(case_work.c.work_id).where(case_work.c.case_id == case.id)
                                   .order_by(case_work.c.work_id)))


def works_of(case: Case) -> list:
    """The case's works (Work objects), in id order."""
    from casework.models.works import Work

    return list(db.session.scalars(select(Work).join(case_work, case_work.c.work_id == Work.id)
                                   .where(case_work.c.case_id == case.id).order_by(Work.id)))


def add_work(case: Case, work, *, actor: Actor, now: datetime) -> bool:
    """Add one of our works to the case (a timeline row); False when it is already there."""
    wid = _work_id(work)
    if wid in work_ids(case):
        return False
    db.session.execute(insert(case_work), [{"case_id": case.id, "work_id": wid}])
    case.updated_at = now
    db.session.flush()
    title = getattr(work, "title", "")
    record_event(case, "work_added", f"#{wid} {title}".strip(), actor=actor, now=now, data={"work": wid})
    return True


def add_url(case: Case, url: str, *, actor: Actor, now: datetime, platform=None,
            first_detected_at: Optional[datetime] = None, record: bool = True) -> CaseUrl:
    """Add an infringing URL (normalized; a URL already in the case is returned as it is)."""
    try:
        normalized = normalize_url(url)
    except UrlError as exc:
        raise CaseError(str(exc)) from None
    key = url_hash(normalized)
    existing = db.session.scalar(select(CaseUrl).where(CaseUrl.case_id == case.id, CaseUrl.url_hash == key))
    if existing is not None:
        return existing
    if platform is None:
        from casework.services.monitoring import platform_for_host

        platform = platform_for_host(host_of(normalized))
    row = CaseUrl(case=case, url=url.strip(), url_normalized=normalized, url_hash=key, host=host_of(normalized),
                  platform=platform, status="active", first_detected_at=first_detected_at or now, added_at=now)
    db.session.add(row)
    case.updated_at = now
    db.session.flush()
    if record:
        record_event(case, "url_added", normalized, actor=actor, now=now, data={"case_url": row.id})
    return row


def normalize_tags(tags: Iterable[str]) -> list[str]:
    out: list[str] = []
    for raw in tags:
        tag = str(raw).strip().lower()
        if not tag:
            continue
        if not _TAG.match(tag):
            raise CaseError(f"tag {raw!r}: use letters, digits, spaces, '-', '_' or '.', at most 50 characters")
        if tag not in out:
            out.append(tag)
    if len(out) > MAX_TAGS:
        raise CaseError(f"at most {MAX_TAGS} tags")
    return out


def _check_owner(user: Optional[User]) -> None:
    if user is not None and (user.role not in ("legal", "admin") or not user.active):
        raise CaseError(f"the owner must be an active legal or admin user; {user.email} is not")


def _check_counsel(user: Optional[User]) -> None:
    if user is not None and (user.role != "counsel" or not user.active):
        raise CaseError(f"counsel must be an active outside-counsel user; {user.email} is not")


_UNSET = object()


def assign(case: Case, *, actor: Actor, now: datetime, owner=_UNSET, counsel=_UNSET, priority=_UNSET,
           tags=_UNSET) -> list[str]:
    """Set owner, counsel, priority and tags (each only if given); returns what changed.

    `owner` and `counsel` are User or None (to unassign). A change of hands is a timeline row.
    """
    changes: list[str] = []
    data: dict = {}
    if owner is not _UNSET and owner != case.owner:
        _check_owner(owner)
        case.owner = owner
        changes.append(f"owner: {owner.email if owner else '—'}")
        data["owner"] = owner.id if owner else None
    if counsel is not _UNSET and counsel != case.counsel:
        _check_counsel(counsel)
        case.counsel = counsel
        changes.append(f"counsel: {counsel.email if counsel else '—'}")
        data["counsel"] = counsel.id if counsel else None
    if priority is not _UNSET and priority != case.priority:
        if priority not in PRIORITIES:
            raise CaseError(f"priority must be one of {', '.join(PRIORITIES)}")
        case.priority = priority
        changes.append(f"priority: {priority}")
        data["priority"] = priority
    if tags is not _UNSET:
        new = normalize_tags(tags)
        if new != case.tags:
            case.tag_rows = [CaseTag(tag=t) for t in new]
            changes.append("tags: " + (", ".join(new) or "—"))
    if not changes:
        return []
    case.updated_at = now
    db.session.flush()
    if data:  # who holds the case is part of the record; tags are bookkeeping
        record_event(case, "assigned", "; ".join(c for c in changes if not c.startswith("tags")), actor=actor,
                     now=now, data=data)
        if "owner" in data or "counsel" in data:  # the new holders are told (notifications, webhooks)
            events.emit("case.assigned", {**{k: data[k] for k in ("owner", "counsel") if k in data},
                                          "actor": actor.ledger_name}, case_id=case.id, now=now)
    audit.record(actor, "case.assign", case, "; ".join(changes), now=now)
    return changes


def add_note(case: Case, text: str, *, actor: Actor, now: datetime) -> CaseNote:
    """An internal note (legal and admin only): not in the timeline, never shown to counsel or creators."""
    text = (text or "").strip()
    if not text:
        raise CaseError("a note needs some text")
    if len(text) > 20000:
        raise CaseError("a note is at most 20,000 characters")
    note = CaseNote(case_id=case.id, author_id=actor.user_id, author_label=actor.label, at=now, text=text)
    db.session.add(note)
    case.updated_at = now
    db.session.flush()
    audit.record(actor, "case.note", case, f"note {note.id}", now=now)
    return note


def notes(case: Case) -> list[CaseNote]:
    return list(db.session.scalars(select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.at,
                                                                                                  CaseNote.id)))


def timeline(case: Case) -> list[CaseEvent]:
    return list(db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                   .order_by(CaseEvent.at, CaseEvent.id)))


def works_without_deposit(works) -> list:
    """The works among `works` that are not fully deposited (a work with no file counts as missing)."""
    from casework.models.works import WorkFile

    ids = [w.id for w in works]
    if not ids:
        return []
    rows = db.session.execute(select(WorkFile.work_id, WorkFile.deposit_index).where(WorkFile.work_id.in_(ids)))
    has_file: set[int] = set()
    undeposited: set[int] = set()
    for work_id, index in rows:
        has_file.add(work_id)
        if index is None:
            undeposited.add(work_id)
    return [w for w in works if w.id not in has_file or w.id in undeposited]


def open_case_of_infringer(infringer_id: int) -> Optional[Case]:
    """The most recently opened case of this infringer that is not closed: confirmations join it."""
    return db.session.scalar(select(Case).where(Case.infringer_id == infringer_id, Case.stage != "closed")
                             .order_by(Case.opened_at.desc(), Case.id.desc()).limit(1))


def set_infringer(case: Case, infringer, *, actor: Actor, now: datetime) -> None:
    """Name (or change) who infringes: a timeline row, since it decides whom letters go to."""
    if infringer is None or infringer.id == case.infringer_id:
        return
    old = case.infringer_id
    case.infringer = infringer
    case.updated_at = now
    db.session.flush()
    record_event(case, "infringer_set", infringer.name, actor=actor, now=now,
                 data={"infringer": infringer.id, "previous": old})
    audit.record(actor, "case.infringer", case, f"infringer #{infringer.id} {infringer.name}", now=now)
