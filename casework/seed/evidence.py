"""Demo evidence: web captures, uploaded files and a sealed evidence bundle, clearly labelled as demo.

The captures are real captures through the real path (Chromium, the WARC writer, the blob store, the
ledger), of pages this step serves itself on 127.0.0.1 for the length of the step: stand-ins for
the infringing pages, which the demo cannot reach. Only 127.0.0.1 is allowed, and only for these
captures (the app's ALLOW_PRIVATE_URLS is not touched). The captured address is the local one, as
the WARC says; the title names the page it stands in for. Without Chromium the captures are skipped.

The animation case (in evidence, bound for litigation) gets a sealed bundle, so the litigation step
after this one can take it to court. Idempotent: items are looked up by title first.
"""
from __future__ import annotations

import http.server
import io
import os
import shutil
import tempfile
import threading
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from casework.extensions import db
from casework.models import utcnow
from casework.models.cases import Case
from casework.models.evidence import EvidenceItem
from casework.services import bundles, evidence
from casework.services.actor import Actor
from casework.services.works import Upload

BUNDLED_CASE = "Bilibili uploader re-cuts the animation"
FILM_CASE = "Pirate film site streams Starlight episodes"
DEMO_NOTE = ("DEMO PAGE: served by the demo data step on 127.0.0.1 as a stand-in for {url}. "
             "It is not the real page.")
PAGES = {
    "/video/BV1demo0000": ("https://www.bilibili.com/video/BV1demo0000", "【搬运】动画重剪版 Re-cut of the animation",
                           "资源君 uploaded a re-cut of our animation (demo)."),
    "/watch/starlight-ep0": ("https://pirate-films.demo.test/watch/starlight-ep0", "星光 第0集 在线观看 Starlight ep. 0",
                             "A pirate site streams Starlight episode 0 (demo)."),
}
EMAIL = ("From: admin@pirate-films.demo.test\r\nTo: legal@demo.test\r\nSubject: Re: 律师函 / Cease and desist\r\n"
         "Date: Mon, 02 Nov 2026 09:12:00 +0800\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
         "DEMO E-MAIL. We host what our users upload and will not remove anything.\r\n").encode("utf-8")


def _page(path: str, image: bytes) -> bytes:
    real, title, text = PAGES[path]
    return (f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body><p style='background:#fde68a;padding:8px'><strong>{DEMO_NOTE.format(url=real)}</strong></p>"
            f"<h1>{title}</h1><p>{text}</p><img src='/poster.png' width='320'></body></html>").encode("utf-8")


class _DemoSite:
    """A tiny web server on 127.0.0.1 serving the stand-in pages, for the length of the step."""

    def __init__(self, image: bytes):
        pages = {path: _page(path, image) for path in PAGES}

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/poster.png":
                    body, kind, status = image, "image/png", 200
                elif self.path in pages:
                    body, kind, status = pages[self.path], "text/html; charset=utf-8", 200
                else:
                    body, kind, status = b"not here", "text/plain", 404
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _title(path: str) -> str:
    return f"DEMO capture: local stand-in for {PAGES[path][0]}"


def _has(case: Case, title: str) -> bool:
    return db.session.scalar(select(EvidenceItem.id).where(EvidenceItem.case_id == case.id, EvidenceItem.title == title,
                                                           EvidenceItem.status == "done")) is not None


def _captures(wanted: list[tuple[Case, str]], *, actor: Actor, now: datetime) -> str:
    from casework.capture import CaptureError, CaptureSettings, capture_page
    from casework.seed.works import png
    from casework.services.capture_jobs import check_warc
    from casework.storage import get_storage

    todo = [(case, path) for case, path in wanted if not _has(case, _title(path))]
    if not todo:
        return "already there"
    chromium = current_app.config.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    if not os.path.exists(chromium):
        return f"skipped (no Chromium at {chromium})"
    settings = CaptureSettings(allowed_networks=("127.0.0.1/32",), chromium_path=chromium, settle_timeout=1.0)
    site = _DemoSite(png(160, 90, 11))
    folder = tempfile.mkdtemp(prefix="demo-capture-", dir=get_storage().tmp)
    made = 0
    try:
        for case, path in todo:
            item = evidence.new_capture_item(case, site.url(path), actor=actor, now=now, title=_title(path))
            target = os.path.join(folder, f"capture-{item.id}.warc.gz")
            try:
                result = capture_page(item.url, target, settings)
                check_warc(str(result.path))
            except CaptureError as exc:
                evidence.fail_capture(item, str(exc), actor=actor, now=now)
                continue
            with open(result.path, "rb") as warc:  # deposited once loaded, never before
                evidence.finish_capture(item, warc=warc, captured_at=result.captured_at, metadata=result.metadata,
                                        actor=actor, now=max(now, result.captured_at))
            made += 1
    finally:
        site.close()
        shutil.rmtree(folder, ignore_errors=True)
    return f"{made} made"


def _uploads(case: Case, film: Case, *, actor: Actor, now: datetime) -> int:
    from casework.seed.works import png

    made = 0
    specs = [
        (case, "screenshot", "DEMO screenshot of the re-cut video page", "bilibili-recut.png",
         png(96, 64, 7), "image/png", "https://www.bilibili.com/video/BV1demo0000", "Paralegal (demo)"),
        (film, "email", "DEMO e-mail: the site refuses to remove the episodes", "reply.eml", EMAIL,
         "message/rfc822", "", "admin@pirate-films.demo.test (demo)"),
    ]
    for target, kind, title, name, content, media_type, url, supplier in specs:
        if target is None or _has(target, title):
            continue
        evidence.add_upload(target, kind=kind, title=title, upload=Upload(name, io.BytesIO(content), media_type),
                            url=url, supplied_by=supplier, supplied_at=now - timedelta(days=2), actor=actor, now=now)
        made += 1
    return made


def _signing_ready() -> str:
    try:
        from casework.signing_setup import current_profile

        current_profile()
    except Exception as exc:  # not set up: say so instead of failing the whole seed
        return str(exc)
    return ""


def seed(now: datetime) -> list[str]:
    actor = Actor.system("seed-demo")
    case = db.session.scalar(select(Case).where(Case.title == BUNDLED_CASE))
    film = db.session.scalar(select(Case).where(Case.title == FILM_CASE))
    if case is None:
        return ["Evidence: the demo cases are missing (the cases step comes first); skipped."]
    # Not backdated like the rest of the demo: a capture is real and happens now, and its deposit (and the
    # bundle that holds it) cannot come before the moment the page was loaded.
    captured = _captures([(case, "/video/BV1demo0000")] + ([(film, "/watch/starlight-ep0")] if film else []),
                         actor=actor, now=now)
    uploaded = _uploads(case, film, actor=actor, now=now)
    if bundles.has_sealed_bundle(case):
        sealed = "a sealed bundle already"
    elif case.stage not in ("evidence", "litigation"):
        sealed = f"no bundle (the case is in {case.stage})"
    elif (problem := _signing_ready()):
        sealed = f"no bundle: signing is not set up ({problem})"
    else:
        sealed_at = max(now, utcnow())  # after the captures above, which ran on the real clock
        bundle = bundles.request_bundle(case, actor=actor, now=sealed_at)
        bundles.build(bundle, actor=actor, now=sealed_at)
        sealed = f"bundle #{bundle.id} sealed (deposit {bundle.deposit_index})"
    db.session.flush()
    return [f"Evidence: captures of local demo pages {captured}; {uploaded} upload(s); {sealed}."]
