"""Pages given numbers no row or date can have (ids past 64 bits, Unicode digits, day counts past any
calendar) answer with a form message or an empty filter, never a 500, and store nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from casework.extensions import db
from casework.models.documents import Document
from casework.models.scheduling import Task
from casework.services import cases as case_service
from casework.services import documents as docs
from tests.case_factories import NOW, case_at, make_work, system
from tests.integration.test_documents_lifecycle import _signed, letter_case

HUGE = "9" * 20
PAST_INT4 = str(2**31)
ODD_DIGITS = "\u00b2\u0663"  # str.isdigit() says yes, int() says no


@pytest.fixture
def case(ids, people):
    made = case_at("review", [make_work(ids["holder_a"], "Poster A")], counsel=people["counsel"])
    db.session.commit()
    return made


@pytest.mark.parametrize("value", [HUGE, ODD_DIGITS, PAST_INT4])
def test_adding_a_work_with_an_impossible_id_is_a_form_error(login_as, case, value):
    response = login_as("legal").post(f"/cases/{case.id}/works", data={"work_id": value})
    assert response.status_code in (200, 400, 422)
    db.session.expire_all()
    assert len(case_service.work_ids(case)) == 1


@pytest.mark.parametrize("value", [HUGE, ODD_DIGITS])
def test_new_case_with_an_impossible_work_or_infringer_id_is_a_form_error(login_as, value):
    page = login_as("legal")
    for data in ({"title": "T", "work_id": value}, {"title": "T", "work_id": "1", "infringer": value}):
        assert page.post("/cases/new", data=data).status_code in (200, 400, 422)


@pytest.mark.parametrize("value", [HUGE, ODD_DIGITS, PAST_INT4])
def test_bulk_documents_with_an_impossible_case_id_say_so_and_queue_nothing(login_as, value):
    before = db.session.scalar(select(func.count()).select_from(Task))
    response = login_as("legal").post("/documents/bulk", data={"case": [value], "kind": "cease_desist", "lang": "zh"},
                                      follow_redirects=True)
    assert response.status_code == 200 and "do not exist" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Task)) == before


@pytest.mark.parametrize("value", [HUGE, ODD_DIGITS])
def test_sending_with_an_impossible_response_time_is_refused_and_nothing_is_recorded(login_as, ids, value):
    doc = _signed(docs.create_document(letter_case(ids["holder_a"]), "cease_desist", "en", actor=system(), now=NOW))
    db.session.commit()
    response = login_as("legal").post(f"/documents/{doc.id}/send", data={
        "channel": "post", "recipient": "Copy Shop, 9 Copy Lane", "response_days": value})
    assert response.status_code in (302, 400, 409, 422)
    db.session.expire_all()
    assert db.session.get(Document, doc.id).status == "signed"


@pytest.mark.parametrize("value", [HUGE, ODD_DIGITS])
def test_activating_an_impossible_template_version_is_not_a_500(login_as, value):
    response = login_as("admin").post("/documents/templates/cease_desist/en", data={"activate": value})
    assert response.status_code in (200, 302, 400, 404)


@pytest.mark.parametrize("url", [f"/reports?platform={HUGE}", f"/reports?infringer={ODD_DIGITS}",
                                 f"/admin/audit?days={HUGE}", f"/admin/audit?days={ODD_DIGITS}",
                                 f"/works?holder={HUGE}", f"/works?holder={ODD_DIGITS}", f"/works?holder={PAST_INT4}",
                                 f"/reports?platform={PAST_INT4}", f"/cases?owner={PAST_INT4}"])
def test_impossible_numbers_in_page_filters(login_as, url):
    assert login_as("admin").get(url).status_code in (200, 400)
