"""Small server-rendered SVG charts: no JavaScript, no library, readable without colour.

Each chart has a <title> and <desc> for screen readers, and the pages show the same numbers in a
table beside it.
"""
from __future__ import annotations

from typing import Sequence

from markupsafe import Markup, escape

BAR = "#0b5cad"
MUTED = "#667085"


def hbar(rows: Sequence[tuple[str, float]], *, title: str, width: int = 420, bar_height: int = 22,
         label_width: int = 170, unit: str = "") -> Markup:
    """Horizontal bars, one per (label, value)."""
    rows = list(rows)
    height = max(1, len(rows)) * (bar_height + 6) + 8
    top = max((v for _, v in rows), default=0) or 1
    room = width - label_width - 60
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
             f'<desc>{escape(", ".join(f"{label}: {_fmt(v)}{unit}" for label, v in rows))}</desc>']
    for i, (label, value) in enumerate(rows):
        y = 4 + i * (bar_height + 6)
        w = 0 if value <= 0 else max(2, round(room * value / top))
        short = label if len(label) <= 16 else label[:15] + "…"  # CJK glyphs are twice as wide
        parts.append(f'<text x="{label_width - 6}" y="{y + bar_height * 0.7:.1f}" text-anchor="end" font-size="12" '
                     f'fill="#1d232b">{escape(short)}</text>'
                     f'<rect x="{label_width}" y="{y}" width="{w}" height="{bar_height}" fill="{BAR}" rx="2"/>'
                     f'<text x="{label_width + w + 6}" y="{y + bar_height * 0.7:.1f}" font-size="12" '
                     f'fill="{MUTED}">{escape(_fmt(value))}{escape(unit)}</text>')
    if not rows:
        parts.append(f'<text x="8" y="16" font-size="12" fill="{MUTED}">—</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def columns(rows: Sequence[tuple[str, float]], *, title: str, width: int = 640, height: int = 180,
            label_every: int = 5) -> Markup:
    """Vertical columns over time (e.g. one per day), with a baseline and a few labels."""
    rows = list(rows)
    n = max(1, len(rows))
    top = max((v for _, v in rows), default=0) or 1
    plot_h = height - 34
    step = (width - 40) / n
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
             f'<desc>{escape(", ".join(f"{label}: {_fmt(v)}" for label, v in rows))}</desc>'
             f'<text x="0" y="12" font-size="11" fill="{MUTED}">{escape(_fmt(top))}</text>'
             f'<line x1="36" y1="{plot_h + 4}" x2="{width}" y2="{plot_h + 4}" stroke="#d9dee5"/>']
    for i, (label, value) in enumerate(rows):
        h = 0 if value <= 0 else max(1, round(plot_h * value / top))
        x = 38 + i * step
        parts.append(f'<rect x="{x:.1f}" y="{plot_h + 4 - h}" width="{max(1.0, step - 2):.1f}" height="{h}" '
                     f'fill="{BAR}"><title>{escape(label)}: {escape(_fmt(value))}</title></rect>')
        if i % label_every == 0 or i == len(rows) - 1:
            parts.append(f'<text x="{x:.1f}" y="{height - 4}" font-size="10" fill="{MUTED}">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
