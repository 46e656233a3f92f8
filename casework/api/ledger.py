"""API: the public ledger endpoints (API.md "Ledger"): no token needed, nothing private served.

A receipt may need a checkpoint that does not exist yet; it is made in this request and committed.
"""
from __future__ import annotations

import re
from typing import Callable, TypeVar

from flask import Response, request
from sqlalchemy.exc import OperationalError

from casework.api.core import LARGEST_INTEGER, ApiError, endpoint, whole_number
from casework.extensions import db
from casework.models import utcnow
from casework.services import ledger

T = TypeVar("T")
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")

RECEIPT = {"type": "object", "required": ["index", "entry", "leaf_hash", "tree_size", "inclusion_proof", "checkpoint",
                                          "timestamp_token", "log_key"], "properties": {
    "index": {"type": "integer"}, "entry": {"type": "string", "description": "the canonical JSON entry, as hashed"},
    "leaf_hash": {"type": "string"}, "tree_size": {"type": "integer"},
    "inclusion_proof": {"type": "array", "items": {"type": "string"}},
    "checkpoint": {"type": "string", "description": "the C2SP signed checkpoint note for tree_size"},
    "timestamp_token": {"type": ["string", "null"], "description": "base64 DER RFC 3161 token over the checkpoint"},
    "log_key": {"type": "string"}}}
CONSISTENCY = {"type": "object", "properties": {"from": {"type": "integer"}, "to": {"type": "integer"},
                                                "proof": {"type": "array", "items": {"type": "string"}}}}


def _committed(fn: Callable[[], T]) -> T:
    """Run fn and commit (it may have made a checkpoint). SQLite refuses to turn a read transaction
    into a write when another writer got in first ("database is locked"): start over, a few times."""
    for attempt in range(4):
        try:
            result = fn()
            db.session.commit()
            return result
        except OperationalError:
            db.session.rollback()
            if attempt == 3 or db.engine.dialect.name != "sqlite":
                raise
    raise AssertionError("unreachable")


def _ledger_call(fn: Callable[[], T]) -> T:
    try:
        return _committed(fn)
    except ledger.UnknownDeposit as exc:
        raise ApiError(404, str(exc)) from None
    except ledger.LedgerError as exc:
        raise ApiError(503, str(exc)) from None


def _text(body: str) -> Response:
    return Response(body, mimetype="text/plain", headers={"Cache-Control": "no-cache"})


@endpoint("/ledger/key", public=True, response_kind="text/plain", tags=("ledger",),
          summary="The log's C2SP note verifier key (name+keyhash+base64 Ed25519 key)")
def ledger_key():
    try:
        return _text(str(ledger.verifier_key()) + "\n")
    except ledger.LedgerError as exc:
        raise ApiError(503, str(exc)) from None


@endpoint("/ledger/checkpoint", public=True, response_kind="text/plain", tags=("ledger",),
          summary="The latest signed checkpoint (C2SP tlog-checkpoint)")
def ledger_checkpoint():
    if ledger.tree_size() == 0:
        raise ApiError(404, "the ledger has no entries yet, so no checkpoint")
    checkpoint = _ledger_call(lambda: ledger.latest_checkpoint(now=utcnow()))
    return _text(checkpoint.note)


def _int_arg(name: str, default=None) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        if default is None:
            raise ApiError(400, f"give ?{name}= (a tree size)")
        return default
    try:
        return whole_number(raw, LARGEST_INTEGER)
    except ValueError:
        raise ApiError(400, f"{name} must be a whole number") from None


@endpoint("/ledger/consistency", public=True, response_schema=CONSISTENCY, tags=("ledger",),
          query={"from": {"type": "integer", "minimum": 1}, "to": {"type": "integer", "minimum": 1,
                                                                    "description": "default: the latest checkpoint"}},
          summary="RFC 9162 consistency proof between two tree sizes")
def ledger_consistency():
    old = _int_arg("from")
    new = request.args.get("to")
    if new in (None, ""):
        if ledger.tree_size() == 0:
            raise ApiError(404, "the ledger has no entries yet")
        new = _ledger_call(lambda: ledger.latest_checkpoint(now=utcnow())).size
    else:
        new = _int_arg("to")
    try:
        proof = ledger.consistency(old, new)
    except ledger.LedgerError as exc:
        raise ApiError(422, str(exc), [{"field": "from/to", "message": str(exc)}]) from None
    return {"from": old, "to": new, "proof": [node.hex() for node in proof]}


@endpoint("/deposits/<int:index>", public=True, response_schema=RECEIPT, tags=("ledger",),
          summary="A deposit receipt, proved against the latest checkpoint")
def deposit_receipt(index: int):
    return _ledger_call(lambda: ledger.receipt(index, now=utcnow()))


@endpoint("/deposits", public=True, tags=("ledger",),
          query={"sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}},
          response_schema={"type": "object", "properties": {"items": {"type": "array", "items": RECEIPT}}},
          summary="Receipts of every deposit of content with this SHA-256")
def deposits_by_hash():
    sha256 = (request.args.get("sha256") or "").strip()
    if not _HEX64.fullmatch(sha256):
        raise ApiError(400, "give ?sha256= with 64 hex digits")
    items = _ledger_call(lambda: ledger.receipts_for_sha256(sha256.lower(), now=utcnow()))
    return {"sha256": sha256.lower(), "items": items}
