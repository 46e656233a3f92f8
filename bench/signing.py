"""Render and sign a 2-page Chinese letter at PAdES B-T (TSA on loopback): the app's path against a
bare WeasyPrint + pyHanko script, in one warm process, runs interleaved so both see the same load.

Run from the repository root:  .venv/bin/python bench/signing.py [--samples N] [--profile]

Targets (issue 5): app path <= 300 ms median; app / bare <= 1.25.

- app path: the documents service's own steps (``casework.services.documents.lifecycle``):
  ``render_pdf`` (WeasyPrint PDF/A-3u, per-thread font configuration) then ``_sign_bytes``, i.e.
  ``signing.sign_pdf`` with the app's cached ``current_profile()`` (key parsed once, B-T, the visible
  stamp in Noto Sans CJK SC subset and embedded) -- ``render_and_sign`` split in two to time each.
- bare path: the same final HTML (made once, outside the timing, as the service does before a
  signing job) through ``weasyprint.HTML().write_pdf``,
  then pyHanko's documented one-call API ``signers.sign_pdf`` with a ``SimpleSigner`` built once,
  pyHanko's ``HTTPTimeStamper`` and a visible field in the same box with pyHanko's default text stamp
  (Courier, not embedded: the cheapest stamp pyHanko offers, so the baseline is not handicapped).
Both timestamp from the same ``LocalTSA`` (the development TSA key, HTTP on 127.0.0.1).
"""
from __future__ import annotations

import argparse
import io
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

VERIFY = "https://casework.example/verify/documents/7f3c9a52-1d4e-4b8a-9c61-2e5f0b7d8a13"


def two_page_letter() -> dict[str, Any]:
    """The Chinese letter sample trimmed to lay out on two pages (the same as bench/documents.py)."""
    from casework.documents.samples import sample_context

    ctx = sample_context("cease_desist", "zh")
    ctx["works"][0]["files"] = ctx["works"][0]["files"][:1]
    ctx["infringing"] = ctx["infringing"][:1]
    ctx["evidence"] = ctx["evidence"][:1]
    ctx["legal_analysis"] = ctx["legal_analysis"][:1]
    ctx["facts"] = ctx["facts"][:1]
    return ctx


def _timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    start, start_cpu = time.perf_counter(), time.process_time()
    result = fn()
    return (time.perf_counter() - start) * 1000, (time.process_time() - start_cpu) * 1000, result


def _pages(pdf: bytes) -> int:
    from pyhanko.pdf_utils.reader import PdfFileReader

    return int(PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Count"])


class AppPath:
    """The app's path: the documents service's ``render_and_sign`` (WeasyPrint, then ``sign_pdf`` with
    the app's cached profile), on the same final HTML as the bare path."""

    def __init__(self, workdir: Path, tsa_url: str, html: str):
        from casework import create_app
        from tests.signing_fixtures import signing_settings

        self.app = create_app({"INSTANCE_PATH": str(workdir / "instance"), "SCHEMA_CHECK": False,
                               "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.sqlite3'}",
                               **signing_settings(workdir / "pki", level="B-T", tsa_url=tsa_url)})
        self.html = html

    def render(self) -> bytes:
        from casework.documents import render_pdf

        return render_pdf(self.html)

    def sign(self, pdf: bytes) -> bytes:
        from datetime import datetime, timezone

        from casework.services.documents.lifecycle import _sign_bytes

        with self.app.app_context():
            signed, level = _sign_bytes(pdf, name="北京明理律师事务所 王静", url=VERIFY, reason="律师函",
                                        now=datetime.now(timezone.utc))
        return signed

    def render_and_sign(self) -> bytes:
        """What a bulk run or the sign button does per letter (checked against render + sign once)."""
        from datetime import datetime, timezone

        from casework.services.documents.lifecycle import SigningJob, render_and_sign

        job = SigningJob(html=self.html, signer_name="北京明理律师事务所 王静", verification_url=VERIFY,
                         reason="律师函", signed_at=datetime.now(timezone.utc), template_id=None, template_version=0)
        with self.app.app_context():
            return render_and_sign(job)[0]


class BarePath:
    """A bare script: WeasyPrint HTML -> PDF/A-3u, pyHanko sign with a pre-built SimpleSigner."""

    def __init__(self, pki_dir: Path, tsa_url: str, html: str):
        from pyhanko.sign import signers
        from pyhanko.sign.timestamps import HTTPTimeStamper

        self.html = html
        self.signer = signers.SimpleSigner.load(str(pki_dir / "signer.key"), str(pki_dir / "signer.pem"),
                                                ca_chain_files=(str(pki_dir / "root-ca.pem"),))
        self.timestamper = HTTPTimeStamper(tsa_url)

    def render(self) -> bytes:
        import weasyprint

        return weasyprint.HTML(string=self.html).write_pdf(pdf_variant="pdf/a-3u")

    def sign(self, pdf: bytes) -> bytes:
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers

        meta = signers.PdfSignatureMetadata(field_name="Signature1", subfilter=fields.SigSeedSubFilter.PADES,
                                            md_algorithm="sha256", reason="律师函")
        spec = fields.SigFieldSpec("Signature1", on_page=-1, box=(319, 64, 539, 154))
        out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=self.signer,
                               timestamper=self.timestamper, new_field_spec=spec)
        return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=21)
    parser.add_argument("--profile", action="store_true", help="cProfile the app path's signing step")
    args = parser.parse_args()
    logging.getLogger("pyhanko").setLevel(logging.ERROR)

    import signing
    from casework.documents import render_html

    with tempfile.TemporaryDirectory() as tmp, _tsa(Path(tmp)) as tsa:
        work = Path(tmp)
        html = render_html("cease_desist", "zh", two_page_letter())
        app = AppPath(work, tsa.url, html)
        bare = BarePath(work / "pki", tsa.url, html)
        trust = signing.Trust.from_files([work / "pki" / "root-ca.pem"])
        for signed in (app.render_and_sign(), bare.sign(bare.render())):  # warm-up, checked once
            [report] = signing.validate_pdf(signed, trust).signatures
            assert report.intact and report.trusted and report.pades_level == "B-T", report.problems
        pages = _pages(app.render())
        load_before = os.getloadavg()[0]
        rows: dict[str, list[tuple[float, float]]] = {k: [] for k in (
            "app total", "app render", "app sign", "bare total", "bare render", "bare sign")}
        for _ in range(args.samples):
            for name, path in (("app", app), ("bare", bare)):
                w1, c1, pdf = _timed(path.render)
                w2, c2, _ = _timed(lambda: path.sign(pdf))
                rows[f"{name} render"].append((w1, c1))
                rows[f"{name} sign"].append((w2, c2))
                rows[f"{name} total"].append((w1 + w2, c1 + c2))
        levels = _levels(work, tsa.url, app.render(), samples=max(5, args.samples // 2))
        if args.profile:
            _profile(app)

    def med(key: str, i: int) -> float:
        return statistics.median(v[i] for v in rows[key])

    print(f"2-page Chinese letter ({pages} pages), PAdES B-T, TSA on loopback, {args.samples} interleaved runs; "
          f"load average {load_before:.1f} -> {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'step':<12} {'median ms (wall)':>17} {'median ms (CPU)':>16}")
    for key in rows:
        print(f"{key:<12} {med(key, 0):>17.1f} {med(key, 1):>16.1f}")
    print(f"ratio app/bare (total, wall): {med('app total', 0) / med('bare total', 0):.2f}   "
          f"(CPU: {med('app total', 1) / med('bare total', 1):.2f})")
    print("sign only, per PAdES level (same letter, development key, LocalTSA):")
    for level, (wall, cpu) in levels.items():
        print(f"  {level:<6} {wall:>7.1f} ms wall {cpu:>7.1f} ms CPU")
    print(f"target: app total <= 300 ms -> {'met' if med('app total', 0) <= 300 else 'NOT met'}; "
          f"ratio <= 1.25 -> {'met' if med('app total', 0) / med('bare total', 0) <= 1.25 else 'NOT met'}")


def _tsa(work: Path):
    from signing.devpki import create_dev_pki
    from signing.testing import LocalTSA

    pki = create_dev_pki(work / "pki")
    return LocalTSA(pki.tsa_key, pki.tsa_cert, [pki.root_cert])


def _levels(work: Path, tsa_url: str, pdf: bytes, samples: int) -> dict[str, tuple[float, float]]:
    """Median sign-only time at each PAdES level (B-LT/B-LTA embed the development CRL)."""
    import signing

    pki = work / "pki"
    key = signing.load_signer(pki / "signer.key", pki / "signer.pem", [pki / "root-ca.pem"])
    data = signing.validation_data_from_files([pki / "root-ca.pem"], crls=[pki / "root-ca.crl"])
    out = {}
    for level in ("B-B", "B-T", "B-LT", "B-LTA"):
        profile = signing.SignProfile(key=key, level=level, validation=data,  # type: ignore[arg-type]
                                      timestamper=None if level == "B-B" else signing.http_timestamper(tsa_url))
        sign = lambda: signing.sign_pdf(pdf, profile, signer_name="王静", verification_url=VERIFY)  # noqa: E731
        sign()
        runs = [_timed(sign)[:2] for _ in range(samples)]
        out[level] = (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs))
    return out


def _profile(app: AppPath) -> None:
    import cProfile
    import pstats

    pdf = app.render()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(10):
        app.sign(pdf)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
