"""Document pages: drafting from the case page, the completeness list, edits and preview, who may do
what, bulk selection, template editing, the public verification and validation pages."""
from __future__ import annotations

import io
import re

from sqlalchemy import select

from casework.documents import template_source
from casework.extensions import db
from casework.models.documents import Document, DocumentTemplate
from casework.models.scheduling import Task
from casework.services import documents as docs
from tests.case_factories import NOW, system
from tests.integration.test_documents_lifecycle import _signed, letter_case


def _draft_from_page(page, case, kind="cease_desist", lang="en") -> Document:
    resp = page.post(f"/cases/{case.id}/documents", data={"kind": kind, "lang": lang})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    doc_id = int(re.search(r"/documents/(\d+)", resp.headers["Location"]).group(1))
    return db.session.get(Document, doc_id)


def test_legal_drafts_from_the_case_page_and_sees_what_is_missing(app, login_as, ids):
    case = letter_case(ids["holder_a"], with_infringer=False)
    db.session.commit()
    page = login_as("legal")
    body = page.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="documents"' in body and "Draft from the case" in body
    doc = _draft_from_page(page, case)
    html = page.get(f"/documents/{doc.id}").get_data(as_text=True)
    assert 'data-element="recipient"' in html and "Addressee (the infringer)" in html
    assert re.search(r'id="approve"\s+disabled', html) and re.search(r'id="complete"\s+hidden', html)
    # Approving anyway is refused and says which element is missing.
    resp = page.post(f"/documents/{doc.id}/approve", follow_redirects=True)
    text = resp.get_data(as_text=True)
    assert "required elements are missing" in text and "Addressee (the infringer)" in text
    assert db.session.get(Document, doc.id).status == "draft"
    # Filling the recipient in completes it; approval then passes.
    resp = page.post(f"/documents/{doc.id}/edit", data={"recipient.name": "Copy Shop Ltd", "demands": "Stop.\nReply."})
    assert resp.status_code == 302
    html = page.get(f"/documents/{doc.id}").get_data(as_text=True)
    assert re.search(r'id="complete"\s*>', html) and "Copy Shop Ltd" in html and "data-element=" not in html
    assert page.post(f"/documents/{doc.id}/approve").status_code == 302
    db.session.expire_all()
    assert db.session.get(Document, doc.id).status == "approved"


def test_the_draft_page_checks_unsaved_fields_without_saving(app, login_as, ids):
    case = letter_case(ids["holder_a"], with_infringer=False)
    db.session.commit()
    page = login_as("legal")
    doc = _draft_from_page(page, case)
    resp = page.post(f"/documents/{doc.id}/check", data={"recipient.name": ""})
    assert resp.json == {"missing": [{"element": "recipient", "label": "Addressee (the infringer)"}]}
    assert page.post(f"/documents/{doc.id}/check", data={"recipient.name": "Copy Shop"}).json == {"missing": []}
    bad = page.post(f"/documents/{doc.id}/check", data={"deadline": "soon"})
    assert bad.status_code == 422 and bad.json["error"]["details"] == {"field": "deadline"}
    assert page.c.post(f"/documents/{doc.id}/check", data={"recipient.name": "x"}).status_code == 400  # no CSRF
    db.session.expire_all()
    assert db.session.get(Document, doc.id).fields == {}
    assert login_as("counsel").post(f"/documents/{doc.id}/check", data={}).status_code == 403


def test_bad_field_is_a_form_error_and_nothing_is_saved(app, login_as, ids):
    case = letter_case(ids["holder_a"])
    db.session.commit()
    page = login_as("legal")
    doc = _draft_from_page(page, case)
    resp = page.post(f"/documents/{doc.id}/edit", data={"deadline": "soon", "mandate": "changed mandate"})
    assert resp.status_code == 400
    assert "deadline must be a date" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Document, doc.id).fields == {}


def test_preview_shows_unsaved_fields_in_its_own_sandbox(app, login_as, ids):
    case = letter_case(ids["holder_a"])
    db.session.commit()
    page = login_as("legal")
    doc = _draft_from_page(page, case)
    resp = page.post(f"/documents/{doc.id}/preview", data={"mandate": "for <b>Holder A</b> in this matter"})
    assert resp.status_code == 200
    assert "for &lt;b&gt;Holder A&lt;/b&gt; in this matter" in resp.get_data(as_text=True)
    assert "sandbox" in resp.headers["Content-Security-Policy"] and resp.headers["X-Frame-Options"] == "SAMEORIGIN"
    db.session.expire_all()
    assert db.session.get(Document, doc.id).fields == {}  # a preview stores nothing
    assert "DRAFT" in page.get(f"/documents/{doc.id}/preview").get_data(as_text=True)


def test_who_may_see_and_act(app, login_as, ids, people):
    from casework.services import cases as case_service

    case = letter_case(ids["holder_a"])
    draft = docs.create_document(case, "cease_desist", "en", actor=system(), now=NOW)
    signed = _signed(docs.create_document(case, "cease_desist", "zh", actor=system(), now=NOW))
    case_service.assign(case, counsel=people["counsel"], actor=system(), now=NOW)
    db.session.commit()
    counsel, other, creator, creator2 = (login_as(k) for k in ("counsel", "counsel2", "creator", "creator2"))
    assert counsel.get(f"/documents/{draft.id}").status_code == 200
    assert counsel.post(f"/documents/{draft.id}/approve").status_code == 403
    assert counsel.post(f"/cases/{case.id}/documents", data={"kind": "cease_desist", "lang": "en"}).status_code == 403
    assert other.get(f"/documents/{draft.id}").status_code == 404
    assert creator.get(f"/documents/{draft.id}").status_code == 404  # drafts are internal
    assert creator.get(f"/documents/{signed.id}").status_code == 200
    assert creator2.get(f"/documents/{signed.id}").status_code == 404
    assert creator.post(f"/documents/{signed.id}/send", data={"channel": "post", "recipient": "x"}).status_code == 403
    listing = login_as("legal").get("/documents").get_data(as_text=True)
    assert draft.file_number in listing and signed.file_number in listing


def test_sending_by_post_and_the_answer_from_the_page(app, login_as, ids):
    case = letter_case(ids["holder_a"])
    doc = _signed(docs.create_document(case, "cease_desist", "en", actor=system(), now=NOW))
    db.session.commit()
    page = login_as("legal")
    resp = page.post(f"/documents/{doc.id}/send", data={"channel": "post", "recipient": "Copy Shop, 9 Copy Lane",
                                                         "response_days": "10"})
    assert resp.status_code == 302
    db.session.expire_all()
    doc = db.session.get(Document, doc.id)
    assert doc.status == "sent" and doc.sent_channel == "post" and (doc.response_due_at - doc.sent_at).days == 10
    page.post(f"/documents/{doc.id}/answer", data={"outcome": "answered", "note": "Removed within a day."})
    db.session.expire_all()
    assert db.session.get(Document, doc.id).status == "answered"


def test_bulk_page_queues_a_task_for_the_selected_cases(app, login_as, ids):
    cases = [letter_case(ids["holder_a"], title=f"Bulk {n}") for n in range(2)]
    db.session.commit()
    page = login_as("legal")
    html = page.get("/documents/bulk").get_data(as_text=True)
    assert all(f'value="{c.id}"' in html for c in cases)
    resp = page.post("/documents/bulk", data={"case": [str(c.id) for c in cases], "kind": "cease_desist", "lang": "zh"})
    assert resp.status_code == 302
    task = db.session.get(Task, int(resp.headers["Location"].rsplit("/", 1)[1]))
    assert task.kind == docs.BULK_TASK and task.params["case_ids"] == [c.id for c in cases]
    assert page.get(resp.headers["Location"]).status_code == 200
    resp = page.post("/documents/bulk", data={"case": ["999999"], "kind": "cease_desist", "lang": "zh"},
                     follow_redirects=True)
    assert "do not exist" in resp.get_data(as_text=True)
    assert login_as("counsel").get("/documents/bulk").status_code == 403


def test_admin_edits_a_template_and_a_broken_one_is_a_form_error(app, login_as):
    page = login_as("admin")
    assert page.get("/documents/templates").status_code == 200
    url = "/documents/templates/cease_desist/zh"
    assert "律师函" in page.get(url).get_data(as_text=True)
    resp = page.post(url, data={"source": "{{ ''.__class__.__mro__ }}"})
    assert resp.status_code == 400 and 'id="template-error"' in resp.get_data(as_text=True)
    assert db.session.scalar(select(DocumentTemplate.id)) is None
    good = template_source("cease_desist", "zh").replace("律师函", "律师函（正式）", 1)
    assert page.post(url, data={"source": good, "note": "title"}).status_code == 302
    (row,) = db.session.scalars(select(DocumentTemplate)).all()
    assert row.version == 1 and row.active and row.note == "title"
    assert login_as("legal").get(url).status_code == 403


def test_verification_page_is_public_for_signed_documents_only(app, client, ids):
    case = letter_case(ids["holder_a"])
    draft = docs.create_document(case, "cease_desist", "en", actor=system(), now=NOW)
    signed = _signed(docs.create_document(case, "cease_desist", "en", actor=system(), now=NOW))
    db.session.commit()
    assert client.get(f"/verify/documents/{draft.public_id}").status_code == 404
    html = client.get(f"/verify/documents/{signed.public_id}").get_data(as_text=True)
    assert signed.sha256 in html and signed.file_number in html and case.title not in html


def test_validation_page_refuses_what_is_not_a_pdf(app, client):
    from tests.conftest import csrf_from

    page = client.get("/validate")
    assert page.status_code == 200
    token = csrf_from(page.get_data(as_text=True))
    resp = client.post("/validate", data={"csrf_token": token, "file": (io.BytesIO(b"hello"), "x.pdf")},
                       content_type="multipart/form-data")
    assert resp.status_code == 415 and "not a PDF" in resp.get_data(as_text=True)
    resp = client.post("/validate", data={"csrf_token": token}, content_type="multipart/form-data")
    assert resp.status_code == 400


def test_taking_the_case_data_again_keeps_the_edits(app, login_as, ids):
    from casework.services.cases import add_url

    case = letter_case(ids["holder_a"])
    db.session.commit()
    page = login_as("legal")
    doc = _draft_from_page(page, case)
    page.post(f"/documents/{doc.id}/edit", data={"mandate": "our own mandate wording"})
    add_url(case, "https://copyshop.example/item/43", actor=system(), now=NOW)
    db.session.commit()
    assert page.post(f"/documents/{doc.id}/refresh").status_code == 302
    db.session.expire_all()
    ctx = docs.context_of(db.session.get(Document, doc.id))
    assert [i["url"] for i in ctx["infringing"]] == ["https://copyshop.example/item/42", "https://copyshop.example/item/43"]
    assert ctx["mandate"] == "our own mandate wording"


def test_creators_do_not_see_who_approved_a_document(app, login_as, ids, people):
    people["legal"].name = "Approver Wang Fawu"
    case = letter_case(ids["holder_a"])
    signed = _signed(docs.create_document(case, "cease_desist", "zh", actor=system(), now=NOW))
    signed.approved_by_id = ids["legal"]
    db.session.commit()
    page = login_as("creator").get(f"/documents/{signed.id}")
    assert page.status_code == 200
    assert "Approver Wang Fawu" not in page.get_data(as_text=True)
    assert "Approver Wang Fawu" in login_as("admin").get(f"/documents/{signed.id}").get_data(as_text=True)


def _oversized_multipart(size: int) -> bytes:
    return (b"--BOUND\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\n"
            b"Content-Type: application/pdf\r\n\r\n%PDF-1.7\n" + b"0" * size + b"\r\n--BOUND--\r\n")


def test_public_validation_refuses_an_oversized_upload_before_reading_it(app, client, monkeypatch):
    """Anyone may post to /validate: a body past VALIDATE_MAX_BYTES must be refused unread, not spooled to disk
    up to the 2 GiB upload limit first."""
    monkeypatch.setitem(app.config, "VALIDATE_MAX_BYTES", 100_000)
    body = _oversized_multipart(3_000_000)
    for path in ("/api/v1/validate", "/validate"):
        stream = io.BytesIO(body)
        resp = client.post(path, input_stream=stream, content_length=len(body),
                           content_type="multipart/form-data; boundary=BOUND")
        assert resp.status_code == 413, (path, resp.status_code)
        assert stream.tell() < 200_000, (path, stream.tell())
    assert client.post("/api/v1/validate", input_stream=io.BytesIO(body), content_length=len(body),
                       content_type="multipart/form-data; boundary=BOUND").json["error"]["code"] == "too_large"
