"""Benchmark: web evidence capture of a local test page (WARC + full-page screenshot + metadata).

    .venv/bin/python bench/capture.py                    # 10 cold, 20 warm, 40 across 2 processes
    .venv/bin/python bench/capture.py --cold 10 --warm 30 --parallel 60 --workers 2

Measures, on a loopback site that the capture reaches through the real path (policy check with a
DNS lookup, the guard proxy, Playwright routing, WARC writing with fsync):

- cold: `capture_page()` as a one-off job would call it, Chromium launched and closed each time;
- warm: one `Capturer` reused, a fresh browser context per capture (what a capture worker does);
- parallel: `--workers` processes each with its own Capturer, for captures per hour/day on this
  machine, compared with the 6,000 captures a day we must sustain.

Figures are medians (and p90) of wall-clock seconds per capture; nothing is asserted.
"""
from __future__ import annotations

import argparse
import http.server
import multiprocessing
import os
import socketserver
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from casework.capture import Capturer, CaptureSettings, capture_page  # noqa: E402

TARGET_SECONDS = 3.0
DAILY_NEED = 6000
HOST = "evidence.test"


def _png(width: int, height: int, shade: int) -> bytes:
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (width, height), (shade, 80, 160)).save(out, format="PNG")
    return out.getvalue()


def _page() -> bytes:
    """A page like an infringing episode page: text in Chinese and English, CSS, six images."""
    paragraphs = "".join(f"<p>第{i}段：未经授权传播的作品内容。Paragraph {i} of the infringing copy, "
                         f"with enough text to wrap over several lines of the viewport.</p>" for i in range(40))
    images = "".join(f"<img src='/img/{i}.png' width='300' height='200'>" for i in range(6))
    return (f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>第1集 在线观看</title>"
            f"<link rel='stylesheet' href='/style.css'></head><body><h1>第1集 在线观看</h1>{images}"
            f"{paragraphs}</body></html>").encode("utf-8")


def serve() -> tuple[socketserver.TCPServer, int]:
    files = {"/episode/1": (_page(), "text/html; charset=utf-8"),
             "/style.css": (b"body{font-family:sans-serif;max-width:900px;margin:auto} img{margin:4px}", "text/css")}
    for i in range(6):
        files[f"/img/{i}.png"] = (_png(300, 200, 40 * i), "image/png")

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            body, kind = files.get(self.path, (b"not found", "text/plain"))
            self.send_response(200 if self.path in files else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    class Server(http.server.ThreadingHTTPServer):
        daemon_threads = True

        def server_bind(self) -> None:  # skip HTTPServer's FQDN lookup
            socketserver.TCPServer.server_bind(self)
            self.server_name, self.server_port = "localhost", self.server_address[1]

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def resolve(host: str, port: int) -> list[str]:
    if host != HOST:
        raise OSError(f"{host} is not part of the benchmark")
    return ["127.0.0.1"]


def settings(chromium: str) -> CaptureSettings:
    return CaptureSettings(allowed_networks=("127.0.0.1/32",), resolver=resolve, chromium_path=chromium)


def summary(label: str, times: list[float]) -> str:
    times = sorted(times)
    p90 = times[min(len(times) - 1, int(round(0.9 * (len(times) - 1))))]
    return (f"{label:<40} n={len(times):<3} median {statistics.median(times):.2f} s   p90 {p90:.2f} s   "
            f"min {times[0]:.2f} s   max {times[-1]:.2f} s")


def _worker(args: tuple[str, int, int, str]) -> list[float]:
    url, count, index, chromium = args
    times = []
    with tempfile.TemporaryDirectory() as folder, Capturer(settings(chromium)) as capturer:
        for i in range(count):
            started = time.monotonic()
            capturer.capture(url, Path(folder) / f"w{index}-{i}.warc.gz")
            times.append(time.monotonic() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cold", type=int, default=10, help="captures with a browser launched for each")
    parser.add_argument("--warm", type=int, default=20, help="captures with one reused browser")
    parser.add_argument("--parallel", type=int, default=40, help="captures split across --workers processes")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
    args = parser.parse_args()

    server, port = serve()
    url = f"http://{HOST}:{port}/episode/1"
    print(f"capturing {url} (loopback, through the guard proxy); {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        cold = []
        for i in range(args.cold):
            started = time.monotonic()
            result = capture_page(url, out / f"cold-{i}.warc.gz", settings(args.chromium))
            cold.append(time.monotonic() - started)
        print(f"one capture: {result.size} bytes of WARC, {result.resources} exchanges, "
              f"screenshot {result.metadata['screenshot']['size']} bytes")
        if cold:
            print(summary("cold (capture_page, launch each time)", cold))
        warm = []
        with Capturer(settings(args.chromium)) as capturer:
            capturer.capture(url, out / "warmup.warc.gz")
            for i in range(args.warm):
                started = time.monotonic()
                capturer.capture(url, out / f"warm-{i}.warc.gz")
                warm.append(time.monotonic() - started)
        if warm:
            print(summary("warm (one Capturer, new context each)", warm))
            per_hour = 3600 / statistics.mean(warm)
            print(f"  one worker: {per_hour:,.0f} captures/hour, {per_hour * 24:,.0f}/day "
                  f"({per_hour * 24 / DAILY_NEED:.1f}x the {DAILY_NEED:,} a day needed)")
    if args.parallel and args.workers > 0:
        share = [args.parallel // args.workers + (1 if i < args.parallel % args.workers else 0)
                 for i in range(args.workers)]
        started = time.monotonic()
        with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
            results = pool.map(_worker, [(url, n, i, args.chromium) for i, n in enumerate(share)])
        wall = time.monotonic() - started
        per_hour = 3600 * args.parallel / wall
        print(summary(f"parallel ({args.workers} workers, per capture)", [t for r in results for t in r]))
        print(f"  {args.workers} workers: {args.parallel} captures in {wall:.1f} s wall (browser starts included): "
              f"{per_hour:,.0f} captures/hour, {per_hour * 24:,.0f}/day ({per_hour * 24 / DAILY_NEED:.1f}x)")
    server.shutdown()
    verdict = "meets" if warm and statistics.median(warm) <= TARGET_SECONDS else "check"
    print(f"target: one capture <= {TARGET_SECONDS:g} s median ({verdict})")


if __name__ == "__main__":
    main()
