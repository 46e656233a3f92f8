"""Review queue and case list render times with 100,000 cases and 1,000,000 detections on PostgreSQL.

    .venv/bin/python bench/case_lists.py      # --cases N --detections N --repeat N --keep

Creates a database of its own on the server named by BENCH_PG_URL (default: the local server),
migrates it, fills it with Core bulk inserts (users, 2,000 works, 20 platforms, 20,000 infringers,
the cases with their works, URLs, tags and an event each, and the detections: 10% pending,
60% dismissed, 30% confirmed into cases), runs VACUUM ANALYZE, then renders each page through
the app (logged in, the whole request: session, access checks, queries, template) and reports
the median, the 90th percentile and the number of SQL statements per request (no N+1: the count
does not grow with the page size). The database is dropped at the end unless --keep.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_setup import fresh_app  # noqa: E402

BASE_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PASSWORD = "bench-password-1"
NOW = datetime.now(timezone.utc).replace(microsecond=0)
STAGES = ["review", "letter", "takedown", "evidence", "litigation", "closed"]
STAGE_WEIGHTS = [10, 10, 15, 10, 5, 50]
CHUNK = 20_000


def _chunks(rows, size=CHUNK):
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


def fill(app, n_cases: int, n_detections: int) -> dict:
    from casework.extensions import db
    from casework.models import utcnow
    from casework.models.cases import Case, CaseEvent, CaseTag, CaseUrl, case_work
    from casework.models.monitoring import Detection, Infringer, Platform
    from casework.models.works import Work, WorkFile
    from casework.services import accounts
    from casework.services.actor import Actor

    rnd = random.Random(42)
    info: dict = {}
    with app.app_context():
        actor, now = Actor.system("bench"), utcnow()
        holders = [accounts.create_rights_holder(f"Holder {i}", "company", actor=actor, now=now) for i in range(100)]
        legal = [accounts.create_user(f"legal{i}@bench.example", f"Legal {i}", "legal", PASSWORD, actor=actor, now=now)
                 for i in range(10)]
        counsel = [accounts.create_user(f"counsel{i}@bench.example", f"Counsel {i}", "counsel", PASSWORD, actor=actor,
                                        now=now) for i in range(20)]
        creator = accounts.create_user("creator@bench.example", "Creator", "creator", PASSWORD, actor=actor, now=now,
                                       rights_holder=holders[0])
        db.session.commit()
        info.update(legal=legal[0].email, legal_id=legal[0].id, counsel=counsel[0].email, creator=creator.email)
        conn = db.session.connection()
        t0 = time.perf_counter()
        conn.execute(sa.insert(Work.__table__), [
            {"title": f"Work {i}", "kind": "image", "rights_holder_id": holders[i % 100].id, "created_at": now}
            for i in range(2000)])
        work_ids = [r for (r,) in conn.execute(sa.select(Work.id).order_by(Work.id))]
        conn.execute(sa.insert(WorkFile.__table__), [
            {"work_id": w, "name": f"{w}.png", "sha256": hashlib.sha256(str(w).encode()).hexdigest(),
             "size": 1, "media_type": "image/png", "deposit_index": None, "created_at": now} for w in work_ids])
        conn.execute(sa.insert(Platform.__table__), [
            {"name": f"Platform {i}", "domains": [f"platform{i}.example"], "takedown_channel": "email",
             "channel_address": f"ip@platform{i}.example", "notice_format": "cn", "notes": "", "created_at": now,
             "updated_at": now} for i in range(20)])
        platform_ids = [r for (r,) in conn.execute(sa.select(Platform.id))]
        for chunk in _chunks([{"name": f"Infringer {i}", "kind": "site", "contacts": "", "address": "", "notes": "",
                               "created_at": now, "updated_at": now} for i in range(20_000)]):
            conn.execute(sa.insert(Infringer.__table__), chunk)
        infringer_ids = [r for (r,) in conn.execute(sa.select(Infringer.id))]
        legal_ids, counsel_ids = [u.id for u in legal], [u.id for u in counsel]

        cases = []
        for i in range(n_cases):
            stage = rnd.choices(STAGES, STAGE_WEIGHTS)[0]
            opened = NOW - timedelta(minutes=rnd.randrange(3 * 365 * 24 * 60))
            cases.append({"title": f"Case {i}", "stage": stage, "infringer_id": rnd.choice(infringer_ids),
                          "owner_id": rnd.choice(legal_ids), "counsel_id": rnd.choice(counsel_ids) if rnd.random() < 0.3
                          else None, "priority": rnd.choice(["low", "normal", "normal", "high", "urgent"]),
                          "outcome": "removed" if stage == "closed" else None, "opened_at": opened,
                          "stage_changed_at": opened, "closed_at": opened + timedelta(days=30) if stage == "closed"
                          else None, "updated_at": opened, "created_by_id": None})
        for chunk in _chunks(cases):
            conn.execute(sa.insert(Case.__table__), chunk)
        case_ids = [r for (r,) in conn.execute(sa.select(Case.id).order_by(Case.id))]
        open_case_ids = [r for (r,) in conn.execute(sa.select(Case.id).where(Case.stage != "closed"))]
        for chunk in _chunks([{"case_id": c, "work_id": rnd.choice(work_ids)} for c in case_ids]):
            conn.execute(sa.insert(case_work), chunk)
        for chunk in _chunks([{"case_id": c, "tag": f"tag{rnd.randrange(20)}"} for c in case_ids if rnd.random() < 0.3]):
            conn.execute(sa.insert(CaseTag.__table__), chunk)
        urls = []
        for c in case_ids:
            for k in range(rnd.choice((1, 1, 2))):
                url = f"https://site{c % 5000}.example/case/{c}/{k}"
                urls.append({"case_id": c, "url": url, "url_normalized": url,
                             "url_hash": hashlib.sha256(url.encode()).hexdigest(), "host": f"site{c % 5000}.example",
                             "platform_id": rnd.choice(platform_ids) if rnd.random() < 0.5 else None,
                             "status": "active", "first_detected_at": NOW - timedelta(days=400), "added_at": NOW,
                             "last_error": ""})
        for chunk in _chunks(urls):
            conn.execute(sa.insert(CaseUrl.__table__), chunk)
        for chunk in _chunks([{"case_id": c, "at": NOW - timedelta(days=1), "kind": "opened", "actor_label": "bench",
                               "actor_user_id": None, "actor_ref": "system:bench", "from_stage": None,
                               "to_stage": "review", "note": "", "data": {}, "deposit_index": None} for c in case_ids]):
            conn.execute(sa.insert(CaseEvent.__table__), chunk)
        info["setup_cases_s"] = time.perf_counter() - t0

        t1 = time.perf_counter()
        batch = []
        for i in range(n_detections):
            roll = rnd.random()
            status = "pending" if roll < 0.10 else "dismissed" if roll < 0.70 else "confirmed"
            url = f"https://site{i % 50_000}.example/v/{i}"
            detected = NOW - timedelta(minutes=rnd.randrange(3 * 365 * 24 * 60))
            batch.append({"work_id": work_ids[i % len(work_ids)], "url": url, "url_normalized": url,
                          "url_hash": hashlib.sha256(url.encode()).hexdigest(), "host": f"site{i % 50_000}.example",
                          "platform_id": rnd.choice(platform_ids) if rnd.random() < 0.6 else None,
                          "infringer_id": rnd.choice(infringer_ids) if rnd.random() < 0.5 else None,
                          "source": rnd.choice(("api", "api", "api", "csv", "form", "recheck")),
                          "similarity": round(rnd.random(), 3), "detected_at": detected, "created_at": detected,
                          "created_by_id": None, "status": status, "licensed": rnd.random() < 0.02,
                          "licence_note": "", "dismiss_reason": "false_positive" if status == "dismissed" else None,
                          "review_note": "", "reviewed_at": None if status == "pending" else detected,
                          "reviewed_by_id": None,
                          "case_id": rnd.choice(open_case_ids) if status == "confirmed" else None})
            if len(batch) == CHUNK:
                conn.execute(sa.insert(Detection.__table__), batch)
                batch = []
        if batch:
            conn.execute(sa.insert(Detection.__table__), batch)
        db.session.commit()
        info["setup_detections_s"] = time.perf_counter() - t1
        info["platform_id"] = platform_ids[3]
        info["work_id"] = work_ids[7]
    return info


def measure(app, email: str, paths: list[str], repeat: int) -> list[tuple[str, float, float, int, int]]:
    from casework.extensions import db

    client = app.test_client()
    with app.app_context():
        engine = db.engine
    statements = {"n": 0}

    @sa.event.listens_for(engine, "before_cursor_execute")
    def count(*_args, **_kwargs):
        statements["n"] += 1

    page = client.get("/login")
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    resp = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 302, resp.status_code
    out = []
    for path in paths:
        for _ in range(3):
            warm = client.get(path)
            assert warm.status_code == 200, (path, warm.status_code)
        times = []
        for _ in range(repeat):
            statements["n"] = 0
            t0 = time.perf_counter()
            r = client.get(path)
            times.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200
        times.sort()
        out.append((path, statistics.median(times), times[int(len(times) * 0.9) - 1], statements["n"],
                    len(r.get_data())))
    sa.event.remove(engine, "before_cursor_execute", count)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--detections", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the database (its name is printed)")
    args = parser.parse_args()

    name = f"casework_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(BASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(BASE_URL).set(database=name).render_as_string(hide_password=False)
    print(f"database {name}")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            app = fresh_app(url, Path(tmp) / "instance")
            info = fill(app, args.cases, args.detections)
            print(f"filled: {args.cases:,} cases in {info['setup_cases_s']:.0f} s, {args.detections:,} detections in "
                  f"{info['setup_detections_s']:.0f} s")
            with sa.create_engine(url, isolation_level="AUTOCOMMIT").connect() as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
            legal_paths = ["/review", "/review?sort=similarity&dir=desc", f"/review?platform_id={info['platform_id']}",
                           f"/review?work_id={info['work_id']}", "/review?age=30&min_score=0.8", "/review?page=100",
                           "/cases", "/cases?stage=letter", "/cases?open=1&priority=urgent", "/cases?tag=tag3",
                           f"/cases?owner={info['legal_id']}", "/cases?page=500", "/cases?per_page=200", "/dashboard"]
            rows = measure(app, info["legal"], legal_paths, args.repeat)
            rows += [(f"{p} (counsel)", *rest) for p, *rest in measure(app, info["counsel"], ["/cases"], args.repeat)]
            rows += [(f"{p} (creator)", *rest) for p, *rest in measure(app, info["creator"], ["/cases"], args.repeat)]
            print(f"\n{'page':<44} {'median ms':>10} {'p90 ms':>8} {'SQL':>5} {'KB':>6}")
            for path, median, p90, n_sql, size in rows:
                print(f"{path:<44} {median:>10.1f} {p90:>8.1f} {n_sql:>5} {size / 1024:>6.0f}")
            with app.app_context():
                from casework.extensions import db

                db.session.remove()
                db.engine.dispose()
    finally:
        if not args.keep:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


if __name__ == "__main__":
    main()
