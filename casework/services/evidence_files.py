"""What an uploaded evidence file may be: the media types each kind accepts, and a check of the
file's first bytes against the format's signature, so a file is what its name and type claim.

    media_type_of(upload) -> str          the declared type, else the one its extension names
    looks_like(media_type, head) -> bool  the first bytes agree with the type (text formats: always)
    Peeked(head, rest)                    a stream that plays the checked bytes back before the rest
"""
from __future__ import annotations

import io
import re
from typing import BinaryIO

from casework.services.works import Upload

__all__ = ["ALLOWED_TYPES", "media_type_of", "looks_like", "Peeked"]

# What each kind of upload may be: the declared or guessed type must be one of these, and the
# content's first bytes must agree where the format has a signature.
ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    "screenshot": ("image/png", "image/jpeg", "image/webp", "image/gif"),
    "recording": ("video/mp4", "video/webm", "video/quicktime", "audio/mpeg", "audio/wav", "audio/x-wav",
                  "audio/ogg", "audio/mp4", "video/x-matroska"),
    "notarial_certificate": ("application/pdf", "image/png", "image/jpeg"),
    "email": ("message/rfc822", "application/vnd.ms-outlook", "application/pdf", "text/plain"),
    "other": ("application/pdf", "image/png", "image/jpeg", "image/webp", "image/gif", "text/plain",
              "application/json", "application/zip", "application/warc", "message/rfc822", "video/mp4",
              "audio/mpeg", "audio/wav", "text/html", "text/csv"),
}
_EXTENSIONS = {".eml": "message/rfc822", ".msg": "application/vnd.ms-outlook", ".warc": "application/warc",
               ".mkv": "video/x-matroska", ".webp": "image/webp", ".m4a": "audio/mp4", ".wav": "audio/wav",
               ".mov": "video/quicktime", ".webm": "video/webm", ".mp4": "video/mp4", ".mp3": "audio/mpeg",
               ".ogg": "audio/ogg", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".gif": "image/gif", ".pdf": "application/pdf", ".txt": "text/plain", ".json": "application/json",
               ".zip": "application/zip", ".html": "text/html", ".htm": "text/html", ".csv": "text/csv"}
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "application/pdf": (b"%PDF-",),
    "application/zip": (b"PK\x03\x04", b"PK\x05\x06"),
    "video/webm": (b"\x1a\x45\xdf\xa3",),
    "video/x-matroska": (b"\x1a\x45\xdf\xa3",),
    "audio/ogg": (b"OggS",),
    "application/vnd.ms-outlook": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
}
_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,62}/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}")


class Peeked(io.RawIOBase):
    """A stream whose first bytes were read to check the type, played back before the rest."""

    def __init__(self, head: bytes, rest: BinaryIO):
        self._head, self._rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def media_type_of(upload: Upload) -> str:
    declared = (upload.media_type or "").split(";", 1)[0].strip().lower()
    name = (upload.name or "").lower()
    by_name = next((t for ext, t in _EXTENSIONS.items() if name.endswith(ext)), None)
    if _MEDIA_TYPE.fullmatch(declared) and declared not in ("application/octet-stream", "binary/octet-stream"):
        return declared
    return by_name or "application/octet-stream"


def looks_like(media_type: str, head: bytes) -> bool:
    signatures = _SIGNATURES.get(media_type)
    if media_type == "image/webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if media_type in ("audio/wav", "audio/x-wav"):
        return head[:4] == b"RIFF" and head[8:12] == b"WAVE"
    if media_type in ("video/mp4", "audio/mp4", "video/quicktime"):
        return head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free")
    if media_type == "audio/mpeg":
        return head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)
    if signatures is None:
        return True  # text formats (e-mail, plain text, JSON) have no signature to check
    return any(head.startswith(s) for s in signatures)
