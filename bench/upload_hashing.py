"""Upload hashing: a large file through the blob store and through the app's upload path, against
`openssl dgst -sha256` on the same file in the same run.

Run from the repository root:  .venv/bin/python bench/upload_hashing.py [--size-mib 1024] [--runs 3]

Everything runs on files in one temporary folder (same disk as the blob store it creates). Each
measured step runs in its own child process, so its peak RSS (ru_maxrss from wait4) is its own:

1. openssl dgst -sha256 FILE (the reference throughput);
2. the store's streaming SHA-256 (casework.storage.sha256_stream, as verify and uploads use it);
3. DirectoryStorage.stage + commit of FILE (hash while streaming, write, fsync, link into place),
   beside a plain copy + fsync of the same file (no hashing): the disk's own limit;
4. the app's upload path: POST /api/v1/works (multipart, the file streamed by http.client) to
   the app served by werkzeug on 127.0.0.1, timed to the 201; the server's peak RSS (VmHWM).

The page cache is warm for every read (the file is read once first). Medians of --runs.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
MIB = 1 << 20


def child(code: str, *args: str) -> tuple[float, int, str]:
    """Run python code in a child; return (seconds, peak RSS in MiB, stdout).

    Dirty pages of the previous step are written back first (sync, then a pause), so that one
    step's writeback does not slow the next one down."""
    os.sync()
    time.sleep(3)
    start = time.perf_counter()
    proc = subprocess.Popen([PY, "-c", code, *args], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"child failed ({proc.returncode}): {code[:80]}")
    return elapsed, usage.ru_maxrss // 1024, out.strip()


def timed_cmd(cmd: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return time.perf_counter() - start, out


HASH = """
import sys, time
from casework.storage import sha256_stream
with open(sys.argv[1], 'rb') as fh:
    t = time.perf_counter(); digest, size = sha256_stream(fh); t = time.perf_counter() - t
print(digest, size, t)
"""

STAGE = """
import sys, time
from casework.storage import DirectoryStorage
store = DirectoryStorage(sys.argv[2])
with open(sys.argv[1], 'rb') as fh:
    t0 = time.perf_counter(); staged = store.stage(fh); t1 = time.perf_counter(); staged.commit()
    t2 = time.perf_counter()
print(staged.sha256, staged.size, t1 - t0, t2 - t1)
import os; os.unlink(store.path(staged.sha256))
"""

COPY = """
import os, sys, time
t0 = time.perf_counter()
with open(sys.argv[1], 'rb') as src, open(sys.argv[2], 'wb') as dst:
    while chunk := src.read(1 << 20):
        dst.write(chunk)
    dst.flush(); t1 = time.perf_counter(); os.fsync(dst.fileno())
t2 = time.perf_counter()
os.unlink(sys.argv[2])
print(t1 - t0, t2 - t1)
"""

SERVER = """
import sys, logging
from werkzeug.serving import make_server
from casework import create_app
logging.getLogger('werkzeug').setLevel(logging.ERROR)
app = create_app({'SCHEMA_CHECK': False})
server = make_server('127.0.0.1', 0, app, threaded=False)
print(server.server_port, flush=True)
server.serve_forever()
"""

SETUP = """
import logging
from flask_migrate import upgrade
from casework import create_app
from casework.extensions import db
from casework.models import utcnow
from casework.services import accounts
from casework.services.actor import Actor
logging.getLogger('alembic').setLevel(logging.WARNING)
app = create_app({'SCHEMA_CHECK': False})
with app.app_context():
    upgrade(directory='migrations')
    now, actor = utcnow(), Actor.system('bench')
    holder = accounts.create_rights_holder('Bench holder', 'person', actor=actor, now=now)
    user = accounts.create_user('bench@example.test', 'Bench', 'creator', 'bench-password-1', actor=actor, now=now,
                                rights_holder=holder)
    _, clear = accounts.create_token(user, actor=actor, now=now)
    db.session.commit()
print(clear)
"""


def upload(port: int, token: str, path: Path) -> tuple[float, dict]:
    boundary = "----yidun-bench-boundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nBench upload\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nvideo\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{path.name}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    length = len(head) + path.stat().st_size + len(tail)

    def body():
        yield head
        with open(path, "rb") as fh:
            while chunk := fh.read(MIB):
                yield chunk
        yield tail

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    start = time.perf_counter()
    conn.request("POST", "/api/v1/works", body=body(), headers={
        "Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Content-Length": str(length)})
    resp = conn.getresponse()
    data = json.loads(resp.read())
    elapsed = time.perf_counter() - start
    conn.close()
    if resp.status != 201:
        raise SystemExit(f"upload failed: {resp.status} {data}")
    return elapsed, data


def vm_hwm_mib(pid: int) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", text).group(1)) // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    size = args.size_mib * MIB
    tmp = Path(tempfile.mkdtemp(prefix="yidun-upload-bench-"))
    try:
        src = tmp / "upload.bin"
        with open(src, "wb") as fh:
            for _ in range(args.size_mib):
                fh.write(os.urandom(MIB))
        subprocess.run(["cat", str(src)], stdout=subprocess.DEVNULL, check=True)  # warm the page cache
        gib = size / (1 << 30)
        rows = []

        def report(name, seconds, rss=None, note=""):
            rate = gib / seconds
            rows.append((name, seconds, rate, rss, note))
            print(f"{name:<46} {seconds:7.2f} s  {rate:5.2f} GiB/s  {rate / openssl_rate:5.2f}x openssl"
                  + (f"  peak RSS {rss} MiB" if rss is not None else "") + (f"  {note}" if note else ""), flush=True)

        ossl = [timed_cmd(["openssl", "dgst", "-sha256", str(src)]) for _ in range(args.runs)]
        expected = ossl[0][1].strip().rsplit(" ", 1)[-1]
        openssl_rate = gib / statistics.median(t for t, _ in ossl)
        print(f"{args.size_mib} MiB file; medians of {args.runs} runs")
        report("openssl dgst -sha256", statistics.median(t for t, _ in ossl))

        # The steps are interleaved run by run, so that disk writeback after one step's delete
        # falls on every step alike rather than always on the same one.
        hashed, staged, copied = [], [], []
        for _ in range(args.runs):
            hashed.append(child(HASH, str(src)))
            staged.append(child(STAGE, str(src), str(tmp / "blobs")))
            copied.append(child(COPY, str(src), str(tmp / "copy.bin")))
        assert all(out.split()[0] == expected for _, _, out in hashed + staged), "store hash differs from openssl's"
        report("store: sha256_stream (hash only)", statistics.median(float(out.split()[2]) for _, _, out in hashed),
               max(rss for _, rss, _ in hashed))
        rss = max(r for _, r, _ in staged)
        stage = statistics.median(float(out.split()[2]) for _, _, out in staged)
        commit = statistics.median(float(out.split()[3]) for _, _, out in staged)
        report("store: stage (hash + write to its temp file)", stage, rss)
        report("store: stage + commit (+ fsync, link)", stage + commit, rss)
        write = statistics.median(float(out.split()[0]) for _, _, out in copied)
        fsync = statistics.median(float(out.split()[1]) for _, _, out in copied)
        rss = max(r for _, r, _ in copied)
        report("plain copy, no hashing (write)", write, rss)
        report("plain copy, no hashing (write + fsync)", write + fsync, rss)

        env = {**os.environ, "INSTANCE_PATH": str(tmp / "instance"), "DATABASE_URL": "",
               "MAX_UPLOAD_BYTES": str(4 * size), "TMPDIR": str(tmp)}
        token = subprocess.run([PY, "-c", SETUP], cwd=ROOT, env=env, check=True, capture_output=True,
                               text=True).stdout.strip().splitlines()[-1]
        times, hwm = [], 0
        for _ in range(args.runs):
            os.sync()
            time.sleep(1)
            server = subprocess.Popen([PY, "-c", SERVER], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
            try:
                port = int(server.stdout.readline())
                elapsed, data = upload(port, token, src)
                assert data["files"][0]["sha256"] == expected, data
                times.append(elapsed)
                hwm = max(hwm, vm_hwm_mib(server.pid))
            finally:
                server.terminate()
                server.wait()
            shutil.rmtree(tmp / "instance" / "blobs", ignore_errors=True)
        report("app: POST /api/v1/works over loopback (201)", statistics.median(times), hwm,
               "server VmHWM; werkzeug spools the part to TMPDIR, then the store copies it")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
