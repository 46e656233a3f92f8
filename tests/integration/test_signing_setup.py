"""The app's signing set-up: settings to profile and trust, the `signing` commands, and RFC 3161
tokens on ledger checkpoints from a real (loopback) timestamp authority."""
from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timezone

import pytest
from asn1crypto import cms

import signing
from casework import signing_setup
from casework.services import ledger
from casework.services.actor import Actor
from signing.timestamps import HttpTimestamper, InProcessTimestamper
from tests.signing_fixtures import letter_pdf, local_tsa, signing_pki, signing_settings, use_signing  # noqa: F401

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)


def test_init_dev_twice_is_idempotent(app, tmp_path):
    runner = app.test_cli_runner()
    with use_signing(app, {"SIGNING_DEV_DIR": str(tmp_path / "signing")}):
        first = runner.invoke(args=["signing", "init-dev"])
        assert first.exit_code == 0, first.output
        assert "Created the development PKI" in first.output and "signer.key" in first.output
        key = (tmp_path / "signing" / "signer.key").read_bytes()
        second = runner.invoke(args=["signing", "init-dev"])
        assert second.exit_code == 0 and "already exists" in second.output
        assert (tmp_path / "signing" / "signer.key").read_bytes() == key


def test_profile_from_settings_is_built_once_and_signs(app, signing_pki, letter_pdf):
    with use_signing(app, signing_settings(signing_pki.directory)):
        profile = signing_setup.current_profile()
        assert profile is signing_setup.current_profile()  # parsed once per app
        assert profile.level == "B-T" and isinstance(profile.timestamper, InProcessTimestamper)
        signed = signing.sign_pdf(letter_pdf, profile, signer_name="王静", verification_url="http://localhost/v/1")
        [report] = signing.validate_pdf(signed, signing_setup.current_trust()).signatures
        assert report.intact and report.trusted and report.pades_level == "B-T" and report.timestamp
    with use_signing(app, signing_settings(signing_pki.directory, level="B-LTA")):
        lta = signing_setup.current_profile()  # settings changed: rebuilt
        assert lta is not profile and lta.level == "B-LTA" and lta.validation.crls


def test_tsa_url_setting_uses_http(app, signing_pki, local_tsa):
    with use_signing(app, signing_settings(signing_pki.directory, tsa_url=local_tsa.url)):
        profile = signing_setup.current_profile()
        assert isinstance(profile.timestamper, HttpTimestamper) and profile.timestamper.url == local_tsa.url


def test_missing_key_says_what_to_run(app, tmp_path, signing_pki):
    empty = tmp_path / "nothing"
    settings = {"SIGNING_DEV_DIR": str(empty), "SIGNING_KEY": str(empty / "signer.key"),
                "SIGNING_CERT": str(empty / "signer.pem"), "SIGNING_TRUST_ROOTS": str(empty / "root-ca.pem")}
    with use_signing(app, settings):
        with pytest.raises(signing_setup.SigningNotConfigured, match="flask --app app signing init-dev"):
            signing_setup.current_profile()
        with pytest.raises(signing_setup.SigningNotConfigured, match="init-dev"):
            signing_setup.current_trust()
    production = {**settings, "SIGNING_KEY": str(tmp_path / "prod.p12")}
    with use_signing(app, production):
        with pytest.raises(signing_setup.SigningNotConfigured, match="prod.p12 does not exist"):
            signing_setup.current_profile()


def test_without_any_tsa_the_level_falls_back_to_b_b(app, tmp_path, signing_pki):
    settings = signing_settings(signing_pki.directory)
    settings["SIGNING_DEV_DIR"] = str(tmp_path / "no-tsa-here")
    with use_signing(app, settings):
        assert signing_setup.current_profile().level == "B-B"


def test_validate_command_exit_status(app, tmp_path, signing_pki, letter_pdf):
    runner = app.test_cli_runner()
    with use_signing(app, signing_settings(signing_pki.directory)):
        signed = signing.sign_pdf(letter_pdf, signing_setup.current_profile(), signer_name="王静",
                                  verification_url="http://localhost/v/1")
        good, bad, plain, junk = (tmp_path / n for n in ("good.pdf", "bad.pdf", "plain.pdf", "junk.pdf"))
        good.write_bytes(signed)
        tampered = bytearray(signed)
        at = tampered.index(b"/Producer")
        tampered[at + 1] = ord("Q")
        bad.write_bytes(bytes(tampered))
        plain.write_bytes(letter_pdf)
        junk.write_bytes(b"not a pdf at all")
        ok = runner.invoke(args=["signing", "validate", str(good)])
        assert ok.exit_code == 0, ok.output
        assert "OK Signature1" in ok.output and "trusted: yes" in ok.output and "B-T" in ok.output
        as_json = runner.invoke(args=["signing", "validate", "--json", str(good)])
        assert as_json.exit_code == 0 and '"intact": true' in as_json.output
        broken = runner.invoke(args=["signing", "validate", str(bad)])
        assert broken.exit_code == 1 and "FAILED Signature1" in broken.output and "intact: no" in broken.output
        unsigned = runner.invoke(args=["signing", "validate", str(plain)])
        assert unsigned.exit_code == 1 and "no signatures" in unsigned.output
        garbage = runner.invoke(args=["signing", "validate", str(junk)])
        assert garbage.exit_code == 1 and "not a PDF" in garbage.output
    other = signing.create_dev_pki(tmp_path / "other")
    with use_signing(app, {**signing_settings(signing_pki.directory), "SIGNING_TRUST_ROOTS": str(other.root_cert)}):
        untrusted = runner.invoke(args=["signing", "validate", str(good)])
        assert untrusted.exit_code == 1 and "trusted: no" in untrusted.output


def test_ledger_checkpoints_carry_a_real_rfc3161_token(app, local_tsa, signing_pki):
    with use_signing(app, {"TSA_URL": local_tsa.url}):
        dep = ledger.deposit(kind="evidence", sha256=hashlib.sha256(b"tsa").hexdigest(), size=3,
                             subject="case:1", actor=Actor.system("tests"), now=NOW)
        receipt = ledger.receipt(dep.index, now=NOW)
    token = cms.ContentInfo.load(base64.b64decode(receipt["timestamp_token"]))
    info = token["content"]["encap_content_info"]["content"].parsed
    assert info["message_imprint"]["hashed_message"].native == hashlib.sha256(receipt["checkpoint"].encode()).digest()
    [tsa_cert] = [c.chosen for c in token["content"]["certificates"]
                  if c.chosen.subject.native["common_name"] == "Yidun Casework Development TSA"]
    assert tsa_cert.sha256 == signing.load_certificates(signing_pki.tsa_cert)[0].sha256


def test_lt_levels_need_revocation_data(app, signing_pki, tmp_path, local_tsa):
    settings = signing_settings(signing_pki.directory, level="B-LT")
    with use_signing(app, settings):
        assert signing_setup.current_profile().validation.crls  # the development CRL, with the development key
    copy = tmp_path / "prod.key"
    copy.write_bytes(signing_pki.signer_key.read_bytes())  # the same key, but not the development key file
    settings = {**settings, "SIGNING_TSA_URL": local_tsa.url}
    with use_signing(app, {**settings, "SIGNING_KEY": str(copy)}):
        with pytest.raises(signing_setup.SigningNotConfigured, match="SIGNING_CRLS"):
            signing_setup.current_profile()
    with use_signing(app, {**settings, "SIGNING_KEY": str(copy), "SIGNING_CRLS": str(tmp_path / "none.crl")}):
        with pytest.raises(signing.KeyLoadError, match="none.crl"):
            signing_setup.current_profile()


def test_a_missing_stamp_font_fails_when_the_profile_is_built(app, signing_pki, tmp_path):
    with use_signing(app, {**signing_settings(signing_pki.directory), "SIGNING_STAMP_FONT": str(tmp_path / "x.otf")}):
        with pytest.raises(signing.FontError, match="x.otf"):
            signing_setup.current_profile()


def test_a_production_key_is_never_timestamped_by_the_development_tsa(app, signing_pki, tmp_path):
    copy = tmp_path / "prod.key"
    copy.write_bytes(signing_pki.signer_key.read_bytes())
    with use_signing(app, {**signing_settings(signing_pki.directory), "SIGNING_KEY": str(copy)}):
        profile = signing_setup.current_profile()
        assert profile.level == "B-B" and profile.timestamper is None
