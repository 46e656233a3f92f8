"""Demo works for both demo rights holders, with small generated files, stored and deposited.

The files are generated deterministically (same bytes, same hashes on every machine), so the demo
can show a file being found on the public verification page. Idempotent: a work is looked up by
title and holder, and only missing ones are registered.
"""
from __future__ import annotations

import io
import math
import struct
import wave
import zlib
from datetime import date, datetime

from sqlalchemy import select

from casework.extensions import db
from casework.models import RightsHolder
from casework.models.works import Work
from casework.seed.accounts import HOLDERS
from casework.services import works as work_service
from casework.services.actor import Actor


def png(width: int, height: int, seed: int) -> bytes:
    """A small RGB gradient PNG (valid, deterministic), written with zlib only."""
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter type: none
        for x in range(width):
            row += bytes(((x * 4 + seed * 40) % 256, (y * 4 + seed * 90) % 256, ((x + y) * 2 + seed * 10) % 256))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
            + chunk(b"IEND", b""))


def wav(seconds: float, frequency: float) -> bytes:
    """A mono 8 kHz sine tone as 16-bit PCM WAV."""
    rate = 8000
    frames = b"".join(struct.pack("<h", int(12000 * math.sin(2 * math.pi * frequency * n / rate)))
                      for n in range(int(rate * seconds)))
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return out.getvalue()


TEXT = ("外滩随笔\n\n清晨六点，江面上的雾还没有散去。对岸的高楼像一排沉默的灯塔，"
        "渡轮鸣笛，海鸥贴着水面飞过。\n\nNotes from the Bund: at six in the morning the mist still lies on the river.\n")

WORKS = [
    dict(holder=0, title="Rain over Suzhou Creek (苏州河上的雨)", kind="image", created_on=date(2025, 4, 12),
         published_on=date(2025, 5, 1), description="Photograph series, Shanghai, spring 2025.",
         files=[("suzhou-creek-01.png", "image/png", lambda: png(96, 64, 1)),
                ("suzhou-creek-02.png", "image/png", lambda: png(96, 64, 2))]),
    dict(holder=0, title="Notes from the Bund (外滩随笔)", kind="text", created_on=date(2025, 9, 3),
         published_on=None, description="Essay, unpublished manuscript.",
         files=[("notes-from-the-bund.txt", "text/plain", lambda: TEXT.encode("utf-8"))]),
    dict(holder=1, title="Little Dragon Adventures (小龙历险记)", kind="animation", created_on=date(2024, 11, 20),
         published_on=date(2025, 7, 15), description="Animated series, season 1: storyboard frame and theme.",
         files=[("little-dragon-storyboard.png", "image/png", lambda: png(128, 72, 3)),
                ("little-dragon-theme.wav", "audio/wav", lambda: wav(1.5, 440.0))]),
    dict(holder=1, title="Starlight Runner (星光跑者)", kind="game", created_on=date(2025, 2, 1),
         published_on=date(2025, 10, 1), description="Mobile game: key art.",
         files=[("starlight-runner-key-art.png", "image/png", lambda: png(80, 80, 4))]),
]


def seed(now: datetime) -> list[str]:
    actor = Actor.system("seed-demo")
    holders = [db.session.scalar(select(RightsHolder).where(RightsHolder.name == spec["name"])) for spec in HOLDERS]
    made, lines = 0, []
    for spec in WORKS:
        holder = holders[spec["holder"]]
        if holder is None:
            return ["Works: the demo rights holders are missing; skipped."]
        work = db.session.scalar(select(Work).where(Work.title == spec["title"], Work.rights_holder_id == holder.id))
        if work is None:
            uploads = [work_service.Upload(name, io.BytesIO(make()), media_type)
                       for name, media_type, make in spec["files"]]
            work = work_service.register_work(
                title=spec["title"], kind=spec["kind"], rights_holder=holder, files=uploads, actor=actor, now=now,
                created_on=spec["created_on"], published_on=spec["published_on"], description=spec["description"])
            made += 1
        for f in work.files:
            lines.append(f"  work {work.id} {f.name}: deposit #{f.deposit_index}, sha256 {f.sha256}")
    return [f"Works: {made} registered, {len(WORKS) - made} already there; files deposited in the ledger:"] + lines
