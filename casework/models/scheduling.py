"""Deadlines, the scheduler (schedule, runs, leader lease), background tasks and the event outbox."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, Boolean, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.models.base import Base, UTCDateTime
from casework.models.monitoring import _in

DEADLINE_STATUSES = ("open", "done")
JOB_RUN_STATUSES = ("running", "ok", "failed", "skipped")
TASK_STATUSES = ("queued", "running", "done", "failed")


class Deadline(Base):
    """Something due by a time: a response, a counter-notice window, a hearing. The scheduler watches them."""

    __tablename__ = "deadline"
    __table_args__ = (
        CheckConstraint(_in("status", DEADLINE_STATUSES), name="status"),
        CheckConstraint("(status = 'done') = (done_at IS NOT NULL)", name="done_has_time"),
        Index("ix_deadline_status_due", "status", "due_at"),
        Index("ix_deadline_source", "source_type", "source_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300), default="")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    case_id: Mapped[Optional[int]] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"), index=True)
    status: Mapped[str] = mapped_column(String(6), default="open")
    done_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    reminded_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    escalated_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    source_type: Mapped[str] = mapped_column(String(40), default="")
    source_id: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    owner = relationship("User")
    case = relationship("Case")


class JobSchedule(Base):
    """The schedule is data: which registered job runs how often, and whether it is enabled."""

    __tablename__ = "job_schedule"
    __table_args__ = (CheckConstraint("interval_seconds IS NULL OR interval_seconds > 0", name="interval"),
                      CheckConstraint("(interval_seconds IS NULL) != (cron IS NULL)", name="one_trigger"))

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(60), unique=True)
    interval_seconds: Mapped[Optional[int]] = mapped_column(Integer)
    cron: Mapped[Optional[str]] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str] = mapped_column(String(300), default="")


class JobRun(Base):
    __tablename__ = "job_run"
    __table_args__ = (CheckConstraint(_in("status", JOB_RUN_STATUSES), name="status"),
                      Index("ix_job_run_job_started", "job", "started_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(60))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(8), default="running")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")
    holder: Mapped[str] = mapped_column(String(100), default="")


class SchedulerLease(Base):
    """The leader lock: whoever holds an unexpired lease runs the jobs; the others wait."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    renewed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Task(Base):
    """Long work a person started (a capture, a bundle export, bulk letters), run by the scheduler process."""

    __tablename__ = "task"
    __table_args__ = (
        CheckConstraint(_in("status", TASK_STATUSES), name="status"),
        CheckConstraint("progress >= 0 AND progress <= 1", name="progress"),
        Index("ix_task_status_available", "status", "available_at"),
        Index("ix_task_kind_created", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(8), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[Optional[dict]] = mapped_column(JSON)
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    case_id: Mapped[Optional[int]] = mapped_column(ForeignKey("case.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str] = mapped_column(String(100), default="")
    errors: Mapped[list] = mapped_column(JSON, default=list)

    created_by = relationship("User")


class DomainEvent(Base):
    """The outbox: something happened (a case moved, detections arrived); consumers dispatch it later."""

    __tablename__ = "domain_event"
    __table_args__ = (Index("ix_domain_event_at", "at"), Index("ix_domain_event_type_at", "type", "at"))

    # seq orders the outbox (consumers read it in order); id is the event's public identity (a UUID).
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    type: Mapped[str] = mapped_column(String(60))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    case_id: Mapped[Optional[int]] = mapped_column(ForeignKey("case.id", ondelete="SET NULL"), index=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)


class EventDispatch(Base):
    """One consumer (webhooks, notifications) has handled one event: the outbox's dispatched flags."""

    __tablename__ = "event_dispatch"

    event_id: Mapped[str] = mapped_column(ForeignKey("domain_event.id", ondelete="CASCADE"), primary_key=True)
    consumer: Mapped[str] = mapped_column(String(40), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
