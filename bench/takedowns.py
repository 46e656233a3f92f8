"""Per-platform takedown figures at scale: response rate, median days to first response and to confirmed
removal, counts per state, for 200,000 takedowns on 20 platforms (PostgreSQL by default, or SQLite).

    .venv/bin/python bench/takedowns.py                 # --takedowns N --repeat N --sqlite --keep

Creates a database of its own (PostgreSQL: on the server named by BENCH_PG_URL, default the local one;
--sqlite: a file in a temporary folder), migrates it, fills it with Core bulk inserts (platforms, cases,
takedown notices in every state with their times drawn at random, a seeded generator), runs ANALYZE,
then times `takedown_figures.figures()` for every platform and for one, and the two pages that show
them (the platforms comparison and one platform's page) through the app, logged in as legal. It
checks the figures against the same numbers computed straight from the generated rows, prints the
figures of the first three platforms, the medians and 90th percentiles, and drops the database
unless --keep.
"""
from __future__ import annotations

import argparse
import os
import random
import re
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
NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)
PLATFORMS = 20
CHUNK = 20_000
# Where a sent notice ends up, with weights: most platforms answer, most answers are removals.
OUTCOMES = [("sent", 10), ("acknowledged", 10), ("removed", 50), ("refused", 12), ("counter_notice", 6),
            ("restored", 4), ("withdrawn", 3)]


def _chunks(rows, size=CHUNK):
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


def _row(rnd: random.Random, case_id: int, platform_id: int) -> dict:
    created = NOW - timedelta(minutes=rnd.randrange(2 * 365 * 24 * 60))
    row = {"case_id": case_id, "platform_id": platform_id, "document_id": None, "format": "cn", "lang": "zh",
           "created_at": created, "created_by_id": None, "updated_at": created, "sent_channel": None,
           "sent_recipient": "", "sent_at": None, "platform_reference": "", "first_response_at": None,
           "acknowledged_at": None, "platform_reported_removed_at": None, "removed_at": None, "refused_at": None,
           "refusal_reason": "", "counter_notice_at": None, "counter_notice_content": "", "restored_at": None,
           "withdrawn_at": None, "withdrawal_reason": ""}
    if rnd.random() < 0.05:
        row["status"] = "draft"
        return row
    status = rnd.choices([o for o, _ in OUTCOMES], [w for _, w in OUTCOMES])[0]
    sent = created + timedelta(hours=1)
    row.update(status=status, sent_at=sent, sent_channel="email", sent_recipient="ip@platform.example")
    speed = 0.5 + (platform_id % 5)  # some platforms are slower than others
    answer = sent + timedelta(hours=rnd.expovariate(1 / (24 * speed)))
    if status == "withdrawn":
        row["withdrawn_at"], row["withdrawal_reason"] = sent + timedelta(days=3), "settled"
        return row
    if status == "sent":
        return row
    row["first_response_at"] = answer
    if status in ("acknowledged", "removed", "counter_notice", "restored"):
        row["acknowledged_at"] = answer
    if status in ("removed", "counter_notice", "restored"):
        row["removed_at"] = answer + timedelta(hours=6 + rnd.expovariate(1 / (36 * speed)))
    if status == "refused":
        row["refused_at"], row["refusal_reason"] = answer, "not infringing"
    if status in ("counter_notice", "restored"):
        row["counter_notice_at"] = row["removed_at"] + timedelta(days=2)
        row["counter_notice_content"] = "counter-notice"
    if status == "restored":
        row["restored_at"] = row["counter_notice_at"] + timedelta(days=12)
    return row


def fill(app, n_takedowns: int) -> dict:
    from casework.extensions import db
    from casework.models import utcnow
    from casework.models.cases import Case
    from casework.models.monitoring import Platform
    from casework.models.takedowns import TakedownNotice
    from casework.services import accounts
    from casework.services.actor import Actor

    rnd = random.Random(42)
    with app.app_context():
        actor, now = Actor.system("bench"), utcnow()
        legal_email = accounts.create_user("legal@bench.example", "Legal", "legal", PASSWORD, actor=actor,
                                           now=now).email
        db.session.commit()
        conn = db.session.connection()
        t0 = time.perf_counter()
        conn.execute(sa.insert(Platform.__table__), [
            {"name": f"Platform {i}", "domains": [f"platform{i}.example"], "takedown_channel": "email",
             "channel_address": f"ip@platform{i}.example", "notice_format": "cn", "notes": "", "created_at": now,
             "updated_at": now} for i in range(PLATFORMS)])
        platform_ids = [r for (r,) in conn.execute(sa.select(Platform.id).order_by(Platform.id))]
        n_cases = max(1, n_takedowns // 4)
        for chunk in _chunks([{"title": f"Case {i}", "stage": "takedown", "priority": "normal", "opened_at": NOW,
                               "stage_changed_at": NOW, "updated_at": NOW} for i in range(n_cases)]):
            conn.execute(sa.insert(Case.__table__), chunk)
        case_ids = [r for (r,) in conn.execute(sa.select(Case.id).order_by(Case.id))]
        rows = [_row(rnd, case_ids[i // 4], platform_ids[rnd.randrange(PLATFORMS)]) for i in range(n_takedowns)]
        for chunk in _chunks(rows):
            conn.execute(sa.insert(TakedownNotice.__table__), chunk)
        db.session.commit()
        setup_s = time.perf_counter() - t0
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql("VACUUM ANALYZE takedown_notice")
        else:
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
    return {"legal": legal_email, "platform_ids": platform_ids, "rows": rows, "setup_s": setup_s}


def expected(rows: list[dict], platform_id: int) -> dict:
    """The figures computed straight from the generated rows, to check the service against."""
    mine = [r for r in rows if r["platform_id"] == platform_id]
    sent = [r for r in mine if r["sent_at"] is not None]
    answered = [(r["first_response_at"] - r["sent_at"]).total_seconds() for r in sent if r["first_response_at"]]
    removed = [(r["removed_at"] - r["sent_at"]).total_seconds() for r in sent if r["removed_at"]]
    return {"sent": len(sent), "response_rate": round(len(answered) / len(sent), 4) if sent else None,
            "median_days_to_first_response": round(statistics.median(answered) / 86400, 2) if answered else None,
            "median_days_to_removal": round(statistics.median(removed) / 86400, 2) if removed else None}


def _timed(fn, repeat: int) -> tuple[float, float]:
    for _ in range(3):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.9) - 1)]


def measure(app, info: dict, repeat: int) -> None:
    from casework.services import takedown_figures

    ids = info["platform_ids"]
    with app.app_context():
        figures = takedown_figures.figures(ids)
        for pid in ids:
            want, got = expected(info["rows"], pid), figures[pid]
            assert got["sent"] == want["sent"] and got["response_rate"] == want["response_rate"], (pid, want, got)
            for key in ("median_days_to_first_response", "median_days_to_removal"):  # 2 decimals, float sums
                assert abs(got[key] - want[key]) <= 0.011, (pid, key, want, got)
        print("check: figures match the generated rows for every platform (medians within 0.01 day)")
        for pid in ids[:3]:
            f = figures[pid]
            print(f"  platform {pid}: sent {f['sent']}, response rate {f['response_rate']:.1%}, median days to first "
                  f"response {f['median_days_to_first_response']}, median days to confirmed removal "
                  f"{f['median_days_to_removal']}, by state {f['by_status']}")
        from casework.extensions import db

        if db.engine.dialect.name == "postgresql":  # which access paths the two queries take
            for sql in ("SELECT platform_id, status, count(*) FROM takedown_notice WHERE platform_id = ANY(%(ids)s) "
                        "GROUP BY platform_id, status",
                        "SELECT platform_id, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM "
                        "removed_at - sent_at)) FROM takedown_notice WHERE platform_id = ANY(%(ids)s) AND sent_at IS "
                        "NOT NULL GROUP BY platform_id"):
                plan = db.session.connection().exec_driver_sql("EXPLAIN " + sql, {"ids": ids}).scalars().all()
                print("plan:", " / ".join(line.strip() for line in plan if "Scan" in line or "Aggregate" in line))
        all_ms = _timed(lambda: takedown_figures.figures(ids), repeat)
        one_ms = _timed(lambda: takedown_figures.figures([ids[3]]), repeat)
    client = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      client.get("/login").get_data(as_text=True)).group(1)
    assert client.post("/login", data={"email": info["legal"], "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302

    def page(path):
        def get():
            resp = client.get(path)
            assert resp.status_code == 200, (path, resp.status_code)
        return get

    compare_ms = _timed(page("/takedowns/platforms"), repeat)
    platform_ms = _timed(page(f"/platforms/{ids[3]}"), repeat)
    print(f"{'what':58} {'median ms':>10} {'p90 ms':>8}")
    for label, (med, p90) in ((f"figures() for all {len(ids)} platforms", all_ms),
                              ("figures() for one platform", one_ms),
                              ("GET /takedowns/platforms (comparison page)", compare_ms),
                              ("GET /platforms/<id> (platform page with figures)", platform_ms)):
        print(f"{label:58} {med:10.1f} {p90:8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--takedowns", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--sqlite", action="store_true", help="use SQLite in a temporary folder")
    parser.add_argument("--keep", action="store_true", help="keep the database (its name is printed)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-takedowns-"))
    admin = None
    if args.sqlite:
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    else:
        name = f"casework_bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(BASE_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = sa.engine.make_url(BASE_URL).set(database=name).render_as_string(hide_password=False)
    print(f"database: {url}")
    try:
        app = fresh_app(url, tmp)
        info = fill(app, args.takedowns)
        print(f"filled {args.takedowns:,} takedowns on {PLATFORMS} platforms in {info['setup_s']:.1f} s")
        measure(app, info, args.repeat)
        with app.app_context():
            from casework.extensions import db

            db.session.remove()
            db.engine.dispose()
    finally:
        if admin is not None and not args.keep:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()


if __name__ == "__main__":
    main()
