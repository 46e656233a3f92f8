"""The content-addressed blob store: every file named by its SHA-256, written once, atomically.

Storing is two steps, so that a record never points at a file that is not there and a refused
upload leaves nothing behind:

1. ``stage(stream)`` streams the content into an anonymous temporary file in the store's own
   folder, hashing it on the way (in 1 MiB chunks; never the whole file in memory) and refusing it
   past ``max_bytes``. Nothing is visible yet; a crash here leaves nothing (Linux ``O_TMPFILE``),
   and ``discard()`` (or leaving the ``with`` block) drops it.
2. ``commit()`` fsyncs the file and links it into place as ``ab/cd/abcd...`` under the store, then
   fsyncs the folder. Identical content is stored once: if the name exists, the staged copy is
   dropped. Callers commit blobs after their records are flushed and before the database commit,
   so the worst a failure can leave is an unreferenced blob, never a record without its file.

Only the directory backend exists; ``Storage`` is the shape an object-store backend (S3
multipart upload to a staging key, then copy to the hash key) would take.
"""
from __future__ import annotations

import errno
import hashlib
import os
import queue
import re
import threading
from dataclasses import dataclass
from typing import BinaryIO, Iterator, Optional, Protocol

__all__ = ["CHUNK", "StorageError", "TooLarge", "BlobMissing", "BadHash", "Verification", "StagedBlob",
           "Storage", "DirectoryStorage", "get_storage", "is_sha256", "sha256_stream"]

CHUNK = 1 << 20
WORK_PREFIXES = ("upload-", "capture-", "bundle-")  # what stage() and the evidence tasks create in .tmp
_HEX64 = re.compile(r"[0-9a-f]{64}")


class StorageError(Exception):
    """A blob cannot be stored or read; the message is safe to show."""


class TooLarge(StorageError):
    def __init__(self, limit: int):
        super().__init__(f"the file is larger than the limit of {limit:,} bytes")
        self.limit = limit


class BlobMissing(StorageError, FileNotFoundError):
    pass


class BadHash(StorageError):
    """The content's SHA-256 is not the one expected."""


def is_sha256(value: object) -> bool:
    return isinstance(value, str) and bool(_HEX64.fullmatch(value))


@dataclass(frozen=True)
class Verification:
    sha256: str
    ok: bool
    actual_sha256: Optional[str]
    size: Optional[int]
    problem: str = ""


class StagedBlob(Protocol):
    sha256: str
    size: int

    def commit(self) -> bool:
        """Make the blob durable and visible under its hash; True if it was new."""

    def discard(self) -> None:
        """Drop the staged content (no-op after commit)."""


class Storage(Protocol):
    def stage(self, stream: BinaryIO, *, max_bytes: Optional[int] = None,
              expected_sha256: Optional[str] = None) -> StagedBlob: ...

    def put(self, stream: BinaryIO, *, max_bytes: Optional[int] = None) -> tuple[str, int, bool]: ...

    def open(self, sha256: str) -> BinaryIO: ...

    def exists(self, sha256: str) -> bool: ...

    def size(self, sha256: str) -> int: ...

    def verify(self, sha256: str) -> Verification: ...

    def iter_blobs(self) -> Iterator[str]: ...

    def temp_leftovers(self) -> list[str]: ...


def _write_all(fd: int, data) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


_BUFFERS = 4  # chunk buffers in flight between the reader and the hashing thread: 4 MiB, reused


def _pump(stream: BinaryIO, write=None, max_bytes: Optional[int] = None) -> tuple[str, int]:
    """Read `stream` to the end in CHUNK-sized buffers, hash it and pass each chunk to `write`.

    The buffers are allocated once and reused (a fresh 1 MiB bytes object per read costs page
    faults that halve the throughput here). Once a read fills a whole buffer, hashing moves to a
    second thread, so SHA-256 runs while the next chunk is read and this one written (hashlib
    and os.write release the GIL on large buffers). Raises TooLarge past `max_bytes`.
    """
    digest, size = hashlib.sha256(), 0
    readinto = getattr(stream, "readinto", None)
    first = bytearray(CHUNK)

    def fill(buf: bytearray) -> int:
        nonlocal readinto
        if readinto is not None:
            try:
                return readinto(buf) or 0
            except NotImplementedError:  # a RawIOBase that only implements read()
                readinto = None
        data = stream.read(CHUNK)
        buf[: len(data)] = data
        return len(data)

    def take(n: int) -> None:
        nonlocal size
        size += n
        if max_bytes is not None and size > max_bytes:
            raise TooLarge(max_bytes)

    n = fill(first)
    while 0 < n < CHUNK:  # small content, or a stream that answers in short reads: no thread
        take(n)
        view = memoryview(first)[:n]
        digest.update(view)
        if write is not None:
            write(view)
        n = fill(first)
    if n == 0:
        return digest.hexdigest(), size
    free: queue.Queue = queue.Queue()
    for _ in range(_BUFFERS - 1):
        free.put(bytearray(CHUNK))
    work: queue.Queue = queue.Queue()

    def hash_chunks() -> None:
        while (item := work.get()) is not None:
            buf, length = item
            digest.update(memoryview(buf)[:length])
            free.put(buf)

    thread = threading.Thread(target=hash_chunks, name="blob-sha256", daemon=True)
    thread.start()
    try:
        buf = first
        while n:
            take(n)
            work.put((buf, n))
            if write is not None:
                write(memoryview(buf)[:n])  # finished before this buffer can be handed out again
            buf = free.get()
            n = fill(buf)
    finally:
        work.put(None)
        thread.join()
    return digest.hexdigest(), size


def sha256_stream(stream: BinaryIO) -> tuple[str, int]:
    """SHA-256 and size of a stream, read in chunks (hashing overlaps reading on large inputs)."""
    return _pump(stream)


class _DirectoryStaged:
    def __init__(self, store: "DirectoryStorage", fd: int, temp_path: Optional[str], sha256: str, size: int):
        self._store, self._fd, self._temp_path = store, fd, temp_path
        self.sha256, self.size = sha256, size
        self.committed = False

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.discard()

    def commit(self) -> bool:
        if self.committed:
            return False
        if self._fd < 0:
            raise StorageError("this staged blob was discarded")
        os.fsync(self._fd)
        final = self._store.path(self.sha256)
        folder = os.path.dirname(final)
        os.makedirs(folder, exist_ok=True)
        folder_fd = os.open(folder, os.O_RDONLY)
        try:
            # An O_TMPFILE file is given a name through its /proc link; os.link only passes
            # AT_SYMLINK_FOLLOW to linkat when a dir_fd is given, hence dst_dir_fd.
            source = self._temp_path or f"/proc/self/fd/{self._fd}"
            try:
                os.link(source, os.path.basename(final), dst_dir_fd=folder_fd, follow_symlinks=True)
                created = True
            except FileExistsError:
                created = False  # identical content is already stored
            if created:
                os.fsync(folder_fd)
        finally:
            os.close(folder_fd)
        self.committed = True
        self.discard()
        return created

    def discard(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        if self._temp_path is not None:
            try:
                os.unlink(self._temp_path)
            except FileNotFoundError:
                pass
            self._temp_path = None


class DirectoryStorage:
    """Blobs under ``root/ab/cd/<sha256>``; staging in ``root/.tmp`` on the same file system."""

    def __init__(self, root: str):
        self.root = os.path.abspath(root)
        self.tmp = os.path.join(self.root, ".tmp")
        os.makedirs(self.tmp, exist_ok=True)
        self._tmpfile_ok = hasattr(os, "O_TMPFILE")

    def path(self, sha256: str) -> str:
        if not is_sha256(sha256):
            raise StorageError(f"{sha256!r} is not a lowercase hex SHA-256")
        return os.path.join(self.root, sha256[:2], sha256[2:4], sha256)

    def _open_temp(self) -> tuple[int, Optional[str]]:
        if self._tmpfile_ok:
            try:
                return os.open(self.tmp, os.O_TMPFILE | os.O_WRONLY, 0o640), None
            except OSError as exc:  # the file system does not support it: use a named temp file
                if exc.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
                    raise
                self._tmpfile_ok = False
        import tempfile

        fd, path = tempfile.mkstemp(dir=self.tmp, prefix="upload-")
        return fd, path

    def stage(self, stream: BinaryIO, *, max_bytes: Optional[int] = None,
              expected_sha256: Optional[str] = None) -> _DirectoryStaged:
        """Stream `stream` into a staged blob (see the module docstring); TooLarge past `max_bytes`."""
        fd, temp_path = self._open_temp()
        try:
            sha256, size = _pump(stream, lambda view: _write_all(fd, view), max_bytes)
            if expected_sha256 is not None and sha256 != expected_sha256:
                raise BadHash(f"the content's SHA-256 is {sha256}, not {expected_sha256}")
        except BaseException:
            os.close(fd)
            if temp_path is not None:
                os.unlink(temp_path)
            raise
        return _DirectoryStaged(self, fd, temp_path, sha256, size)

    def put(self, stream: BinaryIO, *, max_bytes: Optional[int] = None) -> tuple[str, int, bool]:
        """Stage and commit at once: (sha256, size, created)."""
        with self.stage(stream, max_bytes=max_bytes) as staged:
            created = staged.commit()
        return staged.sha256, staged.size, created

    def open(self, sha256: str) -> BinaryIO:
        try:
            return open(self.path(sha256), "rb")
        except FileNotFoundError:
            raise BlobMissing(f"blob {sha256} is not in the store") from None

    def exists(self, sha256: str) -> bool:
        return os.path.isfile(self.path(sha256))

    def size(self, sha256: str) -> int:
        try:
            return os.path.getsize(self.path(sha256))
        except FileNotFoundError:
            raise BlobMissing(f"blob {sha256} is not in the store") from None

    def verify(self, sha256: str) -> Verification:
        """Rehash a stored blob and compare with its name."""
        try:
            handle = self.open(sha256)
        except BlobMissing:
            return Verification(sha256, False, None, None, "missing")
        with handle:
            actual, size = sha256_stream(handle)
        if actual != sha256:
            return Verification(sha256, False, actual, size, f"content hashes to {actual}")
        return Verification(sha256, True, actual, size)

    def temp_leftovers(self) -> list[str]:
        """Named temporary files of uploads that never finished (O_TMPFILE ones vanish by themselves), and the
        working folders of captures and bundle exports whose process died before it could remove them."""
        try:
            return sorted(os.path.join(self.tmp, n) for n in os.listdir(self.tmp) if n.startswith(WORK_PREFIXES))
        except FileNotFoundError:
            return []

    def iter_blobs(self) -> Iterator[str]:
        """Every stored blob's hash (names that are not hashes are skipped)."""
        for first in sorted(os.listdir(self.root)):
            if len(first) != 2:
                continue
            level1 = os.path.join(self.root, first)
            for second in sorted(os.listdir(level1)):
                level2 = os.path.join(level1, second)
                if not os.path.isdir(level2):
                    continue
                for name in sorted(os.listdir(level2)):
                    if is_sha256(name) and name.startswith(first + second):
                        yield name


def get_storage(app=None) -> DirectoryStorage:
    """The application's blob store (BLOB_DIR), created once per app."""
    if app is None:
        from flask import current_app

        app = current_app._get_current_object()
    store = app.extensions.get("casework_storage")
    if store is None or store.root != os.path.abspath(app.config["BLOB_DIR"]):
        store = DirectoryStorage(app.config["BLOB_DIR"])
        app.extensions["casework_storage"] = store
    return store
