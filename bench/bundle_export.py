"""Evidence bundle export: a 1 GiB bundle built by the real task, with the peak RSS of the process doing it.

Run from the repository root:  .venv/bin/python bench/bundle_export.py [--size-mib 1024] [--files 8] [--runs 3]

Set-up (in this process, not measured): a migrated SQLite app in a temporary folder with a
development signing PKI, one case, and --files evidence uploads of random bytes adding up to
--size-mib, each stored and deposited through `services.evidence.add_upload` (streamed).

Each run requests a bundle in this process (`bundles.request_bundle`, which signs the evidence
catalogue, as the web request does) and runs the export task in a child process exactly as the
scheduler would (`tasks.run_pending_tasks`): the ZIP streamed to disk from the blob store, the ZIP
streamed into the blob store (hashed), the deposit and the seal. The child's peak
RSS is its own VmHWM (/proc/self/status, read at its end), imports included: not ru_maxrss from
wait4, which Linux carries over from the forking parent across exec (and this parent, having signed
catalogues, is larger). The child also prints its RSS after start-up (the app and its libraries
loaded) so the export's own share shows. The
first run's bundle is then checked by its own verify.py (unzipped, `python verify.py`).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MIB = 1 << 20

CHILD = r"""
import json, sys, time
from bench.bundle_export import app_for
from casework.models import utcnow
from casework.services import tasks
def rss(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1]) // 1024
app = app_for(sys.argv[1])
with app.app_context():
    from casework.extensions import db
    db.session.execute(db.text("SELECT 1"))
    start_rss = rss("VmRSS")
    started = time.perf_counter()
    done = tasks.run_pending_tasks(utcnow(), limit=1)
    elapsed = time.perf_counter() - started
    from casework.models.evidence import Bundle
    bundle = db.session.get(Bundle, int(sys.argv[2]))
    print(json.dumps({"ran": done, "status": bundle.status, "size": bundle.size, "sha256": bundle.sha256,
                      "seconds": elapsed, "start_rss_mib": start_rss, "peak_rss_mib": rss("VmHWM"),
                      "error": bundle.task.error}))
"""


def app_for(folder: str):
    from casework import create_app
    from signing.devpki import create_dev_pki

    pki = create_dev_pki(Path(folder) / "pki")
    return create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3", "INSTANCE_PATH": folder,
        "SCHEMA_CHECK": False, "TESTING": False, "SIGNING_DEV_DIR": str(pki.directory),
        "SIGNING_KEY": str(pki.signer_key), "SIGNING_CERT": str(pki.signer_cert), "SIGNING_CHAIN": "",
        "SIGNING_KEY_PASSWORD": "", "SIGNING_LEVEL": "B-T", "SIGNING_TSA_URL": "",
        "SIGNING_TRUST_ROOTS": str(pki.root_cert), "SIGNING_CRLS": "", "SIGNING_STAMP_FONT": "",
    })


class RandomStream:
    """`size` pseudo-random bytes (incompressible, like video), produced 1 MiB at a time."""

    def __init__(self, size: int, seed: int):
        self.left, self.block = size, os.urandom(MIB)
        self.counter = seed

    def read(self, n: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        n = MIB if n is None or n < 0 else min(n, MIB)
        n = min(n, self.left)
        self.counter += 1
        chunk = self.counter.to_bytes(8, "little") + self.block[8:n]
        self.left -= n
        return chunk[:n]


def set_up(folder: str, size_mib: int, files: int) -> int:
    from flask_migrate import upgrade

    from casework.extensions import db
    from casework.models import utcnow
    from casework.services import accounts, cases, evidence
    from casework.services.actor import Actor
    from casework.services.works import Upload
    from bench.bench_setup import make_works

    app = app_for(folder)
    app.config["MAX_UPLOAD_BYTES"] = 64 * 1024 * MIB
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        now, actor = utcnow(), Actor.system("bench")
        holder = accounts.create_rights_holder("Bench holder", "company", actor=actor, now=now)
        work_ids = make_works(holder.id, 1)
        from casework.models.works import Work

        case = cases.open_case(title="Bench bundle case", works=[db.session.get(Work, work_ids[0])], actor=actor,
                               now=now)
        per_file = size_mib * MIB // files
        for i in range(files):
            evidence.add_upload(case, kind="recording", actor=actor, now=now, title=f"Recording {i + 1}",
                                upload=Upload(name=f"recording-{i + 1}.mp4", stream=_mp4(per_file, i),
                                              media_type="video/mp4"))
            db.session.commit()
        return case.id


def _mp4(size: int, seed: int):
    """An 'MP4' for the upload's type check: the ftyp box, then random bytes."""
    import io

    head = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
    rest = RandomStream(size - len(head), seed * 1_000_003)

    class Joined(io.RawIOBase):
        def __init__(self):
            self.head = head

        def readable(self):
            return True

        def readinto(self, buffer):
            if self.head:
                n = min(len(buffer), len(self.head))
                buffer[:n], self.head = self.head[:n], self.head[n:]
                return n
            data = rest.read(len(buffer))
            buffer[: len(data)] = data
            return len(data)

    return Joined()


def queue_bundle(folder: str, case_id: int) -> int:
    from casework.extensions import db
    from casework.models import utcnow
    from casework.models.cases import Case
    from casework.services import bundles
    from casework.services.actor import Actor

    app = app_for(folder)
    with app.app_context():
        bundle = bundles.request_bundle(db.session.get(Case, case_id), actor=Actor.system("bench"), now=utcnow())
        db.session.commit()
        return bundle.id


def run_child(folder: str, bundle_id: int) -> tuple[dict, int, float]:
    import json

    os.sync()
    time.sleep(2)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, folder, str(bundle_id)], cwd=ROOT, stdout=subprocess.PIPE,
                            text=True)
    out = proc.stdout.read()
    _, status, _usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"the export child failed: {out}")
    result = json.loads(out.strip().splitlines()[-1])
    return result, result["peak_rss_mib"], wall


def verify_bundle(folder: str, sha256: str) -> str:
    from casework.storage import DirectoryStorage

    store = DirectoryStorage(os.path.join(folder, "blobs"))
    target = Path(folder) / "unzipped"
    with zipfile.ZipFile(store.path(sha256)) as zf:
        zf.extractall(target)
    result = subprocess.run([sys.executable, "verify.py"], cwd=target, capture_output=True, text=True)
    return result.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bundle-bench-", dir=os.environ.get("BENCH_TMP")) as folder:
        started = time.perf_counter()
        case_id = set_up(folder, args.size_mib, args.files)
        print(f"set-up: {args.files} evidence files, {args.size_mib} MiB stored and deposited in "
              f"{time.perf_counter() - started:.1f} s")
        times, peaks, requests = [], [], []
        for run in range(1, args.runs + 1):
            started = time.perf_counter()
            bundle_id = queue_bundle(folder, case_id)
            requests.append(time.perf_counter() - started)
            result, peak, wall = run_child(folder, bundle_id)
            if result["status"] != "sealed":
                raise SystemExit(f"the bundle did not seal: {result}")
            times.append(result["seconds"])
            peaks.append(peak)
            print(f"run {run}: bundle {bundle_id} sealed, {result['size'] / MIB:,.1f} MiB ZIP, export "
                  f"{result['seconds']:.2f} s ({result['size'] / MIB / result['seconds']:,.0f} MiB/s), "
                  f"peak RSS {peak} MiB (after start-up {result['start_rss_mib']} MiB), child wall {wall:.2f} s; "
                  f"request with the catalogue signed {requests[-1]:.2f} s")
            if run == 1:
                print(f"  verify.py on the unzipped bundle: {verify_bundle(folder, result['sha256'])}")
            os.unlink(os.path.join(folder, "blobs", result["sha256"][:2], result["sha256"][2:4], result["sha256"]))
        print(f"median over {args.runs} runs: export {statistics.median(times):.2f} s, "
              f"peak RSS {statistics.median(peaks)} MiB (max {max(peaks)} MiB; target < 200 MB); "
              f"request {statistics.median(requests):.2f} s")


if __name__ == "__main__":
    main()
