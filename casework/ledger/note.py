"""C2SP signed notes (c2sp.org/signed-note) and checkpoints (c2sp.org/tlog-checkpoint), Ed25519.

Standard formats rather than home-made ones, so that any transparency-log tool (Go's sumdb/note,
witnesses, monitors) can read and check our checkpoints:

- verifier key: ``name+hex(keyhash)+base64(0x01 || public key)``, where keyhash is the first four
  bytes of SHA-256(name || 0x0A || 0x01 || public key);
- signer key (secret, as Go writes it): ``PRIVATE+KEY+name+hex(keyhash)+base64(0x01 || seed)``;
- note: text ending in a newline, a blank line, then lines ``— name base64(keyhash || signature)``
  (U+2014 em dash), each signature over the text including its final newline;
- checkpoint text: ``origin\\nsize\\nbase64(root)\\n`` plus optional non-empty extension lines.

Parsing is strict (canonical base64, valid names, no control characters) and every rejection is a
NoteError subclass whose message says what was wrong.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from typing import Iterable, Optional, Union

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "ALG_ED25519", "MAX_SIGNATURES", "NoteError", "KeyFormatError", "NoteFormatError", "SignatureError",
    "key_hash", "VerifierKey", "SignerKey", "generate_key", "NoteSignature", "Note",
    "sign_note", "parse_note", "open_note", "Checkpoint", "sign_checkpoint", "open_checkpoint",
]

ALG_ED25519 = 0x01
MAX_SIGNATURES = 100
"""Go's sumdb/note refuses notes with more signature lines than this; so do we."""
_DASH = "\u2014 "
_DECIMAL = re.compile(r"0|[1-9][0-9]*")


class NoteError(ValueError):
    """Base of every error raised by this module."""


class KeyFormatError(NoteError):
    """A signer or verifier key string is malformed or its key hash does not match."""


class NoteFormatError(NoteError):
    """A note or checkpoint does not follow the format."""


class SignatureError(NoteError):
    """A note is well formed but no trusted key signed it, or a trusted key's signature is bad."""


def key_hash(name: str, public_key: bytes) -> bytes:
    """First 4 bytes of SHA-256(name || 0x0A || 0x01 || public key)."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([ALG_ED25519]) + public_key).digest()[:4]


def _valid_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(ch.isspace() or ord(ch) < 0x20 for ch in name)


def _b64decode(text: str, what: str, error: type[NoteError]) -> bytes:
    """Decode standard padded base64 and insist on the canonical encoding (RFC 4648 3.5)."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise error(f"{what} is not valid base64") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise error(f"{what} is not canonical base64")
    return raw


def _split_key(text: str, parts: int, what: str) -> list[str]:
    if not isinstance(text, str):
        raise KeyFormatError(f"{what} must be a string")
    fields = text.strip().split("+", parts - 1)
    if len(fields) != parts:
        raise KeyFormatError(f"{what} must have {parts} '+'-separated fields, not {len(fields)}")
    return fields


def _check_name_and_hash(name: str, hash_hex: str, what: str) -> bytes:
    if not _valid_name(name):
        raise KeyFormatError(f"{what} name {name!r} is empty or has spaces or '+'")
    if not re.fullmatch(r"[0-9a-f]{8}", hash_hex):
        raise KeyFormatError(f"{what} key hash {hash_hex!r} is not 8 lowercase hex digits")
    return bytes.fromhex(hash_hex)


def _algorithm_key(blob: bytes, what: str) -> bytes:
    if not blob or blob[0] != ALG_ED25519:
        raise KeyFormatError(f"{what} is not an Ed25519 key (algorithm byte 0x01)")
    if len(blob) != 33:
        raise KeyFormatError(f"{what} Ed25519 key must be 32 bytes, not {len(blob) - 1}")
    return blob[1:]


@dataclass(frozen=True)
class VerifierKey:
    """A log's public key under its name: what ``/api/v1/ledger/key`` and ledger-key.txt hold."""

    name: str
    key_hash: bytes
    public_key: bytes

    @classmethod
    def parse(cls, text: str) -> "VerifierKey":
        """Parse ``name+hash+base64``; the hash must match the name and key."""
        name, hash_hex, key64 = _split_key(text, 3, "verifier key")
        declared = _check_name_and_hash(name, hash_hex, "verifier key")
        public = _algorithm_key(_b64decode(key64, "verifier key data", KeyFormatError), "verifier key")
        if key_hash(name, public) != declared:
            raise KeyFormatError("verifier key hash does not match its name and public key")
        return cls(name=name, key_hash=declared, public_key=public)

    def __str__(self) -> str:
        return f"{self.name}+{self.key_hash.hex()}+{base64.b64encode(bytes([ALG_ED25519]) + self.public_key).decode()}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this key's Ed25519 signature of ``message``."""
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


@dataclass(frozen=True)
class SignerKey:
    """A log's private key under its name; its text form is a secret (keep it out of the tree)."""

    name: str
    key_hash: bytes
    seed: bytes

    @classmethod
    def generate(cls, name: str) -> "SignerKey":
        """A fresh random Ed25519 key for the log called ``name`` (usually the origin)."""
        if not _valid_name(name):
            raise KeyFormatError(f"key name {name!r} is empty or has spaces or '+'")
        seed = Ed25519PrivateKey.generate().private_bytes_raw()
        return cls.from_seed(name, seed)

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> "SignerKey":
        """The key for a 32-byte Ed25519 seed."""
        if len(seed) != 32:
            raise KeyFormatError("an Ed25519 seed is 32 bytes")
        public = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()
        return cls(name=name, key_hash=key_hash(name, public), seed=bytes(seed))

    @classmethod
    def parse(cls, text: str) -> "SignerKey":
        """Parse ``PRIVATE+KEY+name+hash+base64``; the hash must match the derived public key."""
        private, key, name, hash_hex, key64 = _split_key(text, 5, "signer key")
        if (private, key) != ("PRIVATE", "KEY"):
            raise KeyFormatError("signer key must start with PRIVATE+KEY+")
        declared = _check_name_and_hash(name, hash_hex, "signer key")
        signer = cls.from_seed(name, _algorithm_key(_b64decode(key64, "signer key data", KeyFormatError), "signer key"))
        if signer.key_hash != declared:
            raise KeyFormatError("signer key hash does not match its name and key")
        return signer

    def __str__(self) -> str:
        data = base64.b64encode(bytes([ALG_ED25519]) + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.key_hash.hex()}+{data}"

    def __repr__(self) -> str:
        return f"SignerKey(name={self.name!r}, key_hash={self.key_hash.hex()!r}, seed=<secret>)"

    @property
    def verifier(self) -> VerifierKey:
        """The matching public verifier key."""
        public = Ed25519PrivateKey.from_private_bytes(self.seed).public_key().public_bytes_raw()
        return VerifierKey(name=self.name, key_hash=self.key_hash, public_key=public)

    def sign(self, message: bytes) -> bytes:
        """Raw Ed25519 signature of ``message``."""
        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(message)


def generate_key(name: str) -> tuple[str, str]:
    """A new key pair as text: (signer key, verifier key), as Go's note.GenerateKey returns them."""
    signer = SignerKey.generate(name)
    return str(signer), str(signer.verifier)


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: the key's name and hash, and the raw signature bytes."""

    name: str
    key_hash: bytes
    signature: bytes

    def line(self) -> str:
        return f"{_DASH}{self.name} {base64.b64encode(self.key_hash + self.signature).decode()}\n"


@dataclass(frozen=True)
class Note:
    """A parsed note: its text (what the signatures cover) and its signature lines in order."""

    text: str
    signatures: tuple[NoteSignature, ...]


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteFormatError("note text must end with a newline")
    bad = next((ch for ch in text if ord(ch) < 0x20 and ch != "\n"), None)
    if bad is not None:
        raise NoteFormatError(f"note contains control character U+{ord(bad):04X}")


def sign_note(text: str, *signers: SignerKey) -> str:
    """The signed note: ``text``, a blank line, one signature line per signer."""
    if not signers:
        raise NoteError("a note needs at least one signer")
    _check_text(text)
    if text.endswith("\n\n") or text == "\n":
        raise NoteFormatError("note text must not end with a blank line")
    message = text.encode("utf-8")
    lines = [NoteSignature(s.name, s.key_hash, s.sign(message)).line() for s in signers]
    return text + "\n" + "".join(lines)


def parse_note(message: Union[str, bytes]) -> Note:
    """Split a note into text and signature lines, checking syntax only (no signature is checked)."""
    if isinstance(message, bytes):
        try:
            message = message.decode("utf-8")
        except UnicodeDecodeError:
            raise NoteFormatError("note is not valid UTF-8") from None
    _check_text(message)
    split = message.rfind("\n\n")
    if split < 0:
        raise NoteFormatError("note has no blank line before its signatures")
    text, block = message[: split + 1], message[split + 2 :]
    if not block:
        raise NoteFormatError("note has no signature lines")
    signatures = []
    for number, line in enumerate(block[:-1].split("\n"), start=1):
        if number > MAX_SIGNATURES:
            raise NoteFormatError(f"note has more than {MAX_SIGNATURES} signatures")
        if not line.startswith(_DASH):
            raise NoteFormatError(f"signature line {number} does not start with an em dash and a space")
        name, _, sig64 = line[len(_DASH) :].partition(" ")
        if not _valid_name(name):
            raise NoteFormatError(f"signature line {number} has an invalid key name {name!r}")
        raw = _b64decode(sig64, f"signature line {number}", NoteFormatError)
        if len(raw) < 5:
            raise NoteFormatError(f"signature line {number} is too short")
        signatures.append(NoteSignature(name=name, key_hash=raw[:4], signature=raw[4:]))
    return Note(text=text, signatures=tuple(signatures))


def open_note(message: Union[str, bytes], verifiers: Iterable[VerifierKey]) -> Note:
    """Parse a note and check it as Go's note.Open does.

    Signatures by unknown keys are ignored; a bad signature by a known key rejects the note; at
    least one known key must have signed. Returns the note with only the verified signatures.
    """
    note = parse_note(message)
    known = {(v.name, v.key_hash): v for v in verifiers}
    message_bytes = note.text.encode("utf-8")
    verified: dict[tuple[str, bytes], NoteSignature] = {}
    for sig in note.signatures:
        verifier = known.get((sig.name, sig.key_hash))
        if verifier is None or (sig.name, sig.key_hash) in verified:
            continue
        if not verifier.verify(message_bytes, sig.signature):
            raise SignatureError(f"invalid signature by key {sig.name}+{sig.key_hash.hex()}")
        verified[(sig.name, sig.key_hash)] = sig
    if not verified:
        raise SignatureError("note has no signature by a trusted key")
    return Note(text=note.text, signatures=tuple(verified.values()))


@dataclass(frozen=True)
class Checkpoint:
    """A signed tree head's content: which log, how many leaves, which root."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def to_text(self) -> str:
        """The checkpoint's note text; checks the fields, so a bad checkpoint is never signed."""
        if not self.origin or "\n" in self.origin or self.origin != self.origin.strip():
            raise NoteFormatError("checkpoint origin must be one non-empty line without outer spaces")
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 0:
            raise NoteFormatError("checkpoint size must be a non-negative integer")
        if len(self.root_hash) != 32:
            raise NoteFormatError("checkpoint root hash must be 32 bytes")
        if any(not line or "\n" in line for line in self.extensions):
            raise NoteFormatError("checkpoint extension lines must be non-empty single lines")
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode(), *self.extensions]
        return "\n".join(lines) + "\n"

    @classmethod
    def parse(cls, text: str) -> "Checkpoint":
        """Parse a checkpoint's note text (without signatures)."""
        if not text.endswith("\n"):
            raise NoteFormatError("checkpoint text must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3 or any(not line for line in lines):
            raise NoteFormatError("checkpoint needs origin, size and root hash lines, none empty")
        origin, size, root64, *extensions = lines
        if not _DECIMAL.fullmatch(size):
            raise NoteFormatError(f"checkpoint size {size!r} is not a decimal without leading zeros")
        root = _b64decode(root64, "checkpoint root hash", NoteFormatError)
        if len(root) != 32:
            raise NoteFormatError("checkpoint root hash must be 32 bytes")
        checkpoint = cls(origin=origin, size=int(size), root_hash=root, extensions=tuple(extensions))
        checkpoint.to_text()
        return checkpoint


def sign_checkpoint(checkpoint: Checkpoint, signer: SignerKey) -> str:
    """The signed checkpoint note, as ``/api/v1/ledger/checkpoint`` serves it."""
    return sign_note(checkpoint.to_text(), signer)


def open_checkpoint(message: Union[str, bytes], verifier: VerifierKey, origin: Optional[str] = None) -> Checkpoint:
    """Verify a signed checkpoint against the log's key and return its content.

    The origin must equal ``origin`` (default: the key's name, as the spec recommends), so a
    checkpoint of another log signed with the same key cannot pass for one of ours.
    """
    checkpoint = Checkpoint.parse(open_note(message, [verifier]).text)
    expected = verifier.name if origin is None else origin
    if checkpoint.origin != expected:
        raise SignatureError(f"checkpoint is for origin {checkpoint.origin!r}, expected {expected!r}")
    return checkpoint

