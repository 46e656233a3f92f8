"""thread_capturer: one reusable Capturer per thread (Playwright's sync API is bound to its thread)."""
from __future__ import annotations

import threading

from casework.capture import CaptureSettings, close_thread_capturers, thread_capturer


def test_one_capturer_per_thread_and_launch_settings() -> None:
    settings = CaptureSettings()
    mine = thread_capturer(settings)
    assert thread_capturer(CaptureSettings(allow_private=True)) is mine  # per-capture settings may differ
    assert thread_capturer(CaptureSettings(extra_args=("--lang=zh-CN",))) is not mine
    other: list[object] = []
    worker = threading.Thread(target=lambda: other.append(thread_capturer(settings)))
    worker.start()
    worker.join()
    assert other and other[0] is not mine
    close_thread_capturers()  # nothing was launched: closing is cheap and leaves a fresh slot
    assert thread_capturer(settings) is not mine
    close_thread_capturers()
