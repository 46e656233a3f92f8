"""Signing set-up for tests: a development PKI made in the test session, as app settings.

    from tests.signing_fixtures import signing_pki, signing_settings, use_signing  # fixtures / helpers

``signing_settings(directory)`` creates (once) a development PKI in ``directory`` and returns the
SIGNING_* overrides for ``make_app(..., **overrides)`` or ``use_signing(app, overrides)``. With no
``tsa_url`` the in-process development TSA timestamps (B-T); pass ``LocalTSA(...).url`` to go over
HTTP on loopback.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

import pytest

from signing.devpki import DevPki, create_dev_pki

__all__ = ["signing_settings", "use_signing", "signing_pki", "signed_app", "signer_key", "local_tsa", "letter_pdf",
           "dev_trust"]


def signing_settings(directory, *, level: str = "B-T", tsa_url: Optional[str] = None) -> dict[str, str]:
    """SIGNING_* settings for a development PKI in ``directory`` (created if missing)."""
    pki = create_dev_pki(Path(directory))
    return {
        "SIGNING_DEV_DIR": str(pki.directory), "SIGNING_KEY": str(pki.signer_key),
        "SIGNING_CERT": str(pki.signer_cert), "SIGNING_CHAIN": "", "SIGNING_KEY_PASSWORD": "",
        "SIGNING_LEVEL": level, "SIGNING_TSA_URL": tsa_url or "", "SIGNING_TRUST_ROOTS": str(pki.root_cert),
        "SIGNING_CRLS": "", "SIGNING_STAMP_FONT": "",
    }


@contextmanager
def use_signing(app, overrides: dict[str, str]) -> Iterator[None]:
    """Apply SIGNING_* settings to an existing app for the duration of a block, then restore them."""
    saved = {k: app.config.get(k) for k in overrides}
    app.config.update(overrides)
    try:
        yield
    finally:
        app.config.update(saved)


@pytest.fixture(scope="session")
def signing_pki(tmp_path_factory) -> DevPki:
    """One development PKI for the whole test session."""
    return create_dev_pki(tmp_path_factory.mktemp("signing-pki"))


@pytest.fixture
def signed_app(app, signing_pki):
    """The session app with signing configured (B-T, in-process development TSA)."""
    with use_signing(app, signing_settings(signing_pki.directory)):
        yield app


@pytest.fixture(scope="session")
def signer_key(signing_pki):
    """The development signer, parsed once."""
    from signing import load_signer

    return load_signer(signing_pki.signer_key, signing_pki.signer_cert, [signing_pki.root_cert])


@pytest.fixture(scope="session")
def local_tsa(signing_pki):
    """An RFC 3161 TSA on 127.0.0.1 for the session, signing with the development TSA key."""
    from signing.testing import LocalTSA

    with LocalTSA(signing_pki.tsa_key, signing_pki.tsa_cert, [signing_pki.root_cert]) as tsa:
        yield tsa


@pytest.fixture(scope="session")
def letter_pdf() -> bytes:
    """A real document: the Chinese cease-and-desist sample, rendered by WeasyPrint as PDF/A-3u."""
    from casework.documents import render_document
    from casework.documents.samples import sample_context

    return render_document("cease_desist", "zh", sample_context("cease_desist", "zh"))


@pytest.fixture(scope="session")
def dev_trust(signing_pki):
    """Trust in the session's development root."""
    from signing import Trust

    return Trust.from_files([signing_pki.root_cert])
