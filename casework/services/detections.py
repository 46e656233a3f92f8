"""Detections: intake from every source (all or nothing, duplicates reported) and review.

Intake validates the whole batch first and names every bad item; only a clean batch is written,
with Core bulk inserts and one duplicate lookup per batch. Review confirms a detection into a case
(joining the infringer's open case) or dismisses it with a reason.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

from dateutil import parser as dateparser
from sqlalchemy import insert, select

from casework.extensions import db
from casework.models.cases import Case
from casework.models.monitoring import DETECTION_SOURCES, DISMISS_REASONS, Detection, Infringer
from casework.services import audit, cases, events, monitoring
from casework.services.actor import Actor
from casework.urls import UrlError, host_of, normalize_url, url_hash

MAX_BATCH = 1000
FUTURE_SLACK = timedelta(minutes=10)


class IntakeError(ValueError):
    """The batch has bad items; `errors` names each: {"index", "field", "message"}."""

    def __init__(self, errors: list[dict]):
        self.errors = errors
        first = "; ".join(f"item {e['index']}: {e['field']}: {e['message']}" for e in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        super().__init__(f"{len(errors)} problem(s) in the batch, nothing was stored: {first}{more}")


class ReviewError(ValueError):
    pass


@dataclass
class IntakeResult:
    created: list[int] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)
    licensed: list[int] = field(default_factory=list)
    outcomes: list[tuple[str, int]] = field(default_factory=list)  # per item: ("created" | "duplicate", id)


def parse_time(value: Any) -> datetime:
    """RFC 3339 / ISO 8601 with a zone (naive means UTC only when it is a plain date)."""
    if isinstance(value, datetime):
        parsed = value
    else:
        text = str(value or "").strip()
        if not text:
            raise ValueError("a time is required")
        try:
            parsed = dateparser.isoparse(text)
        except (ValueError, OverflowError):
            raise ValueError(f"{text!r} is not an RFC 3339 time (e.g. 2026-03-01T08:30:00Z)") from None
        if parsed.tzinfo is None:
            if len(text) <= 10:  # a bare date
                parsed = parsed.replace(tzinfo=timezone.utc)
            else:
                raise ValueError(f"{text!r} has no time zone (add Z or +08:00)")
    if parsed.tzinfo is None:
        raise ValueError("the time has no time zone")
    try:
        return parsed.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError(f"{value!s:.40} is outside the calendar once converted to UTC") from None


def _similarity(value: Any) -> Optional[float]:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("similarity is a number between 0 and 1")
    if isinstance(value, str):
        text = value.strip()
        percent = text.endswith("%")
        try:
            number = float(text.rstrip("%").strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a number between 0 and 1") from None
        if percent:
            number /= 100
    elif isinstance(value, (int, float)):
        number = float(value)
    else:
        raise ValueError("similarity is a number between 0 and 1")
    if math.isnan(number) or not 0 <= number <= 1:
        raise ValueError(f"similarity must be between 0 and 1, not {value}")
    return number


def _existing_work_ids(ids: set[int]) -> set[int]:
    from casework.models.works import Work

    if not ids:
        return set()
    return set(db.session.scalars(select(Work.id).where(Work.id.in_(sorted(ids)))))


def intake(items: list[dict], *, source: str, actor: Actor, now: datetime) -> IntakeResult:
    """Validate and store a batch of detections, all or nothing.

    Each item: work_id, url, and optionally detected_at (default now), similarity (0..1 or "87%"),
    platform (id or name), infringer (id or name: an unknown name becomes a new infringer).
    Raises IntakeError naming every bad item. Duplicates (same work and normalized URL, already
    stored or earlier in the batch) are reported, not stored twice.
    """
    if source not in DETECTION_SOURCES:
        raise IntakeError([{"index": None, "field": "source", "message": f"unknown source {source!r}"}])
    if not isinstance(items, list) or not items:
        raise IntakeError([{"index": None, "field": "detections", "message": "no detections given"}])
    if len(items) > MAX_BATCH:
        raise IntakeError([{"index": None, "field": "detections",
                            "message": f"at most {MAX_BATCH} detections per batch, got {len(items)}"}])
    errors: list[dict] = []
    rows: list[dict] = []

    def bad(i: int, fieldname: str, message: str) -> None:
        errors.append({"index": i, "field": fieldname, "message": message})

    # Pass 1: shape and values, no database.
    parsed: list[Optional[dict]] = []
    wanted_works: set[int] = set()
    platform_refs: set = set()
    infringer_refs_id: set[int] = set()
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            bad(i, "(item)", "each detection is an object")
            parsed.append(None)
            continue
        row: dict = {}
        ok = True
        work = item.get("work_id")
        if isinstance(work, str) and work.strip().isdigit():
            work = int(work.strip())
        if not isinstance(work, int) or isinstance(work, bool) or work < 1:
            bad(i, "work_id", "a work id (a positive whole number) is required")
            ok = False
        else:
            row["work_id"] = work
            wanted_works.add(work)
        try:
            row["url_normalized"] = normalize_url(item.get("url") if isinstance(item.get("url"), str) else "")
            row["url"] = item["url"].strip()[:4096]
        except UrlError as exc:
            bad(i, "url", str(exc))
            ok = False
        try:
            when = item.get("detected_at")
            row["detected_at"] = now if when in (None, "") else parse_time(when)
            if row["detected_at"] > now + FUTURE_SLACK:
                bad(i, "detected_at", "the detection time is in the future")
                ok = False
        except ValueError as exc:
            bad(i, "detected_at", str(exc))
            ok = False
        try:
            row["similarity"] = _similarity(item.get("similarity"))
        except ValueError as exc:
            bad(i, "similarity", str(exc))
            ok = False
        plat = item.get("platform")
        if plat not in (None, ""):
            if isinstance(plat, bool) or not isinstance(plat, (int, str)):
                bad(i, "platform", "a platform id or name")
                ok = False
            else:
                row["platform_ref"] = plat
                platform_refs.add(plat)
        inf = item.get("infringer")
        if inf not in (None, ""):
            if isinstance(inf, bool) or not isinstance(inf, (int, str)):
                bad(i, "infringer", "an infringer id or name")
                ok = False
            elif isinstance(inf, int):
                row["infringer_id"] = inf
                infringer_refs_id.add(inf)
            else:
                row["infringer_name"] = inf.strip()[:200]
        parsed.append(row if ok else None)

    # Pass 2: references, one query per kind.
    known_works = _existing_work_ids(wanted_works)
    platforms = _resolve_platforms(platform_refs)
    known_infringers = set(db.session.scalars(select(Infringer.id).where(Infringer.id.in_(sorted(infringer_refs_id))))) \
        if infringer_refs_id else set()
    for i, row in enumerate(parsed):
        if row is None:
            continue
        if row["work_id"] not in known_works:
            bad(i, "work_id", f"there is no work {row['work_id']}")
            parsed[i] = None
            continue
        if "platform_ref" in row:
            pid = platforms.get(row["platform_ref"])
            if pid is None:
                bad(i, "platform", f"unknown platform {row['platform_ref']!r} (legal adds platforms first)")
                parsed[i] = None
                continue
            row["platform_id"] = pid
        if "infringer_id" in row and row["infringer_id"] not in known_infringers:
            bad(i, "infringer", f"there is no infringer {row['infringer_id']}")
            parsed[i] = None
    if errors:
        errors.sort(key=lambda e: (e["index"] is not None, e["index"] or 0))
        raise IntakeError(errors)

    # Pass 3: duplicates, platforms and infringers by URL, licences; then one bulk insert.
    for row in parsed:
        row["url_hash"] = url_hash(row["url_normalized"])
        row["host"] = host_of(row["url_normalized"])
    hashes = sorted({r["url_hash"] for r in parsed})
    existing: dict[tuple[int, str], int] = {}
    for did, wid, h in db.session.execute(select(Detection.id, Detection.work_id, Detection.url_hash)
                                          .where(Detection.url_hash.in_(hashes))):
        existing[(wid, h)] = did
    match_platform = monitoring.platform_matcher()
    match_infringer = monitoring.infringer_matcher((r["host"], r["url_normalized"]) for r in parsed)
    match_licence = monitoring.licence_matcher((r["work_id"] for r in parsed), now)
    names = _infringers_by_name({r["infringer_name"] for r in parsed if "infringer_name" in r}, parsed,
                                match_platform, actor=actor, now=now)

    result = IntakeResult()
    to_insert: list[dict] = []
    batch_dupes: list[tuple[int, int]] = []  # (result position, index into to_insert)
    seen: dict[tuple[int, str], int] = {}
    plan: list[tuple[str, int]] = []  # per item: ("existing", id) | ("new", insert index) | ("again", insert index)
    for row in parsed:
        key = (row["work_id"], row["url_hash"])
        if key in existing:
            result.duplicates.append(existing[key])
            plan.append(("existing", existing[key]))
            continue
        if key in seen:
            batch_dupes.append((len(result.duplicates), seen[key]))
            result.duplicates.append(-1)
            plan.append(("again", seen[key]))
            continue
        seen[key] = len(to_insert)
        plan.append(("new", len(to_insert)))
        platform_id = row.get("platform_id") or match_platform(row["host"])
        infringer_id = row.get("infringer_id") or names.get(row.get("infringer_name", "").lower()) \
            or match_infringer(row["host"], row["url_normalized"])
        licence = match_licence(row["work_id"], row["host"], row["url_normalized"])
        to_insert.append({
            "work_id": row["work_id"], "url": row["url"], "url_normalized": row["url_normalized"],
            "url_hash": row["url_hash"], "host": row["host"][:253], "platform_id": platform_id,
            "infringer_id": infringer_id, "source": source, "similarity": row["similarity"],
            "detected_at": row["detected_at"], "created_at": now, "created_by_id": actor.user_id,
            "status": "pending", "licensed": licence is not None, "licence_note": (licence or "")[:300],
            "review_note": "",
        })
    if to_insert:
        # A plain executemany, then one SELECT for the new ids by their unique key: RETURNING with
        # parameter order costs time quadratic in the batch on SQLite (SQLAlchemy splices sub-batches).
        db.session.execute(insert(Detection.__table__), to_insert)
        new_ids = {(w, h): i for i, w, h in db.session.execute(
            select(Detection.id, Detection.work_id, Detection.url_hash)
            .where(Detection.url_hash.in_(sorted({r["url_hash"] for r in to_insert}))))}
        ids = [new_ids[(r["work_id"], r["url_hash"])] for r in to_insert]
        result.created = ids
        result.licensed = [ids[i] for i, r in enumerate(to_insert) if r["licensed"]]
        for pos, insert_index in batch_dupes:
            result.duplicates[pos] = ids[insert_index]
    else:
        ids = []
    result.outcomes = [("duplicate", ref) if what == "existing" else
                       ("created", ids[ref]) if what == "new" else ("duplicate", ids[ref]) for what, ref in plan]
    if to_insert:
        events.emit("detection.created", {"count": len(ids), "ids": ids, "source": source,
                                          "licensed": len(result.licensed)}, now=now)
    audit.record(actor, "detection.intake", None,
                 f"{source}: {len(result.created)} created, {len(result.duplicates)} duplicate(s), "
                 f"{len(result.licensed)} flagged licensed", now=now, object_type="detection")
    return result


def _resolve_platforms(refs: set) -> dict:
    out: dict = {}
    for ref in refs:
        platform = monitoring.find_platform(ref)
        if platform is not None:
            out[ref] = platform.id
    return out


def _infringers_by_name(names: set[str], rows, match_platform, *, actor: Actor, now: datetime) -> dict[str, int]:
    """Infringer ids by lower-cased name; names not known yet become new infringers."""
    from sqlalchemy import func

    out: dict[str, int] = {}
    if not names:
        return out
    lowered = {n.lower(): n for n in names if n}
    for iid, name in db.session.execute(select(Infringer.id, Infringer.name)
                                        .where(func.lower(Infringer.name).in_(sorted(lowered)))
                                        .order_by(Infringer.id)):
        out.setdefault(name.lower(), iid)
    for low, name in lowered.items():
        if low in out:
            continue
        sample = next(r for r in rows if r.get("infringer_name", "").lower() == low)
        kind = "platform_account" if (sample.get("platform_id") or match_platform(sample["host"])) else "site"
        out[low] = monitoring.create_infringer(name=name, kind=kind, actor=actor, now=now).id
    return out


# --- review -----------------------------------------------------------------------------------

def _infer_infringer(detection: Detection, *, actor: Actor, now: datetime) -> Optional[Infringer]:
    """The detection's infringer, else one known by the URL, else a new site infringer for a non-platform host.

    On a platform the uploader, not the platform, infringes, and the URL alone does not say who:
    such a case opens without an infringer for legal to fill in.
    """
    if detection.infringer is not None:
        return detection.infringer
    found = monitoring.infringer_for_url(detection.url_normalized)
    if found is not None:
        return found
    if detection.platform_id is not None:
        return None
    host = detection.host[4:] if detection.host.startswith("www.") else detection.host
    return monitoring.create_infringer(name=host, kind="site", domains=[host], actor=actor, now=now)


def _reviewer(actor: Actor):
    """The legal user who confirms a detection owns the case it opens (until someone reassigns it)."""
    from casework.models import User

    user = db.session.get(User, actor.user_id) if actor.user_id else None
    return user if user is not None and user.role in ("legal", "admin") and user.active else None


def confirm(detection: Detection, *, actor: Actor, now: datetime, case: Optional[Case] = None,
            note: str = "") -> Case:
    """Confirm an infringement: into `case`, else the infringer's open case, else a new case."""
    if detection.status != "pending":
        where = f" into case #{detection.case_id}" if detection.case_id else ""
        raise ReviewError(f"detection #{detection.id} was already {detection.status}{where}")
    if case is not None and not case.is_open:
        raise ReviewError(f"case #{case.id} is closed; confirm into an open case or a new one")
    infringer = case.infringer if case is not None and case.infringer is not None else \
        _infer_infringer(detection, actor=actor, now=now)
    if detection.infringer_id is None and infringer is not None:
        detection.infringer_id = infringer.id
    opened = False
    if case is None and infringer is not None:
        case = cases.open_case_of_infringer(infringer.id)
    if case is None:
        from casework.models.works import Work

        work = db.session.get(Work, detection.work_id)
        who = infringer.name if infringer is not None else detection.host
        reviewer = _reviewer(actor)
        case = cases.open_case(title=f"{who} — {work.title}", works=[work], infringer=infringer, actor=actor,
                               now=now, note=note, owner=reviewer)
        opened = True
    elif detection.work_id not in cases.work_ids(case):
        db.session.execute(insert(cases.case_work), [{"case_id": case.id, "work_id": detection.work_id}])
    cases.add_url(case, detection.url_normalized, actor=actor, now=now,
                  platform=detection.platform, first_detected_at=detection.detected_at, record=False)
    detection.status, detection.case_id = "confirmed", case.id
    detection.reviewed_at, detection.reviewed_by_id = now, actor.user_id
    detection.review_note = note or ""
    case.updated_at = now
    db.session.flush()
    cases.record_event(case, "detection_confirmed", note or detection.url_normalized, actor=actor, now=now,
                       data={"detection": detection.id, "work": detection.work_id, "url": detection.url_normalized,
                             "opened_case": opened})
    audit.record(actor, "detection.confirm", detection, f"into case #{case.id}", now=now)
    return case


def dismiss(detection: Detection, reason: str, *, actor: Actor, now: datetime, note: str = "") -> Detection:
    if reason not in DISMISS_REASONS:
        raise ReviewError(f"the reason must be one of {', '.join(DISMISS_REASONS)}")
    if detection.status != "pending":
        raise ReviewError(f"detection #{detection.id} was already {detection.status}")
    detection.status, detection.dismiss_reason = "dismissed", reason
    detection.review_note = (note or "").strip()[:5000]
    detection.reviewed_at, detection.reviewed_by_id = now, actor.user_id
    db.session.flush()
    audit.record(actor, "detection.dismiss", detection, reason + (f": {note}" if note else ""), now=now)
    return detection


def _load_pending(ids: list[int]) -> list[Detection]:
    ids = list(dict.fromkeys(int(i) for i in ids))
    if not ids:
        raise ReviewError("select at least one detection")
    if len(ids) > MAX_BATCH:
        raise ReviewError(f"at most {MAX_BATCH} detections at once")
    found = {d.id: d for d in db.session.scalars(select(Detection).where(Detection.id.in_(ids)))}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ReviewError("unknown detection(s): " + ", ".join(f"#{i}" for i in missing[:10]))
    done = [d for d in found.values() if d.status != "pending"]
    if done:
        raise ReviewError("already reviewed: " + ", ".join(f"#{d.id} ({d.status})" for d in done[:10]))
    return [found[i] for i in ids]


def bulk_confirm(ids: list[int], *, actor: Actor, now: datetime, case: Optional[Case] = None,
                 note: str = "") -> list[Case]:
    """Confirm several detections, all or nothing; returns the distinct cases they went into."""
    out: list[Case] = []
    for detection in _load_pending(ids):
        target = confirm(detection, actor=actor, now=now, case=case, note=note)
        if target not in out:
            out.append(target)
    return out


def bulk_dismiss(ids: list[int], reason: str, *, actor: Actor, now: datetime, note: str = "") -> int:
    detections = _load_pending(ids)
    for detection in detections:
        dismiss(detection, reason, actor=actor, now=now, note=note)
    return len(detections)


def as_json(d: Detection) -> dict:
    from casework.services.events import rfc3339

    return {"id": d.id, "work_id": d.work_id, "url": d.url, "url_normalized": d.url_normalized, "host": d.host,
            "platform_id": d.platform_id, "infringer_id": d.infringer_id, "source": d.source,
            "similarity": d.similarity, "detected_at": rfc3339(d.detected_at), "status": d.status,
            "licensed": d.licensed, "licence_note": d.licence_note or None, "dismiss_reason": d.dismiss_reason,
            "case_id": d.case_id, "reviewed_at": rfc3339(d.reviewed_at)}


# --- CSV --------------------------------------------------------------------------------------

CSV_COLUMNS = ("work_id", "url", "platform", "detected_at", "similarity", "infringer")
CSV_ALIASES = {"work": "work_id", "work id": "work_id", "作品": "work_id", "作品id": "work_id", "link": "url",
               "网址": "url", "链接": "url", "平台": "platform", "time": "detected_at", "detected": "detected_at",
               "发现时间": "detected_at", "score": "similarity", "相似度": "similarity", "侵权方": "infringer"}
MAX_CSV_ROWS = 5000
MAX_CSV_BYTES = 5 * 1024 * 1024


def parse_csv(data: bytes) -> tuple[list[dict], list[dict]]:
    """Rows of a detections CSV as intake items, and the problems with the file itself.

    UTF-8 (with or without the BOM Excel writes) or GB 18030 (Chinese Excel's default). The first
    line names the columns: work_id and url are required; platform, detected_at, similarity and
    infringer are optional. Problems name the line (1 is the header).
    """
    import csv
    import io

    if len(data) > MAX_CSV_BYTES:
        return [], [{"line": None, "field": "(file)", "message": f"the file is larger than {MAX_CSV_BYTES // 1024 // 1024} MB"}]
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return [], [{"line": None, "field": "(file)", "message": "the file is neither UTF-8 nor GB 18030 text"}]
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except StopIteration:
        return [], [{"line": None, "field": "(file)", "message": "the file is empty"}]
    except csv.Error as exc:
        return [], [{"line": 1, "field": "(file)", "message": f"not a CSV file: {exc}"}]
    names = []
    for raw in header:
        key = raw.strip().lower()
        names.append(CSV_ALIASES.get(key, key))
    missing = [c for c in ("work_id", "url") if c not in names]
    if missing:
        return [], [{"line": 1, "field": "(header)", "message": "missing column(s): " + ", ".join(missing) +
                     "; the columns are " + ", ".join(CSV_COLUMNS)}]
    unknown = [n for n in names if n and n not in CSV_COLUMNS]
    if unknown:
        return [], [{"line": 1, "field": "(header)", "message": "unknown column(s): " + ", ".join(unknown) +
                     "; the columns are " + ", ".join(CSV_COLUMNS)}]
    items: list[dict] = []
    problems: list[dict] = []
    try:
        for line_no, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(names):
                problems.append({"line": line_no, "field": "(row)",
                                 "message": f"{len(row)} cells, but the header names {len(names)} columns"})
                continue
            item = {name: cell.strip() for name, cell in zip(names, row) if name}
            work = item.get("work_id", "")
            item["work_id"] = int(work) if work.isdigit() else work
            if isinstance(item.get("platform"), str) and item["platform"].isdigit():
                item["platform"] = int(item["platform"])
            if isinstance(item.get("infringer"), str) and item["infringer"].isdigit():
                item["infringer"] = int(item["infringer"])
            item["_line"] = line_no
            items.append(item)
            if len(items) > MAX_CSV_ROWS:
                return [], [{"line": None, "field": "(file)", "message": f"more than {MAX_CSV_ROWS} rows; split the file"}]
    except csv.Error as exc:
        problems.append({"line": reader.line_num, "field": "(file)", "message": f"unreadable CSV: {exc}"})
    if not items and not problems:
        problems.append({"line": None, "field": "(file)", "message": "the file has a header but no rows"})
    return items, problems


def intake_many(items: list[dict], *, source: str, actor: Actor, now: datetime) -> IntakeResult:
    """Intake more than one batch in the caller's transaction: all batches or (on IntakeError) none.

    Item indexes in errors are positions in `items`. The caller rolls back on IntakeError.
    """
    total = IntakeResult()
    all_errors: list[dict] = []
    for start in range(0, len(items), MAX_BATCH):
        chunk = [{k: v for k, v in item.items() if not k.startswith("_")} for item in items[start:start + MAX_BATCH]]
        try:
            part = intake(chunk, source=source, actor=actor, now=now)
        except IntakeError as exc:
            all_errors.extend({**e, "index": None if e["index"] is None else e["index"] + start} for e in exc.errors)
            continue
        total.created += part.created
        total.duplicates += part.duplicates
        total.licensed += part.licensed
        total.outcomes += part.outcomes
    if all_errors:
        raise IntakeError(all_errors)
    return total
