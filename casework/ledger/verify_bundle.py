#!/usr/bin/env python3
"""Verify a Yidun Casework evidence bundle offline.

Usage: unzip the bundle, then run ``python verify.py`` inside its folder (or
``python verify.py FOLDER``). It needs Python 3.9+ and the ``cryptography`` package, nothing else.

It checks that
  1. every file listed in manifest.json is present with the listed SHA-256 and size, and no
     other file is in the folder (besides verify.py, manifest.json, ledger-key.txt, receipts/);
  2. each file's deposit receipt (receipts/<deposit_index>.json) records that same SHA-256 and
     size, its leaf hash is SHA-256(0x00 || entry), and its RFC 9162 inclusion proof leads to the
     root hash of the receipt's checkpoint;
  3. every checkpoint is a C2SP signed note signed by the key in ledger-key.txt, which is also the
     receipt's log_key, and no two checkpoints of the same tree size disagree on the root.

It prints one PASS or FAIL line per item and an overall line, and exits 1 on any failure.
This file is self-contained on purpose: it is copied into every bundle and must not depend on the
application that made it. (RFC 3161 timestamp tokens in receipts are not checked here.)
"""
import base64
import binascii
import hashlib
import json
import os
import sys

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
except ImportError:  # pragma: no cover - depends on the machine running the bundle
    sys.exit("verify.py needs the 'cryptography' package: pip install cryptography")

RESERVED = {"verify.py", "manifest.json", "ledger-key.txt"}
RECEIPTS = "receipts"
DASH = "\u2014 "


class Fail(Exception):
    """One check failed; the message says which and why."""


def b64(text, what):
    """Strict, canonical standard base64."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError, AttributeError):
        raise Fail("%s is not valid base64" % what)
    if base64.b64encode(raw).decode("ascii") != text:
        raise Fail("%s is not canonical base64" % what)
    return raw


def sha256_file(path):
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def parse_key(text):
    """C2SP verifier key ``name+hash+base64(0x01 || key)`` -> (name, keyhash, public key)."""
    parts = text.strip().split("+", 2)
    if len(parts) != 3 or not parts[0] or any(c.isspace() for c in parts[0]):
        raise Fail("ledger key is not of the form name+hash+key")
    name, hash_hex, key64 = parts
    blob = b64(key64, "ledger key data")
    if len(blob) != 33 or blob[0] != 1:
        raise Fail("ledger key is not an Ed25519 key")
    keyhash = hashlib.sha256(name.encode("utf-8") + b"\n" + blob).digest()[:4]
    if hash_hex != keyhash.hex():
        raise Fail("ledger key hash does not match its name and key")
    return name, keyhash, Ed25519PublicKey.from_public_bytes(blob[1:])


def open_checkpoint(note, key):
    """Check a signed checkpoint against the key; return (size, root hash)."""
    name, keyhash, public = key
    if not isinstance(note, str) or not note.endswith("\n"):
        raise Fail("checkpoint is not text ending in a newline")
    if any(ord(c) < 0x20 and c != "\n" for c in note):
        raise Fail("checkpoint contains control characters")
    split = note.rfind("\n\n")
    if split < 0:
        raise Fail("checkpoint has no signature block")
    text, block = note[: split + 1], note[split + 2 :]
    signed = False
    for line in block[:-1].split("\n"):
        if not line.startswith(DASH):
            raise Fail("checkpoint has a malformed signature line")
        signer, _, sig64 = line[len(DASH) :].partition(" ")
        raw = b64(sig64, "checkpoint signature")
        if signer != name or raw[:4] != keyhash:
            continue  # another party's signature (a witness): not ours to judge
        try:
            public.verify(raw[4:], text.encode("utf-8"))
        except InvalidSignature:
            raise Fail("checkpoint signature by %s is invalid" % name)
        signed = True
    if not signed:
        raise Fail("checkpoint is not signed by the ledger key %s" % name)
    lines = text[:-1].split("\n")
    if len(lines) < 3 or lines[0] != name:
        raise Fail("checkpoint is not for the log %s" % name)
    if not lines[1].isdigit() or (lines[1] != "0" and lines[1].startswith("0")):
        raise Fail("checkpoint size is not a decimal number")
    root = b64(lines[2], "checkpoint root hash")
    if len(root) != 32:
        raise Fail("checkpoint root hash is not 32 bytes")
    return int(lines[1]), root


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def inclusion_root(index, size, leaf, proof):
    """The root an RFC 9162 inclusion proof implies (section 2.1.3.2)."""
    if not 0 <= index < size:
        raise Fail("leaf index %d is outside the tree of size %d" % (index, size))
    if len(leaf) != 32 or any(len(p) != 32 for p in proof):
        raise Fail("inclusion proof holds a hash that is not 32 bytes")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise Fail("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise Fail("inclusion proof is too short")
    return r


def strict_json(data, what):
    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            raise Fail("%s repeats a field" % what)
        return dict(pairs)

    try:
        value = json.loads(data, object_pairs_hook=no_duplicates)
    except ValueError as exc:
        raise Fail("%s is not valid JSON (%s)" % (what, exc))
    if not isinstance(value, dict):
        raise Fail("%s is not a JSON object" % what)
    return value


def is_index(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def check_receipt(folder, item, actual, key, key_text, roots):
    """Check one file's receipt; return a short description of what was proved."""
    index = item["deposit_index"]
    path = os.path.join(folder, RECEIPTS, "%d.json" % index)
    if not os.path.isfile(path):
        raise Fail("receipt %s/%d.json is missing" % (RECEIPTS, index))
    with open(path, "rb") as handle:
        receipt = strict_json(handle.read().decode("utf-8", "replace"), "receipt")
    if receipt.get("index") != index:
        raise Fail("receipt is for deposit %r, not %d" % (receipt.get("index"), index))
    if not isinstance(receipt.get("log_key"), str) or receipt["log_key"].strip() != key_text:
        raise Fail("receipt's log_key is not the key in ledger-key.txt")
    entry_text = receipt.get("entry")
    if not isinstance(entry_text, str):
        raise Fail("receipt has no entry")
    entry = strict_json(entry_text, "entry")
    if entry.get("sha256") != actual[0] or entry.get("size") != actual[1]:
        raise Fail("deposited entry records sha256 %s size %r, the file is %s size %d"
                   % (entry.get("sha256"), entry.get("size"), actual[0], actual[1]))
    leaf = hashlib.sha256(b"\x00" + entry_text.encode("utf-8")).digest()
    if receipt.get("leaf_hash") != leaf.hex():
        raise Fail("receipt's leaf_hash is not SHA-256(0x00 || entry)")
    size, root = open_checkpoint(receipt.get("checkpoint"), key)
    if receipt.get("tree_size") != size:
        raise Fail("receipt's tree_size %r differs from its checkpoint's %d" % (receipt.get("tree_size"), size))
    proof = receipt.get("inclusion_proof")
    if not isinstance(proof, list) or not all(isinstance(p, str) for p in proof):
        raise Fail("receipt's inclusion_proof is not a list of hex hashes")
    try:
        hashes = [bytes.fromhex(p) for p in proof]
    except ValueError:
        raise Fail("receipt's inclusion_proof is not a list of hex hashes")
    if inclusion_root(index, size, leaf, hashes) != root:
        raise Fail("inclusion proof does not lead to the checkpoint's root hash")
    if roots.setdefault(size, root) != root:
        raise Fail("two checkpoints of tree size %d have different root hashes (a forked log)" % size)
    return "deposit %d (%s) is in the signed ledger of %d entries" % (index, entry.get("kind"), size)


def listed_path(item):
    path = item.get("path") if isinstance(item, dict) else None
    if not isinstance(path, str) or not path or path.startswith("/") or "\\" in path:
        raise Fail("manifest entry has no relative path: %r" % (item,))
    parts = path.split("/")
    if any(p in ("", ".", "..") for p in parts) or path in RESERVED or parts[0] == RECEIPTS:
        raise Fail("manifest path %r is not allowed" % path)
    if not is_index(item.get("deposit_index")):
        raise Fail("manifest entry %s has no deposit_index" % path)
    return path


def verify(folder):
    """Run every check, print the report, return the number of failures."""
    results = []

    def record(ok, what, message):
        results.append(ok)
        print("%s  %s: %s" % ("PASS" if ok else "FAIL", what, message))

    def attempt(what, check, *args):
        try:
            message = check(*args)
        except Fail as exc:
            record(False, what, str(exc))
        except Exception as exc:  # a malformed bundle must give a FAIL line, never a traceback
            record(False, what, "cannot be checked: %s: %s" % (type(exc).__name__, exc))
        else:
            record(True, what, message)
            return True
        return False

    state = {}

    def load_key():
        with open(os.path.join(folder, "ledger-key.txt"), encoding="utf-8") as handle:
            state["key_text"] = handle.read().strip()
        state["key"] = parse_key(state["key_text"])
        return "ledger key %s" % state["key_text"].split("+", 1)[0]

    def load_manifest():
        with open(os.path.join(folder, "manifest.json"), "rb") as handle:
            manifest = strict_json(handle.read().decode("utf-8"), "manifest.json")
        if not isinstance(manifest.get("files"), list):
            raise Fail("manifest.json has no files list")
        state["files"] = manifest["files"]
        return "case %s, %d files" % (manifest.get("case"), len(manifest["files"]))

    key_ok = attempt("ledger-key.txt", load_key)
    if attempt("manifest.json", load_manifest):
        listed, roots = set(), {}
        for number, item in enumerate(state["files"], start=1):
            what = "file #%d" % number
            try:
                path = listed_path(item)
            except Fail as exc:
                record(False, what, str(exc))
                continue
            what = path
            if path in listed:
                record(False, what, "listed twice in the manifest")
                continue
            listed.add(path)
            full = os.path.join(folder, *path.split("/"))
            if os.path.islink(full) or not os.path.isfile(full):
                record(False, what, "missing from the bundle (or not a regular file)")
                continue
            actual = sha256_file(full)
            if (item.get("sha256"), item.get("size")) != actual:
                record(False, what, "sha256 %s size %d does not match the manifest" % actual)
                continue
            record(True, what, "sha256 and size match the manifest")
            if key_ok:
                attempt("%s receipt" % path, check_receipt, folder, item, actual, state["key"], state["key_text"], roots)
        for path in sorted(unlisted(folder, listed)):
            record(False, path, "present in the bundle but not listed in the manifest")
    failures = results.count(False)
    print("%s  overall: %d checks, %d failed" % ("PASS" if not failures else "FAIL", len(results), failures))
    return failures


def unlisted(folder, listed):
    for top, dirs, files in os.walk(folder):
        rel = os.path.relpath(top, folder).replace(os.sep, "/")
        if rel == ".":
            dirs[:] = [d for d in dirs if d != RECEIPTS]
        for name in files + [d for d in dirs if os.path.islink(os.path.join(top, d))]:
            path = name if rel == "." else rel + "/" + name
            if path not in listed and path not in RESERVED:
                yield path


def main(argv):
    if len(argv) > 2:
        sys.exit("usage: python verify.py [BUNDLE_FOLDER]")
    folder = argv[1] if len(argv) == 2 else os.path.dirname(os.path.abspath(__file__))
    return 1 if verify(folder) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
