"""QR codes of verification URLs, as data URIs a template can put in an <img> (no file to manage)."""
from __future__ import annotations

import base64
import io
from functools import lru_cache

import qrcode
import qrcode.constants

__all__ = ["qr_data_uri"]


@lru_cache(maxsize=256)
def qr_data_uri(url: str) -> str:
    """A QR code of ``url`` as a ``data:image/png`` URI, one pixel per module.

    A bilevel PNG of ~40x40 pixels, drawn with ``image-rendering: pixelated`` (no interpolation), is
    as sharp as a vector code at any size; WeasyPrint embeds it in ~1 ms, where the SVG path form
    costs ~170 ms to parse. Error correction M survives a stamp or a fold. Cached: a bulk run
    renders the same URL many times.
    """
    if not isinstance(url, str) or not url.strip():
        return ""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=2)
    code.add_data(url.strip())
    code.make(fit=True)
    image = code.make_image().get_image().convert("L")  # greyscale, no alpha: plain PDF/A image
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
