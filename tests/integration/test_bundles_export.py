"""Evidence bundles exported through the API and verified the way a court would: unzipped, and
``python verify.py`` run by an interpreter that has nothing but the standard library and the
``cryptography`` package.

The empty environment: ``python -m venv --without-pip`` makes a virtual environment that sees no
site-packages but its own (no project venv, no system packages); there is no network here, so
instead of ``pip install cryptography`` the test copies the installed ``cryptography`` distribution
and its dependencies (``cffi``, its ``_cffi_backend`` extension and ``pycparser``), with their
``.dist-info`` records, from this project's venv into the new venv's site-packages, which is what
pip would have put there. It then runs ``python -I verify.py`` (isolated: no PYTHON* variables, no
user site) and checks first that the environment cannot import the application or Flask.
"""
from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from casework.extensions import db
from casework.ledger.note import SignerKey
from casework.ledger.receipt import check_receipt
from casework.models import utcnow
from casework.models.evidence import CustodyEvent, ShareDownload
from casework.models.scheduling import DomainEvent
from casework.services import ledger
from casework.services import tasks as task_service
from tests.case_factories import case_at, make_work
from tests.signing_fixtures import signed_app, signing_pki  # noqa: F401  (fixtures)
from tests.unit.capture_helpers import make_png

COPIED = ("cryptography", "cffi", "pycparser", "_cffi_backend")


@pytest.fixture(scope="module")
def crypto_only_python(tmp_path_factory) -> Path:
    """A Python with only `cryptography` (and what it needs) installed: see the module docstring."""
    env = tmp_path_factory.mktemp("crypto-only-venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--clear", str(env)], check=True)
    python = env / "bin" / "python"
    target = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                 capture_output=True, text=True, check=True).stdout.strip())
    source = Path(sysconfig.get_paths()["purelib"])
    for entry in source.iterdir():
        if entry.name.split("-")[0].split(".")[0] in COPIED:
            (shutil.copytree if entry.is_dir() else shutil.copy2)(entry, target / entry.name)
    probe = subprocess.run([str(python), "-I", "-c", "import flask"], capture_output=True, text=True)
    assert probe.returncode != 0, "the verifier's environment must not see the project's packages"
    probe = subprocess.run([str(python), "-I", "-c", "import casework"], capture_output=True, text=True, cwd="/")
    assert probe.returncode != 0
    probe = subprocess.run([str(python), "-I", "-c", "from cryptography.hazmat.primitives.asymmetric import ed25519"],
                           capture_output=True, text=True)
    assert probe.returncode == 0, probe.stderr
    return python


@pytest.fixture
def case(people, ids):
    return case_at("evidence", [make_work(ids["holder_a"])], title="Uploader re-cuts the animation",
                   counsel=people["counsel"])


def upload(client, headers, case_id, content, name, kind, **fields):
    resp = client.post(f"/api/v1/cases/{case_id}/evidence", headers=headers, content_type="multipart/form-data",
                       data={"kind": kind, "file": (io.BytesIO(content), name), **fields})
    assert resp.status_code == 201, resp.json
    return resp.json


def export(client, headers, case_id) -> dict:
    resp = client.post(f"/api/v1/cases/{case_id}/bundles", headers=headers)
    assert resp.status_code == 202, resp.json
    bundle_id = resp.json["id"]
    assert client.get(f"/api/v1/bundles/{bundle_id}", headers=headers).json["status"] == "queued"
    task_service.run_pending_tasks(utcnow(), limit=5)
    body = client.get(f"/api/v1/bundles/{bundle_id}", headers=headers).json
    assert body["status"] == "sealed", body
    return body


def unzip(data: bytes, folder: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        zf.extractall(folder)
    return folder


def verify(python: Path, folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), "-I", "verify.py"], cwd=folder, capture_output=True, text=True, timeout=120)


def assert_fails(result: subprocess.CompletedProcess, fragment: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.splitlines()[-1].startswith("FAIL  overall")
    assert any(line.startswith("FAIL") and fragment in line for line in result.stdout.splitlines()), result.stdout


def test_bundle_exported_through_the_api_verifies_offline(signed_app, client, token_for, case, crypto_only_python,
                                                          tmp_path):
    counsel = token_for("counsel")  # the case's outside counsel exports it
    shot = make_png(30, 20)
    eml = "From: seller@copycat.example\r\nSubject: 报价\r\n\r\nWe sell the poster.\r\n".encode("utf-8")
    items = [upload(client, counsel, case.id, shot, "listing.png", "screenshot", supplied_by="Counsel's paralegal"),
             upload(client, counsel, case.id, eml, "offer.eml", "email", title="Offer by e-mail")]
    body = export(client, counsel, case.id)
    assert body["progress"] == 1.0 and body["files"] == 3 and body["case_id"] == case.id

    # The bundle's own hash is deposited (kind "bundle"), and the deposit verifies.
    download = client.get(f"/api/v1/bundles/{body['id']}/download", headers=counsel)
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert hashlib.sha256(download.data).hexdigest() == body["sha256"] and len(download.data) == body["size"]
    entry = check_receipt(client.get(f"/api/v1/deposits/{body['deposit_index']}").json, ledger.verifier_key())
    assert (entry.kind, entry.sha256, entry.subject) == ("bundle", body["sha256"], f"bundle:{body['id']}")
    event = db.session.scalar(select(DomainEvent).where(DomainEvent.type == "bundle.sealed"))
    assert event.data == {"bundle_id": body["id"], "case_id": case.id, "sha256": body["sha256"],
                          "deposit_index": body["deposit_index"]}

    folder = unzip(download.data, tmp_path / "bundle")
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    paths = [f["path"] for f in manifest["files"]]
    assert paths[:2] == ["evidence/001-listing.png", "evidence/002-offer.eml"]
    assert paths[2].startswith("documents/") and paths[2].endswith("-evidence_catalogue-zh.pdf")
    assert (folder / paths[2]).read_bytes().startswith(b"%PDF")  # the signed 证据目录
    assert [f["deposit_index"] for f in manifest["files"][:2]] == [i["deposit_index"] for i in items]
    assert sorted(p.name for p in (folder / "receipts").iterdir()) == sorted(
        f"{f['deposit_index']}.json" for f in manifest["files"])
    assert (folder / "ledger-key.txt").read_text().strip() == str(ledger.verifier_key())

    good = verify(crypto_only_python, folder)
    assert good.returncode == 0, good.stdout + good.stderr
    assert good.stdout.splitlines()[-1] == "PASS  overall: 8 checks, 0 failed"
    assert "PASS  evidence/001-listing.png receipt: deposit" in good.stdout

    # Exported and downloaded: both in each item's chain of custody, with the bundle named.
    for item in items:
        actions = {(e.action, e.bundle_id) for e in db.session.scalars(
            select(CustodyEvent).where(CustodyEvent.item_id == item["id"]))}
        assert {("export", body["id"]), ("download", body["id"])} <= actions


def test_verify_reports_a_changed_file_a_changed_receipt_and_a_wrong_key(signed_app, client, token_for, case,
                                                                         crypto_only_python, tmp_path):
    legal = token_for("legal")
    upload(client, legal, case.id, make_png(12, 9), "before-removal.png", "screenshot")
    body = export(client, legal, case.id)
    data = client.get(f"/api/v1/bundles/{body['id']}/download", headers=legal).data

    changed_file = unzip(data, tmp_path / "file")
    target = changed_file / "evidence" / "001-before-removal.png"
    target.write_bytes(target.read_bytes() + b"\x00")
    assert_fails(verify(crypto_only_python, changed_file), "evidence/001-before-removal.png: sha256")

    changed_receipt = unzip(data, tmp_path / "receipt")
    manifest = json.loads((changed_receipt / "manifest.json").read_text("utf-8"))
    receipt_path = changed_receipt / "receipts" / f"{manifest['files'][0]['deposit_index']}.json"
    receipt = json.loads(receipt_path.read_text())
    receipt["entry"] = receipt["entry"].replace('"size":', '"size":1', 1)  # claims another size
    receipt_path.write_text(json.dumps(receipt))
    assert_fails(verify(crypto_only_python, changed_receipt), "evidence/001-before-removal.png receipt")

    wrong_key = unzip(data, tmp_path / "key")
    other = SignerKey.generate(str(ledger.verifier_key()).split("+", 1)[0])
    (wrong_key / "ledger-key.txt").write_text(str(other.verifier) + "\n")
    assert_fails(verify(crypto_only_python, wrong_key), "receipt's log_key is not the key in ledger-key.txt")
    # ...and with the receipts' key swapped too, the checkpoint signatures no longer verify.
    for path in (wrong_key / "receipts").iterdir():
        r = json.loads(path.read_text())
        r["log_key"] = str(other.verifier)
        path.write_text(json.dumps(r))
    assert_fails(verify(crypto_only_python, wrong_key), "is not signed by the ledger key")


def test_share_link_downloads_without_an_account_and_is_logged(signed_app, app, client, token_for, case):
    counsel = token_for("counsel")
    item = upload(client, counsel, case.id, make_png(), "page.png", "screenshot")
    body = export(client, counsel, case.id)
    made = client.post(f"/api/v1/bundles/{body['id']}/share-links", headers=counsel,
                       json={"days": 7, "label": "Court docket (2026) 沪0105民初123号"})
    assert made.status_code == 201, made.json
    link = made.json
    token = link["token"]
    assert link["url"].endswith(f"/shared/{token}") and link["active"]
    from casework.models.evidence import ShareLink

    row = db.session.get(ShareLink, link["id"])
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in json.dumps(
        client.get(f"/api/v1/share-links/{link['id']}", headers=counsel).json)

    anonymous = app.test_client()
    page = anonymous.get(f"/shared/{token}")
    assert page.status_code == 200 and body["sha256"] in page.get_data(as_text=True)
    got = anonymous.get(f"/shared/{token}/download", headers={"User-Agent": "CourtBrowser/1.0"})
    assert got.status_code == 200 and hashlib.sha256(got.data).hexdigest() == body["sha256"]
    log = client.get(f"/api/v1/share-links/{link['id']}", headers=counsel).json["downloads"]
    assert len(log) == 1 and log[0]["user_agent"] == "CourtBrowser/1.0"
    custody = db.session.scalar(select(CustodyEvent).where(CustodyEvent.item_id == item["id"],
                                                           CustodyEvent.action == "share_download"))
    assert custody.share_link_id == link["id"] and custody.actor_kind == "share_link"

    # Wrong, expired and revoked tokens all look like nothing is there.
    assert anonymous.get(f"/shared/{token[:-2]}xx").status_code == 404
    assert anonymous.get(f"/shared/{token[:-2]}xx/download").status_code == 404
    revoked = client.post(f"/api/v1/share-links/{link['id']}/revoke", headers=counsel)
    assert revoked.status_code == 200 and revoked.json["active"] is False
    assert anonymous.get(f"/shared/{token}").status_code == 404
    assert anonymous.get(f"/shared/{token}/download").status_code == 404
    second = client.post(f"/api/v1/bundles/{body['id']}/share-links", headers=counsel, json={"days": 1}).json
    from datetime import timedelta

    db.session.get(ShareLink, second["id"]).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert anonymous.get(f"/shared/{second['token']}/download").status_code == 404
    assert db.session.scalar(select(ShareDownload.id).where(ShareDownload.link_id == second["id"])) is None
    assert client.post(f"/api/v1/bundles/{body['id']}/share-links", headers=counsel,
                       json={"days": 365}).status_code == 422


def test_litigation_needs_a_sealed_bundle(signed_app, client, token_for, case):
    legal = token_for("legal")
    refused = client.post(f"/api/v1/cases/{case.id}/transitions", json={"to": "litigation"}, headers=legal)
    assert refused.status_code == 409
    assert "litigation needs a sealed evidence bundle" in refused.json["error"]["message"]
    assert refused.json["error"]["details"]["reasons"]
    upload(client, legal, case.id, make_png(), "page.png", "screenshot")
    # An export that is only queued does not count: the bundle must be sealed.
    queued = client.post(f"/api/v1/cases/{case.id}/bundles", headers=legal)
    assert queued.status_code == 202
    assert client.post(f"/api/v1/cases/{case.id}/transitions", json={"to": "litigation"},
                       headers=legal).status_code == 409
    task_service.run_pending_tasks(utcnow(), limit=5)
    moved = client.post(f"/api/v1/cases/{case.id}/transitions", json={"to": "litigation"}, headers=legal)
    assert moved.status_code == 200, moved.json
    assert client.get(f"/api/v1/cases/{case.id}", headers=legal).json["stage"] == "litigation"


def test_who_may_export_and_read_bundles(signed_app, client, token_for, case):
    legal = token_for("legal")
    upload(client, legal, case.id, make_png(), "page.png", "screenshot")
    body = export(client, legal, case.id)
    for key, status in (("counsel2", 404), ("creator", 403)):
        headers = token_for(key)
        assert client.post(f"/api/v1/cases/{case.id}/bundles", headers=headers).status_code == status
        assert client.get(f"/api/v1/bundles/{body['id']}", headers=headers).status_code == status
        assert client.get(f"/api/v1/bundles/{body['id']}/download", headers=headers).status_code == status
    assert client.get(f"/api/v1/bundles/{body['id']}", headers=token_for("admin")).status_code == 200
    # A case without finished evidence has nothing to bundle: refused before any task is queued.
    empty = case_at("evidence", [make_work(1)], title="empty")
    assert client.post(f"/api/v1/cases/{empty.id}/bundles", headers=legal).status_code == 409


def test_a_damaged_blob_stops_the_export_with_the_reason(signed_app, client, token_for, case):
    import os

    from casework.storage import get_storage

    legal = token_for("legal")
    item = upload(client, legal, case.id, make_png(9, 9) + os.urandom(64), "unique.png", "screenshot")
    bundle_id = client.post(f"/api/v1/cases/{case.id}/bundles", headers=legal).json["id"]
    path = get_storage().path(item["sha256"])
    with open(path, "ab") as fh:
        fh.write(b"bit rot")
    try:
        _export_fails_with_the_reason(client, legal, bundle_id)
    finally:
        os.truncate(path, item["size"])  # the blob store outlives the test's rolled-back transaction


def _export_fails_with_the_reason(client, legal, bundle_id):
    from datetime import timedelta

    now = utcnow()
    task_service.run_pending_tasks(now)
    assert client.get(f"/api/v1/bundles/{bundle_id}", headers=legal).json["status"] == "queued"  # retried later
    task_service.run_pending_tasks(now + timedelta(minutes=5))
    body = client.get(f"/api/v1/bundles/{bundle_id}", headers=legal).json
    assert body["status"] == "failed" and "no longer hashes to its deposit" in body["error"]
    assert body["sha256"] is None and body["deposit_index"] is None
    assert client.get(f"/api/v1/bundles/{bundle_id}/download", headers=legal).status_code == 409
