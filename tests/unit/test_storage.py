"""The content-addressed blob store, without the app."""
from __future__ import annotations

import hashlib
import io
import os

import pytest

from casework.storage import CHUNK, BadHash, BlobMissing, DirectoryStorage, StorageError, TooLarge


class Interrupted(io.RawIOBase):
    """A client that sends some data and then disconnects."""

    def __init__(self, before: int):
        self.left = before

    def readable(self):
        return True

    def read(self, n=-1):
        if self.left <= 0:
            raise ConnectionResetError("client went away")
        chunk = os.urandom(min(n if n > 0 else CHUNK, self.left))
        self.left -= len(chunk)
        return chunk


@pytest.fixture(params=["tmpfile", "named"])
def store(request, tmp_path):
    s = DirectoryStorage(str(tmp_path / "blobs"))
    if request.param == "named":
        s._tmpfile_ok = False  # the portable path: a named temp file, renamed by link
    return s


def leftovers(store) -> list[str]:
    return os.listdir(store.tmp)


def test_put_names_by_hash_in_shards_and_stores_identical_content_once(store):
    data = os.urandom(3 * CHUNK + 17)  # several chunks: hashed on the second thread
    digest = hashlib.sha256(data).hexdigest()
    sha, size, created = store.put(io.BytesIO(data))
    assert (sha, size, created) == (digest, len(data), True)
    assert store.path(sha).endswith(os.path.join(digest[:2], digest[2:4], digest))
    with store.open(sha) as fh:
        assert fh.read() == data
    assert store.put(io.BytesIO(data)) == (digest, len(data), False)
    assert list(store.iter_blobs()) == [digest] and not leftovers(store)
    assert store.verify(digest).ok and store.size(digest) == len(data)


def test_empty_and_small_content(store):
    assert store.put(io.BytesIO(b""))[0] == hashlib.sha256(b"").hexdigest()
    assert store.put(io.BytesIO(b"x"))[:2] == (hashlib.sha256(b"x").hexdigest(), 1)


def test_staged_content_is_invisible_until_committed_and_gone_when_discarded(store):
    data = os.urandom(1000)
    with store.stage(io.BytesIO(data)) as staged:
        assert not store.exists(staged.sha256)
    assert not store.exists(staged.sha256) and not leftovers(store)
    staged = store.stage(io.BytesIO(data))
    assert staged.commit() is True and store.exists(staged.sha256)
    dropped = store.stage(io.BytesIO(b"abc"))
    dropped.discard()
    with pytest.raises(StorageError, match="discarded"):
        dropped.commit()


def test_too_large_is_refused_while_streaming_and_leaves_nothing(store):
    data = os.urandom(2 * CHUNK + 1)
    with pytest.raises(TooLarge) as err:
        store.stage(io.BytesIO(data), max_bytes=2 * CHUNK)
    assert err.value.limit == 2 * CHUNK
    assert not leftovers(store) and not list(store.iter_blobs())
    assert store.put(io.BytesIO(data[: 2 * CHUNK]), max_bytes=2 * CHUNK)[1] == 2 * CHUNK


def test_an_interrupted_upload_leaves_nothing(store):
    with pytest.raises(ConnectionResetError):
        store.stage(Interrupted(3 * CHUNK))
    assert not leftovers(store) and not list(store.iter_blobs())


def test_expected_hash_is_checked(store):
    with pytest.raises(BadHash):
        store.stage(io.BytesIO(b"abc"), expected_sha256="0" * 64)
    assert not leftovers(store)


def test_verify_finds_changed_and_missing_blobs(store):
    sha, _, _ = store.put(io.BytesIO(os.urandom(5000)))
    with open(store.path(sha), "r+b") as fh:
        fh.seek(4999)
        fh.write(b"\x00" if fh.read(1) != b"\x00" else b"\x01")
    result = store.verify(sha)
    assert not result.ok and result.actual_sha256 != sha and "content hashes to" in result.problem
    os.unlink(store.path(sha))
    assert store.verify(sha).problem == "missing"
    with pytest.raises(BlobMissing):
        store.open(sha)


def test_names_must_be_hashes(store):
    for bad in ("../../etc/passwd", "A" * 64, "abc"):
        with pytest.raises(StorageError):
            store.path(bad)
