"""Registering works (确权): their files go to the blob store and their hashes into the ledger.

    register_work(title=, kind=, rights_holder=, files=[Upload], actor=, now=, ...) -> Work
    add_files(work, files=[Upload], actor=, now=) -> list[WorkFile]

Order of operations, so that nothing half-done survives a failure: every field is checked first;
each file is then staged (hashed while streaming, refused past the size limit); the rows are
written and the hashes deposited in the ledger in the caller's transaction; only then are the
staged files linked into the store, just before the caller commits. A refused request leaves no
file and no row; a failed commit can at worst leave an unreferenced blob.
"""
from __future__ import annotations

import mimetypes
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO, Optional, Sequence

from casework.extensions import db
from casework.models import RightsHolder
from casework.models.works import WORK_KINDS, Work, WorkFile
from casework.services import audit, ledger
from casework.services.actor import Actor
from casework.storage import Storage, StorageError, get_storage

__all__ = ["WorkError", "Upload", "MAX_FILES", "register_work", "add_files", "safe_filename", "media_type_of",
           "work_json", "file_json"]

MAX_FILES = 50
MAX_TITLE = 300
MAX_DESCRIPTION = 20_000
_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,62}/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}")


class WorkError(ValueError):
    """A registration that cannot be accepted; `field` names the bad input (None: the whole request)."""

    def __init__(self, message: str, field: Optional[str] = None):
        super().__init__(message)
        self.field = field


@dataclass
class Upload:
    """One uploaded file: its name as sent, a binary stream of its content, and its declared type."""

    name: str
    stream: BinaryIO
    media_type: str = ""


def safe_filename(name: str) -> str:
    """The file name to show: the last path part, no control characters, at most 255 characters."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    return name[:255] or "file"


def media_type_of(upload: Upload) -> str:
    declared = (upload.media_type or "").split(";", 1)[0].strip().lower()
    if _MEDIA_TYPE.fullmatch(declared) and declared != "application/octet-stream":
        return declared
    guessed, _ = mimetypes.guess_type(upload.name or "")
    return guessed or "application/octet-stream"


def _check_fields(title: str, kind: str, created_on: Optional[date], published_on: Optional[date],
                  description: str, now: datetime) -> tuple[str, str]:
    title = (title or "").strip()
    if not title:
        raise WorkError("a work needs a title", "title")
    if len(title) > MAX_TITLE:
        raise WorkError(f"the title is longer than {MAX_TITLE} characters", "title")
    if kind not in WORK_KINDS:
        raise WorkError(f"kind must be one of {', '.join(WORK_KINDS)}", "kind")
    today = now.date()
    if created_on is not None and created_on > today:
        raise WorkError("the creation date is in the future", "created_on")
    if published_on is not None and published_on > today:
        raise WorkError("the publication date is in the future", "published_on")
    if created_on and published_on and published_on < created_on:
        raise WorkError("the work cannot be published before it was created", "published_on")
    if len(description or "") > MAX_DESCRIPTION:
        raise WorkError(f"the description is longer than {MAX_DESCRIPTION} characters", "description")
    for name, value in (("title", title), ("description", description or "")):
        if "\x00" in value:  # PostgreSQL refuses NUL in text: say so instead of failing at the flush
            raise WorkError(f"the {name} contains a NUL character", name)
    return title, kind


def _store_files(work: Work, files: Sequence[Upload], *, actor: Actor, now: datetime,
                 storage: Optional[Storage], max_bytes: Optional[int]) -> list[WorkFile]:
    if not files:
        raise WorkError("a work needs at least one file", "file")
    if len(work.files) + len(files) > MAX_FILES:
        raise WorkError(f"a work has at most {MAX_FILES} files", "file")
    storage = storage or get_storage()
    if max_bytes is None:
        from flask import current_app

        max_bytes = current_app.config["MAX_UPLOAD_BYTES"]
    staged = []
    try:
        for upload in files:
            staged.append(storage.stage(upload.stream, max_bytes=max_bytes))
        rows = [WorkFile(work=work, name=safe_filename(u.name), sha256=s.sha256, size=s.size,
                         media_type=media_type_of(u), created_at=now) for u, s in zip(files, staged)]
        db.session.add_all(rows)
        db.session.flush()
        deposits = ledger.deposit_many(
            [{"kind": "work_file", "sha256": r.sha256, "size": r.size, "subject": f"work:{work.id}",
              "extra": {"work_file": r.id}} for r in rows], actor=actor, now=now)
        for row, dep in zip(rows, deposits):
            row.deposit_index = dep.index
        db.session.flush()
        for s in staged:  # last: the rows are written; link the content in before the caller commits
            s.commit()
    except StorageError:
        raise
    except OSError as exc:
        raise StorageError(f"the file could not be stored: {exc.strerror or exc}") from None
    finally:
        for s in staged:
            s.discard()
    return rows


def register_work(*, title: str, kind: str, rights_holder: RightsHolder, files: Sequence[Upload], actor: Actor,
                  now: datetime, created_on: Optional[date] = None, published_on: Optional[date] = None,
                  description: str = "", storage: Optional[Storage] = None,
                  max_bytes: Optional[int] = None) -> Work:
    """Register a work with its files, each stored and deposited (kind work_file, subject work:<id>).

    Access (may this actor register for this holder?) is the caller's check, as with every service.
    Raises WorkError for bad fields, storage.TooLarge past the size limit, StorageError on I/O.
    """
    title, kind = _check_fields(title, kind, created_on, published_on, description, now)
    if rights_holder is None:
        raise WorkError("choose the rights holder", "rights_holder")
    if not files:
        raise WorkError("a work needs at least one file", "file")
    work = Work(title=title, kind=kind, rights_holder=rights_holder, created_on=created_on,
                published_on=published_on, description=(description or "").strip(), created_by_id=actor.user_id,
                created_at=now)
    db.session.add(work)
    db.session.flush()
    rows = _store_files(work, files, actor=actor, now=now, storage=storage, max_bytes=max_bytes)
    audit.record(actor, "work.register", work, f"{title} ({kind}), {len(rows)} file(s) deposited at "
                 + ", ".join(str(r.deposit_index) for r in rows), now=now)
    return work


def add_files(work: Work, *, files: Sequence[Upload], actor: Actor, now: datetime, storage: Optional[Storage] = None,
              max_bytes: Optional[int] = None) -> list[WorkFile]:
    """Add files to a registered work; each is stored and deposited like the first ones."""
    rows = _store_files(work, files, actor=actor, now=now, storage=storage, max_bytes=max_bytes)
    audit.record(actor, "work.add_files", work, f"{len(rows)} file(s) deposited at "
                 + ", ".join(str(r.deposit_index) for r in rows), now=now)
    return rows


def _rfc3339(moment: Optional[datetime]) -> Optional[str]:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def file_json(f: WorkFile) -> dict:
    return {"id": f.id, "name": f.name, "sha256": f.sha256, "size": f.size, "media_type": f.media_type,
            "deposit_index": f.deposit_index}


def work_json(w: Work) -> dict:
    """A work as the API returns it (API.md "Rights holders and works")."""
    return {"id": w.id, "title": w.title, "kind": w.kind, "rights_holder": w.rights_holder_id,
            "rights_holder_name": w.rights_holder.name if w.rights_holder else None,
            "created_on": w.created_on.isoformat() if w.created_on else None,
            "published_on": w.published_on.isoformat() if w.published_on else None,
            "description": w.description, "registered_at": _rfc3339(w.created_at),
            "files": [file_json(f) for f in w.files]}


def file_path_for_download(f: WorkFile) -> str:
    """The stored blob's path (for send_file); StorageError if it is missing."""
    storage = get_storage()
    if not storage.exists(f.sha256):
        raise StorageError(f"the stored content of {f.name} is missing")
    return storage.path(f.sha256)

