"""The ledger in the database: deposits in the caller's transaction, receipts, checkpoints, the
public endpoints, and the append-only triggers (on whichever database the suite runs)."""
from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timezone

import pytest
import rfc8785
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from casework.extensions import db
from casework.ledger import merkle
from casework.ledger.note import VerifierKey, open_checkpoint
from casework.ledger.receipt import check_receipt
from casework.models.ledger import Checkpoint, Deposit
from casework.services import ledger
from casework.services.actor import Actor

NOW = datetime(2026, 6, 1, 8, 0, 0, 123000, tzinfo=timezone.utc)
ACTOR = Actor.system("tests")


def sha(n) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


def some(count: int, start: int = 0, kind: str = "evidence") -> list[Deposit]:
    return ledger.deposit_many([{"kind": kind, "sha256": sha(start + n), "size": n, "subject": f"case:{n}"}
                                for n in range(count)], actor=ACTOR, now=NOW)


def test_deposits_get_consecutive_indexes_and_canonical_entries():
    first = ledger.deposit(kind="work_file", sha256=sha(1), size=10, subject="work:1", actor=ACTOR, now=NOW,
                           extra={"note": "private"})
    more = some(3)
    assert [d.index for d in more] == [first.index + 1, first.index + 2, first.index + 3]
    assert first.entry == ('{"actor":"system:tests","at":"2026-06-01T08:00:00.123Z","kind":"work_file",'
                           f'"sha256":"{sha(1)}","size":10,"subject":"work:1","v":1}}')
    assert first.leaf_hash == merkle.leaf_hash(first.entry.encode())
    assert (first.kind, first.sha256, first.size, first.subject, first.at) == ("work_file", sha(1), 10, "work:1", NOW)
    assert "private" not in first.entry and first.extra == {"note": "private"}
    assert ledger.tree_size() == first.index + 4


def test_deposit_json_hashes_the_rfc8785_form():
    document = {"type": "case_event", "case": 7, "note": "é", "b": [1, 2.5]}
    dep = ledger.deposit_json(kind="case_event", document=document, subject="case:7", actor=ACTOR, now=NOW)
    raw = rfc8785.dumps(document)
    assert dep.sha256 == hashlib.sha256(raw).hexdigest() and dep.size == len(raw)
    assert dep.document == raw.decode()


def test_a_rolled_back_operation_leaves_no_entry():
    some(2)
    size = ledger.tree_size()
    nested = db.session.begin_nested()
    lost = some(5, start=100)
    assert ledger.tree_size() == size + 5
    nested.rollback()
    assert ledger.tree_size() == size
    assert db.session.get(Deposit, lost[0].index) is None
    again = some(1, start=200)[0]
    assert again.index == size  # the index is reused: the log has no gap
    assert check_receipt(ledger.receipt(again.index, now=NOW), ledger.verifier_key()).sha256 == sha(200)


@pytest.mark.parametrize("item,message", [
    ({"kind": "nonsense", "sha256": sha(1), "size": 1, "subject": "work:1"}, "kind"),
    ({"kind": "evidence", "sha256": "ABC", "size": 1, "subject": "work:1"}, "sha256"),
    ({"kind": "evidence", "sha256": sha(1), "size": -1, "subject": "work:1"}, "size"),
    ({"kind": "evidence", "sha256": sha(1), "size": 1, "subject": "no colon"}, "subject"),
    ({"kind": "evidence", "sha256": sha(1), "size": 1, "subject": "work:1", "colour": 1}, "unknown"),
])
def test_bad_deposits_are_refused_whole(item, message):
    size = ledger.tree_size()
    good = {"kind": "evidence", "sha256": sha(2), "size": 2, "subject": "case:1"}
    with pytest.raises(ledger.LedgerError, match=message):
        ledger.deposit_many([good, item], actor=ACTOR, now=NOW)
    assert ledger.tree_size() == size


def test_actor_names_are_made_entry_safe():
    dep = ledger.deposit(kind="evidence", sha256=sha(3), size=3, subject="case:1", actor=Actor.job("url re-check"),
                         now=NOW)
    assert '"actor":"job:url%20re-check"' in dep.entry


def test_receipts_verify_against_signed_checkpoints_for_every_leaf():
    deps = some(37)
    key = ledger.verifier_key()
    for dep in deps:
        receipt = ledger.receipt(dep.index, now=NOW)
        entry = check_receipt(receipt, key)
        assert entry.sha256 == dep.sha256 and receipt["tree_size"] == ledger.tree_size()
        # The same check, spelled out with the pure RFC 9162 verifier.
        cp = open_checkpoint(receipt["checkpoint"], key)
        merkle.verify_inclusion(dep.index, cp.size, bytes.fromhex(receipt["leaf_hash"]),
                                [bytes.fromhex(p) for p in receipt["inclusion_proof"]], cp.root_hash)
    # One checkpoint served all of them: a receipt reuses the latest one that covers its index.
    assert db.session.query(Checkpoint).filter(Checkpoint.size == ledger.tree_size()).count() == 1


def test_checkpoints_grow_consistently_and_are_never_duplicated():
    some(5)
    first = ledger.latest_checkpoint(now=NOW)
    assert ledger.latest_checkpoint(now=NOW).size == first.size  # nothing new: the same checkpoint
    some(11, start=50)
    second = ledger.latest_checkpoint(now=NOW)
    assert second.size == first.size + 11
    assert ledger.latest_checkpoint(now=NOW, create_if_stale=False).size == second.size
    proof = ledger.consistency(first.size, second.size)
    merkle.verify_consistency(first.size, second.size, proof, bytes(first.root), bytes(second.root))
    cp = open_checkpoint(second.note, ledger.verifier_key())
    assert cp.origin == "yidun.example/ledger" and cp.root_hash == bytes(second.root)


def test_the_key_is_generated_once_into_the_instance_folder(app):
    key = ledger.verifier_key()
    with open(app.config["LEDGER_KEY_FILE"]) as fh:
        assert fh.read().startswith("PRIVATE+KEY+yidun.example/ledger+")
    import os
    import stat

    assert stat.S_IMODE(os.stat(app.config["LEDGER_KEY_FILE"]).st_mode) == 0o600
    assert VerifierKey.parse(str(key)) == key


def test_public_endpoints(client):
    deps = some(9)
    key_resp = client.get("/api/v1/ledger/key")
    assert key_resp.status_code == 200 and key_resp.mimetype == "text/plain"
    key = VerifierKey.parse(key_resp.get_data(as_text=True).strip())
    cp_resp = client.get("/api/v1/ledger/checkpoint")
    assert cp_resp.mimetype == "text/plain"
    cp = open_checkpoint(cp_resp.get_data(as_text=True), key)
    assert cp.size == deps[-1].index + 1
    receipt = client.get(f"/api/v1/deposits/{deps[3].index}").json
    assert check_receipt(receipt, key).sha256 == deps[3].sha256
    assert receipt["timestamp_token"] is None
    listed = client.get(f"/api/v1/deposits?sha256={deps[4].sha256.upper()}").json
    assert [r["index"] for r in listed["items"]] == [deps[4].index]
    assert client.get(f"/api/v1/deposits?sha256={sha('never')}").json["items"] == []
    proof = client.get(f"/api/v1/ledger/consistency?from=3&to={cp.size}").json
    assert proof["from"] == 3 and proof["to"] == cp.size
    old_root = merkle.root_of([bytes.fromhex(client.get(f"/api/v1/deposits/{i}").json["leaf_hash"]) for i in range(3)])
    merkle.verify_consistency(3, cp.size, [bytes.fromhex(p) for p in proof["proof"]], old_root, cp.root_hash)
    # "to" defaults to the latest checkpoint.
    assert client.get("/api/v1/ledger/consistency?from=3").json["to"] == cp.size


@pytest.mark.parametrize("url,status", [
    ("/api/v1/deposits/999999999", 404),
    ("/api/v1/deposits?sha256=xyz", 400),
    ("/api/v1/deposits", 400),
    ("/api/v1/ledger/consistency", 400),
    ("/api/v1/ledger/consistency?from=a&to=2", 400),
    ("/api/v1/ledger/consistency?from=0&to=2", 422),
    ("/api/v1/ledger/consistency?from=5&to=2", 422),
    ("/api/v1/ledger/consistency?from=1&to=999999999", 422),
])
def test_public_endpoint_errors_are_json(client, url, status):
    some(5)
    resp = client.get(url)
    assert resp.status_code == status and resp.is_json and resp.json["error"]["message"]


TABLES = {
    "ledger_entry": ("UPDATE ledger_entry SET kind = 'document'", "DELETE FROM ledger_entry"),
    "ledger_node": ("UPDATE ledger_node SET hash = hash", "DELETE FROM ledger_node"),
    "ledger_checkpoint": ("UPDATE ledger_checkpoint SET note = 'x'", "DELETE FROM ledger_checkpoint"),
}


@pytest.mark.parametrize("table", sorted(TABLES))
def test_triggers_refuse_update_and_delete(table):
    some(3)
    ledger.latest_checkpoint(now=NOW)
    db.session.flush()
    for statement in TABLES[table]:
        savepoint = db.session.begin_nested()
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        savepoint.rollback()
    assert db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar() > 0


def test_a_checkpoint_inconsistent_with_the_last_is_refused(app):
    some(6)
    ledger.latest_checkpoint(now=NOW)
    some(3, start=10)
    drop_triggers("ledger_node")
    db.session.execute(text("UPDATE ledger_node SET hash = :h WHERE level = 2 AND idx = 0"), {"h": b"\x00" * 32})
    with pytest.raises(ledger.LedgerError, match="not consistent"):
        ledger.latest_checkpoint(now=NOW)


def drop_triggers(table: str) -> None:
    """Test-only: lift the append-only triggers of one table inside the test's transaction (rolled back after)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(f"DROP TRIGGER {table}_append_only ON {table}"))
    else:
        for verb in ("update", "delete"):
            db.session.execute(text(f"DROP TRIGGER {table}_no_{verb}"))


def test_timestamp_token_hook_is_used_when_configured(app, monkeypatch):
    """With TSA_URL set, the checkpoint note's bytes are timestamped and the token lands in receipts."""
    calls = []

    def fake_timestamper():
        def stamp(data: bytes):
            calls.append(data)
            return b"DER-token:" + hashlib.sha256(data).digest()
        return stamp

    monkeypatch.setattr(ledger, "_timestamper", fake_timestamper)
    dep = some(2)[-1]
    receipt = ledger.receipt(dep.index, now=NOW)
    assert calls == [receipt["checkpoint"].encode()]
    assert base64.b64decode(receipt["timestamp_token"]) == b"DER-token:" + hashlib.sha256(calls[0]).digest()
