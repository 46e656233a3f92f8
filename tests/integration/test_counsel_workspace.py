"""Outside counsel: their workspace lists only the cases assigned to them; every other case is a 404 on pages
and API; internal notes never reach them in HTML or JSON."""
from __future__ import annotations

from datetime import timedelta

from casework.extensions import db
from casework.models import utcnow
from casework.services import cases as case_service
from casework.services import deadlines as deadline_service
from casework.services import litigation as lit
from casework.services.actor import Actor
from tests.case_factories import NOW, case_at, make_work

ACTOR = Actor.system("tests")
NOTE = "INTERNAL-ONLY: the client accepts 10k"


def _cases(ids, people):
    work = make_work(ids["holder_a"], "Counsel work")
    mine = case_at("litigation", [work], title="Mine: assigned to counsel", counsel=people["counsel"],
                   owner=people["legal"])
    theirs = case_at("litigation", [work], title="Theirs: assigned to counsel2", counsel=people["counsel2"],
                     owner=people["legal"])
    nobody = case_at("evidence", [work], title="Unassigned case", owner=people["legal"])
    for case in (mine, theirs, nobody):
        case_service.add_note(case, NOTE, actor=ACTOR, now=NOW)
    far = utcnow() + timedelta(days=400)  # upcoming whenever the test runs
    lit.add_hearing(mine, at=far, kind="trial", place="Courtroom MINE", actor=ACTOR, now=NOW)
    lit.add_hearing(theirs, at=far, kind="trial", place="Courtroom THEIRS", actor=ACTOR, now=NOW)
    deadline_service.create(kind="follow_up", title="Mine deadline", due_at=far, case=mine, actor=ACTOR, now=NOW)
    deadline_service.create(kind="follow_up", title="Theirs deadline", due_at=far, case=theirs, actor=ACTOR, now=NOW)
    db.session.commit()
    return mine, theirs, nobody


def test_counsel_lands_on_the_workspace_with_only_their_cases(login_as, ids, people):
    mine, theirs, nobody = _cases(ids, people)
    page = login_as("counsel")
    assert page.get("/").headers["Location"].endswith("/workspace")
    html = page.get("/workspace").get_data(as_text=True)
    assert "Mine: assigned to counsel" in html and "Courtroom MINE" in html and "Mine deadline" in html
    assert f"/cases/{mine.id}/litigation" in html
    for other in ("Theirs: assigned to counsel2", "Courtroom THEIRS", "Theirs deadline", "Unassigned case", NOTE):
        assert other not in html


def test_other_cases_are_404_on_pages_and_api(login_as, client, token_for, ids, people):
    mine, theirs, nobody = _cases(ids, people)
    page = login_as("counsel")
    headers = token_for("counsel")
    for case in (theirs, nobody):
        for path in (f"/cases/{case.id}", f"/cases/{case.id}/litigation"):
            assert page.get(path).status_code == 404, path
        for path in (f"/api/v1/cases/{case.id}", f"/api/v1/cases/{case.id}/litigation",
                     f"/api/v1/cases/{case.id}/litigation/hearings"):
            assert client.get(path, headers=headers).status_code == 404, path
    listed = client.get("/api/v1/cases", headers=headers).get_json()
    assert [c["id"] for c in listed["items"]] == [mine.id]
    assert "Theirs" not in page.get("/cases").get_data(as_text=True)


def test_no_internal_notes_for_counsel_in_html_or_json(login_as, client, token_for, ids, people):
    mine, _, _ = _cases(ids, people)
    html = login_as("counsel").get(f"/cases/{mine.id}").get_data(as_text=True)
    assert "Mine: assigned to counsel" in html and NOTE not in html and 'id="notes"' not in html
    body = client.get(f"/api/v1/cases/{mine.id}", headers=token_for("counsel")).get_json()
    assert "notes" not in body and NOTE not in str(body)
    # legal does see it: the note exists, it is only withheld.
    assert NOTE in login_as("legal").get(f"/cases/{mine.id}").get_data(as_text=True)


def test_counsel_workspace_is_counsels_only(login_as):
    for role in ("legal", "creator", "admin"):
        assert login_as(role).get("/workspace").status_code == 403
