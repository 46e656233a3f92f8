"""Reports at scale: the report page, its CSV and PDF for a year, all and per platform and infringer,
with 100,000 cases (each with its stage changes on the timeline) and 1,000,000 detections on PostgreSQL.

    .venv/bin/python bench/reports.py      # --cases N --detections N --repeat N --keep

Fills its own database with bench/case_lists.py's data set (see there), then gives every case the
stage changes that brought it to its stage (review -> letter -> takedown -> evidence -> litigation,
closed cases via takedown), a few days apart from its opening, runs VACUUM ANALYZE and times each
request through the app as a legal user: median, 90th percentile and SQL statements per request.
The database is dropped at the end unless --keep.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_setup import fresh_app  # noqa: E402
from case_lists import BASE_URL, NOW, _chunks, fill, measure  # noqa: E402

PATHS = {"closed": ["letter", "takedown", "closed"], "review": [], "letter": ["letter"],
         "takedown": ["letter", "takedown"], "evidence": ["letter", "takedown", "evidence"],
         "litigation": ["letter", "takedown", "evidence", "litigation"]}


def add_stage_changes(app) -> tuple[int, float]:
    from casework.extensions import db
    from casework.models.cases import Case, CaseEvent

    rnd = random.Random(7)
    t0 = time.perf_counter()
    with app.app_context():
        conn = db.session.connection()
        conn.execute(sa.update(CaseEvent.__table__).where(CaseEvent.kind == "opened")
                     .values(at=sa.select(Case.opened_at).where(Case.id == CaseEvent.case_id).scalar_subquery()))
        rows = []
        for case_id, stage, opened in conn.execute(sa.select(Case.id, Case.stage, Case.opened_at)):
            at, previous = opened, "review"
            for to in PATHS[stage]:
                at = at + timedelta(hours=rnd.randrange(6, 24 * 20))
                rows.append({"case_id": case_id, "at": at, "kind": "stage_changed", "actor_label": "bench",
                             "actor_user_id": None, "actor_ref": "system:bench", "from_stage": previous,
                             "to_stage": to, "note": "", "data": {}, "deposit_index": None})
                previous = to
        for chunk in _chunks(rows):
            conn.execute(sa.insert(CaseEvent.__table__), chunk)
        db.session.commit()
    return len(rows), time.perf_counter() - t0


def reused(app) -> dict:
    """What `fill` returns, read back from a kept database."""
    from casework.extensions import db
    from casework.models.monitoring import Platform

    with app.app_context():
        platforms = db.session.scalars(sa.select(Platform.id).order_by(Platform.id)).all()
        db.session.remove()
    return {"legal": "legal0@bench.example", "platform_id": platforms[3]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--detections", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the database (its name is printed)")
    parser.add_argument("--reuse", metavar="NAME", help="measure again on a database kept by --keep")
    args = parser.parse_args()

    name = args.reuse or f"casework_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(BASE_URL, isolation_level="AUTOCOMMIT")
    if not args.reuse:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(BASE_URL).set(database=name).render_as_string(hide_password=False)
    print(f"database {name}")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            app = fresh_app(url, Path(tmp) / "instance")
            if args.reuse:
                info = reused(app)
            else:
                info = fill(app, args.cases, args.detections)
                n_events, seconds = add_stage_changes(app)
                print(f"filled: {args.cases:,} cases, {args.detections:,} detections, {n_events:,} stage changes "
                      f"({info['setup_cases_s'] + info['setup_detections_s'] + seconds:.0f} s)")
            with sa.create_engine(url, isolation_level="AUTOCOMMIT").connect() as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
                infringer = conn.execute(sa.text("SELECT infringer_id FROM \"case\" GROUP BY infringer_id "
                                                 "ORDER BY count(*) DESC LIMIT 1")).scalar()
            start, end = (NOW - timedelta(days=364)).date().isoformat(), NOW.date().isoformat()
            year = f"from={start}&to={end}"
            paths = [f"/reports?{year}", f"/reports?{year}&platform={info['platform_id']}",
                     f"/reports?{year}&infringer={infringer}", f"/reports.csv?{year}",
                     f"/reports?from={(NOW - timedelta(days=29)).date().isoformat()}&to={end}"]
            rows = measure(app, info["legal"], paths, args.repeat)
            rows += measure(app, info["legal"], [f"/reports.pdf?{year}"], max(3, args.repeat // 3))
            print(f"\n{'request (legal)':<58} {'median ms':>10} {'p90 ms':>8} {'SQL':>5} {'KB':>6}")
            for path, median, p90, n_sql, size in rows:
                print(f"{path:<58} {median:>10.1f} {p90:>8.1f} {n_sql:>5} {size / 1024:>6.0f}")
            with app.app_context():
                from casework.extensions import db

                db.session.remove()
                db.engine.dispose()
    finally:
        if not args.keep and not args.reuse:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


if __name__ == "__main__":
    main()
