"""Counsel's workspace, the litigation page and the creator portal with realistic loads, through the app.

    .venv/bin/python bench/litigation_portal.py            # --pg (PostgreSQL at BENCH_PG_URL) --repeat N

Builds a database of its own (SQLite in a temporary folder, or a fresh PostgreSQL database), migrates it
and fills it through the services: 2,000 cases of other people; one counsel with 60 assigned cases in
litigation, each with a record, two hearings, a court deadline and a cost (so every row is a deposited
timeline event); one creator whose rights holder has 300 works and 200 cases with a few timeline rows each.
Then times, logged in through the login form: counsel's /workspace, one /cases/<id>/litigation page and
its case JSON (GET /api/v1/cases/<id>), the creator's /portal and one /portal/cases/<id>. It checks that
each page shows what it must (60 workspace cases, 200 portal cases) and prints medians and 90th
percentiles in milliseconds, and the time to record a hearing through the service (with its deadline
and deposit). The database is dropped afterwards.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_setup import fresh_app, make_works  # noqa: E402

BASE_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PASSWORD = "bench-password-1"
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def _fill(app) -> dict:
    from casework.extensions import db
    from casework.models import utcnow
    from casework.services import accounts
    from casework.services import cases as case_service
    from casework.services import litigation as lit
    from casework.services.actor import Actor

    actor, now = Actor.system("bench"), utcnow()
    with app.app_context():
        holder = accounts.create_rights_holder("Bench holder", "company", actor=actor, now=now)
        other = accounts.create_rights_holder("Other holder", "company", actor=actor, now=now)
        legal = accounts.create_user("legal@bench.example", "Legal", "legal", PASSWORD, actor=actor, now=now)
        counsel = accounts.create_user("counsel@bench.example", "Counsel", "counsel", PASSWORD, actor=actor, now=now)
        other_counsel = accounts.create_user("counsel2@bench.example", "Counsel 2", "counsel", PASSWORD, actor=actor,
                                             now=now)
        accounts.create_user("creator@bench.example", "Creator", "creator", PASSWORD, actor=actor, now=now,
                             rights_holder=holder)
        mine = make_works(holder.id, 300)
        theirs = make_works(other.id, 50)
        for i in range(2000):
            case_service.open_case(title=f"Other case {i}", works=[theirs[i % len(theirs)]], owner=legal,
                                   counsel=other_counsel if i % 2 else None, actor=actor, now=now)
        counsel_cases = []
        for i in range(60):
            case = case_service.open_case(title=f"Counsel case {i}", works=[mine[i]], owner=legal, counsel=counsel,
                                          actor=actor, now=now)
            case.stage = "litigation"  # set-up only: the workflow's own moves are tested elsewhere
            lit.open_record(case, actor=actor, now=now, court="Beijing Internet Court", case_number=f"(2026)京{i}号",
                            claim_amount="100000")
            lit.add_hearing(case, at=now + timedelta(days=10 + i), kind="pretrial", place="Online", actor=actor,
                            now=now)
            lit.add_hearing(case, at=now + timedelta(days=40 + i), kind="trial", place="Courtroom 3", actor=actor,
                            now=now)
            lit.add_deadline(case, kind="court_evidence", title="Evidence due", due_at=now + timedelta(days=5 + i),
                             actor=actor, now=now)
            lit.add_cost(case, kind="court_fee", incurred_on=now.date(), amount="1050", actor=actor, now=now)
            counsel_cases.append(case.id)
        creator_cases = list(counsel_cases)
        for i in range(140):
            case = case_service.open_case(title=f"Creator case {i}", works=[mine[60 + i]], owner=legal, actor=actor,
                                          now=now)
            case_service.add_url(case, f"https://copy{i}.example/work", actor=actor, now=now)
            creator_cases.append(case.id)
        db.session.commit()
        return {"counsel_case": counsel_cases[0], "creator_case": creator_cases[-1], "counsel_cases": counsel_cases}


def _login(app, email: str):
    client = app.test_client()
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    resp = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 302, resp.status_code
    return client


def _time(fn, repeat: int) -> tuple[float, float]:
    fn()  # warm
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    runs.sort()
    return statistics.median(runs), runs[int(len(runs) * 0.9) - 1]


def _token(app, email: str) -> dict:
    from casework.extensions import db
    from casework.models import User, utcnow
    from casework.services import accounts
    from casework.services.actor import Actor

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        _, clear = accounts.create_token(user, actor=Actor.system("bench"), now=utcnow(), scopes=("read", "write"))
        db.session.commit()
    return {"Authorization": f"Bearer {clear}"}


def run(url: str, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = fresh_app(url, Path(tmp) / "instance")
        started = time.perf_counter()
        ids = _fill(app)
        print(f"filled in {time.perf_counter() - started:.1f} s on {url.split(':', 1)[0]}")
        counsel, creator = _login(app, "counsel@bench.example"), _login(app, "creator@bench.example")
        headers = _token(app, "counsel@bench.example")

        def page(client, path, must, count=None):
            def get():
                resp = client.get(path)
                assert resp.status_code == 200, (path, resp.status_code)
                html = resp.get_data(as_text=True)
                assert must in html, (path, must)
                if count is not None:
                    assert html.count(count[0]) == count[1], (path, html.count(count[0]))
            return get

        def case_json():
            resp = counsel.get(f"/api/v1/cases/{ids['counsel_case']}", headers=headers)
            assert resp.status_code == 200 and resp.get_json()["litigation"][0]["hearings"]

        rows = [
            ("counsel /workspace (60 cases)", page(counsel, "/workspace", "Upcoming hearings",
                                                   ('class="card workspace-case"', 60))),
            ("counsel litigation page", page(counsel, f"/cases/{ids['counsel_case']}/litigation", "Courtroom 3")),
            ("counsel GET /api/v1/cases/<id>", case_json),
            ("creator /portal (300 works, 200 cases)", page(creator, "/portal", "Your cases",
                                                            ('class="plain-status"', 200))),
            ("creator /portal/cases/<id>", page(creator, f"/portal/cases/{ids['creator_case']}", "We opened a case")),
        ]
        print(f"{'what':45} {'median ms':>10} {'p90 ms':>8}")
        for label, fn in rows:
            median, p90 = _time(fn, repeat)
            print(f"{label:45} {median:10.1f} {p90:8.1f}")

        from casework.extensions import db
        from casework.models import utcnow
        from casework.models.cases import Case
        from casework.services import litigation as lit
        from casework.services.actor import Actor

        with app.app_context():
            case = db.session.get(Case, ids["counsel_cases"][1])
            runs = []
            for i in range(repeat):
                start = time.perf_counter()
                lit.add_hearing(case, at=utcnow() + timedelta(days=100 + i), kind="other", actor=Actor.system("bench"),
                                now=utcnow())
                db.session.commit()
                runs.append((time.perf_counter() - start) * 1000)
            print(f"{'record a hearing (deadline, event, deposit, commit)':45} {statistics.median(runs):10.1f} "
                  f"{sorted(runs)[int(len(runs) * 0.9) - 1]:8.1f}")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg", action="store_true", help="PostgreSQL at BENCH_PG_URL instead of SQLite")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    if not args.pg:
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{tmp}/bench.sqlite3", args.repeat)
        return
    name = f"bench_lit_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(BASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        run(sa.engine.make_url(BASE_URL).set(database=name).render_as_string(hide_password=False), args.repeat)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


if __name__ == "__main__":
    main()
