"""The standalone bundle verifier, run as a court would run it: ``python verify.py`` in a folder.

Bundles are built here with the ledger's own merkle, entries and note code, in the layout of
API.md ("Evidence bundles"), then damaged in the ways that matter.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from casework.ledger import verify_bundle
from casework.ledger.entries import build_entry
from casework.ledger.memstore import MemoryNodeStore
from casework.ledger.merkle import leaf_hash
from casework.ledger.note import Checkpoint, SignerKey, sign_checkpoint
from casework.ledger.receipt import make_receipt

ORIGIN = "ledger.example.org/yidun"
SCRIPT = Path(verify_bundle.__file__)
AT = datetime(2026, 3, 1, 8, 30, tzinfo=timezone.utc)
FILES = {
    "evidence/capture-1.warc": b"WARC/1.1\r\nWARC-Type: response\r\n\r\n" + bytes(range(256)) * 40,
    "evidence/screenshot 1.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 500,
    "documents/catalogue.pdf": "%PDF-1.7 证据目录".encode("utf-8"),
}


@pytest.fixture(scope="module")
def signer() -> SignerKey:
    return SignerKey.generate(ORIGIN)


def _deposit(store: MemoryNodeStore, content: bytes, subject: str) -> tuple[int, str]:
    entry = build_entry(kind="evidence", sha256=hashlib.sha256(content).hexdigest(), size=len(content),
                        subject=subject, at=AT, actor="user:3")
    index = store.size
    store.append([entry.leaf_hash])
    return index, entry.to_text()


def _receipt(store: MemoryNodeStore, signer: SignerKey, index: int, entry: str, size: int) -> dict:
    """The library's receipt, so the test also proves verify.py reads what the log writes."""
    checkpoint = sign_checkpoint(Checkpoint(ORIGIN, size, store.root(size)), signer)
    return make_receipt(index=index, entry=entry, tree_size=size, inclusion_proof=store.inclusion_proof(index, size),
                        checkpoint=checkpoint, log_key=signer.verifier)


def build_bundle(folder: Path, signer: SignerKey) -> tuple[Path, MemoryNodeStore]:
    """A bundle whose files were deposited among unrelated entries, proved at two tree sizes."""
    store = MemoryNodeStore()
    for i in range(5):
        _deposit(store, f"unrelated {i}".encode(), "work:1")
    deposits = {path: _deposit(store, content, "case:7") for path, content in FILES.items()}
    middle = store.size
    for i in range(6):
        _deposit(store, f"later {i}".encode(), "work:2")
    manifest = {"case": 7, "created_at": "2026-03-02T09:00:00Z", "files": []}
    for number, (path, content) in enumerate(FILES.items()):
        index, entry = deposits[path]
        target = folder.joinpath(*path.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        manifest["files"].append({"path": path, "sha256": hashlib.sha256(content).hexdigest(),
                                  "size": len(content), "deposit_index": index})
        size = middle if number == 0 else store.size  # an older receipt beside newer ones
        (folder / "receipts").mkdir(exist_ok=True)
        (folder / "receipts" / f"{index}.json").write_text(json.dumps(_receipt(store, signer, index, entry, size)))
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    (folder / "ledger-key.txt").write_text(str(signer.verifier) + "\n")
    shutil.copyfile(SCRIPT, folder / "verify.py")
    return folder, store


def make_bundle(folder: Path, signer: SignerKey) -> Path:
    return build_bundle(folder, signer)[0]


def run(folder: Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    script = "verify.py" if cwd is None else str(folder / "verify.py")
    return subprocess.run([sys.executable, script], cwd=cwd or folder, capture_output=True, text=True, timeout=60)


def _receipt_path(folder: Path, number: int) -> Path:
    index = json.loads((folder / "manifest.json").read_text())["files"][number]["deposit_index"]
    return folder / "receipts" / f"{index}.json"


def _edit_receipt(folder: Path, number: int, change) -> None:
    path = _receipt_path(folder, number)
    receipt = json.loads(path.read_text())
    change(receipt)
    path.write_text(json.dumps(receipt))


def _assert_fails(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.splitlines()[-1].startswith("FAIL  overall")
    fails = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    for fragment in fragments:
        assert any(fragment in line for line in fails), result.stdout


def test_good_bundle_passes(tmp_path, signer):
    folder = make_bundle(tmp_path / "bundle", signer)
    result = run(folder)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert not [line for line in lines if line.startswith("FAIL")]
    for path in FILES:
        assert any(line.startswith(f"PASS  {path}: sha256 and size") for line in lines)
        assert any(line.startswith(f"PASS  {path} receipt: deposit") for line in lines)
    assert lines[-1] == f"PASS  overall: {2 + 2 * len(FILES)} checks, 0 failed"
    # Run from elsewhere: it checks the folder it sits in.
    assert run(folder, cwd=tmp_path).returncode == 0


def test_changed_file_fails(tmp_path, signer):
    folder = make_bundle(tmp_path / "bundle", signer)
    target = folder / "evidence" / "capture-1.warc"
    target.write_bytes(target.read_bytes().replace(b"response", b"resp0nse"))
    _assert_fails(run(folder), "evidence/capture-1.warc: sha256")


def test_changed_file_with_matching_manifest_fails_on_the_receipt(tmp_path, signer):
    folder = make_bundle(tmp_path / "bundle", signer)
    forged = b"a different screenshot"
    (folder / "evidence" / "screenshot 1.png").write_bytes(forged)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"][1].update(sha256=hashlib.sha256(forged).hexdigest(), size=len(forged))
    (folder / "manifest.json").write_text(json.dumps(manifest))
    _assert_fails(run(folder), "evidence/screenshot 1.png receipt: deposited entry records")


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda r: r["inclusion_proof"].__setitem__(0, "00" * 32), "does not lead to the checkpoint"),
        (lambda r: r["inclusion_proof"].pop(), "too short"),
        (lambda r: r.update(index=r["index"] + 1), "receipt is for deposit"),
        (lambda r: r.update(leaf_hash="11" * 32), "leaf_hash"),
        (lambda r: r.update(tree_size=r["tree_size"] + 1), "tree_size"),
        (lambda r: r.update(checkpoint=r["checkpoint"].replace("\n1", "\n2", 1)), "invalid"),
        (lambda r: r.update(entry=r["entry"].replace('"kind":"evidence"', '"kind":"document"')), "leaf_hash"),
    ],
)
def test_changed_receipt_fails(tmp_path, signer, change, message):
    folder = make_bundle(tmp_path / "bundle", signer)
    _edit_receipt(folder, 2, change)
    _assert_fails(run(folder), "documents/catalogue.pdf receipt", message)


def test_wrong_key_fails(tmp_path, signer):
    folder = make_bundle(tmp_path / "bundle", signer)
    other = SignerKey.generate(ORIGIN)
    (folder / "ledger-key.txt").write_text(str(other.verifier) + "\n")
    _assert_fails(run(folder), "log_key is not the key in ledger-key.txt")
    for number in range(len(FILES)):  # a forger who also swaps the receipts' key cannot re-sign
        _edit_receipt(folder, number, lambda r: r.update(log_key=str(other.verifier)))
    _assert_fails(run(folder), "not signed by the ledger key")


def test_unlisted_and_missing_files_fail(tmp_path, signer):
    folder = make_bundle(tmp_path / "bundle", signer)
    (folder / "evidence" / "planted.txt").write_text("not deposited")
    (folder / "documents" / "catalogue.pdf").unlink()
    _assert_fails(run(folder), "evidence/planted.txt: present in the bundle but not listed",
                  "documents/catalogue.pdf: missing")


def test_forked_log_is_detected(tmp_path, signer):
    folder, store = build_bundle(tmp_path / "bundle", signer)
    # The same log with its first entry rewritten: a second history of the same size, signed.
    fork = MemoryNodeStore()
    fork.append([leaf_hash(b"rewritten history")] + [store.get_node(0, i) for i in range(1, store.size)])
    receipt = json.loads(_receipt_path(folder, 2).read_text())
    _receipt_path(folder, 2).write_text(json.dumps(_receipt(fork, signer, receipt["index"], receipt["entry"], store.size)))
    _assert_fails(run(folder), "documents/catalogue.pdf receipt: two checkpoints of tree size")


@pytest.mark.parametrize(
    "manifest",
    ["not json", "[]", '{"files": "x"}', '{"files": [{"path": "../etc/passwd", "sha256": "", "size": 0, "deposit_index": 0}]}',
     '{"files": [{"path": "receipts/0.json", "sha256": "", "size": 0, "deposit_index": 0}]}'],
)
def test_malformed_manifest_fails_cleanly(tmp_path, signer, manifest):
    folder = make_bundle(tmp_path / "bundle", signer)
    (folder / "manifest.json").write_text(manifest)
    _assert_fails(run(folder))
