"""Rendering and signing in worker processes, so a bulk run uses every core.

WeasyPrint and the signature are CPU-bound and hold the GIL, so threads do not help; the database
work (drafting, deposits) stays in the job's own process and transaction, and only the HTML goes
to a worker, which returns the signed PDF. Workers are started with "spawn" (no inherited database
connections or locks) and build their own signing profile from the app's SIGNING_* settings once.
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Mapping, Optional, Sequence

from casework.services.documents.lifecycle import SigningJob

__all__ = ["SigningPool", "worker_count", "POOL_THRESHOLD"]

POOL_THRESHOLD = 20  # fewer letters than this are not worth starting processes for


def worker_count(config: Mapping[str, Any]) -> int:
    configured = config.get("DOCUMENT_BULK_WORKERS")
    if configured:
        return max(1, int(configured))
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _init(settings: dict) -> None:
    from casework.services.documents import lifecycle
    from casework.signing_setup import build_profile

    lifecycle.WORKER_PROFILE = build_profile(settings)


def _work(job: SigningJob) -> tuple[bool, Any, float]:
    import time

    from casework.services.documents.lifecycle import render_and_sign

    began = time.perf_counter()
    try:
        return True, render_and_sign(job), time.perf_counter() - began
    except Exception as exc:  # reported per letter; the run goes on
        return False, str(exc) or type(exc).__name__, time.perf_counter() - began


class SigningPool:
    """``with SigningPool(config, n) as pool: pool.run(jobs)`` -> [(ok, (pdf, level) | reason, seconds), ...]."""

    def __init__(self, config: Mapping[str, Any], workers: int):
        from casework.signing_setup import _SETTINGS

        self._settings = {k: config.get(k) for k in _SETTINGS}
        self._workers = workers
        self._executor: Optional[ProcessPoolExecutor] = None

    def __enter__(self) -> "SigningPool":
        self._executor = ProcessPoolExecutor(max_workers=self._workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_init, initargs=(self._settings,))
        return self

    def __exit__(self, *exc) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def run(self, jobs: Sequence[SigningJob]) -> list[tuple[bool, Any, float]]:
        assert self._executor is not None, "use the pool inside a with block"
        return list(self._executor.map(_work, jobs))
