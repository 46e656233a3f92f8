"""Factories for the takedown tests: platforms, a case with URLs on them, and takedowns in each state.

`sent_takedown` drafts a notice, approves and signs its document (the development PKI of
tests/signing_fixtures.py: use the `signed_app` fixture) and sends it through the service, so tests
start from a real "sent" row.
"""
from __future__ import annotations

from datetime import timedelta
from itertools import count

from casework.extensions import db
from casework.services import cases as case_service
from casework.services import monitoring
from casework.services import takedowns as service
from tests.case_factories import NOW, case_at, make_work, system

_seq = count(1)


def platform(channel: str = "web_form", fmt: str = "cn", *, domain: str | None = None, address: str | None = None):
    n = next(_seq)
    domain = domain or f"video{n}.example"
    if address is None:
        address = f"notices@{domain}" if channel == "email" else f"https://{domain}/copyright"
    return monitoring.create_platform(actor=system(), now=NOW, name=f"Platform {n} {fmt}", domains=domain,
                                      takedown_channel=channel, channel_address=address, notice_format=fmt)


def case_with_urls(holder_id: int, urls: list[str], *, stage: str = "takedown", counsel=None, owner=None):
    work = make_work(holder_id)
    case = case_at(stage, [work], title=f"Takedown case {next(_seq)}", counsel=counsel, owner=owner)
    for url in urls:
        case_service.add_url(case, url, actor=system(), now=NOW)
    db.session.flush()
    return case


def ready_to_send(td) -> None:
    """Approve the notice (the documents' real completeness gate) and sign it (tests use `signed_app`)."""
    from casework.models.documents import Document
    from casework.services import documents

    doc = db.session.get(Document, td.document_id)
    if doc.status == "draft":
        if documents.missing(doc):  # our own contact details, which the installation's settings give
            ours = {"email": "legal@ours.example", "address": "1 Legal Road, Shanghai", "phone": "+86 21 5555 0000"}
            party = "complainant" if doc.kind == "takedown_notice_us" else "right_holder"
            documents.update_fields(doc, {f"{party}.{k}": v for k, v in ours.items()}, actor=system(), now=NOW)
        documents.approve(doc, actor=system(), now=NOW)
    if doc.status == "approved":
        documents.sign(doc, actor=system(), now=NOW)


def sent_takedown(case, plat, *, at=NOW, reference: str = "REF-1"):
    td = service.create_takedown(case, plat, actor=system(), now=at - timedelta(minutes=5))
    ready_to_send(td)
    service.send(td, actor=system(), now=at, reference=reference)
    return td
