"""The deposit ledger's tables: entries (leaves), complete-subtree nodes, signed checkpoints.

The first three are append-only in the database itself: triggers (in the migration) refuse UPDATE
and DELETE on both SQLite and PostgreSQL. `ledger_state` is the one mutable row: appends lock it
first, which serializes them across threads and processes, and it keeps the tree size.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, BigInteger, CheckConstraint, Index, LargeBinary, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from casework.models.base import Base, UTCDateTime

APPEND_ONLY_TABLES = ("ledger_entry", "ledger_node", "ledger_checkpoint")


class Deposit(Base):
    """One leaf of the log: the canonical JSON entry (what was hashed) and its fields, for lookups."""

    __tablename__ = "ledger_entry"
    __table_args__ = (
        CheckConstraint("idx >= 0", name="idx"),
        CheckConstraint("size >= 0", name="size"),
        Index("ix_ledger_entry_sha256", "sha256"),
        Index("ix_ledger_entry_subject", "subject"),
    )

    index: Mapped[int] = mapped_column("idx", BigInteger, primary_key=True, autoincrement=False)
    """0-based leaf index: the entry's position in the Merkle tree."""
    entry: Mapped[str] = mapped_column(Text)
    """The RFC 8785 canonical JSON exactly as hashed into the leaf."""
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    kind: Mapped[str] = mapped_column(String(30))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    subject: Mapped[str] = mapped_column(String(300))
    actor: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    document: Mapped[Optional[str]] = mapped_column(Text)
    """For deposit_json: the canonical JSON document whose SHA-256 is `sha256` (kept so anyone can recheck)."""
    extra: Mapped[Optional[dict]] = mapped_column(JSON)
    """Private context for the depositing domain; not part of the public entry."""


class LedgerNode(Base):
    """The hash of a complete subtree: 2**level leaves starting at leaf idx * 2**level (level 0: leaves)."""

    __tablename__ = "ledger_node"
    __table_args__ = (
        CheckConstraint("level >= 0 AND level < 64 AND idx >= 0", name="position"),
        {"sqlite_with_rowid": False},
    )

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class Checkpoint(Base):
    """A signed tree head (C2SP tlog-checkpoint note), at most one per tree size."""

    __tablename__ = "ledger_checkpoint"
    __table_args__ = (CheckConstraint("size > 0", name="size"),)

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    """The signed note as served by /api/v1/ledger/checkpoint."""
    timestamp_token: Mapped[Optional[bytes]] = mapped_column(LargeBinary)
    """DER RFC 3161 token over the note's bytes, when a TSA is configured."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LedgerState(Base):
    """The single lock row (id 1): every append updates it first, so appends run one at a time."""

    __tablename__ = "ledger_state"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"), CheckConstraint("size >= 0", name="size"))

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
