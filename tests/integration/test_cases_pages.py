"""Case pages: list (filters, scope), detail per role, moves with guard reasons, assignment, notes, deadlines."""
from __future__ import annotations

from datetime import timedelta

import pytest

from casework.case_sections import PAGE_SECTIONS, page_section
from casework.extensions import db
from casework.models.cases import Case
from casework.models.scheduling import Deadline
from casework.services import cases as case_service
from casework.services import deadlines
from tests.case_factories import NOW, case_at, make_work, system


@pytest.fixture
def setup(ids, people):
    work_a = make_work(ids["holder_a"], "Poster A")
    work_b = make_work(ids["holder_b"], "Clip B")
    mine = case_at("review", [work_a], title="Case on A", counsel=people["counsel"], owner=people["legal"])
    case_service.add_note(mine, "internal: low settlement appetite", actor=system(), now=NOW)
    case_service.assign(mine, tags=["film", "repeat"], priority="high", actor=system(), now=NOW)
    other = case_at("letter", [work_b], title="Case on B")
    deadlines.create(kind="response", title="Reply to our letter", due_at=NOW - timedelta(days=2), case=other,
                     actor=system(), now=NOW)
    db.session.commit()
    return {"mine": mine, "other": other}


def test_list_scopes_and_filters(login_as, setup):
    legal = login_as("legal").get("/cases").get_data(as_text=True)
    assert "Case on A" in legal and "Case on B" in legal
    counsel = login_as("counsel").get("/cases").get_data(as_text=True)
    assert "Case on A" in counsel and "Case on B" not in counsel
    creator2 = login_as("creator2").get("/cases").get_data(as_text=True)
    assert "Case on B" in creator2 and "Case on A" not in creator2
    creator = login_as("creator").get("/cases").get_data(as_text=True)
    assert "Case on A" in creator and "Counsel" not in creator  # who represents us is internal
    tagged = login_as("legal").get("/cases?tag=film").get_data(as_text=True)
    assert "Case on A" in tagged and "Case on B" not in tagged
    staged = login_as("legal").get("/cases?stage=letter&priority=normal").get_data(as_text=True)
    assert "Case on B" in staged and "Case on A" not in staged
    assert login_as("legal").get("/cases?stage=bogus&page=x").status_code == 200


def test_detail_shows_notes_only_to_staff(login_as, setup):
    url = f"/cases/{setup['mine'].id}"
    legal = login_as("legal").get(url).get_data(as_text=True)
    assert "low settlement appetite" in legal and "Move the case" in legal
    counsel = login_as("counsel").get(url)
    assert counsel.status_code == 200
    text = counsel.get_data(as_text=True)
    assert "low settlement appetite" not in text and "Move the case" not in text and "Internal notes" not in text
    creator = login_as("creator").get(url).get_data(as_text=True)
    assert "low settlement appetite" not in creator and "repeat" not in creator and "Case on A" in creator
    assert login_as("counsel2").get(url).status_code == 404
    assert login_as("creator2").get(url).status_code == 404


def test_the_move_form_lists_refusals_and_moves(login_as, ids, setup):
    case = setup["mine"]
    undeposited = make_work(ids["holder_a"], "Sketch", deposited=False)
    case_service.add_work(case, undeposited, actor=system(), now=NOW)
    db.session.commit()
    client = login_as("legal")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "rights not confirmed" in page and "Sketch" in page
    refused = client.post(f"/cases/{case.id}/move", data={"to": "letter", "note": ""})
    assert refused.status_code == 409 and "rights not confirmed" in refused.get_data(as_text=True)
    no_outcome = client.post(f"/cases/{case.id}/move", data={"to": "closed", "outcome": ""})
    assert no_outcome.status_code == 409 and "needs an outcome" in no_outcome.get_data(as_text=True)
    done = client.post(f"/cases/{case.id}/move", data={"to": "closed", "outcome": "not_pursued", "note": "too small"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).stage == "closed"
    assert login_as("counsel").post(f"/cases/{case.id}/move", data={"to": "closed"}).status_code == 403


def test_assignment_url_note_and_deadline_forms(login_as, ids, setup):
    case = setup["other"]
    client = login_as("legal")
    resp = client.post(f"/cases/{case.id}/assign", data={"owner": ids["legal2"], "counsel": ids["counsel"],
                                                         "priority": "urgent", "tags": "Music, takedown"})
    assert resp.status_code == 302
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.owner_id == ids["legal2"] and case.counsel_id == ids["counsel"] and case.tags == ["music", "takedown"]
    bad_tag = client.post(f"/cases/{case.id}/assign", data={"owner": 0, "counsel": 0, "priority": "low",
                                                            "tags": "no/slashes"})
    assert bad_tag.status_code == 400 and "tag" in bad_tag.get_data(as_text=True)
    assert client.post(f"/cases/{case.id}/urls", data={"url": "nope"}).status_code == 400
    assert client.post(f"/cases/{case.id}/urls", data={"url": "https://new.example/x#frag"}).status_code == 302
    assert client.post(f"/cases/{case.id}/notes", data={"text": "ring them"}).status_code == 302
    assert client.post(f"/cases/{case.id}/deadlines", data={"kind": "follow_up", "title": "Check again",
                                                             "due_at": "2026-07-01T09:00"}).status_code == 302
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "https://new.example/x" in page and "ring them" in page and "Check again" in page
    deadline = db.session.query(Deadline).filter_by(title="Check again").one()
    assert deadline.owner_id == ids["legal2"]  # the case's owner by default
    assert client.post(f"/cases/{case.id}/deadlines/{deadline.id}/done").status_code == 302
    db.session.expire_all()
    assert db.session.get(Deadline, deadline.id).status == "done"
    assert login_as("creator2").post(f"/cases/{case.id}/notes", data={"text": "x"}).status_code == 403


def test_deadlines_page_by_role(login_as, setup):
    assert "Reply to our letter" in login_as("legal").get("/deadlines?show=overdue").get_data(as_text=True)
    assert "Reply to our letter" not in login_as("counsel").get("/deadlines").get_data(as_text=True)
    assert "Reply to our letter" in login_as("creator2").get("/deadlines").get_data(as_text=True)


def test_creators_cannot_probe_internal_fields_with_list_filters(login_as, setup, ids):
    """Tags, priority and owner are internal: a creator's filter on them must not narrow the list (an oracle)."""
    creator = login_as("creator")
    for query in ("tag=film", "tag=no-such-tag", "priority=high", "priority=low", f"owner={ids['legal']}",
                  f"owner={ids['admin']}"):
        assert "Case on A" in creator.get(f"/cases?{query}").get_data(as_text=True), query
    legal = login_as("legal")
    assert "Case on A" not in legal.get("/cases?tag=no-such-tag").get_data(as_text=True)
    assert "Case on A" in legal.get("/cases?tag=film").get_data(as_text=True)


def test_deadlines_page_does_not_name_staff_to_creators(login_as, setup, people, ids):
    people["legal"].name = "Staff Wang Fawu"
    deadlines.create(kind="response", title="Answer due", due_at=NOW + timedelta(days=3), case=setup["other"],
                     owner=people["legal"], actor=system(), now=NOW)
    db.session.commit()
    creator = login_as("creator2").get("/deadlines").get_data(as_text=True)
    assert "Answer due" in creator and "Staff Wang Fawu" not in creator
    assert "Staff Wang Fawu" in login_as("legal").get("/deadlines").get_data(as_text=True)


def test_other_domains_add_page_sections(login_as, setup, app):
    from jinja2 import ChoiceLoader, DictLoader

    original = app.jinja_env.loader
    app.jinja_env.loader = ChoiceLoader([DictLoader({"test/_section.html": "<section id='extra'>{{ section.word }}</section>"}),
                                         app.jinja_env.loader])
    page_section("test/_section.html", order=10,
                 context=lambda case, user: {"word": f"hello {user.role}"} if user.role != "creator" else None)
    try:
        assert "hello counsel" in login_as("counsel").get(f"/cases/{setup['mine'].id}").get_data(as_text=True)
        assert "id='extra'" not in login_as("creator").get(f"/cases/{setup['mine'].id}").get_data(as_text=True)
    finally:
        PAGE_SECTIONS[:] = [s for s in PAGE_SECTIONS if s.template != "test/_section.html"]
        app.jinja_env.loader = original


def test_open_a_case_by_hand(login_as, ids):
    work = make_work(ids["holder_a"], "Manual")
    db.session.commit()
    client = login_as("legal")
    assert client.post("/cases/new", data={"title": "Manual case", "work_id": 999999, "url": "https://m.example/",
                                           "priority": "normal"}).status_code == 400
    resp = client.post("/cases/new", data={"title": "Manual case", "work_id": work.id, "url": "https://m.example/",
                                           "priority": "normal"})
    assert resp.status_code == 302
    assert login_as("counsel").get("/cases/new").status_code == 403
