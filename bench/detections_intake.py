"""Detection intake through the JSON API: detections per second in batches of 1,000 on SQLite.

    .venv/bin/python bench/detections_intake.py            # --batches N --batch-size N

Builds a fresh SQLite database in a temporary folder (migrated, one legal user with a token, 50
works, 5 platforms, 200 infringers with domain aliases, a licence allow-list), then POSTs batches
to /api/v1/detections through the WSGI app (the whole request path: token check, JSON schema,
validation, duplicate lookup, platform/infringer/licence matching, bulk insert, outbox event,
audit entry, commit). Each batch has fresh URLs plus 5% already-known ones (reported as
duplicates). Prints the per-batch median and the overall rate.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_setup import fresh_app, make_works  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=1000)
    args = parser.parse_args()

    from casework.extensions import db
    from casework.models import User, utcnow
    from casework.services import accounts, monitoring
    from casework.services.actor import Actor

    with tempfile.TemporaryDirectory() as tmp:
        app = fresh_app(f"sqlite:///{tmp}/bench.sqlite3", Path(tmp) / "instance")
        with app.app_context():
            now, actor = utcnow(), Actor.system("bench")
            holder = accounts.create_rights_holder("Bench Holder", "company", actor=actor, now=now)
            user = accounts.create_user("legal@bench.example", "Bench Legal", "legal", "bench-password-1",
                                        actor=actor, now=now)
            _, token = accounts.create_token(user, actor=actor, now=now)
            work_ids = make_works(holder.id, 50)
            for i, name in enumerate(("Bilibili", "Douyin", "Weibo", "YouTube", "Netdisk")):
                monitoring.create_platform(name=name, domains=f"platform{i}.example", actor=actor, now=now)
            for i in range(200):
                monitoring.create_infringer(name=f"Infringer {i}", kind="site", domains=[f"pirate{i}.example"],
                                            actor=actor, now=now)
            monitoring.add_licence(work_ids[0], kind="domain", value="licensee.example", actor=actor, now=now)
            db.session.commit()
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        start = utcnow() - timedelta(days=1)
        timings, created, dupes = [], 0, 0
        known: list[dict] = []
        for b in range(args.batches):
            items = []
            for i in range(args.batch_size):
                n = b * args.batch_size + i
                host = (f"pirate{n % 200}.example" if n % 3 == 0 else f"platform{n % 5}.example" if n % 3 == 1
                        else f"site{n % 997}.example")
                items.append({"work_id": work_ids[n % len(work_ids)], "url": f"https://www.{host}/v/{n}?utm_source=x",
                              "similarity": (n % 100) / 100, "detected_at": (start + timedelta(seconds=n)).isoformat(),
                              "platform": None})
            if known:  # 5% of each batch was reported before
                items[: args.batch_size // 20] = known[: args.batch_size // 20]
            t0 = time.perf_counter()
            resp = client.post("/api/v1/detections", json={"detections": items}, headers=headers)
            timings.append(time.perf_counter() - t0)
            if resp.status_code != 201:
                raise SystemExit(f"batch {b}: HTTP {resp.status_code}: {resp.get_data(as_text=True)[:500]}")
            created += len(resp.json["created"])
            dupes += len(resp.json["duplicates"])
            known = items[args.batch_size // 20:]
        total = sum(timings)
        median = statistics.median(timings)
        print(f"{args.batches} batches of {args.batch_size}: {created} created, {dupes} duplicates reported")
        print(f"median batch {median * 1000:.0f} ms = {args.batch_size / median:,.0f} detections/s; "
              f"overall {args.batches * args.batch_size / total:,.0f} detections/s "
              f"(fastest batch {min(timings) * 1000:.0f} ms, slowest {max(timings) * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
