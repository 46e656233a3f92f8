"""Every RFC 9162 conformance vector (transparency-dev/merkle data) against our verifiers.

Both verifiers are run: the library's (casework.ledger.merkle) and the standalone copy inside
verify_bundle.py that ships in evidence bundles, so the two cannot drift apart.
"""
from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from casework.ledger import verify_bundle
from casework.ledger.memstore import MemoryNodeStore
from casework.ledger.merkle import ProofError, leaf_hash, root_of, verify_consistency, verify_inclusion

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "rfc9162-merkle"
INCLUSION = sorted((VECTORS / "inclusion").rglob("*.json"))
CONSISTENCY = sorted((VECTORS / "consistency").rglob("*.json"))


def _name(path: Path) -> str:
    return str(path.relative_to(VECTORS))


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _b64(text: str) -> bytes:
    """Decode a vector hash; a JSON null proof (Go's nil slice) is handled by the caller as []."""
    return base64.b64decode(text, validate=True)


def test_vectors_are_present():
    """Parametrized tests over an empty list would pass silently; this one would not."""
    assert (VECTORS / "roots.json").is_file()
    assert (VECTORS / "LICENSE").is_file()
    assert len(INCLUSION) > 0 and len(CONSISTENCY) > 0
    assert any(_load(p)["wantErr"] is False for p in INCLUSION)
    assert any(_load(p)["wantErr"] is False for p in CONSISTENCY)


def test_roots():
    data = _load(VECTORS / "roots.json")
    leaves = [leaf_hash(bytes.fromhex(x)) for x in data["leaf_inputs_hex"]]
    expected = [bytes.fromhex(x) for x in data["root_hashes_hex"]]
    assert len(expected) == len(leaves) + 1
    store = MemoryNodeStore()
    store.append(leaves)
    for size, root in enumerate(expected):
        assert root_of(leaves[:size]) == root
        assert store.root(size) == root


@pytest.mark.parametrize("path", INCLUSION, ids=_name)
def test_inclusion_vector(path: Path):
    v = _load(path)
    args = (v["leafIdx"], v["treeSize"], _b64(v["leafHash"]), [_b64(p) for p in v["proof"] or []], _b64(v["root"]))
    if v["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)

    index, size, leaf, proof, root = args
    try:
        ok = verify_bundle.inclusion_root(index, size, leaf, proof) == root
    except verify_bundle.Fail:
        ok = False
    assert ok is not v["wantErr"]


@pytest.mark.parametrize("path", CONSISTENCY, ids=_name)
def test_consistency_vector(path: Path):
    v = _load(path)
    args = (v["size1"], v["size2"], [_b64(p) for p in v["proof"] or []], _b64(v["root1"]), _b64(v["root2"]))
    if v["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)
