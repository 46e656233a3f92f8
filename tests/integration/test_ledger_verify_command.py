"""`flask ledger verify` passes on a clean log and reports one corrupted byte in each kind of
stored thing: an entry, a stored node hash, a checkpoint, a blob. The triggers that forbid such
changes are dropped inside the test's transaction (rolled back afterwards)."""
from __future__ import annotations

import io
import os

import pytest
from sqlalchemy import text

from casework.extensions import db
from casework.services import ledger
from casework.services import works as work_service
from casework.services.actor import Actor
from casework.storage import get_storage
from tests.case_factories import NOW
from tests.integration.test_ledger import drop_triggers, some


@pytest.fixture
def logged(app, people):
    """A log with work files (blobs), other deposits and two checkpoints, committed."""
    contents = [os.urandom(2048), os.urandom(4096)]
    work = work_service.register_work(
        title="Verified work", kind="image", rights_holder=people["creator"].rights_holder,
        files=[work_service.Upload("a.png", io.BytesIO(contents[0])), work_service.Upload("b.png", io.BytesIO(contents[1]))],
        actor=Actor.system("tests"), now=NOW)
    some(5)
    ledger.latest_checkpoint(now=NOW)
    some(20, start=100)
    ledger.latest_checkpoint(now=NOW)
    some(3, start=200)  # past the last checkpoint
    db.session.commit()
    yield work
    for f in work.files:  # the blob test corrupts a file; never leave it for other tests
        path = get_storage().path(f.sha256)
        if os.path.exists(path):
            os.unlink(path)


def run_verify(app, *args):
    return app.test_cli_runner().invoke(args=["ledger", "verify", "--quiet", *args])


def test_a_clean_log_verifies(app, logged):
    result = run_verify(app)
    assert result.exit_code == 0, result.output
    assert "OK: 30 entries, " in result.output and "2 checkpoints, 2 work files" in result.output


def flip(value: str, position: int) -> str:
    ch = value[position]
    return value[:position] + ("b" if ch == "a" else "a") + value[position + 1:]


def test_a_changed_entry_is_reported(app, logged):
    drop_triggers("ledger_entry")
    index = logged.files[0].deposit_index
    entry = db.session.execute(text("SELECT entry FROM ledger_entry WHERE idx = :i"), {"i": index}).scalar()
    at = entry.index('"sha256":"') + 12
    db.session.execute(text("UPDATE ledger_entry SET entry = :e WHERE idx = :i"), {"e": flip(entry, at), "i": index})
    db.session.commit()
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"PROBLEM entry #{index}: stored leaf hash is not SHA-256(0x00 || entry)" in result.output
    assert f"PROBLEM entry #{index}: column sha256" in result.output
    assert f"PROBLEM node (0, {index}): stored hash" in result.output
    assert "its root is not the root recomputed from the entries" in result.output


def test_a_changed_node_hash_is_reported(app, logged):
    drop_triggers("ledger_node")
    stored = db.session.execute(text("SELECT hash FROM ledger_node WHERE level = 1 AND idx = 3")).scalar()
    changed = bytes([stored[0] ^ 0x01]) + bytes(stored[1:])
    db.session.execute(text("UPDATE ledger_node SET hash = :h WHERE level = 1 AND idx = 3"), {"h": changed})
    db.session.commit()
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"PROBLEM node (1, 3): stored hash {changed.hex()} should be {bytes(stored).hex()}" in result.output


def test_a_changed_checkpoint_is_reported(app, logged):
    drop_triggers("ledger_checkpoint")
    size, note = db.session.execute(text("SELECT size, note FROM ledger_checkpoint ORDER BY size LIMIT 1")).one()
    second_line = note.index("\n") + 1  # the size line: one digit changed
    changed = note[:second_line] + ("9" if note[second_line] != "9" else "8") + note[second_line + 1:]
    db.session.execute(text("UPDATE ledger_checkpoint SET note = :n WHERE size = :s"), {"n": changed, "s": size})
    db.session.commit()
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"PROBLEM checkpoint size {size}: signature or format check failed" in result.output


def test_a_changed_blob_is_reported(app, logged):
    path = get_storage().path(logged.files[1].sha256)
    with open(path, "r+b") as fh:
        fh.seek(100)
        byte = fh.read(1)
        fh.seek(100)
        fh.write(bytes([byte[0] ^ 0xFF]))
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"PROBLEM blob {logged.files[1].sha256}: content hashes to" in result.output
    # Without rehashing the blob store, only existence and sizes are checked: the change goes unseen.
    assert run_verify(app, "--no-rehash").exit_code == 0


def test_a_missing_blob_and_a_broken_state_row_are_reported(app, logged):
    os.unlink(get_storage().path(logged.files[0].sha256))
    db.session.execute(text("UPDATE ledger_state SET size = size + 1"))
    db.session.commit()
    result = run_verify(app, "--no-rehash")
    assert result.exit_code == 1
    assert f"its blob {logged.files[0].sha256} is missing from the store" in result.output
    assert "PROBLEM state ledger_state: records size 31 but 30 entries are stored" in result.output


def test_key_and_checkpoint_commands(app, logged):
    key = app.test_cli_runner().invoke(args=["ledger", "key"])
    assert key.exit_code == 0 and key.output.strip() == str(ledger.verifier_key())
    made = app.test_cli_runner().invoke(args=["ledger", "checkpoint"])
    assert made.exit_code == 0 and made.output.split("\n")[1] == "30"


def test_a_deleted_node_is_reported_and_no_proof_is_made_without_it(app, logged):
    drop_triggers("ledger_node")
    db.session.execute(text("DELETE FROM ledger_node WHERE level = 0 AND idx = 5"))
    db.session.commit()
    result = run_verify(app, "--no-rehash")
    assert result.exit_code == 1
    assert "PROBLEM node (0, 5): missing" in result.output
    assert "PROBLEM node (count): 55 nodes stored; a tree of 30 leaves has 56" in result.output
    with pytest.raises(Exception, match=r"node \(0, 5\)"):
        ledger.receipt(4, now=NOW)  # its sibling's proof needs the missing node


def test_a_blob_no_deposit_records_is_listed_as_a_leftover_without_failing(app, logged):
    """What an interrupted or rolled-back upload leaves in the store is found, not mistaken for corruption."""
    store = get_storage()
    sha256, _, _ = store.put(io.BytesIO(os.urandom(300)))
    try:
        result = run_verify(app)
        assert result.exit_code == 0, result.output
        assert f"LEFTOVER blob {sha256}: stored, but no deposit records it" in result.output
    finally:
        os.unlink(store.path(sha256))


def test_an_unfinished_uploads_temporary_file_is_listed(app, logged):
    store = get_storage()
    path = os.path.join(store.tmp, "upload-crashed123")
    with open(path, "wb") as fh:
        fh.write(b"half an upload")
    try:
        result = run_verify(app)
        assert f"LEFTOVER blob {path}: an unfinished upload's temporary file" in result.output
    finally:
        os.unlink(path)


def test_a_missing_evidence_blob_is_reported(app, logged):
    from casework.services import evidence
    from casework.services.works import Upload
    from tests.case_factories import case_at, make_work
    from tests.unit.capture_helpers import make_png

    case = case_at("evidence", [make_work(logged.rights_holder_id)])  # a PNG of a size no other test uses:
    # its blob is removed below, and the store outlives each test's transaction
    item = evidence.add_upload(case, kind="screenshot", title="Screenshot", actor=Actor.system("tests"), now=NOW,
                               upload=Upload("shot.png", io.BytesIO(make_png(211, 97)), "image/png"))
    db.session.commit()
    path = get_storage().path(item.sha256)
    os.unlink(path)
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"PROBLEM blob {item.sha256}: missing from the store (evidence #{item.id})" in result.output
