"""Signed documents made through the API and the pages: they validate as intact and trusted against
the development root (pyHanko and poppler's pdfsig), every font is embedded (pdffonts), the cited
deposit hashes are in the text (pdftotext), the PDF's own hash is deposited, and document.signed is
in the outbox. Also: certificates, the evidence catalogue, bulk, and the validation endpoint."""
from __future__ import annotations

import io
import re
import subprocess

import pytest
from sqlalchemy import select

from casework.extensions import db
from casework.models.documents import Document
from casework.models.ledger import Deposit
from casework.models.scheduling import DomainEvent, Task
from casework.services import documents as docs
from casework.services import tasks
from casework.services.documents import context as doc_context
from signing import validate_pdf
from tests.case_factories import NOW, make_work, system
from tests.integration.test_documents_lifecycle import letter_case
from tests.signing_fixtures import dev_trust, signed_app, signing_pki  # noqa: F401  (fixtures)


def poppler(tool: str, pdf: bytes, tmp_path, *args: str) -> str:
    path = tmp_path / f"{tool}.pdf"
    path.write_bytes(pdf)
    return subprocess.run([tool, *args, str(path)] + (["-"] if tool == "pdftotext" else []), capture_output=True,
                          text=True, timeout=60, check=False).stdout


def assert_valid_signed_pdf(pdf: bytes, trust, tmp_path, *, cited: list[str]) -> None:
    report = validate_pdf(pdf, trust)
    (sig,) = report.signatures
    assert sig.intact and sig.trusted and sig.covers_whole_document, sig.problems
    assert sig.pades_level == "B-T" and sig.timestamp is not None
    out = poppler("pdfsig", pdf, tmp_path)
    assert "Signature Validation: Signature is Valid." in out, out
    assert "Total document signed" in out or "The signature form field covers the whole document" in out, out
    fonts = poppler("pdffonts", pdf, tmp_path).splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), "\n".join(fonts)
    text = re.sub(r"\s+", "", poppler("pdftotext", pdf, tmp_path))
    for digest in cited:
        assert digest in text, digest


def test_a_letter_made_through_the_api_is_signed_deposited_and_valid(signed_app, client, token_for, ids, dev_trust,
                                                                      tmp_path):
    case = letter_case(ids["holder_a"])
    work_hashes = [f["sha256"] for w in doc_context.case_context(case, "cease_desist", "en", signatory_name="x",
                                                                  now=NOW)["works"] for f in w["files"]]
    db.session.commit()
    legal = token_for("legal")
    resp = client.post(f"/api/v1/cases/{case.id}/documents", json={"kind": "cease_desist", "lang": "zh"}, headers=legal)
    assert resp.status_code == 201, resp.json
    assert resp.json["status"] == "draft" and resp.json["missing"] == []
    doc_id = resp.json["id"]
    early = client.post(f"/api/v1/documents/{doc_id}/sign", headers=legal)
    assert early.status_code == 409 and "approved" in early.json["error"]["message"]
    draft_pdf = client.get(f"/api/v1/documents/{doc_id}/pdf", headers=legal)
    assert draft_pdf.status_code == 200 and draft_pdf.data.startswith(b"%PDF-")
    assert client.post(f"/api/v1/documents/{doc_id}/approve", headers=legal).json["status"] == "approved"
    signed = client.post(f"/api/v1/documents/{doc_id}/sign", headers=legal)
    assert signed.status_code == 200, signed.json
    body = signed.json
    assert body["status"] == "signed" and body["pades_level"] == "B-T" and len(body["sha256"]) == 64
    pdf = client.get(f"/api/v1/documents/{doc_id}/pdf", headers=legal).data
    import hashlib

    assert hashlib.sha256(pdf).hexdigest() == body["sha256"]
    deposit = db.session.get(Deposit, body["deposit_index"])
    assert (deposit.kind, deposit.sha256, deposit.size, deposit.subject) == ("document", body["sha256"], len(pdf),
                                                                              f"document:{doc_id}")
    event = db.session.scalar(select(DomainEvent).where(DomainEvent.type == "document.signed"))
    assert event.data == {"document_id": doc_id, "case_id": case.id, "kind": "cease_desist", "sha256": body["sha256"],
                          "deposit_index": body["deposit_index"]}
    doc = db.session.get(Document, doc_id)
    assert_valid_signed_pdf(pdf, dev_trust, tmp_path, cited=work_hashes + [doc.public_id])
    # test_cases_api registers a stand-in "documents" section and pops the key afterwards: put ours back.
    from casework.api.documents import _case_documents
    from casework.case_sections import json_section

    json_section("documents")(_case_documents)
    case_json = client.get(f"/api/v1/cases/{case.id}", headers=legal).json
    assert [d["id"] for d in case_json["documents"]] == [doc_id]
    # The validation endpoint agrees, for anyone.
    report = client.post("/api/v1/validate", data={"file": (io.BytesIO(pdf), "letter.pdf")},
                         content_type="multipart/form-data")
    assert report.status_code == 200
    (sig,) = report.json["signatures"]
    assert sig["intact"] and sig["trusted"] and sig["covers_whole_document"] and sig["pades_level"] == "B-T"
    assert sig["signer"] and sig["timestamp"] and report.json["sha256"] == body["sha256"]


def test_a_letter_made_through_the_pages_validates(signed_app, login_as, ids, dev_trust, tmp_path):
    case = letter_case(ids["holder_a"])
    db.session.commit()
    page = login_as("legal")
    resp = page.post(f"/cases/{case.id}/documents", data={"kind": "cease_desist", "lang": "en"})
    doc_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    page.post(f"/documents/{doc_id}/edit", data={"facts": "We act for the owner.\nYou copied the poster."})
    page.post(f"/documents/{doc_id}/approve")
    resp = page.post(f"/documents/{doc_id}/sign", follow_redirects=True)
    assert "Signed" in resp.get_data(as_text=True)
    db.session.expire_all()
    doc = db.session.get(Document, doc_id)
    assert doc.status == "signed"
    pdf = page.get(f"/documents/{doc_id}/pdf").data
    ctx = docs.context_of(doc)
    assert_valid_signed_pdf(pdf, dev_trust, tmp_path, cited=[f["sha256"] for w in ctx["works"] for f in w["files"]])
    text = poppler("pdftotext", pdf, tmp_path)
    assert "You copied the poster." in text
    html = page.get("/validate")
    from tests.conftest import csrf_from

    resp = page.c.post("/validate", data={"csrf_token": csrf_from(html.get_data(as_text=True)),
                                          "file": (io.BytesIO(pdf), "l.pdf")}, content_type="multipart/form-data")
    assert resp.status_code == 200 and 'data-intact="true" data-trusted="true"' in resp.get_data(as_text=True)


def test_approval_through_the_api_names_the_missing_elements(signed_app, client, token_for, ids):
    case = letter_case(ids["holder_a"], with_infringer=False)
    db.session.commit()
    legal = token_for("legal")
    doc_id = client.post(f"/api/v1/cases/{case.id}/documents", json={"kind": "cease_desist", "lang": "en"},
                         headers=legal).json["id"]
    resp = client.post(f"/api/v1/documents/{doc_id}/approve", headers=legal)
    assert resp.status_code == 409
    assert resp.json["error"]["details"] == [{"element": "recipient", "label": "Addressee (the infringer)"}]
    assert "recipient" in resp.json["error"]["message"]
    assert client.post(f"/api/v1/cases/{case.id}/documents", json={"kind": "cease_desist"},
                       headers=legal).status_code == 422
    assert client.post(f"/api/v1/cases/{case.id}/documents", json={"kind": "cease_desist", "lang": "en"},
                       headers=token_for("counsel")).status_code == 403
    assert client.patch(f"/api/v1/documents/{doc_id}", json={"fields": {"recipient.name": "Copy Shop"}},
                        headers=legal).json["missing"] == []


def test_validation_endpoint_errors(signed_app, client, app):
    assert client.post("/api/v1/validate", json={"file": "x"}).status_code == 415
    assert client.post("/api/v1/validate", data={}, content_type="multipart/form-data").status_code == 400
    not_pdf = client.post("/api/v1/validate", data={"file": (io.BytesIO(b"PK\x03\x04zip"), "a.pdf")},
                          content_type="multipart/form-data")
    assert not_pdf.status_code == 415 and not_pdf.json["error"]["message"]
    broken = client.post("/api/v1/validate", data={"file": (io.BytesIO(b"%PDF-1.7\nnot really"), "a.pdf")},
                         content_type="multipart/form-data")
    assert broken.status_code == 422
    app.config["VALIDATE_MAX_BYTES"] = 1000
    try:
        big = client.post("/api/v1/validate", data={"file": (io.BytesIO(b"%PDF-1.7\n" + b"0" * 2000), "a.pdf")},
                          content_type="multipart/form-data")
        assert big.status_code == 413
    finally:
        app.config.pop("VALIDATE_MAX_BYTES")


def test_a_tampered_letter_is_reported_broken(signed_app, ids, dev_trust):
    case = letter_case(ids["holder_a"])
    doc = docs.create_document(case, "cease_desist", "en", actor=system(), now=NOW)
    docs.approve(doc, actor=system(), now=NOW)
    docs.sign(doc, actor=system(), now=NOW)
    pdf = bytearray(docs.pdf_bytes(doc))
    at = pdf.index(b"/Producer")
    pdf[at + 1] = ord("Q")
    (sig,) = validate_pdf(bytes(pdf), dev_trust).signatures
    assert not sig.intact


def test_a_creator_gets_a_signed_deposit_certificate_of_their_work(signed_app, client, login_as, token_for, ids,
                                                                    dev_trust, tmp_path):
    work = make_work(ids["holder_a"], title="Harbour at dawn")
    db.session.commit()
    resp = client.post(f"/api/v1/works/{work.id}/certificates", json={"lang": "zh"}, headers=token_for("creator"))
    assert resp.status_code == 201, resp.json
    assert resp.json["kind"] == "deposit_certificate" and resp.json["status"] == "signed"
    assert client.post(f"/api/v1/works/{work.id}/certificates", json={}, headers=token_for("creator2")).status_code == 404
    page = login_as("creator")
    html = page.get(f"/works/{work.id}").get_data(as_text=True)
    assert resp.json["file_number"] in html
    pdf = page.get(f"/documents/{resp.json['id']}/pdf").data
    assert_valid_signed_pdf(pdf, dev_trust, tmp_path, cited=[work.files[0].sha256])
    assert login_as("creator2").get(f"/documents/{resp.json['id']}/pdf").status_code == 404
    # The issue button on the work's page works too.
    assert page.post(f"/works/{work.id}/certificates", data={"lang": "en"}).status_code == 302
    assert len(docs.certificates_of(work)) == 2


def test_a_signed_chinese_notice_cites_the_certificate_and_evidence(signed_app, ids, dev_trust, tmp_path):
    case = letter_case(ids["holder_a"])
    (work,) = case_works = __import__("casework.services.cases", fromlist=["works_of"]).works_of(case)
    cert = docs.issue_deposit_certificate(work, lang="zh", actor=system(), now=NOW)
    digest = "e" * 64

    def source(c):
        return [{"title": "商品页取证", "kind": "capture", "url": "https://copyshop.example/item/42",
                 "captured_at": NOW.isoformat(), "sha256": digest, "deposit_index": 3, "exhibit_no": 1}]

    docs.register_evidence_source(source)
    try:
        notice = docs.create_document(case, "takedown_notice_cn", "zh", actor=system(), now=NOW)
        assert docs.missing(notice) == []
        docs.approve(notice, actor=system(), now=NOW)
        docs.sign(notice, actor=system(), now=NOW)
        catalogue = docs.sign_evidence_catalogue(case, lang="zh", actor=system(), now=NOW)
    finally:
        doc_context._EVIDENCE_SOURCES.remove(source)
    assert catalogue.status == "signed" and catalogue.kind == "evidence_catalogue"
    assert_valid_signed_pdf(docs.pdf_bytes(notice), dev_trust, tmp_path,
                            cited=[cert.sha256, digest, work.files[0].sha256])
    assert_valid_signed_pdf(docs.pdf_bytes(catalogue), dev_trust, tmp_path, cited=[digest])
    assert len(case_works) == 1


def test_bulk_signs_each_case_and_lists_each_failure(signed_app, ids, people):
    from casework.services.actor import Actor

    good = [letter_case(ids["holder_a"], title=f"Bulk good {n}") for n in range(3)]
    bad = letter_case(ids["holder_a"], title="Bulk without infringer", with_infringer=False)
    ids_in_order = [good[0].id, bad.id, good[1].id, 987654, good[2].id]
    task = docs.start_bulk(ids_in_order, "cease_desist", "en", actor=Actor.for_user(people["legal"]), now=NOW)
    db.session.commit()
    tasks.run_pending_tasks(NOW)
    db.session.expire_all()
    task = db.session.get(Task, task.id)
    assert task.status == "done", task.error
    result = task.result
    assert result["total"] == 5 and result["signed"] == 3
    assert result["failed"] == [{"case_id": bad.id, "reason": "missing: recipient"},
                                {"case_id": 987654, "reason": "no such case"}]
    signed = db.session.scalars(select(Document).where(Document.case_id.in_([c.id for c in good]))).all()
    assert len(signed) == 3 and all(d.status == "signed" and d.approved_by_id == ids["legal"] for d in signed)
    assert db.session.scalar(select(Document).where(Document.case_id == bad.id)) is None  # nothing half-made


def test_bulk_refuses_a_starter_who_may_not_approve(signed_app, ids, people):
    from casework.services.actor import Actor

    case = letter_case(ids["holder_a"])
    task = docs.start_bulk([case.id], "cease_desist", "en", actor=Actor.for_user(people["counsel"]), now=NOW)
    db.session.commit()
    tasks.run_pending_tasks(NOW)
    db.session.expire_all()
    task = db.session.get(Task, task.id)
    assert task.status != "done" and "may no longer approve" in task.error
    with pytest.raises(docs.DocumentError):
        docs.start_bulk([], "cease_desist", "en", actor=system(), now=NOW)


def test_bulk_signs_in_worker_processes(signed_app, ids, people, dev_trust, monkeypatch):
    from casework.services.actor import Actor
    from casework.services.documents import pool

    monkeypatch.setattr(pool, "POOL_THRESHOLD", 2)
    signed_app.config["DOCUMENT_BULK_WORKERS"] = 2
    try:
        good = [letter_case(ids["holder_a"], title=f"Pool good {n}") for n in range(3)]
        bad = letter_case(ids["holder_a"], title="Pool without infringer", with_infringer=False)
        task = docs.start_bulk([good[0].id, bad.id, good[1].id, good[2].id], "cease_desist", "zh",
                               actor=Actor.for_user(people["legal"]), now=NOW)
        db.session.commit()
        tasks.run_pending_tasks(NOW)
    finally:
        signed_app.config.pop("DOCUMENT_BULK_WORKERS")
    db.session.expire_all()
    task = db.session.get(Task, task.id)
    assert task.status == "done", task.error
    assert task.result["workers"] == 2 and task.result["signed"] == 3
    assert task.result["failed"] == [{"case_id": bad.id, "reason": "missing: recipient"}]
    for doc_id in task.result["documents"]:
        doc = db.session.get(Document, doc_id)
        pdf = docs.pdf_bytes(doc)
        (sig,) = validate_pdf(pdf, dev_trust).signatures
        assert sig.intact and sig.trusted and sig.covers_whole_document
        assert db.session.get(Deposit, doc.deposit_index).sha256 == doc.sha256
