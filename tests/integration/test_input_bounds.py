"""Numbers too large for the database (ids in paths and bodies, page numbers) are a clear 4xx, never a 500."""
from __future__ import annotations

import io

import pytest

from casework.extensions import db
from tests.case_factories import case_at, make_work

HUGE = 2**63  # one past the largest 64-bit integer: SQLite cannot even bind it
PAST_INT4 = 2**31  # one past the largest id column value: PostgreSQL refuses to compare an id with it


@pytest.fixture
def case(ids, people):
    made = case_at("review", [make_work(ids["holder_a"], "Poster A")], counsel=people["counsel"])
    db.session.commit()
    return made


@pytest.mark.parametrize("path", [
    f"/api/v1/cases/{HUGE}", f"/api/v1/cases/{HUGE}/documents", f"/api/v1/evidence/{HUGE}",
    f"/api/v1/documents/{10**30}", f"/api/v1/works/{HUGE}",
])
def test_huge_ids_in_api_paths_are_404(client, token_for, path):
    response = client.get(path, headers=token_for("legal"))
    assert response.status_code == 404 and response.is_json


def test_huge_ids_in_api_writes_are_404_and_change_nothing(client, token_for):
    headers = token_for("legal")
    assert client.patch(f"/api/v1/cases/{HUGE}", json={"priority": "high"}, headers=headers).status_code == 404
    assert client.post(f"/api/v1/cases/{HUGE}/captures", json={"url": "https://a.example/"},
                       headers=headers).status_code == 404


def test_huge_ids_in_page_paths_are_404(login_as):
    page = login_as("legal")
    assert page.get(f"/cases/{HUGE}").status_code == 404


@pytest.mark.parametrize("field", ["owner", "counsel"])
def test_huge_user_id_in_case_patch_is_422_and_nothing_changes(client, token_for, case, people, field):
    response = client.patch(f"/api/v1/cases/{case.id}", json={field: HUGE, "priority": "high"},
                            headers=token_for("legal"))
    assert response.status_code == 422 and response.json["error"]["details"][0]["field"] == field
    body = client.get(f"/api/v1/cases/{case.id}", headers=token_for("legal")).json
    assert body["priority"] != "high" and body["counsel"]["email"] == "counsel@test.example"


def test_huge_integer_nested_in_a_batch_is_422_naming_it(client, token_for):
    response = client.post("/api/v1/detections", json={"detections": [{"work_id": -HUGE, "url": "https://a.example/"}]},
                           headers=token_for("legal"))
    assert response.status_code == 422 and response.json["error"]["details"][0]["field"] == "detections/0/work_id"


@pytest.mark.parametrize("path", ["/api/v1/cases", "/api/v1/cases/{id}/documents", "/api/v1/cases/{id}/evidence"])
def test_huge_page_numbers_are_400(client, token_for, case, path):
    response = client.get(path.format(id=case.id) + "?page=99999999999999999999", headers=token_for("legal"))
    assert response.status_code == 400 and "page" in response.json["error"]["message"]


def test_huge_page_numbers_on_pages_show_an_empty_page(login_as):
    assert login_as("legal").get("/cases?page=99999999999999999999").status_code == 200


@pytest.mark.parametrize("url", [f"/cases?owner={HUGE}", f"/review?work_id={HUGE}&platform_id={HUGE}&age={HUGE}",
                                 f"/licences?work_id={HUGE}"])
def test_huge_numbers_in_page_filters_do_not_break_the_page(login_as, url):
    assert login_as("legal").get(url).status_code == 200


@pytest.mark.parametrize("query", [f"/api/v1/cases?owner={HUGE}", f"/api/v1/detections?work_id={HUGE}",
                                   "/api/v1/detections?platform_id=\u00b2", f"/api/v1/works?rights_holder={HUGE}",
                                   "/api/v1/works?rights_holder=\u00b2", "/api/v1/ledger/consistency?from=\u00b2&to=2",
                                   f"/api/v1/ledger/consistency?from=1&to={HUGE}"])
def test_impossible_numbers_in_api_queries_are_400(client, token_for, query):
    response = client.get(query, headers=token_for("legal"))
    assert response.status_code == 400 and response.is_json


@pytest.mark.parametrize("holder", [str(HUGE), "\u00b2"])
def test_registering_a_work_for_an_impossible_holder_id_is_422_and_stores_nothing(client, token_for, holder):
    from casework.models.works import Work
    from sqlalchemy import func, select

    before = db.session.scalar(select(func.count()).select_from(Work))
    response = client.post("/api/v1/works", data={"title": "T", "kind": "image", "rights_holder": holder,
                                                  "file": (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 64), "a.png")},
                           headers=token_for("legal"), content_type="multipart/form-data")
    assert response.status_code == 422 and response.json["error"]["details"][0]["field"] == "rights_holder"
    assert db.session.scalar(select(func.count()).select_from(Work)) == before


def _raw(client, headers, method, path, body: str):
    return client.open(path, method=method, data=body.encode("utf-8", "surrogatepass"),
                       headers={**headers, "Content-Type": "application/json"})


def test_deeply_nested_json_is_400(client, token_for):
    deep = "[" * 100_000 + "]" * 100_000
    for body in (deep, '{"detections": ' + deep + "}"):
        response = _raw(client, token_for("legal"), "POST", "/api/v1/detections", body)
        assert response.status_code == 400 and "nested" in response.json["error"]["message"]


@pytest.mark.parametrize("text,problem", [("\\u0000abc", "NUL"), ("ab\\ud800c", "surrogate")])
def test_strings_no_database_can_store_are_422_and_nothing_is_written(client, token_for, case, text, problem):
    from casework.models.cases import CaseNote
    from sqlalchemy import func, select

    headers = token_for("legal")
    before = db.session.scalar(select(func.count()).select_from(CaseNote))
    response = _raw(client, headers, "POST", f"/api/v1/cases/{case.id}/notes", '{"text": "' + text + '"}')
    assert response.status_code == 422 and problem in response.json["error"]["details"][0]["message"]
    assert response.json["error"]["details"][0]["field"] == "text"
    assert db.session.scalar(select(func.count()).select_from(CaseNote)) == before
    nested = '{"detections": [{"work_id": 1, "url": "https://a.example/", "infringer": "' + text + '"}]}'
    response = _raw(client, headers, "POST", "/api/v1/detections", nested)
    assert response.status_code == 422 and response.json["error"]["details"][0]["field"] == "detections/0/infringer"
    response = _raw(client, headers, "POST", f"/api/v1/cases/{case.id}/captures", '{"url": "https://a' + text + '.example/"}')
    assert response.status_code == 422


def test_a_key_no_database_can_store_is_422(client, token_for, case):
    response = _raw(client, token_for("legal"), "PATCH", f"/api/v1/cases/{case.id}", '{"\\ud800": 1}')
    assert response.status_code == 422 and "key" in response.json["error"]["details"][0]["message"]


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-01:00", "9999-12-31T23:59:59Z",
                                  "1066-10-14T09:00:00Z"])
def test_court_dates_outside_the_calendar_are_422_and_nothing_is_written(client, token_for, case, when):
    from casework.models.scheduling import Deadline
    from sqlalchemy import func, select

    headers = token_for("legal")
    client.post(f"/api/v1/cases/{case.id}/litigation", json={"court": "Beijing Internet Court"}, headers=headers)
    before = db.session.scalar(select(func.count()).select_from(Deadline))
    hearing = client.post(f"/api/v1/cases/{case.id}/litigation/hearings", json={"at": when, "kind": "trial"},
                          headers=headers)
    deadline = client.post(f"/api/v1/cases/{case.id}/litigation/deadlines",
                           json={"due_at": when, "kind": "court_defence", "title": "Defence"}, headers=headers)
    for response, field in ((hearing, "at"), (deadline, "due_at")):
        assert response.status_code == 422, response.json
        assert response.json["error"]["details"][0]["field"] == field
    assert db.session.scalar(select(func.count()).select_from(Deadline)) == before


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+12:00", "9999-12-31T23:59:59-12:00"])
def test_detection_times_outside_the_calendar_are_422(client, token_for, when):
    response = client.post("/api/v1/detections", json={"detections": [
        {"work_id": 1, "url": "https://a.example/", "detected_at": when}]}, headers=token_for("legal"))
    assert response.status_code == 422 and response.json["error"]["details"][0]["field"] == "detections/0/detected_at"


@pytest.mark.parametrize("path", [f"/api/v1/bundles/{PAST_INT4}", f"/api/v1/cases/{PAST_INT4}",
                                  f"/api/v1/evidence/{PAST_INT4}/custody"])
def test_ids_past_the_id_columns_in_paths_are_404(client, token_for, path):
    response = client.get(path, headers=token_for("legal"))
    assert response.status_code == 404 and response.is_json


def test_a_deposit_index_past_any_ledger_is_404(client):
    assert client.get(f"/api/v1/deposits/{PAST_INT4}").status_code == 404
    assert client.get(f"/api/v1/deposits/{HUGE}").status_code == 404


@pytest.mark.parametrize("value", [PAST_INT4, 3e9, 1e308])
def test_ids_past_the_id_columns_in_bodies_are_422(client, token_for, case, value):
    headers = token_for("legal")
    response = client.patch(f"/api/v1/cases/{case.id}", json={"owner": value}, headers=headers)
    assert response.status_code == 422 and response.json["error"]["details"][0]["field"] == "owner"
    response = client.post("/api/v1/detections", json={"detections": [{"work_id": value, "url": "https://a.example/"}]},
                           headers=headers)
    assert response.status_code == 422


def test_ids_past_the_id_columns_in_queries_are_400(client, token_for):
    response = client.get(f"/api/v1/cases?owner={PAST_INT4}", headers=token_for("legal"))
    assert response.status_code == 400
