"""Documents through the services: drafting from a case, the completeness gate, edits, sending
states and deadlines, template versions. Signing itself is in test_documents_signing.py."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from casework.documents import TemplateSourceError, template_source
from casework.extensions import db
from casework.models.documents import Document, DocumentTemplate
from casework.models.scheduling import Deadline
from casework.services import documents as docs
from casework.services import monitoring
from casework.services.cases import add_url
from tests.case_factories import NOW, case_at, make_work, system


def letter_case(holder_id: int, *, with_infringer: bool = True, title: str = "Poster copied"):
    """A case ready for a complete cease-and-desist letter: a deposited work, an infringer, a URL."""
    work = make_work(holder_id, title=f"{title} work")
    infringer = None
    if with_infringer:
        infringer = monitoring.create_infringer(name=f"Copy Shop {title}", kind="company", actor=system(), now=NOW,
                                                contacts="legal@copyshop.example", address="9 Copy Lane, Shenzhen")
    case = case_at("letter", [work], title=title, infringer=infringer)
    add_url(case, "https://copyshop.example/item/42", actor=system(), now=NOW)
    return case


def test_a_draft_takes_the_case_data_and_is_complete(app, ids):
    case = letter_case(ids["holder_a"])
    doc = docs.create_document(case, "cease_desist", "en", actor=system(), now=NOW)
    assert doc.status == "draft" and doc.file_number.startswith("YD-LTR-2026-")
    ctx = docs.context_of(doc)
    assert ctx["recipient"] == {"name": "Copy Shop Poster copied", "address": "9 Copy Lane, Shenzhen",
                                "email": "legal@copyshop.example"}
    assert ctx["infringing"][0]["url"] == "https://copyshop.example/item/42"
    (work,) = ctx["works"]
    assert work["files"][0]["deposit_index"] is not None and len(work["files"][0]["sha256"]) == 64
    assert ctx["client"]["name"] == "Holder A (甲)"
    assert ctx["verification_url"] == f"http://localhost/verify/documents/{doc.public_id}"
    assert docs.missing(doc) == []
    docs.approve(doc, actor=system(), now=NOW)
    assert doc.status == "approved" and doc.approved_at == NOW


def test_a_missing_element_blocks_approval_and_is_named(app, ids):
    case = letter_case(ids["holder_a"], with_infringer=False)
    doc = docs.create_document(case, "cease_desist", "zh", actor=system(), now=NOW, fields={"demands": "  \n"})
    assert set(docs.missing(doc)) == {"recipient", "demands"}
    with pytest.raises(docs.MissingElements) as refused:
        docs.approve(doc, actor=system(), now=NOW)
    assert set(refused.value.missing) == {"recipient", "demands"}
    assert "致函对象" in refused.value.labels and "要求" in refused.value.labels
    assert doc.status == "draft"
    docs.update_fields(doc, {"recipient.name": "某侵权公司", "demands": "立即停止侵权。\n书面回复。"},
                       actor=system(), now=NOW)
    assert docs.missing(doc) == []
    assert docs.context_of(doc)["demands"] == ["立即停止侵权。", "书面回复。"]
    docs.approve(doc, actor=system(), now=NOW)
    with pytest.raises(docs.DocumentStateError):
        docs.update_fields(doc, {"facts": "later"}, actor=system(), now=NOW)


def test_bad_fields_are_refused_by_name(app, ids):
    case = letter_case(ids["holder_a"])
    doc = docs.create_document(case, "cease_desist", "en", actor=system(), now=NOW)
    for fields, name in (({"password": "x"}, "password"), ({"deadline": "next week"}, "deadline"),
                         ({"facts": 12}, "facts"), ({"mandate": "x" * 6000}, "mandate")):
        with pytest.raises(docs.DocumentError) as refused:
            docs.update_fields(doc, fields, actor=system(), now=NOW)
        assert refused.value.field == name
    with pytest.raises(docs.DocumentError):
        docs.create_document(case, "deposit_certificate", "en", actor=system(), now=NOW)
    with pytest.raises(docs.DocumentError):
        docs.create_document(case, "cease_desist", "fr", actor=system(), now=NOW)


def test_a_deadline_before_the_issue_date_is_missing(app, ids):
    case = letter_case(ids["holder_a"])
    doc = docs.create_document(case, "cease_desist", "en", actor=system(), now=NOW,
                               fields={"deadline": (NOW - timedelta(days=1)).date().isoformat()})
    assert docs.missing(doc) == ["deadline"]


def test_evidence_sources_feed_the_catalogue(app, ids):
    case = letter_case(ids["holder_a"])
    digest = "ab" * 32

    def source(c):
        if c.id != case.id:
            return []
        return [{"title": "Capture of the shop page", "kind": "capture", "url": "https://copyshop.example/item/42",
                 "captured_at": NOW.isoformat(), "sha256": digest, "deposit_index": 7, "exhibit_no": 1}]

    docs.register_evidence_source(source)
    try:
        doc = docs.create_document(case, "evidence_catalogue", "en", actor=system(), now=NOW)
        ctx = docs.context_of(doc)
        assert ctx["evidence"][0]["sha256"] == digest and ctx["evidence"][0]["deposit_index"] == 7
        assert docs.missing(doc) == []
        letter = docs.create_document(case, "cease_desist", "en", actor=system(), now=NOW)
        assert docs.context_of(letter)["evidence"][0]["source"] == "https://copyshop.example/item/42"
    finally:
        from casework.services.documents import context

        context._EVIDENCE_SOURCES.remove(source)


def _signed(doc, now=NOW):
    """Mark a document signed without the signer (the sending rules do not depend on the PDF)."""
    doc.status, doc.approved_at, doc.signed_at = "signed", now, now
    doc.sha256, doc.size, doc.deposit_index = "cd" * 32, 10, 1
    db.session.flush()
    return doc


def test_sending_needs_a_signed_document_and_opens_a_response_deadline(app, ids):
    case = letter_case(ids["holder_a"])
    doc = docs.create_document(case, "cease_desist", "en", actor=system(), now=NOW)
    with pytest.raises(docs.DocumentStateError):
        docs.record_sending(doc, channel="post", recipient="Copy Shop, 9 Copy Lane", actor=system(), now=NOW)
    _signed(doc)
    with pytest.raises(docs.DocumentError):
        docs.record_sending(doc, channel="pigeon", recipient="x", actor=system(), now=NOW)
    with pytest.raises(docs.DocumentError):
        docs.record_sending(doc, channel="email", recipient="not an address", actor=system(), now=NOW)
    sending = docs.record_sending(doc, channel="post", recipient="Copy Shop, 9 Copy Lane", actor=system(), now=NOW)
    assert (doc.status, doc.sent_channel, doc.sent_to, doc.sent_at) == ("sent", "post", "Copy Shop, 9 Copy Lane", NOW)
    assert sending.delivery == "recorded"
    assert doc.response_due_at == NOW + timedelta(days=14)  # the letter's own deadline
    (deadline,) = db.session.scalars(select(Deadline).where(Deadline.source_type == "document",
                                                            Deadline.source_id == str(doc.id)))
    assert deadline.status == "open" and deadline.due_at == doc.response_due_at and deadline.case_id == case.id
    docs.record_answer(doc, note="They removed it and apologised.", actor=system(), now=NOW + timedelta(days=3))
    assert doc.status == "answered" and deadline.status == "done"
    with pytest.raises(docs.DocumentStateError):
        docs.record_no_answer(doc, actor=system(), now=NOW)


def test_no_answer_closes_the_deadline_and_resend_keeps_the_first(app, ids):
    case = letter_case(ids["holder_a"])
    doc = _signed(docs.create_document(case, "cease_desist", "en", actor=system(), now=NOW))
    docs.record_sending(doc, channel="platform_form", recipient="https://copyshop.example/report", actor=system(),
                        now=NOW, response_days=5)
    docs.record_sending(doc, channel="post", recipient="Copy Shop", actor=system(), now=NOW + timedelta(days=1))
    assert doc.sent_channel == "platform_form" and doc.response_due_at == NOW + timedelta(days=5)
    assert len(doc.sendings) == 2
    docs.record_no_answer(doc, actor=system(), now=NOW + timedelta(days=6))
    assert doc.status == "no_answer"
    assert db.session.scalar(select(Deadline.status).where(Deadline.source_id == str(doc.id))) == "done"


def test_templates_are_versioned_and_a_broken_one_is_not_saved(app, ids):
    source = template_source("cease_desist", "en").replace("Cease and Desist Letter", "Letter Before Action")
    row, warnings = docs.save_template("cease_desist", "en", source, actor=system(), now=NOW)
    assert row.version == 1 and row.active and warnings == []
    row2, _ = docs.save_template("cease_desist", "en", source + "\n", actor=system(), now=NOW)
    assert row2.version == 2 and row2.active and not row.active
    broken = ["{% for x in %}", "{{ ''.__class__.__mro__ }}", source.replace("{{ m.deposits_section(deposits, lang) }}", "")]
    for bad in broken:
        with pytest.raises(TemplateSourceError):
            docs.save_template("cease_desist", "en", bad, actor=system(), now=NOW)
    versions = db.session.scalars(select(DocumentTemplate.version).where(DocumentTemplate.kind == "cease_desist")).all()
    assert sorted(versions) == [1, 2]
    case = letter_case(ids["holder_a"])
    doc = docs.create_document(case, "cease_desist", "en", actor=system(), now=NOW)
    assert "Letter Before Action" in docs.preview_html(doc)
    docs.activate_template("cease_desist", "en", 0, actor=system(), now=NOW)
    assert "Cease and Desist Letter" in docs.preview_html(doc)
