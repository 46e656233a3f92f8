"""Deposit receipts: written and checked by one pair of functions, tampering caught."""
from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timezone

import pytest

from casework.ledger.entries import build_entry
from casework.ledger.memstore import MemoryNodeStore
from casework.ledger.note import Checkpoint, SignerKey, sign_checkpoint
from casework.ledger.receipt import ReceiptError, check_receipt, make_receipt

ORIGIN = "ledger.example.org/yidun"


@pytest.fixture(scope="module")
def signer() -> SignerKey:
    return SignerKey.generate(ORIGIN)


@pytest.fixture()
def deposit(signer):
    store = MemoryNodeStore()
    entries = [
        build_entry(kind="work_file", sha256=hashlib.sha256(b"%d" % i).hexdigest(), size=i, subject=f"work:{i}",
                    at=datetime(2026, 3, 1, tzinfo=timezone.utc), actor="user:1")
        for i in range(11)
    ]
    store.append([e.leaf_hash for e in entries])
    checkpoint = sign_checkpoint(Checkpoint(ORIGIN, store.size, store.root()), signer)
    return dict(index=7, entry=entries[7].to_text(), tree_size=store.size, inclusion_proof=store.inclusion_proof(7),
                checkpoint=checkpoint, log_key=signer.verifier), entries[7]


def test_round_trip(signer, deposit):
    fields, entry = deposit
    receipt = make_receipt(**fields, timestamp_token=b"\x30\x03\x02\x01\x01")
    assert set(receipt) == {"index", "entry", "leaf_hash", "tree_size", "inclusion_proof", "checkpoint",
                            "timestamp_token", "log_key"}
    assert receipt["leaf_hash"] == entry.leaf_hash.hex()
    assert base64.b64decode(receipt["timestamp_token"]) == b"\x30\x03\x02\x01\x01"
    assert check_receipt(receipt, signer.verifier) == entry
    assert make_receipt(**fields)["timestamp_token"] is None


def test_a_wrong_proof_is_never_handed_out(deposit):
    fields, _ = deposit
    with pytest.raises(ReceiptError):
        make_receipt(**{**fields, "index": 6})
    with pytest.raises(ReceiptError):
        make_receipt(**{**fields, "inclusion_proof": fields["inclusion_proof"][:-1]})


@pytest.mark.parametrize(
    "change",
    [
        lambda r: r.pop("checkpoint"),
        lambda r: r.update(index=True),
        lambda r: r.update(tree_size=r["tree_size"] + 1),
        lambda r: r.update(leaf_hash="00" * 32),
        lambda r: r.update(entry=r["entry"].replace('"size":7', '"size":8')),
        lambda r: r.update(inclusion_proof=["zz"]),
        lambda r: r.update(checkpoint=r["checkpoint"].replace("\n11\n", "\n12\n")),
        lambda r: r.update(log_key=str(SignerKey.generate(ORIGIN).verifier)),
    ],
)
def test_tampered_receipts_fail(signer, deposit, change):
    receipt = make_receipt(**deposit[0])
    change(receipt)
    with pytest.raises(ReceiptError):
        check_receipt(receipt, signer.verifier)


def test_another_key_fails(deposit):
    receipt = make_receipt(**deposit[0])
    with pytest.raises(ReceiptError):
        check_receipt(receipt, SignerKey.generate(ORIGIN).verifier)
