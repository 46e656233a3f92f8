"""Demo documents: certificates and signed letters on the demo cases, in several states; idempotent."""
from __future__ import annotations

from sqlalchemy import func, select

from casework.extensions import db
from casework.models.documents import Document
from casework.seed import accounts as seed_accounts
from casework.seed import cases as seed_cases
from casework.seed import documents as seed_documents
from tests.case_factories import NOW, make_work
from tests.signing_fixtures import signed_app, signing_pki  # noqa: F401


def test_demo_documents_are_signed_in_several_states_and_idempotent(signed_app, ids):
    seed_accounts.seed(NOW)
    for i in range(4):
        make_work(ids["holder_a"], f"Demo work {i}")
    seed_cases.seed(NOW)
    report = seed_documents.seed(NOW)
    assert "4 deposit certificate(s) and 3 letter(s)" in report[0], report
    states = dict(db.session.execute(select(Document.status, func.count()).where(Document.kind == "cease_desist")
                                     .group_by(Document.status)).all())
    assert states == {"sent": 1, "no_answer": 1, "signed": 1}
    assert db.session.scalar(select(func.count()).select_from(Document).where(Document.sha256.is_(None))) == 0
    before = db.session.scalar(select(func.count()).select_from(Document))
    assert "0 deposit certificate(s) and 0 letter(s)" in seed_documents.seed(NOW)[0]
    assert db.session.scalar(select(func.count()).select_from(Document)) == before


def test_demo_documents_say_when_signing_is_not_set_up(app):
    saved = app.config.get("SIGNING_KEY")
    app.config["SIGNING_KEY"] = ""
    try:
        assert "signing is not set up" in seed_documents.seed(NOW)[0]
    finally:
        app.config["SIGNING_KEY"] = saved
