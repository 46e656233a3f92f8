"""Deposit receipts: everything needed to check one deposit offline (API.md, "Ledger").

One function writes the receipt and one checks it, so the API, the deposit certificate and the
evidence bundle all hand out the same document, and verify.py in a bundle reads what this wrote.
"""
from __future__ import annotations

import base64
from typing import Any, Mapping, Optional, Sequence

from casework.ledger.entries import LedgerEntry, parse_entry
from casework.ledger.merkle import leaf_hash, verify_inclusion
from casework.ledger.note import VerifierKey, open_checkpoint

__all__ = ["ReceiptError", "make_receipt", "check_receipt"]

_FIELDS = ("index", "entry", "leaf_hash", "tree_size", "inclusion_proof", "checkpoint", "timestamp_token", "log_key")


class ReceiptError(ValueError):
    """A receipt is malformed or does not prove what it claims; the message says which part."""


def make_receipt(
    *,
    index: int,
    entry: str,
    tree_size: int,
    inclusion_proof: Sequence[bytes],
    checkpoint: str,
    log_key: VerifierKey,
    timestamp_token: Optional[bytes] = None,
) -> dict[str, Any]:
    """The receipt as JSON-ready data; ``entry`` is the exact canonical text that was hashed.

    ``checkpoint`` is the signed note for ``tree_size`` and ``timestamp_token`` the DER RFC 3161
    token over it, if the log has one. The receipt is checked before it is returned, so a bug in
    the log shows up here rather than in a court.
    """
    receipt = {
        "index": index,
        "entry": entry,
        "leaf_hash": leaf_hash(entry.encode("utf-8")).hex(),
        "tree_size": tree_size,
        "inclusion_proof": [node.hex() for node in inclusion_proof],
        "checkpoint": checkpoint,
        "timestamp_token": base64.b64encode(timestamp_token).decode("ascii") if timestamp_token else None,
        "log_key": str(log_key),
    }
    check_receipt(receipt, log_key)
    return receipt


def check_receipt(receipt: Mapping[str, Any], log_key: VerifierKey) -> LedgerEntry:
    """Check a receipt against the log's key and return its entry; ReceiptError if it fails.

    Checks what verify.py checks (minus the content itself, which the caller hashes and compares
    with the entry's ``sha256`` and ``size``). The timestamp token is not checked here.
    """
    missing = [name for name in _FIELDS if name not in receipt]
    if missing:
        raise ReceiptError(f"receipt lacks {', '.join(missing)}")
    if not all(isinstance(receipt[name], int) and not isinstance(receipt[name], bool) for name in ("index", "tree_size")):
        raise ReceiptError("index and tree_size must be integers")
    if receipt["log_key"] != str(log_key):
        raise ReceiptError("receipt's log_key is not this log's key")
    try:
        entry = parse_entry(receipt["entry"])
        leaf = leaf_hash(receipt["entry"].encode("utf-8"))
        if receipt["leaf_hash"] != leaf.hex():
            raise ReceiptError("leaf_hash is not SHA-256(0x00 || entry)")
        checkpoint = open_checkpoint(receipt["checkpoint"], log_key)
        if receipt["tree_size"] != checkpoint.size:
            raise ReceiptError("tree_size differs from the checkpoint's size")
        proof = [bytes.fromhex(node) for node in receipt["inclusion_proof"]]
        verify_inclusion(receipt["index"], checkpoint.size, leaf, proof, checkpoint.root_hash)
    except ReceiptError:
        raise
    except (ValueError, TypeError, AttributeError) as exc:  # EntryError, NoteError, ProofError, bad hex
        raise ReceiptError(f"receipt does not verify: {exc}") from exc
    return entry

