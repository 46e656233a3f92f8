"""The app's side of ``signing/``: a ``SignProfile`` and a ``Trust`` from settings, and the commands.

The library knows nothing of Flask; this module reads the SIGNING_* settings, loads the key once per
app (and again only if the settings change), and says plainly what to do when nothing is set up:
run ``flask --app app signing init-dev`` (the development PKI) or fix the named file.

Without SIGNING_TSA_URL, B-T and higher signatures with the development key are timestamped in-process
by the development TSA key; otherwise (a production key, or no development TSA) they fall back to B-B
(logged once).
"""
from __future__ import annotations

import json
import logging
import os
import sys
import threading
from pathlib import Path
from typing import Any, Mapping, Optional

import click
from flask import Flask, current_app
from flask.cli import AppGroup

import signing
from signing.devpki import DevPki, dev_pki_paths
from signing.stampfont import load_stamp_font
from signing.timestamps import InProcessTimestamper

__all__ = ["SigningNotConfigured", "build_profile", "build_trust", "current_profile", "current_trust",
           "register", "INIT_DEV_HINT", "SETTINGS"]

log = logging.getLogger(__name__)
INIT_DEV_HINT = "run `flask --app app signing init-dev` to create the development keys"
#: The settings a profile is built from (copy these into a worker process to build the same profile there).
SETTINGS = _SETTINGS = ("SIGNING_DEV_DIR", "SIGNING_KEY", "SIGNING_CERT", "SIGNING_CHAIN", "SIGNING_KEY_PASSWORD",
             "SIGNING_LEVEL", "SIGNING_TSA_URL", "SIGNING_TRUST_ROOTS", "SIGNING_CRLS", "SIGNING_STAMP_FONT")
_lock = threading.Lock()


class SigningNotConfigured(signing.KeyLoadError):
    """No usable signing key or trust roots: the message says which file or what to run."""


def _paths(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if str(v).strip()]
    return [part.strip() for part in str(value or "").split(os.pathsep) if part.strip()]


def _same(a: str, b: Path) -> bool:
    return os.path.abspath(a) == os.path.abspath(b)


def _dev(config: Mapping[str, Any]) -> DevPki:
    return dev_pki_paths(config["SIGNING_DEV_DIR"])


def _stamp_font(value: str) -> tuple[Optional[str], Optional[int]]:
    """SIGNING_STAMP_FONT is a font file, optionally ``#N`` for face N of a ``.ttc`` collection."""
    if not value:
        return None, None
    path, _, index = value.partition("#")
    return path, int(index) if index.strip().isdigit() else None


def _timestamper(config: Mapping[str, Any], dev: DevPki, is_dev_key: bool):
    """SIGNING_TSA_URL, else the development TSA in-process -- but only beside the development key:
    a production signature timestamped by a development authority nobody trusts would look
    timestamped and prove nothing, so a production key without SIGNING_TSA_URL signs at B-B."""
    if config.get("SIGNING_TSA_URL"):
        return signing.http_timestamper(config["SIGNING_TSA_URL"])
    if is_dev_key and dev.tsa_key.exists() and dev.tsa_cert.exists():
        return InProcessTimestamper(signing.load_signer(dev.tsa_key, dev.tsa_cert, [dev.root_cert]))
    return None


def build_profile(config: Mapping[str, Any]) -> signing.SignProfile:
    """The SignProfile the settings describe; SigningNotConfigured or another SigningError if they cannot work."""
    dev = _dev(config)
    key_path = str(config.get("SIGNING_KEY") or "")
    is_dev_key = bool(key_path) and (_same(key_path, dev.signer_key) or _same(key_path, dev.signer_p12))
    if not key_path:
        raise SigningNotConfigured(f"SIGNING_KEY is not set; {INIT_DEV_HINT}, or set SIGNING_KEY")
    if not os.path.exists(key_path):
        if is_dev_key:
            raise SigningNotConfigured(f"no signing key at {key_path}: {INIT_DEV_HINT}")
        raise SigningNotConfigured(f"the SIGNING_KEY file {key_path} does not exist")
    cert_path: Optional[str] = str(config.get("SIGNING_CERT") or "") or None
    if key_path.lower().endswith((".p12", ".pfx")) and cert_path and _same(cert_path, dev.signer_cert) \
            and not is_dev_key:
        cert_path = None  # a PKCS#12 file carries its certificate; ignore the development default
    if cert_path and not os.path.exists(cert_path):
        raise SigningNotConfigured(f"the SIGNING_CERT file {cert_path} does not exist"
                                   + (f"; {INIT_DEV_HINT}" if is_dev_key else ""))
    chain = _paths(config.get("SIGNING_CHAIN")) or ([str(dev.root_cert)] if is_dev_key and dev.root_cert.exists() else [])
    key = signing.load_signer(key_path, cert_path, chain, passphrase=config.get("SIGNING_KEY_PASSWORD") or None)
    level = str(config.get("SIGNING_LEVEL") or "B-T").upper()
    timestamper = _timestamper(config, dev, is_dev_key) if level != "B-B" else None
    if level != "B-B" and timestamper is None:
        log.warning("SIGNING_LEVEL is %s but there is no timestamp authority (SIGNING_TSA_URL or the "
                    "development TSA): signing at B-B", level)
        level = "B-B"
    validation = None
    if level in ("B-LT", "B-LTA"):
        crls = _paths(config.get("SIGNING_CRLS")) or ([str(dev.crl)] if is_dev_key and dev.crl.exists() else [])
        if not crls:
            raise SigningNotConfigured(f"SIGNING_LEVEL {level} embeds revocation data: set SIGNING_CRLS to the "
                                       "CRL files of the signer's and the TSA's CAs")
        roots = _paths(config.get("SIGNING_TRUST_ROOTS"))
        validation = signing.validation_data_from_files(roots, crls=crls, other_certs=chain)
    font, index = _stamp_font(str(config.get("SIGNING_STAMP_FONT") or ""))
    profile = signing.SignProfile(key=key, level=level, timestamper=timestamper,  # type: ignore[arg-type]
                                  validation=validation, stamp_font=font, stamp_font_index=index)
    load_stamp_font(*profile.font_location())  # a missing font fails here, and the first signature is not slower
    return profile


def build_trust(config: Mapping[str, Any]) -> signing.Trust:
    """Trust for validating PDFs: SIGNING_TRUST_ROOTS (default: the development root)."""
    roots = _paths(config.get("SIGNING_TRUST_ROOTS"))
    missing = [p for p in roots if not os.path.exists(p)]
    if not roots:
        raise SigningNotConfigured("SIGNING_TRUST_ROOTS is empty: nothing could be trusted")
    if missing:
        hint = f"; {INIT_DEV_HINT}" if any(_same(p, _dev(config).root_cert) for p in missing) else ""
        raise SigningNotConfigured(f"trust root file not found: {', '.join(missing)}{hint}")
    return signing.Trust.from_files(roots)


def _cached(app: Flask, name: str, build):
    key = tuple(str(app.config.get(k)) for k in _SETTINGS)
    cache = app.extensions.setdefault("signing", {})
    hit = cache.get(name)
    if hit is not None and hit[0] == key:
        return hit[1]
    with _lock:
        hit = cache.get(name)
        if hit is not None and hit[0] == key:
            return hit[1]
        value = build(app.config)
        cache[name] = (key, value)
        return value


def current_profile() -> signing.SignProfile:
    """The app's SignProfile, built once per app (rebuilt only if the SIGNING_* settings change)."""
    return _cached(current_app._get_current_object(), "profile", build_profile)  # type: ignore[attr-defined]


def current_trust() -> signing.Trust:
    """The app's Trust for validation, built once per app."""
    return _cached(current_app._get_current_object(), "trust", build_trust)  # type: ignore[attr-defined]


# --- commands --------------------------------------------------------------------------------------

signing_cli = AppGroup("signing", help="Document signing: the development PKI, validating a signed PDF.")


def register(app: Flask) -> None:
    app.cli.add_command(signing_cli)


@signing_cli.command("init-dev")
def init_dev_command() -> None:
    """Create the development PKI (root CA, signer, TSA, CRL) in SIGNING_DEV_DIR, unless it exists."""
    directory = current_app.config["SIGNING_DEV_DIR"]
    try:
        pki = signing.create_dev_pki(directory)
    except signing.SigningError as exc:
        raise click.ClickException(str(exc)) from None
    if pki.created:
        click.echo(f"Created the development PKI in {pki.directory}:")
        for label, path in (("root CA", pki.root_cert), ("signer certificate", pki.signer_cert),
                            ("signer key", pki.signer_key), ("signer PKCS#12", pki.signer_p12),
                            ("TSA certificate", pki.tsa_cert), ("TSA key", pki.tsa_key), ("root CRL", pki.crl)):
            click.echo(f"  {label:<19} {path}")
        click.echo("For development only: anyone with these files can sign as this installation.")
    else:
        click.echo(f"The development PKI already exists in {pki.directory}; nothing changed.")


@signing_cli.command("validate")
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
def validate_command(pdf: str, as_json: bool) -> None:
    """Check every signature of PDF against SIGNING_TRUST_ROOTS; exit status 1 unless all are intact
    and trusted (a PDF without signatures also exits 1)."""
    try:
        report = signing.validate_pdf(Path(pdf).read_bytes(), current_trust())
    except signing.SigningError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    elif not report.signatures:
        click.echo(f"{pdf}: no signatures")
    for sig in report.signatures if not as_json else ():
        verdict = "OK" if sig.intact and sig.trusted else "FAILED"
        click.echo(f"{verdict} {sig.field}: signer {sig.signer or '?'}, level {sig.pades_level or '-'}")
        click.echo(f"  intact: {'yes' if sig.intact else 'no'}   trusted: {'yes' if sig.trusted else 'no'}   "
                   f"whole document: {'yes' if sig.covers_whole_document else 'no'}")
        click.echo(f"  signed at: {sig.signed_at.isoformat() if sig.signed_at else '-'}   "
                   f"timestamp: {sig.timestamp.isoformat() if sig.timestamp else '-'}")
        for problem in sig.problems:
            click.echo(f"  problem: {problem}")
    if not report.signatures or not all(s.intact and s.trusted for s in report.signatures):
        sys.exit(1)
