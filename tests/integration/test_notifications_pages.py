"""Who is told what (creators, counsel, legal), preferences, and the inbox: each user's own only."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import force_locale
from sqlalchemy import select

from casework.extensions import db
from casework.jobs.builtin import deadline_escalations, deadline_reminders
from casework.jobs.notifications import notifications_dispatch
from casework.models.notifications import Notification
from casework.services import cases as case_service
from casework.services import deadlines, notifications
from casework.services.actor import Actor
from casework.workflow import transition
from tests.case_factories import NOW, case_at, make_work, system


def nothing(fraction, message):
    pass


def dispatch(at=NOW):
    db.session.commit()
    return notifications_dispatch(now=at, progress=nothing)


def told(user_id) -> list[tuple[str, str]]:
    return [(n.kind, n.title) for n in db.session.scalars(select(Notification).where(Notification.user_id == user_id)
                                                          .order_by(Notification.id))]


def test_creators_hear_of_stage_changes_on_their_works_only(ids, people):
    mine = case_at("review", [make_work(ids["holder_a"], "Poster")], title="Poster copied")
    theirs = case_at("review", [make_work(ids["holder_b"], "Logo")], title="Logo copied")
    transition(mine, "letter", actor=system(), now=NOW, note="internal: the infringer is a repeat offender")
    transition(theirs, "takedown", actor=system(), now=NOW)
    transition(mine, "closed", actor=system(), now=NOW + timedelta(hours=1), outcome="removed")
    dispatch(NOW + timedelta(hours=2))
    assert [k for k, _t in told(ids["creator"])] == ["case_stage", "case_stage"]
    first, closed = db.session.scalars(select(Notification).where(Notification.user_id == ids["creator"])
                                       .order_by(Notification.id)).all()
    assert "Poster copied" in first.title and "writing to the infringer" in first.title and first.body == ""
    assert "repeat offender" not in first.title + first.body
    assert "closed" in closed.title and closed.body == "The infringing copy was removed."
    assert closed.link == f"/portal/cases/{mine.id}"
    with force_locale("en"):
        assert [t for _k, t in told(ids["creator2"])] == [
            f"Your case “Logo copied”: {notifications.PLAIN_STAGES['takedown']}"]
    for key in ("legal", "counsel", "admin"):
        assert told(ids[key]) == []
    assert dispatch(NOW + timedelta(hours=3)).startswith("0 ")  # each event is handled once


def test_counsel_hear_of_assignment_and_near_deadlines_legal_of_escalations(ids, people, client, token_for):
    case = case_at("evidence", [make_work(ids["holder_a"])], title="Film ripped")
    resp = client.patch(f"/api/v1/cases/{case.id}", json={"counsel": ids["counsel"], "owner": ids["legal2"]},
                        headers=token_for("legal"))
    assert resp.status_code == 200
    deadlines.create(kind="hearing", title="First hearing", due_at=NOW + timedelta(hours=20), case=case,
                     actor=system(), now=NOW)
    deadlines.create(kind="response", title="Platform reply", due_at=NOW - timedelta(hours=2), case=case,
                     actor=system(), now=NOW)
    deadline_reminders(now=NOW, progress=nothing)
    deadline_escalations(now=NOW, progress=nothing)
    dispatch(NOW + timedelta(minutes=1))
    assert [k for k, _t in told(ids["counsel"])] == ["case_assigned", "deadline_soon"]
    assert "Film ripped" in told(ids["counsel"])[0][1] and "First hearing" in told(ids["counsel"])[1][1]
    # legal2 owns the case: assignment, the reminder (as the deadline's owner) and the escalation.
    assert [k for k, _t in told(ids["legal2"])] == ["case_assigned", "deadline_soon", "escalation"]
    assert "Overdue: Platform reply" in told(ids["legal2"])[2][1]
    assert told(ids["legal"]) == [] and told(ids["counsel2"]) == [] and told(ids["creator"]) == []


def test_an_escalation_without_an_owner_goes_to_every_legal_user(ids):
    case = case_at("takedown", [make_work(ids["holder_a"])], title="Unowned")
    deadlines.create(kind="response", title="Platform reply", due_at=NOW - timedelta(hours=1), case=case,
                     actor=system(), now=NOW)
    deadline_escalations(now=NOW, progress=nothing)
    dispatch()
    assert [k for k, _t in told(ids["legal"])] == ["escalation"]
    assert [k for k, _t in told(ids["legal2"])] == ["escalation"]
    assert told(ids["admin"]) == [] and told(ids["counsel"]) == []


def test_preferences_off_and_channels(ids, people):
    creator = people["creator"]
    notifications.set_preference(creator, "case_stage", notifications.Preference("off", True, True),
                                 actor=Actor.system("tests"), now=NOW)
    case = case_at("review", [make_work(ids["holder_a"])])
    transition(case, "letter", actor=system(), now=NOW)
    dispatch()
    assert told(ids["creator"]) == []
    notifications.set_preference(creator, "case_stage", notifications.Preference("immediate", False, True),
                                 actor=Actor.system("tests"), now=NOW)
    transition(case, "takedown", actor=system(), now=NOW + timedelta(minutes=1))
    dispatch(NOW + timedelta(minutes=2))
    row = db.session.scalars(select(Notification).where(Notification.user_id == ids["creator"])).one()
    assert row.mail == "none" and row.next_attempt_at is None and row.in_inbox


def test_the_preferences_page(login_as, ids):
    page = login_as("counsel")
    html = page.get("/account/notifications").get_data(as_text=True)
    assert "A case is assigned to me" in html and "A case on my works changes stage" not in html
    resp = page.post("/account/notifications", data={"case_assigned-delivery": "digest", "case_assigned-email": "y",
                                                     "deadline_soon-delivery": "off"})
    assert resp.status_code == 302
    from casework.models import User

    prefs = notifications.preferences(db.session.get(User, ids["counsel"]))
    assert prefs["case_assigned"] == notifications.Preference("digest", True, False)
    assert prefs["deadline_soon"].delivery == "off"
    bad = page.post("/account/notifications", data={"case_assigned-delivery": "hourly",
                                                    "deadline_soon-delivery": "off"})
    assert bad.status_code == 200 and "Choose how to receive" in bad.get_data(as_text=True)
    assert notifications.preferences(db.session.get(User, ids["counsel"]))["case_assigned"].delivery == "digest"
    assert page.c.post("/account/notifications", data={"case_assigned-delivery": "off"}).status_code == 400  # CSRF
    creator_html = login_as("creator").get("/account/notifications").get_data(as_text=True)
    assert "A case on my works changes stage" in creator_html and "escalation" not in creator_html


def test_the_inbox_badge_mark_read_and_mark_all(login_as, ids):
    for n in range(3):
        case = case_at("review", [make_work(ids["holder_a"])], title=f"Case {n}")
        transition(case, "letter", actor=system(), now=NOW + timedelta(minutes=n))
    dispatch(NOW + timedelta(minutes=5))
    page = login_as("creator")
    html = page.get("/inbox").get_data(as_text=True)
    assert all(f"Case {n}" in html for n in range(3)) and "3 unread" in html
    assert 'class="badge warn" title="3 unread"' in page.get("/works").get_data(as_text=True)  # the nav badge
    rows = db.session.scalars(select(Notification).where(Notification.user_id == ids["creator"])
                              .order_by(Notification.id)).all()
    assert page.post(f"/inbox/{rows[0].id}/read").status_code == 302
    opened = page.get(f"/inbox/{rows[1].id}")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(rows[1].link)
    db.session.expire_all()
    assert rows[0].read_at is not None and rows[1].read_at is not None and rows[2].read_at is None
    assert "1 unread" in page.get("/inbox").get_data(as_text=True)
    assert "Case 0" not in page.get("/inbox?unread=1").get_data(as_text=True)
    assert page.post("/inbox/read-all").status_code == 302
    db.session.expire_all()
    assert rows[2].read_at is not None
    assert 'class="badge warn"' not in page.get("/works").get_data(as_text=True)


def test_nobody_sees_or_marks_another_users_notifications(login_as, ids):
    case = case_at("review", [make_work(ids["holder_a"])], title="Private to creator A")
    transition(case, "letter", actor=system(), now=NOW)
    dispatch()
    row = db.session.scalars(select(Notification).where(Notification.user_id == ids["creator"])).one()
    for key in ("creator2", "counsel", "legal", "admin"):
        page = login_as(key)
        assert "Private to creator A" not in page.get("/inbox").get_data(as_text=True)
        assert page.get(f"/inbox/{row.id}").status_code == 404
        assert page.post(f"/inbox/{row.id}/read").status_code == 404
        page.post("/inbox/read-all")
    db.session.expire_all()
    assert row.read_at is None
    anonymous = login_as("creator").c.application.test_client()
    assert anonymous.get("/inbox").status_code == 302 and "/login" in anonymous.get("/inbox").headers["Location"]


def test_a_case_opened_with_counsel_tells_counsel(ids, people):
    case_service.open_case(title="Opened with counsel", works=[make_work(ids["holder_a"])], counsel=people["counsel"],
                           actor=Actor.for_user(people["legal"]), now=NOW)
    dispatch()
    assert [k for k, _t in told(ids["counsel"])] == ["case_assigned"]
    assert told(ids["legal"]) == []  # nobody is told about what they did themselves


def test_an_event_that_cannot_be_handled_holds_up_nothing_else(ids, monkeypatch):
    from casework.services import events

    first = case_at("review", [make_work(ids["holder_a"])], title="The broken one")
    bad = transition(first, "letter", actor=system(), now=NOW)
    case = case_at("review", [make_work(ids["holder_a"])], title="After the broken one")
    transition(case, "letter", actor=system(), now=NOW)
    recipients = notifications._recipients

    def broken(event):
        if event.case_id == first.id and event.type == "case.stage_changed":
            raise RuntimeError("a bug in a handler")
        return recipients(event)

    monkeypatch.setattr(notifications, "_recipients", broken)
    dispatch()
    assert [t for _k, t in told(ids["creator"])] == [told(ids["creator"])[0][1]]
    assert "After the broken one" in told(ids["creator"])[0][1]
    pending = events.pending(notifications.CONSUMER, types=notifications.EVENT_TYPES)
    assert [e.data["event_id"] for e in pending] == [bad.id]  # left for a fix, not dropped


def test_each_reader_follows_the_link_to_a_page_they_may_see(login_as, ids, people):
    case = case_at("review", [make_work(ids["holder_a"])], title="Linked", counsel=people["counsel"])
    transition(case, "letter", actor=system(), now=NOW)
    dispatch()
    for key in ("creator", "counsel"):
        row = db.session.scalars(select(Notification).where(Notification.user_id == ids[key])).one()
        page = login_as(key)
        followed = page.get(f"/inbox/{row.id}")
        assert followed.status_code == 302 and page.get(followed.headers["Location"]).status_code == 200
