"""A NUL character in a query or a plain form is a clear 400 on every database: PostgreSQL refuses it in any
text, so it was a 500 wherever the value was stored or searched for; nothing is stored."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from casework.extensions import db
from casework.models.cases import CaseNote
from tests.case_factories import case_at, make_work


@pytest.fixture
def case(ids, people):
    made = case_at("review", [make_work(ids["holder_a"])], counsel=people["counsel"])
    db.session.commit()
    return made


@pytest.mark.parametrize("url,data", [
    ("/cases/{id}/notes", {"text": "a\x00b"}),
    ("/cases/{id}/litigation/parties", {"name": "Copy\x00Shop", "side": "defendant"}),
    ("/infringers/new", {"name": "x\x00y"}),
])
def test_a_nul_in_a_form_is_a_400_and_nothing_is_stored(login_as, case, url, data):
    before = db.session.scalar(select(func.count()).select_from(CaseNote))
    response = login_as("admin").post(url.format(id=case.id), data=data)
    assert response.status_code == 400 and "NUL" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CaseNote)) == before


@pytest.mark.parametrize("url", ["/cases?q=a%00b", "/works?q=a%00b", "/admin/audit?object_type=%00", "/documents?q=%00"])
def test_a_nul_in_a_page_query_is_a_400(login_as, url):
    response = login_as("admin").get(url)
    assert response.status_code == 400 and "NUL" in response.get_data(as_text=True)


def test_a_nul_in_an_api_query_is_a_json_400(client, token_for):
    response = client.get("/api/v1/works?q=a%00b", headers=token_for("legal"))
    assert response.status_code == 400 and "NUL" in response.json["error"]["message"]


def test_ordinary_forms_still_work(login_as, case):
    response = login_as("legal").post(f"/cases/{case.id}/notes", data={"text": "call the shop on Monday"})
    assert response.status_code == 302


def test_a_nul_in_a_multipart_work_title_is_422_and_nothing_is_stored(client, token_for, ids):
    import io

    from casework.models.works import Work

    before = db.session.scalar(select(func.count()).select_from(Work))
    response = client.post("/api/v1/works", content_type="multipart/form-data", headers=token_for("legal"), data={
        "title": "Poster\x00", "kind": "image", "rights_holder": str(ids["holder_a"]),
        "file": (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 64), "a.png")})
    assert response.status_code == 422 and response.json["error"]["details"][0]["field"] == "title"
    assert db.session.scalar(select(func.count()).select_from(Work)) == before


def test_a_nul_in_an_evidence_upload_title_is_422_and_nothing_is_stored(client, token_for, case):
    import io

    from casework.models.evidence import EvidenceItem
    from tests.unit.capture_helpers import make_png

    before = db.session.scalar(select(func.count()).select_from(EvidenceItem))
    response = client.post(f"/api/v1/cases/{case.id}/evidence", content_type="multipart/form-data",
                           headers=token_for("legal"), data={"kind": "screenshot", "title": "shot\x00",
                                                             "file": (io.BytesIO(make_png(4, 4)), "s.png")})
    assert response.status_code == 422, response.json
    assert db.session.scalar(select(func.count()).select_from(EvidenceItem)) == before
