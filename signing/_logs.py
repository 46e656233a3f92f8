"""Two of pyHanko's log records, made proportionate to what this library does on purpose.

- Signing at B-LT/B-LTA offline (validation data from files, no fetching) is the design here, but
  pyHanko warns about it on every signature; in a bulk run of a thousand letters that is a thousand
  identical lines. The record is dropped.
- Validating an upload signed under a root we do not trust logs a full traceback per signature; the
  report already says "not trusted (NO_CERTIFICATE_CHAIN_FOUND)". The one-line warning is kept and
  the traceback dropped.
"""
from __future__ import annotations

import logging

__all__ = ["install"]


class _OfflineEmbedding(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "fetching is not allowed" not in str(record.msg)


class _ShortPathFailures(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith("Failed to build path"):
            record.exc_info = None
            record.exc_text = None
        return True


_installed = False


def install() -> None:
    """Add the filters once per process (on import of ``signing``)."""
    global _installed
    if _installed:
        return
    logging.getLogger("pyhanko.sign.signers.pdf_signer").addFilter(_OfflineEmbedding())
    logging.getLogger("pyhanko.sign.validation.generic_cms").addFilter(_ShortPathFailures())
    _installed = True
