"""Deposits in the ledger: the one service every domain calls to record that content existed.

    deposit(kind=, sha256=, size=, subject=, actor=, now=, extra=None) -> Deposit
    deposit_json(kind=, document=, subject=, actor=, now=) -> Deposit
    deposit_many(items, actor=, now=) -> list[Deposit]
    receipt(index) -> dict                      (API.md's deposit receipt)
    latest_checkpoint(now=, create_if_stale=True) -> Checkpoint

Deposits run inside the caller's transaction (flush, never commit): an operation that rolls back
leaves no entry. Only hashes and opaque ids (`work:12`) enter the public log; `extra` and the
document text of `deposit_json` stay in private columns beside the entry.
"""
from __future__ import annotations

import hashlib
import logging
import os
from datetime import datetime
from typing import Any, Optional
from urllib.parse import quote

import rfc8785
from flask import current_app
from sqlalchemy import select

from casework.extensions import db
from casework.ledger import log
from casework.ledger.entries import KINDS, EntryError, build_entry, format_time
from casework.ledger.log import LedgerError, UnknownDeposit
from casework.ledger.note import KeyFormatError, SignerKey, VerifierKey
from casework.ledger.receipt import make_receipt
from casework.models import utcnow
from casework.models.ledger import Checkpoint, Deposit
from casework.services import audit
from casework.services.actor import Actor

__all__ = ["KINDS", "LedgerError", "UnknownDeposit", "deposit", "deposit_json", "deposit_many", "receipt",
           "receipts_for_sha256", "latest_checkpoint", "make_checkpoint", "consistency", "verifier_key",
           "signer_key", "find_by_sha256", "tree_size"]

log_ = logging.getLogger(__name__)
MAX_BATCH = 100_000
_KEY_CACHE = "casework_ledger_key"


# --- deposits ------------------------------------------------------------------------------------

def _actor_ref(actor: Actor) -> str:
    """Actor.ledger_name made safe for the entry format (printable ASCII, no spaces, <= 200 after ':')."""
    kind, _, rest = actor.ledger_name.partition(":")
    rest = quote(rest, safe="!\"#$&'()*+,-./:;<=>?@[\\]^_`{|}~")[:200] or "unknown"
    return f"{kind}:{rest}"


def _pending(item: dict, position: int, actor_ref: str, now: str) -> log.Pending:
    unknown = set(item) - {"kind", "sha256", "size", "subject", "extra", "document"}
    if unknown:
        raise LedgerError(f"deposit {position}: unknown fields {', '.join(sorted(unknown))}")
    document_text = None
    if item.get("document") is not None:
        if "sha256" in item or "size" in item:
            raise LedgerError(f"deposit {position}: give either a document or sha256 and size, not both")
        try:
            raw = rfc8785.dumps(item["document"])
        except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
            raise LedgerError(f"deposit {position}: the document cannot be written as RFC 8785 JSON: {exc}") from None
        sha256, size, document_text = hashlib.sha256(raw).hexdigest(), len(raw), raw.decode("utf-8")
    else:
        sha256, size = item.get("sha256"), item.get("size")
    extra = item.get("extra")
    if extra is not None and not isinstance(extra, dict):
        raise LedgerError(f"deposit {position}: extra must be a dict")
    try:
        entry = build_entry(kind=item.get("kind"), sha256=sha256, size=size, subject=item.get("subject"),
                            at=now, actor=actor_ref)
    except EntryError as exc:
        raise LedgerError(f"deposit {position}: {exc}") from None
    return log.Pending(entry=entry, document=document_text, extra=extra)


def deposit_many(items: list[dict], *, actor: Actor, now: datetime) -> list[Deposit]:
    """Append several deposits as consecutive leaves, all or nothing.

    Each item: `kind`, `subject` and either `sha256` + `size` or `document` (a JSON-able dict,
    hashed in its RFC 8785 form); optionally `extra` (a dict kept privately beside the entry).
    """
    if len(items) > MAX_BATCH:
        raise LedgerError(f"at most {MAX_BATCH} deposits at a time")
    ref = _actor_ref(actor)
    try:
        at = format_time(now)  # once per batch: every entry of a batch has the same time
    except (EntryError, AttributeError) as exc:
        raise LedgerError(f"now must be an aware datetime: {exc}") from None
    pending = [_pending(dict(item), n, ref, at) for n, item in enumerate(items)]
    return log.append(db.session, pending)


def deposit(*, kind: str, sha256: str, size: int, subject: str, actor: Actor, now: datetime,
            extra: Optional[dict] = None) -> Deposit:
    """Deposit content by its SHA-256 and size; returns the Deposit (its `.index` is the leaf index)."""
    return deposit_many([{"kind": kind, "sha256": sha256, "size": size, "subject": subject, "extra": extra}],
                        actor=actor, now=now)[0]


def deposit_json(*, kind: str, document: dict, subject: str, actor: Actor, now: datetime) -> Deposit:
    """Deposit a JSON document (a timeline event, a manifest) by the SHA-256 of its RFC 8785 form."""
    return deposit_many([{"kind": kind, "document": document, "subject": subject}], actor=actor, now=now)[0]


# --- keys ----------------------------------------------------------------------------------------

def _write_new_key(path: str, text: str) -> None:
    """Write a secret key file once: temp file (0600), fsync, then link so no other writer is replaced."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process made the key first: use theirs
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def signer_key() -> SignerKey:
    """The log's Ed25519 signing key: LEDGER_KEY_FILE, generated there on first use."""
    cached = current_app.extensions.get(_KEY_CACHE)
    if cached is not None:
        return cached
    path, origin = current_app.config["LEDGER_KEY_FILE"], current_app.config["LEDGER_ORIGIN"]
    if not os.path.exists(path):
        try:
            _write_new_key(path, str(SignerKey.generate(origin)))
        except KeyFormatError as exc:
            raise LedgerError(f"LEDGER_ORIGIN {origin!r} cannot name a key: {exc}") from None
        log_.warning("generated a new ledger signing key in %s", path)
    try:
        with open(path, encoding="utf-8") as fh:
            key = SignerKey.parse(fh.read())
    except (OSError, KeyFormatError) as exc:
        raise LedgerError(f"the ledger key file {path} cannot be read: {exc}") from None
    if key.name != origin:
        raise LedgerError(f"the ledger key in {path} is named {key.name!r} but LEDGER_ORIGIN is {origin!r}")
    current_app.extensions[_KEY_CACHE] = key
    return key


def verifier_key() -> VerifierKey:
    """The public key verifiers need: what /api/v1/ledger/key serves."""
    return signer_key().verifier


# --- checkpoints and proofs ----------------------------------------------------------------------

def _timestamper():
    """The RFC 3161 hook: a function note_bytes -> token when TSA_URL is set, else None."""
    url = current_app.config.get("TSA_URL")
    if not url:
        return None

    def timestamp(data: bytes) -> Optional[bytes]:
        try:
            from signing.timestamps import timestamp_bytes
        except ImportError:
            log_.error("TSA_URL is set but signing.timestamps is not available: checkpoint left without a token")
            return None
        try:
            return timestamp_bytes(data, url)
        except Exception as exc:  # a TSA outage must not stop the log; the next checkpoint tries again
            log_.error("timestamping the checkpoint at %s failed: %s", url, exc)
            return None

    return timestamp


def make_checkpoint(*, now: datetime, actor: Optional[Actor] = None) -> Checkpoint:
    """Sign (and timestamp, if configured) a checkpoint of the whole tree, unless one exists already."""
    before = log.latest_stored_checkpoint(db.session)
    checkpoint = log.make_checkpoint(db.session, signer_key(), current_app.config["LEDGER_ORIGIN"], now=now,
                                     timestamp=_timestamper())
    if before is None or checkpoint.size != before.size:
        audit.record(actor or Actor.system("ledger"), "ledger.checkpoint", None,
                     f"checkpoint at size {checkpoint.size}", now=now, object_type="ledger_checkpoint",
                     object_id=checkpoint.size)
    return checkpoint


def latest_checkpoint(*, now: datetime, create_if_stale: bool = True) -> Checkpoint:
    """The latest signed checkpoint; a new one first if the tree has grown past it (and allowed)."""
    latest = log.latest_stored_checkpoint(db.session)
    if create_if_stale and (latest is None or latest.size < log.tree_size(db.session)):
        return make_checkpoint(now=now)
    if latest is None:
        raise LedgerError("the ledger has no checkpoint yet")
    return latest


def tree_size() -> int:
    return log.tree_size(db.session)


def _covering_checkpoint(index: int, now: Optional[datetime]) -> Checkpoint:
    latest = log.latest_stored_checkpoint(db.session)
    if latest is None or latest.size <= index:
        latest = make_checkpoint(now=now or utcnow())
    return latest


def _receipt_for(dep: Deposit, checkpoint: Checkpoint) -> dict[str, Any]:
    proof = log.inclusion_proof(db.session, dep.index, checkpoint.size)
    return make_receipt(index=dep.index, entry=dep.entry, tree_size=checkpoint.size, inclusion_proof=proof,
                        checkpoint=checkpoint.note, log_key=verifier_key(),
                        timestamp_token=checkpoint.timestamp_token)


def receipt(index: int, *, now: Optional[datetime] = None) -> dict[str, Any]:
    """API.md's deposit receipt for leaf `index`, proved against the latest checkpoint.

    When no checkpoint covers the index yet, one is made (in this transaction, so the caller
    commits it). The receipt is checked with the pure verifier before it is returned.
    """
    dep = db.session.get(Deposit, index) if isinstance(index, int) and index >= 0 else None
    if dep is None:
        raise UnknownDeposit(f"no deposit with index {index}")
    return _receipt_for(dep, _covering_checkpoint(index, now))


def find_by_sha256(sha256: str) -> list[Deposit]:
    return list(db.session.scalars(select(Deposit).where(Deposit.sha256 == sha256).order_by(Deposit.index)))


def receipts_for_sha256(sha256: str, *, now: Optional[datetime] = None, limit: int = 1000) -> list[dict[str, Any]]:
    """Receipts of every deposit of content with this hash, all against one checkpoint."""
    deposits = find_by_sha256(sha256)[:limit]
    if not deposits:
        return []
    checkpoint = _covering_checkpoint(deposits[-1].index, now)
    return [_receipt_for(dep, checkpoint) for dep in deposits]


def consistency(old: int, new: int) -> list[bytes]:
    """RFC 9162 consistency proof between two tree sizes (0 < old <= new <= current size)."""
    size = log.tree_size(db.session)
    if not 0 < old <= new <= size:
        raise LedgerError(f"need 0 < from <= to <= {size} (the current tree size)")
    return log.consistency_proof(db.session, old, new)
