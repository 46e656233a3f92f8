"""Writing an evidence bundle's ZIP to disk, entry by entry, with memory flat however large the evidence.

Each evidence file is copied from the blob store in 1 MiB chunks into its ZIP entry (STORED for
formats that are compressed already, DEFLATED for text) and re-hashed on the way: a blob that no
longer hashes to its deposit stops the export instead of being sealed.
"""
from __future__ import annotations

import hashlib
import json
import os
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Callable

from casework.services import ledger
from casework.storage import CHUNK, StorageError, get_storage

__all__ = ["VERIFY_SCRIPT", "write_zip"]

VERIFY_SCRIPT = Path(__file__).resolve().parent.parent / "ledger" / "verify_bundle.py"
_COMPRESSIBLE = ("text/", "application/json", "message/rfc822", "application/xml")


def _zip_info(path: str, now: datetime, media_type: str, size: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, date_time=now.timetuple()[:6])
    info.compress_type = (zipfile.ZIP_DEFLATED if media_type.startswith(_COMPRESSIBLE) else zipfile.ZIP_STORED)
    info.file_size = size  # lets zipfile choose ZIP64 headers up front for large entries
    info.external_attr = 0o644 << 16
    return info


def _copy_blob(zf: zipfile.ZipFile, entry, now: datetime, on_bytes: Callable[[int], None]) -> None:
    digest, copied = hashlib.sha256(), 0
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    info = _zip_info(entry.path, now, entry.media_type, entry.size)
    with get_storage().open(entry.sha256) as source, zf.open(info, "w", force_zip64=entry.size > 2**31) as out:
        while True:
            n = source.readinto(buffer)
            if not n:
                break
            digest.update(view[:n])
            out.write(view[:n])
            copied += n
            on_bytes(n)
    if digest.hexdigest() != entry.sha256 or copied != entry.size:
        raise StorageError(f"the stored file of {entry.path} no longer hashes to its deposit: export stopped")


def _write_bytes(zf: zipfile.ZipFile, path: str, data: bytes, now: datetime, media_type: str) -> None:
    zf.writestr(_zip_info(path, now, media_type, len(data)), data)


def write_zip(target: str, entries: list, receipts: dict[int, dict], manifest: dict, now: datetime,
               progress: Callable[[float, str], None]) -> None:
    total = sum(e.size for e in entries) or 1
    done = [0]
    last = [0.0]

    def on_bytes(n: int) -> None:
        done[0] += n
        fraction = 0.1 + 0.75 * done[0] / total
        if fraction - last[0] >= 0.02:
            last[0] = fraction
            progress(fraction, f"writing files: {done[0] // 2**20:,} of {total // 2**20:,} MiB")

    with open(target, "wb") as raw, zipfile.ZipFile(raw, "w", allowZip64=True) as zf:
        for entry in entries:
            if entry.data is not None:
                _write_bytes(zf, entry.path, entry.data, now, entry.media_type)
                on_bytes(entry.size)
            else:
                _copy_blob(zf, entry, now, on_bytes)
        for index in sorted(receipts):
            _write_bytes(zf, f"receipts/{index}.json",
                         json.dumps(receipts[index], indent=2, ensure_ascii=False).encode("utf-8"), now,
                         "application/json")
        _write_bytes(zf, "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8"), now,
                     "application/json")
        _write_bytes(zf, "ledger-key.txt", (str(ledger.verifier_key()) + "\n").encode("ascii"), now, "text/plain")
        _write_bytes(zf, "verify.py", VERIFY_SCRIPT.read_bytes(), now, "text/x-python")
        raw.flush()
        os.fsync(raw.fileno())
