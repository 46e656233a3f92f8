"""Legal document rendering: HTML (sandboxed Jinja2) and PDF/A-3u (WeasyPrint), medians per kind.

Run from the repository root:  .venv/bin/python bench/documents.py [--samples N]

Target (DESIGN.md): a 2-page Chinese letter in about 0.2 s with libharfbuzz-subset0 installed. The
first line is that letter: the Chinese cease-and-desist sample cut to one work file, one infringing
URL, one evidence item and one paragraph each of facts and analysis, which lays out on 2 pages. Then each kind and language from
``casework.documents.samples``. One warm-up render per document is not counted (it loads fonts
into the per-thread FontConfiguration that later renders reuse).
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from casework.documents import DOCUMENT_KINDS, LANGUAGES, render_html, render_pdf  # noqa: E402
from casework.documents.samples import sample_context  # noqa: E402


def _median_ms(fn: Callable[[], Any], samples: int) -> tuple[float, float, Any]:
    """Median wall-clock and median CPU milliseconds of ``fn`` (CPU time is the steadier figure
    on a shared machine: other processes stretch the wall clock, not our own CPU time)."""
    result = fn()  # warm-up
    wall, cpu = [], []
    for _ in range(samples):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall) * 1000, statistics.median(cpu) * 1000, result


def _pages(pdf: bytes) -> int:
    from pyhanko.pdf_utils.reader import PdfFileReader  # the reader the signer uses too

    return int(PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Count"])


def two_page_letter() -> dict[str, Any]:
    """The Chinese letter sample, trimmed so that it lays out on two pages."""
    ctx = sample_context("cease_desist", "zh")
    ctx["works"][0]["files"] = ctx["works"][0]["files"][:1]
    ctx["infringing"] = ctx["infringing"][:1]
    ctx["evidence"] = ctx["evidence"][:1]
    ctx["legal_analysis"] = ctx["legal_analysis"][:1]
    ctx["facts"] = ctx["facts"][:1]
    return ctx


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=15)
    args = parser.parse_args()

    cases: list[tuple[str, str, str, dict[str, Any]]] = [("2-page Chinese letter", "cease_desist", "zh", two_page_letter())]
    cases += [(f"{kind} {lang}", kind, lang, sample_context(kind, lang)) for kind in DOCUMENT_KINDS for lang in LANGUAGES]

    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"{'document':32} {'pages':>5} {'html ms':>8} {'pdf ms':>8} {'pdf cpu ms':>11}")
    for label, kind, lang, ctx in cases:
        html_ms, _, html = _median_ms(lambda: render_html(kind, lang, ctx), args.samples)
        pdf_ms, pdf_cpu, pdf = _median_ms(lambda: render_pdf(html), args.samples)
        print(f"{label:32} {_pages(pdf):>5} {html_ms:>8.1f} {pdf_ms:>8.1f} {pdf_cpu:>11.1f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
