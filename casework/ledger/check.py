"""Checking the stored log end to end (`flask --app app ledger verify`).

Nothing stored is trusted: the tree is recomputed from the entries' text alone (streamed in
chunks; only the O(log n) right frontier is kept), and then compared with

- each entry's own columns and stored leaf hash, and its canonical form;
- every stored node hash (and the node count: no extra nodes);
- every checkpoint: signature by the log key, origin, size and root against the recomputed root
  at that size, and an RFC 9162 consistency proof (from the stored nodes) to the next checkpoint;
- every work file: its blob's content hash and size against the file row and its deposit;
- every blob in the store: its content against its name, and its size against its deposits;
- every evidence item, signed document and sealed bundle: that its blob is in the store.

Each problem is reported with where it is; the caller exits non-zero if there is any. Leftovers
of an interrupted or rolled-back operation (a blob no deposit records, a temporary upload file)
are listed apart as `leftovers`: nothing is corrupt, but they are found and can be removed.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Callable, Iterator, Optional

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from casework.ledger import merkle
from casework.ledger.entries import EntryError, LedgerEntry
from casework.ledger.log import canonical_bytes, count_nodes, entry_rows, fetch_nodes
from casework.ledger.note import NoteError, VerifierKey, open_checkpoint
from casework.models.ledger import Checkpoint, Deposit, LedgerNode, LedgerState

__all__ = ["Problem", "Report", "check_log"]

MAX_PER_KIND = 200


@dataclass(frozen=True)
class Problem:
    kind: str  # entry, node, checkpoint, blob, work_file, state
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.kind} {self.where}: {self.message}"


@dataclass
class Report:
    entries: int = 0
    nodes: int = 0
    checkpoints: int = 0
    blobs: int = 0
    work_files: int = 0
    problems: list[Problem] = field(default_factory=list)
    suppressed: dict[str, int] = field(default_factory=dict)
    leftovers: list[Problem] = field(default_factory=list)

    def add(self, kind: str, where: str, message: str) -> None:
        if sum(1 for p in self.problems if p.kind == kind) >= MAX_PER_KIND:
            self.suppressed[kind] = self.suppressed.get(kind, 0) + 1
            return
        self.problems.append(Problem(kind, where, message))

    @property
    def ok(self) -> bool:
        return not self.problems and not self.suppressed


def _parse(text: str) -> LedgerEntry:
    """parse_entry's checks (canonical form, known fields, valid values), with the fast encoder."""
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise EntryError(None, f"not JSON: {exc}") from None
    if not isinstance(value, dict) or set(value) != {"v", "kind", "sha256", "size", "subject", "at", "actor"}:
        raise EntryError(None, "not an entry object with exactly the entry fields")
    entry = LedgerEntry(**value)
    if canonical_bytes(entry) != text.encode("utf-8"):
        raise EntryError(None, "not in RFC 8785 canonical form")
    return entry


def _check_entry(report: Report, row) -> bytes:
    index, text, stored_leaf, kind, sha256, size, subject, actor, at, document = row
    raw = text.encode("utf-8")
    leaf = merkle.leaf_hash(raw)
    where = f"#{index}"
    if bytes(stored_leaf) != leaf:
        report.add("entry", where, "stored leaf hash is not SHA-256(0x00 || entry)")
    try:
        entry = _parse(text)
    except (EntryError, TypeError) as exc:
        report.add("entry", where, f"entry text is not a valid canonical entry: {exc}")
        return leaf
    columns = {"kind": kind, "sha256": sha256, "size": size, "subject": subject, "actor": actor}
    for name, value in columns.items():
        if getattr(entry, name) != value:
            report.add("entry", where, f"column {name} ({value!r}) differs from the entry ({getattr(entry, name)!r})")
    if entry.at_datetime != at:
        report.add("entry", where, f"column at ({at}) differs from the entry ({entry.at})")
    if document is not None:
        data = document.encode("utf-8")
        if hashlib.sha256(data).hexdigest() != entry.sha256 or len(data) != entry.size:
            report.add("entry", where, "the deposited JSON document does not hash to the entry's sha256 and size")
    return leaf


def _stored_range(session: Session, nodes: list[merkle.StoredNode]) -> dict[merkle.NodeId, bytes]:
    """Stored nodes for the ranges (per level) that `nodes` cover, in one query."""
    spans: dict[int, list[int]] = {}
    for level, idx, _ in nodes:
        span = spans.setdefault(level, [idx, idx])
        span[0], span[1] = min(span[0], idx), max(span[1], idx)
    terms = [and_(LedgerNode.level == level, LedgerNode.idx.between(lo, hi)) for level, (lo, hi) in spans.items()]
    rows = session.execute(select(LedgerNode.level, LedgerNode.idx, LedgerNode.hash).where(or_(*terms)))
    return {(level, idx): bytes(digest) for level, idx, digest in rows}


def _segments(rows: list, stops: list[int]) -> Iterator[list]:
    """Split a chunk of entry rows so that each checkpoint size falls on a segment end."""
    start = 0
    first = rows[0][0]
    for stop in stops:
        cut = stop - first
        if start < cut < len(rows):
            yield rows[start:cut]
            start = cut
    yield rows[start:]


def check_log(session: Session, *, verifier: VerifierKey, origin: str, storage=None, check_blobs: bool = True,
              chunk: int = 5000, progress: Optional[Callable[[str], None]] = None) -> Report:
    report = Report()
    checkpoints = session.execute(select(Checkpoint.size, Checkpoint.root, Checkpoint.note)
                                  .order_by(Checkpoint.size)).all()
    stops = [size for size, _, _ in checkpoints]
    roots: dict[int, bytes] = {}
    frontier: dict[merkle.NodeId, bytes] = {}
    size = 0
    for rows in entry_rows(session, chunk=chunk):
        for segment in _segments(rows, stops):
            leaves = []
            for row in segment:
                if row[0] != size + len(leaves):
                    report.add("entry", f"#{row[0]}", f"index out of sequence (expected {size + len(leaves)})")
                leaves.append(_check_entry(report, row))
            result = merkle.append_nodes(size, leaves, lambda level, idx: frontier[(level, idx)])
            stored = _stored_range(session, result.nodes)
            for level, idx, digest in result.nodes:
                have = stored.get((level, idx))
                if have is None:
                    report.add("node", f"({level}, {idx})", "missing")
                elif have != digest:
                    report.add("node", f"({level}, {idx})", f"stored hash {have.hex()} should be {digest.hex()}")
            known = {**frontier, **{(level, idx): digest for level, idx, digest in result.nodes}}
            size = result.size
            frontier = {node: known[node] for node in merkle.root_nodes(size)}
            roots[size] = result.root
        report.entries = size
        if progress:
            progress(f"{size} entries checked")
    stored_nodes = session.scalar(select(func.count()).select_from(LedgerNode)) or 0
    report.nodes = stored_nodes
    if stored_nodes != count_nodes(size):
        report.add("node", "(count)", f"{stored_nodes} nodes stored; a tree of {size} leaves has {count_nodes(size)}")
    state = session.scalar(select(LedgerState.size).where(LedgerState.id == 1))
    if state != size:
        report.add("state", "ledger_state", f"records size {state} but {size} entries are stored")
    _check_checkpoints(session, report, checkpoints, roots, size, verifier, origin)
    if storage is not None:
        _check_blobs(session, report, storage, check_blobs, progress)
    return report


def _check_checkpoints(session, report, checkpoints, roots, size, verifier, origin) -> None:
    previous = None
    for cp_size, cp_root, note in checkpoints:
        report.checkpoints += 1
        where = f"size {cp_size}"
        try:
            parsed = open_checkpoint(note, verifier, origin)
        except NoteError as exc:
            report.add("checkpoint", where, f"signature or format check failed: {exc}")
            continue
        if parsed.size != cp_size or parsed.root_hash != bytes(cp_root):
            report.add("checkpoint", where, "the signed note's size or root differs from the stored columns")
        if cp_size > size:
            report.add("checkpoint", where, f"covers {cp_size} leaves but only {size} entries are stored")
        elif roots.get(cp_size) != parsed.root_hash:
            report.add("checkpoint", where, "its root is not the root recomputed from the entries")
        if previous is not None and cp_size <= size:
            try:
                proof = merkle.consistency_proof(previous.size, parsed.size, merkle.prefetch(
                    merkle.consistency_nodes(previous.size, parsed.size), lambda ids: fetch_nodes(session, ids)))
                merkle.verify_consistency(previous.size, parsed.size, proof, previous.root_hash, parsed.root_hash)
            except merkle.MerkleError as exc:
                report.add("checkpoint", where, f"not consistent with the checkpoint of size {previous.size}: {exc}")
        previous = parsed


def _stored_content(session):
    """(where, sha256) of every record whose content the blob store keeps, besides work files."""
    from casework.models.documents import Document
    from casework.models.evidence import Bundle, EvidenceItem

    for model, label in ((EvidenceItem, "evidence"), (Document, "document"), (Bundle, "bundle")):
        for row_id, sha256 in session.execute(select(model.id, model.sha256).where(model.sha256.is_not(None))
                                              .order_by(model.id)):
            yield f"{label} #{row_id}", sha256


def _check_blobs(session, report, storage, rehash: bool, progress) -> None:
    from casework.models.works import WorkFile

    for where, sha256 in _stored_content(session):
        if not storage.exists(sha256):
            report.add("blob", sha256, f"missing from the store ({where})")
    for name in storage.temp_leftovers():
        if os.path.basename(name).startswith("upload-"):
            report.leftovers.append(Problem("blob", name, "an unfinished upload's temporary file; safe to remove"))
        else:
            report.leftovers.append(Problem("blob", name, "the working folder of a capture or bundle export that "
                                            "was interrupted; safe to remove when no task is running"))

    checked: dict[str, Optional[int]] = {}

    def content(sha256: str):
        if sha256 not in checked:
            if rehash:
                result = storage.verify(sha256)
                checked[sha256] = result.size if result.ok else None
                if result.problem and result.problem != "missing":
                    report.add("blob", sha256, result.problem)
            else:
                checked[sha256] = storage.size(sha256) if storage.exists(sha256) else None
        return checked[sha256]

    files = session.execute(select(WorkFile.id, WorkFile.work_id, WorkFile.sha256, WorkFile.size,
                                   WorkFile.deposit_index, Deposit.sha256, Deposit.size, Deposit.kind)
                            .outerjoin(Deposit, Deposit.index == WorkFile.deposit_index).order_by(WorkFile.id))
    for file_id, work_id, sha256, fsize, index, dep_sha, dep_size, dep_kind in files:
        report.work_files += 1
        where = f"#{file_id} (work {work_id})"
        if not storage.exists(sha256):
            report.add("work_file", where, f"its blob {sha256} is missing from the store")
        else:
            actual = content(sha256)
            if actual is not None and actual != fsize:
                report.add("work_file", where, f"size {fsize} but the blob has {actual} bytes")
        if index is None:
            report.add("work_file", where, "not deposited")
        elif dep_sha is None:
            report.add("work_file", where, f"its deposit #{index} does not exist")
        elif (dep_sha, dep_size, dep_kind) != (sha256, fsize, "work_file"):
            report.add("work_file", where, f"its deposit #{index} records other content ({dep_kind} {dep_sha})")
    for n, sha256 in enumerate(storage.iter_blobs(), start=1):
        report.blobs = n
        actual = content(sha256)
        if actual is None:
            continue
        sizes = set(session.scalars(select(Deposit.size).where(Deposit.sha256 == sha256).distinct()))
        if sizes and sizes != {actual}:
            report.add("blob", sha256, f"deposited with size {sorted(sizes)} but the blob has {actual} bytes")
        if not sizes and len(report.leftovers) < MAX_PER_KIND:
            report.leftovers.append(Problem("blob", sha256, "stored, but no deposit records it (an interrupted "
                                                            "or rolled-back operation left it; safe to remove)"))
        if progress and n % 1000 == 0:
            progress(f"{n} blobs checked")
