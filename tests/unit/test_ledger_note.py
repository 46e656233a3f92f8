"""Signed notes and checkpoints: Go sumdb/note interop, round trips, tampering, strict parsing."""
from __future__ import annotations

import base64

import pytest

from casework.ledger.note import (
    Checkpoint,
    KeyFormatError,
    NoteError,
    NoteFormatError,
    SignatureError,
    SignerKey,
    VerifierKey,
    generate_key,
    key_hash,
    open_checkpoint,
    open_note,
    parse_note,
    sign_checkpoint,
    sign_note,
)

# The worked example in the documentation of Go's golang.org/x/mod/sumdb/note.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_NOTE = GO_TEXT + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"

ORIGIN = "ledger.example.org/yidun"
ROOT = bytes(range(32))


@pytest.fixture(scope="module")
def signer() -> SignerKey:
    return SignerKey.generate(ORIGIN)


def test_go_interop():
    signer = SignerKey.parse(GO_SKEY)
    assert str(signer) == GO_SKEY
    assert str(signer.verifier) == GO_VKEY
    assert sign_note(GO_TEXT, signer) == GO_NOTE  # Ed25519 is deterministic
    verifier = VerifierKey.parse(GO_VKEY)
    note = open_note(GO_NOTE, [verifier])
    assert note.text == GO_TEXT and [s.name for s in note.signatures] == ["PeterNeumann"]
    assert key_hash("PeterNeumann", base64.b64decode("ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")[1:]).hex() == "c74f20a3"


def test_generated_keys_round_trip():
    skey, vkey = generate_key(ORIGIN)
    assert skey.startswith(f"PRIVATE+KEY+{ORIGIN}+") and vkey.startswith(f"{ORIGIN}+")
    assert str(SignerKey.parse(skey).verifier) == vkey == str(VerifierKey.parse(vkey + "\n"))
    # PRIVATE+KEY+<name>+<hash>+<base64 key>: the key's base64 may itself hold '+', so split from the left.
    secret = skey[len(f"PRIVATE+KEY+{ORIGIN}+"):].split("+", 1)[1]
    assert len(secret) > 40 and secret not in repr(SignerKey.parse(skey))  # the secret stays out of logs


def test_checkpoint_round_trip(signer):
    checkpoint = Checkpoint(origin=ORIGIN, size=1200, root_hash=ROOT, extensions=("ext one",))
    note = sign_checkpoint(checkpoint, signer)
    assert note.startswith(f"{ORIGIN}\n1200\n{base64.b64encode(ROOT).decode()}\next one\n\n\u2014 {ORIGIN} ")
    assert open_checkpoint(note, signer.verifier) == checkpoint
    assert open_checkpoint(note.encode("utf-8"), signer.verifier) == checkpoint


def test_spec_example_checkpoint_text_parses():
    text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    checkpoint = Checkpoint.parse(text)
    assert checkpoint.origin == "example.com/behind-the-sofa" and checkpoint.size == 20852163
    assert checkpoint.to_text() == text


def test_tampered_body_fails(signer):
    note = sign_checkpoint(Checkpoint(ORIGIN, 10, ROOT), signer)
    with pytest.raises(SignatureError, match="invalid signature"):
        open_checkpoint(note.replace("\n10\n", "\n11\n"), signer.verifier)


def test_tampered_signature_fails(signer):
    note = sign_checkpoint(Checkpoint(ORIGIN, 10, ROOT), signer)
    body, line = note.rsplit("\u2014 ", 1)
    name, sig64 = line.split()
    raw = bytearray(base64.b64decode(sig64))
    raw[10] ^= 1
    with pytest.raises(SignatureError):
        open_checkpoint(f"{body}\u2014 {name} {base64.b64encode(bytes(raw)).decode()}\n", signer.verifier)


def test_wrong_key_fails(signer):
    note = sign_checkpoint(Checkpoint(ORIGIN, 10, ROOT), signer)
    other = SignerKey.generate(ORIGIN)  # same name, different key: unknown key hash
    with pytest.raises(SignatureError, match="no signature by a trusted key"):
        open_checkpoint(note, other.verifier)
    forged = VerifierKey(name=ORIGIN, key_hash=signer.key_hash, public_key=other.verifier.public_key)
    with pytest.raises(SignatureError, match="invalid signature"):
        open_checkpoint(note, forged)


def test_origin_must_match(signer):
    note = sign_checkpoint(Checkpoint("another.example/log", 10, ROOT), signer)
    with pytest.raises(SignatureError, match="origin"):
        open_checkpoint(note, signer.verifier)
    assert open_checkpoint(note, signer.verifier, origin="another.example/log").size == 10


def test_unknown_cosignatures_are_ignored(signer):
    witness = SignerKey.generate("witness.example/w1")
    note = sign_note(Checkpoint(ORIGIN, 3, ROOT).to_text(), signer, witness)
    opened = open_note(note, [signer.verifier])
    assert [s.name for s in opened.signatures] == [ORIGIN]
    assert len(parse_note(note).signatures) == 2
    both = open_note(note, [signer.verifier, witness.verifier])
    assert [s.name for s in both.signatures] == [ORIGIN, "witness.example/w1"]


@pytest.mark.parametrize(
    "mutate",
    [
        lambda n: n.replace("\n\n", "\n"),                        # no blank line
        lambda n: n.split("\n\n")[0] + "\n\n",                    # no signature lines
        lambda n: n.replace("\u2014 ", "-- "),                    # ASCII dashes
        lambda n: n.replace("\u2014 ", "\u2014"),                 # no space after the dash
        lambda n: n[:-1],                                         # no final newline
        lambda n: n.replace("\n10\n", "\n1\t0\n"),                # control character
        lambda n: n[:-3] + "!=\n",                                # bad base64
        lambda n: n.replace("\u2014 ledger", "\u2014 led ger"),  # space in key name
    ],
)
def test_malformed_notes_are_rejected(signer, mutate):
    note = sign_checkpoint(Checkpoint(ORIGIN, 10, ROOT), signer)
    with pytest.raises(NoteError):
        open_checkpoint(mutate(note), signer.verifier)


def test_non_canonical_base64_is_rejected(signer):
    note = sign_checkpoint(Checkpoint(ORIGIN, 10, ROOT), signer)
    sig64 = note.rsplit(" ", 1)[1].strip()
    raw = base64.b64decode(sig64)  # 68 bytes: the last group carries 4 unused bits
    assert sig64.endswith("=")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = sig64.rstrip("=")[-1]
    sloppy = sig64.rstrip("=")[:-1] + alphabet[alphabet.index(last) ^ 1] + "=" * sig64.count("=")
    assert base64.b64decode(sloppy) == raw
    with pytest.raises(NoteFormatError, match="canonical"):
        parse_note(note.replace(sig64, sloppy))


def test_invalid_utf8_and_too_many_signatures(signer):
    with pytest.raises(NoteFormatError, match="UTF-8"):
        parse_note(b"hello\xff\n\n\xe2\x80\x94 a AAAAAAA=\n")
    text = Checkpoint(ORIGIN, 1, ROOT).to_text()
    line = sign_note(text, signer).split("\n\n")[1]
    with pytest.raises(NoteFormatError, match="more than 100"):
        parse_note(text + "\n" + line * 101)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "origin\n10\n",                                   # no root line
        "origin\n010\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",  # leading zero
        "origin\n-1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
        "origin\n10\nAAECAw==\n",                         # root too short
        "origin\n10\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n\nx\n",  # empty extension line
        "origin\n10\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",      # no final newline
        "\n10\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",          # empty origin
    ],
)
def test_bad_checkpoint_text(text):
    with pytest.raises(NoteFormatError):
        Checkpoint.parse(text)


def test_checkpoints_that_cannot_be_written_are_refused(signer):
    for bad in [Checkpoint(ORIGIN, -1, ROOT), Checkpoint(ORIGIN, 1, ROOT[:31]), Checkpoint("a\nb", 1, ROOT),
                Checkpoint(ORIGIN, 1, ROOT, ("",))]:
        with pytest.raises(NoteFormatError):
            sign_checkpoint(bad, signer)


@pytest.mark.parametrize(
    "key",
    [
        "",
        "name+c74f20a3",                                                     # missing key data
        "name with space+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # upper-case hash
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # wrong hash
        "PeterNeumann+c74f20a3+Apc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",   # bad base64
        "PeterNeumann+c74f20a3+AhpcAAAA",                                      # wrong algorithm, short
        "Peter+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",       # another name
    ],
)
def test_bad_verifier_keys(key):
    with pytest.raises(KeyFormatError):
        VerifierKey.parse(key)


@pytest.mark.parametrize(
    "key",
    [
        "PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",           # not marked private
        "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",  # wrong hash
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr",                   # short seed
        GO_VKEY,
    ],
)
def test_bad_signer_keys(key):
    with pytest.raises(KeyFormatError):
        SignerKey.parse(key)


def test_bad_key_names_and_texts():
    with pytest.raises(KeyFormatError):
        SignerKey.generate("has+plus")
    with pytest.raises(KeyFormatError):
        SignerKey.generate("")
    signer = SignerKey.parse(GO_SKEY)
    with pytest.raises(NoteFormatError):
        sign_note("no newline", signer)
    with pytest.raises(NoteFormatError):
        sign_note("trailing blank line\n\n", signer)
    with pytest.raises(NoteError):
        sign_note(GO_TEXT)
